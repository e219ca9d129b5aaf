"""The governance diff: what a change does to the portfolio, for a pull request's summary.

The records at a git revision are read from git's objects as committed (`ls-tree` and
`cat-file`, never `git archive`, whose export-ignore attribute a committed .gitattributes
controls) into a temporary folder; both trees go through the same pipeline (load_portfolio)
with the same "today", and the two Portfolios are compared: initiatives added, removed or
retired; stage moves and whether the new stage's gate holds; policy changes that move a gate
and the initiatives they reach; risk, approach or tags changing which items are required;
decisions added, removed or changing status or outcome; checklist items completed, waived,
marked not applicable, expired, regressed or re-approved; runbooks added or removed, runbook
topics covered or lost, exercises recorded, removed or changing outcome, rollback steps,
triggers and escalation lost; metrics added or removed, their gate_from, target, direction
or measurements changed; problems introduced and fixed.
`compare` works on two Portfolios alone, so it is tested without git.
"""

from __future__ import annotations

import contextvars

import os
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from generator.authoring.source_blobs import write_source_blobs
from generator.core.loader import MAX_FILE_BYTES, clean_text
from generator.authoring.ledgerdiff import ControlChange, RequirementChange, compare_ledgers, control_changes
from generator.core.text_safety import gfm_text
from generator.core.model import (
    ChecklistItem,
    ChecklistSpec,
    Exercise,
    Initiative,
    InitiativeState,
    ItemSpec,
    ItemVerdict,
    Metric,
    Policy,
    Portfolio,
    Problem,
    Runbook,
    RunbookStep,
    RunbookTopic,
)

CLOSED = ("done", "waived", "not-applicable")
RUNBOOKS = "runbooks"  # the `checklist` of a runbook topic, as in evaluate.py's verdicts
MAX_LISTED = 50  # per section in Markdown; the JSON has everything


class DiffError(Exception):
    """BASE is not a revision, ROOT is not in a git repository, or git failed. Exit 2."""


# --------------------------------------------------------------------------- the result


@dataclass
class InitiativeChange:
    initiative: str
    title: str
    stage: str
    gate_holds: bool | None = None
    blocking: list[str] = field(default_factory=list)  # "checklist/item: reason"
    # removed: True, its requirements leave governance (a renamed folder reads as removed and added)
    lowers: bool | None = None


@dataclass
class StageMove:
    initiative: str
    title: str
    before: str
    after: str
    direction: str  # forward | backward | sideways (a stage the policy does not know)
    gate_holds: bool
    blocking: list[str] = field(default_factory=list)


@dataclass
class DecisionChange:
    initiative: str
    number: int
    title: str
    change: str  # added | removed | status | outcome
    before: str = ""  # status or chosen option before
    after: str = ""
    file: str = ""


@dataclass
class FieldChange:
    field: str
    before: str
    after: str


@dataclass
class ItemChange:
    initiative: str
    checklist: str
    item: str
    title: str
    change: str  # completed | waived | not-applicable | expired | regressed | started | incomplete
    before: str  # status before ("todo" when the file omitted it)
    after: str
    complete: bool | None  # the verdict after the change, when the gates judged the item
    reason: str = ""  # why it is not complete, when known
    file: str = ""
    fields: list[FieldChange] = field(default_factory=list)  # approver, evidence, date… of an item that stays closed


@dataclass
class ScopeChange:
    """Items an initiative must complete that stop or start being required, at its stage and,
    when the lists differ there, at its next stage. `fields` names the initiative's own
    changes (risk, approach, tags) that caused it; empty when the policy did."""

    initiative: str
    title: str
    stage: str
    no_longer_required: list[str]  # "checklist/item"
    newly_required: list[str]
    next_stage: str | None = None
    next_no_longer_required: list[str] = field(default_factory=list)
    next_newly_required: list[str] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class PolicyChange:
    """One change to decisions/policy.yaml that moves a gate."""

    checklist: str  # "" for a policy-wide setting
    item: str  # "" for the checklist itself
    # a setting's name | stages | checklist added/removed | owners added/removed | added | removed | required_from | when
    # | allow_na | exercised; checklist "runbooks" for runbook topics, runbooks.owners and runbooks.exercise_max_age_days
    change: str
    before: str
    after: str
    lowers: bool | None = None  # True when it lowers the bar, False when it raises it, None when that depends


@dataclass
class RunbookChange:
    initiative: str
    runbook: str  # file stem
    title: str
    # added | removed | topic-covered | topic-lost | exercise | exercise-removed | exercise-outcome
    # | rollback-step-removed | rollback-step-replaced | trigger-removed | escalation-emptied
    change: str
    detail: str = ""  # the topic, the exercise as "date kind outcome", the step, the alert, old → new…
    file: str = ""
    lowers: bool | None = None  # True when it lowers the bar, False when it raises it, None when that depends


@dataclass
class MetricChange:
    """One change to an initiative's metric that can move its gate (`gate_from`)."""

    initiative: str
    metric: str
    title: str
    # added | removed | gate_from | target | direction | measurement removed | measurement changed
    # | measurement in the future
    change: str
    before: str = ""  # "date: value" for a measurement
    after: str = ""
    lowers: bool | None = None  # True when it lowers the bar, False when it raises it, None when that depends
    file: str = ""


@dataclass
class GovernanceDiff:
    base: str
    as_of: str
    head: str = ""  # the revision compared with BASE; "" for the working tree
    added: list[InitiativeChange] = field(default_factory=list)
    removed: list[InitiativeChange] = field(default_factory=list)
    retired: list[InitiativeChange] = field(default_factory=list)
    stage_moves: list[StageMove] = field(default_factory=list)
    decisions: list[DecisionChange] = field(default_factory=list)
    items: list[ItemChange] = field(default_factory=list)
    scope_changes: list[ScopeChange] = field(default_factory=list)  # from risk, approach, tags
    policy_changes: list[PolicyChange] = field(default_factory=list)
    policy_effects: list[ScopeChange] = field(default_factory=list)  # initiatives the policy change reaches
    runbooks: list[RunbookChange] = field(default_factory=list)
    metrics: list[MetricChange] = field(default_factory=list)
    requirements: list[RequirementChange] = field(default_factory=list)  # the two ledgers compared
    controls: list[ControlChange] = field(default_factory=list)  # frameworks list, packs, mappings
    problems_introduced: list[Problem] = field(default_factory=list)
    problems_fixed: list[Problem] = field(default_factory=list)
    base_unusable: bool = False
    head_unusable: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.added or self.removed or self.retired or self.stage_moves or self.decisions
            or self.items or self.scope_changes or self.policy_changes or self.policy_effects
            or self.runbooks or self.metrics or self.requirements or self.controls
            or self.problems_introduced or self.problems_fixed
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems_introduced"] = [p.as_dict() for p in self.problems_introduced]
        data["problems_fixed"] = [p.as_dict() for p in self.problems_fixed]
        data["summary"] = summary_counts(self)
        return data


# --------------------------------------------------------------------------- comparing


def _verdicts(state: InitiativeState | None) -> dict[tuple[str, str], ItemVerdict]:
    """The ledger's entries by (checklist, item)."""
    return {(entry.checklist, entry.item): entry for entry in state.requirements} if state is not None else {}


def _blocking(state: InitiativeState | None) -> tuple[bool, list[str]]:
    if state is None:
        return False, []
    return state.current.ready, [f"{v.checklist}/{v.item}: {_reason(v)}" for v in state.current.blocking]


def _reason(verdict: ItemVerdict) -> str:
    """The verdict's reason without the item id it starts with."""
    reason = verdict.reason or verdict.status
    prefix = f"{verdict.item}: "
    return reason[len(prefix):] if reason.startswith(prefix) else reason


def _items(initiative: Initiative, portfolio: Portfolio) -> dict[tuple[str, str], tuple[str, str, str, ChecklistItem | None]]:
    """(checklist, item) -> (status, title, file, record) for every item recorded or defined by the policy."""
    found: dict[tuple[str, str], tuple[str, str, str, ChecklistItem | None]] = {}
    policy = portfolio.policy
    default_file = f"decisions/{initiative.id}/checklists/{{}}.yaml"
    if policy is not None:
        for spec in policy.checklists.values():
            for item in spec.items:
                if item.applies_to(initiative):
                    found[(spec.id, item.id)] = ("todo", item.title, default_file.format(spec.id), None)
    for checklist in initiative.checklists.values():
        spec = policy.checklists.get(checklist.id) if policy else None
        for item_id, item in checklist.items.items():
            item_spec = spec.item(item_id) if spec else None
            title = item_spec.title if item_spec else item_id
            found[(checklist.id, item_id)] = (item.status, title, checklist.file, item)
    return found


def _classify(before: str, after: str, was_complete: bool | None, complete: bool | None, expired: bool) -> str | None:
    """The kind of change of one item, or None when nothing a reviewer cares about changed."""
    if before == after:
        if was_complete and complete is False:
            return "expired" if expired else "regressed"
        if was_complete is False and complete:
            return "completed"
        return None
    if after == "done":
        if complete is False:
            return "expired" if expired else "incomplete"
        return "completed"
    if after in ("waived", "not-applicable"):
        if complete is False:
            return "expired" if expired else "incomplete"
        return after
    if before in CLOSED:
        return "regressed"
    if after == "in-progress":
        return "started"
    return None


# A verdict whose first error is one of these lapsed with time rather than by an edit.
_EXPIRY_CODES = ("LB203", "LB207")


def _problem_key(problem: Problem) -> tuple:
    # Lines move when a file is edited; a problem is the same problem wherever it sits.
    return (problem.location.file, problem.severity.value, problem.code, problem.message, problem.initiative)


def _problem_difference(left: list[Problem], right: list[Problem]) -> list[Problem]:
    """Problems of `left` that `right` does not have (as a multiset, ignoring line and column)."""
    remaining = Counter(_problem_key(p) for p in right)
    out = []
    for problem in sorted(left, key=Problem.sort_key):
        key = _problem_key(problem)
        if remaining[key]:
            remaining[key] -= 1
        else:
            out.append(problem)
    return out


def _stage_direction(before: str, after: str, portfolio: Portfolio) -> str:
    stages = portfolio.policy.stages if portfolio.policy else []
    if before in stages and after in stages:
        return "forward" if stages.index(after) > stages.index(before) else "backward"
    return "sideways"


# What each closed status rests on: changing one of these changes who vouched, for what, until when.
_CLOSED_FIELDS: dict[str, tuple[str, ...]] = {
    "done": ("evidence", "approver", "date"),
    "waived": ("waiver.reason", "waiver.approver", "waiver.date", "waiver.expires"),
    "not-applicable": ("reason",),
}


def _field_value(item: ChecklistItem, name: str) -> str:
    owner: object = item
    for part in name.split("."):
        owner = getattr(owner, part, None) if owner is not None else None
    return "" if owner is None else str(owner)


def _closed_fields_changed(before: ChecklistItem | None, after: ChecklistItem | None) -> list[FieldChange]:
    """The approval fields of an item that was and stays closed (done, waived, not applicable), old → new."""
    if before is None or after is None or before.status != after.status:
        return []
    return [
        FieldChange(name, _field_value(before, name), _field_value(after, name))
        for name in _CLOSED_FIELDS.get(after.status, ())
        if _field_value(before, name) != _field_value(after, name)
    ]


# --------------------------------------------------------------------------- which items are required


def required_items(policy: Policy, initiative: Initiative, stage: str | None) -> set[str]:
    """"checklist/item" of every item `policy` requires of `initiative` at `stage`, and
    "runbooks/topic" of every runbook topic: the same rule as Evaluator.readiness
    (required_from at or before the stage, `when` matching; nothing at an unknown stage or at
    the terminal `retired`)."""
    if stage is None or stage not in policy.stages or stage == "retired":
        return set()
    level = policy.stage_index(stage)
    required = [(spec.id, item) for spec in policy.checklists.values() for item in spec.items]
    required += [(RUNBOOKS, topic) for topic in policy.runbook_topics.values()]
    return {
        f"{owner}/{item.id}"
        for owner, item in required
        if item.required_from in policy.stages and policy.stage_index(item.required_from) <= level
        and item.applies_to(initiative)
    }


def _scope(
    initiative: Initiative, before: tuple[Policy, Initiative], after: tuple[Policy, Initiative],
    fields: list[FieldChange],
) -> ScopeChange | None:
    """How the required items at the initiative's stage (and the next) differ from `before` to `after`."""
    stage = initiative.stage
    next_stage = after[0].next_stage(stage)
    old_now, new_now = required_items(*before, stage), required_items(*after, stage)
    old_next, new_next = required_items(*before, next_stage), required_items(*after, next_stage)
    if old_now == new_now and old_next == new_next:
        return None
    change = ScopeChange(initiative.id, initiative.title, stage, sorted(old_now - new_now), sorted(new_now - old_now), fields=fields)
    if next_stage and (old_next - new_next, new_next - old_next) != (old_now - new_now, new_now - old_now):
        change.next_stage = next_stage
        change.next_no_longer_required = sorted(old_next - new_next)
        change.next_newly_required = sorted(new_next - old_next)
    return change


_SCOPE_FIELDS = ("risk", "approach", "tags")  # what a policy `when` can match


def _shown(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _scope_changes(old: dict[str, Initiative], new: dict[str, Initiative], policy: Policy | None) -> list[ScopeChange]:
    """Initiatives whose own risk, approach or tags change which items the (new) policy requires."""
    found = []
    if policy is None:
        return found
    for initiative_id, initiative in new.items():
        previous = old.get(initiative_id)
        if previous is None:
            continue
        fields = [
            FieldChange(name, _shown(getattr(previous, name)), _shown(getattr(initiative, name)))
            for name in _SCOPE_FIELDS
            if getattr(previous, name) != getattr(initiative, name)
        ]
        if not fields:
            continue
        as_before = replace(initiative, **{name: getattr(previous, name) for name in _SCOPE_FIELDS})
        change = _scope(initiative, (policy, as_before), (policy, initiative), fields)
        if change:
            found.append(change)
    return found


def _policy_effects(old: dict[str, Initiative], new: dict[str, Initiative], before: Policy, after: Policy) -> list[ScopeChange]:
    """Initiatives (in both trees, as they are now) whose required items the policy change alters."""
    found = []
    for initiative_id, initiative in new.items():
        if initiative_id in old:
            change = _scope(initiative, (before, initiative), (after, initiative), [])
            if change:
                found.append(change)
    return found


# --------------------------------------------------------------------------- policy changes


def _when_text(when: dict[str, list[str]]) -> str:
    return "; ".join(f"{key}: {', '.join(map(str, values))}" for key, values in when.items()) or "always"


def _item_text(item: ItemSpec | RunbookTopic) -> str:
    return (item.required_from + (f", when {_when_text(item.when)}" if item.when else "")
            + (f", effective {item.effective}" if item.effective else ""))


def policy_changes(before: Policy, after: Policy) -> list[PolicyChange]:
    """What moved a gate from one policy to the other: settings, stages, checklists, owners,
    items, runbook topics and the runbook settings."""
    found: list[PolicyChange] = []
    for setting in ("approval_max_age_days", "waiver_max_days", "metric_max_age_days"):
        old_days, new_days = getattr(before, setting), getattr(after, setting)
        if old_days != new_days:
            found.append(PolicyChange("", "", setting, str(old_days), str(new_days), lowers=new_days > old_days))
    if before.stages != after.stages:
        found.append(PolicyChange("", "", "stages", ", ".join(before.stages), ", ".join(after.stages)))
    for checklist_id in sorted(set(before.checklists) | set(after.checklists)):
        old, new = before.checklists.get(checklist_id), after.checklists.get(checklist_id)
        if old is None or new is None:
            change = "checklist added" if old is None else "checklist removed"
            spec = new or old
            items = ", ".join(item.id for item in spec.items)
            found.append(PolicyChange(checklist_id, "", change, "" if old is None else items, items if old is None else "",
                                      lowers=new is None))
            continue
        found += _owner_changes(checklist_id, old.owners, new.owners)
        found.extend(_item_changes(old, new, after.stages))
    found.extend(_runbook_policy_changes(before, after))
    found.extend(_campaign_changes(before, after))
    found.extend(_pin_changes(before, after))
    return found


def _pin_changes(before: Policy, after: Policy) -> list[PolicyChange]:
    """`metric_gates`: a pin removed, moved to a later stage, given an easier target or the
    other direction lowers the bar (checklist "metric_gates", item "initiative/metric")."""
    old = {(p.initiative, p.metric): p for p in before.metric_gates}
    new = {(p.initiative, p.metric): p for p in after.metric_gates}
    found: list[PolicyChange] = []
    text = lambda pin: f"{pin.gate_from}, target {_number(pin.target)} ({pin.direction} is better)"  # noqa: E731
    for key in sorted(old.keys() | new.keys()):
        was, pin = old.get(key), new.get(key)
        item = "/".join(key)
        if pin is None:
            found.append(PolicyChange("metric_gates", item, "removed", text(was), "", lowers=True))
        elif was is None:
            found.append(PolicyChange("metric_gates", item, "added", "", text(pin), lowers=False))
        else:
            if was.gate_from != pin.gate_from:
                found.append(PolicyChange("metric_gates", item, "gate_from", was.gate_from, pin.gate_from,
                                          lowers=_later(was.gate_from, pin.gate_from, after.stages)))
            if was.direction != pin.direction:
                found.append(PolicyChange("metric_gates", item, "direction", was.direction, pin.direction, lowers=True))
            elif was.target != pin.target:
                found.append(PolicyChange("metric_gates", item, "target", _number(was.target), _number(pin.target),
                                          lowers=_easier(pin.direction, was.target, pin.target)))
    return found


def _owner_changes(checklist: str, before: list[str], after: list[str]) -> list[PolicyChange]:
    """More people who may approve lowers the bar; fewer raises it."""
    added = [o for o in after if o not in before]
    gone = [o for o in before if o not in after]
    found = [PolicyChange(checklist, "", "owners added", "", ", ".join(added), lowers=True)] if added else []
    return found + ([PolicyChange(checklist, "", "owners removed", ", ".join(gone), "", lowers=False)] if gone else [])


def _runbook_policy_changes(before: Policy, after: Policy) -> list[PolicyChange]:
    """The `runbooks:` part of the policy: exercise_max_age_days, owners (as in force: the
    on-call checklist's when not written) and each topic, under the checklist name "runbooks"."""
    found = []
    old_days, new_days = before.exercise_max_age_days, after.exercise_max_age_days
    if old_days != new_days:
        found.append(PolicyChange(RUNBOOKS, "", "exercise_max_age_days", str(old_days), str(new_days), lowers=new_days > old_days))
    found += _owner_changes(RUNBOOKS, before.runbook_owners, after.runbook_owners)
    old, new = before.runbook_topics, after.runbook_topics
    for topic_id, topic in old.items():
        if topic_id not in new:
            found.append(PolicyChange(RUNBOOKS, topic_id, "removed", _topic_text(topic), "", lowers=True))
    for topic_id, topic in new.items():
        was = old.get(topic_id)
        if was is None:
            kind = "announced" if topic.effective else "added"
            found.append(PolicyChange(RUNBOOKS, topic_id, kind, "", _topic_text(topic), lowers=False))
            continue
        found += _effective_change(RUNBOOKS, topic_id, was.effective, topic.effective)
        if was.required_from != topic.required_from:
            found.append(PolicyChange(RUNBOOKS, topic_id, "required_from", was.required_from, topic.required_from,
                                      lowers=_later(was.required_from, topic.required_from, after.stages)))
        if was.when != topic.when:  # narrower or wider depends on the initiatives: see the effects
            found.append(PolicyChange(RUNBOOKS, topic_id, "when", _when_text(was.when), _when_text(topic.when)))
        if was.exercised != topic.exercised:
            found.append(PolicyChange(RUNBOOKS, topic_id, "exercised", str(was.exercised).lower(), str(topic.exercised).lower(),
                                      lowers=not topic.exercised))
    return found


def _effective_change(checklist: str, item: str, before: str, after: str) -> list[PolicyChange]:
    """`effective` set, moved or removed: announcing an existing requirement defers it (🔻),
    moving the date earlier or dropping it brings it into force sooner (🔺)."""
    if before == after:
        return []
    if not before:
        lowers: bool | None = True
    elif not after:
        lowers = False
    else:
        lowers = after > before  # ISO dates: a later string is a later day
    return [PolicyChange(checklist, item, "effective", before or "in force", after or "in force", lowers=lowers)]


def _campaign_changes(before: Policy, after: Policy) -> list[PolicyChange]:
    """Campaigns added or removed, their target moved, requirements or scope changed (checklist
    "campaigns", item the campaign id). A later target or a dropped requirement lowers the bar."""
    found: list[PolicyChange] = []
    old = {c.id: c for c in before.campaigns}
    new = {c.id: c for c in after.campaigns}
    for campaign_id, campaign in old.items():
        if campaign_id not in new:
            found.append(PolicyChange("campaigns", campaign_id, "removed", f"{campaign.title} by {campaign.target}", "", lowers=True))
    for campaign_id, campaign in new.items():
        was = old.get(campaign_id)
        if was is None:
            found.append(PolicyChange("campaigns", campaign_id, "announced", "",
                                      f"{', '.join(campaign.requirements)} by {campaign.target}", lowers=False))
            continue
        if was.target != campaign.target:
            found.append(PolicyChange("campaigns", campaign_id, "target", was.target, campaign.target, lowers=campaign.target > was.target))
        dropped = [r for r in was.requirements if r not in campaign.requirements]
        added = [r for r in campaign.requirements if r not in was.requirements]
        if dropped or added:
            found.append(PolicyChange("campaigns", campaign_id, "requirements", ", ".join(was.requirements),
                                      ", ".join(campaign.requirements), lowers=True if dropped else False))
        if was.scope != campaign.scope:
            found.append(PolicyChange("campaigns", campaign_id, "scope", _when_text(was.scope), _when_text(campaign.scope)))
    return found


def _topic_text(topic: RunbookTopic) -> str:
    return _item_text(topic) + (", exercised" if topic.exercised else "")


def _later(before: str, after: str, stages: list[str]) -> bool | None:
    """Whether `after` comes later than `before` (`retired` is never gated: the latest)."""
    if before not in stages or after not in stages:
        return None
    return stages.index(after) > stages.index(before)


def _item_changes(old: ChecklistSpec, new: ChecklistSpec, stages: list[str]) -> list[PolicyChange]:
    found = []
    old_items = {item.id: item for item in old.items}
    new_items = {item.id: item for item in new.items}
    for item_id, item in old_items.items():
        if item_id not in new_items:
            found.append(PolicyChange(old.id, item_id, "removed", _item_text(item), "", lowers=True))
    for item_id, item in new_items.items():
        was = old_items.get(item_id)
        if was is None:
            # an item with a future `effective` is announced: it blocks nobody until that date
            kind = "announced" if item.effective else "added"
            found.append(PolicyChange(new.id, item_id, kind, "", _item_text(item), lowers=False))
            continue
        if was.required_from != item.required_from:
            found.append(PolicyChange(new.id, item_id, "required_from", was.required_from, item.required_from,
                                      lowers=_later(was.required_from, item.required_from, stages)))
        found += _effective_change(new.id, item_id, was.effective, item.effective)
        if was.when != item.when:  # narrower or wider depends on the initiatives: see the effects
            found.append(PolicyChange(new.id, item_id, "when", _when_text(was.when), _when_text(item.when)))
        if was.allow_na != item.allow_na:
            found.append(PolicyChange(new.id, item_id, "allow_na", str(was.allow_na).lower(), str(item.allow_na).lower(),
                                      lowers=item.allow_na))
    return found


def compare(before: Portfolio, after: Portfolio, base: str = "") -> GovernanceDiff:
    """What changed from `before` (the records at BASE) to `after` (the working tree)."""
    diff = GovernanceDiff(base=base, as_of=after.as_of, base_unusable=before.unusable, head_unusable=after.unusable)
    old = {i.id: i for i in before.initiatives}
    new = {i.id: i for i in after.initiatives}

    for initiative_id, initiative in new.items():
        state = after.states.get(initiative_id)
        holds, blocking = _blocking(state)
        if initiative_id not in old:
            diff.added.append(InitiativeChange(initiative_id, initiative.title, initiative.stage, holds, blocking))
            continue
        previous = old[initiative_id]
        if previous.stage != initiative.stage:
            if initiative.stage == "retired":
                diff.retired.append(InitiativeChange(initiative_id, initiative.title, previous.stage))
            else:
                diff.stage_moves.append(
                    StageMove(
                        initiative_id, initiative.title, previous.stage, initiative.stage,
                        _stage_direction(previous.stage, initiative.stage, after), holds, blocking,
                    )
                )
    for initiative_id, initiative in old.items():
        if initiative_id not in new:
            diff.removed.append(InitiativeChange(initiative_id, initiative.title, initiative.stage, lowers=True))

    lapsed = {(p.location, p.code) for p in after.problems if p.code in _EXPIRY_CODES}
    for initiative_id, initiative in new.items():
        previous = old.get(initiative_id)
        old_decisions = {d.number: d for d in previous.decisions} if previous else {}
        new_decisions = {d.number: d for d in initiative.decisions}
        for number, decision in sorted(new_decisions.items()):
            was = old_decisions.get(number)
            if was is None:
                diff.decisions.append(
                    DecisionChange(initiative_id, number, decision.title, "added", "", decision.status, decision.file)
                )
                continue
            if was.status != decision.status:
                diff.decisions.append(
                    DecisionChange(initiative_id, number, decision.title, "status", was.status, decision.status, decision.file)
                )
            if was.outcome.chosen != decision.outcome.chosen:
                diff.decisions.append(
                    DecisionChange(
                        initiative_id, number, decision.title, "outcome",
                        was.outcome.chosen, decision.outcome.chosen, decision.file,
                    )
                )
        for number, decision in sorted(old_decisions.items()):
            if number not in new_decisions:
                diff.decisions.append(
                    DecisionChange(initiative_id, number, decision.title, "removed", decision.status, "", decision.file)
                )

        old_items = _items(previous, before) if previous else {}
        old_verdicts = _verdicts(before.states.get(initiative_id)) if previous else {}
        new_verdicts = _verdicts(after.states.get(initiative_id))
        new_items = _items(initiative, after)
        for key, (status, title, file, record) in sorted(new_items.items()):
            was_status, _, _, was_record = old_items.get(key, ("todo", "", "", None))
            was_verdict, verdict = old_verdicts.get(key), new_verdicts.get(key)
            # whether each counts for its gate, as the ledger says (a waiver counts, and is listed as waived)
            was_complete = bool(was_verdict.counts) if was_verdict else False
            complete = bool(verdict.counts) if verdict else None
            reason = _reason(verdict) if verdict and not verdict.counts else ""
            expired = verdict is not None and any((verdict.location, c) in lapsed for c in _EXPIRY_CODES)
            change = _classify(was_status, status, was_complete, complete, expired)
            amended = _closed_fields_changed(was_record, record) if was_status == status else []
            if amended and change is None:
                change = "amended"
            if change:
                location = verdict.location.file if verdict else file
                diff.items.append(
                    ItemChange(initiative_id, key[0], key[1], title, change, was_status, status, complete, reason, location, amended)
                )
        for key, (status, title, file, _) in sorted(old_items.items()):
            if key not in new_items and status in CLOSED:
                diff.items.append(ItemChange(initiative_id, key[0], key[1], title, "regressed", status, "removed", None, "", file))

        diff.runbooks += _runbook_changes(initiative, previous)
        if previous is not None:
            diff.metrics += _metric_changes(
                initiative, previous, after.policy.stages if after.policy else [], after.as_of,
                _gates_held(before.states.get(initiative_id)), _gates_held(after.states.get(initiative_id)),
            )

    diff.scope_changes = _scope_changes(old, new, after.policy)
    if before.policy is not None and after.policy is not None:
        diff.policy_changes = policy_changes(before.policy, after.policy)
        diff.policy_effects = _policy_effects(old, new, before.policy, after.policy)
    diff.requirements = compare_ledgers(before, after)
    diff.controls = control_changes(before, after)
    diff.problems_introduced = _problem_difference(after.problems, before.problems)
    diff.problems_fixed = _problem_difference(before.problems, after.problems)
    return diff


# --------------------------------------------------------------------------- metrics


def _gates_held(state: InitiativeState | None) -> dict[str, bool]:
    """Metric id -> whether its gate holds, for every metric with a `gate_from` of a known stage."""
    return {gate.metric: gate.holds for gate in state.metric_gates} if state else {}


def _number(value: float | None) -> str:
    """A value as the record would write it: 95, not 95.0."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def _point(date: str, value: float) -> str:
    return f"{date}: {_number(value)}"


def _easier(direction: str, before: float, after: float) -> bool:
    """Whether the target `after` is easier to meet than `before` for a metric of `direction`."""
    return after > before if direction == "lower" else after < before


def _metric_changes(
    initiative: Initiative, previous: Initiative, stages: list[str], today: str,
    held_before: dict[str, bool], held_after: dict[str, bool],
) -> list[MetricChange]:
    """Metrics of one initiative added, removed, or changing gate_from, target, direction or
    their measurements (a removed or rewritten point, a point dated after today)."""
    old = {m.id: m for m in previous.metrics}
    new = {m.id: m for m in initiative.metrics}
    found: list[MetricChange] = []

    def change(metric: Metric, kind: str, before: str = "", after: str = "", lowers: bool | None = None) -> None:
        found.append(MetricChange(initiative.id, metric.id, metric.title, kind, before, after, lowers, initiative.file))

    renamed = _renamed_metrics(old, new)
    for metric_id, metric in old.items():
        if metric_id not in new and metric_id not in renamed.values():
            change(metric, "removed", _metric_text(metric), "", True if metric.gate_from else None)
    for metric_id, metric in new.items():
        was = old.get(metric_id)
        if was is None and metric_id in renamed:
            was = old[renamed[metric_id]]
            change(metric, "renamed", was.id, metric.id)  # then compared like one metric
        elif was is None:
            change(metric, "added", "", _metric_text(metric), False if metric.gate_from else None)
            continue
        if was.gate_from != metric.gate_from:
            if was.gate_from is None or metric.gate_from is None:
                lowers: bool | None = metric.gate_from is None
            else:
                lowers = _later(was.gate_from, metric.gate_from, stages)
            change(metric, "gate_from", was.gate_from or "", metric.gate_from or "", lowers)
        if was.direction != metric.direction:
            # turning "higher is better" round makes a failing value pass: 🔻 where the gate now holds
            flipped = not held_before.get(metric_id, True) and held_after.get(metric_id, False)
            change(metric, "direction", was.direction, metric.direction, True if flipped else None)
        if was.target != metric.target:
            same_sense = was.direction == metric.direction
            change(metric, "target", _number(was.target), _number(metric.target),
                   _easier(metric.direction, was.target, metric.target) if same_sense else None)
        # A rewritten history lowers the bar when it makes a gate hold that did not.
        now_holds = not held_before.get(metric_id, True) and held_after.get(metric_id, False)
        found += [replace(c, lowers=True if now_holds else None) for c in _measurement_changes(initiative, was, metric)]
        for point in _added_points(was, metric):
            if point[0] > today:  # ISO dates: a later string is a later day
                change(metric, "measurement in the future", "", _point(*point), True)
    return found


def _renamed_metrics(old: dict[str, Metric], new: dict[str, Metric]) -> dict[str, str]:
    """New id -> old id for a metric that left under one id and came back under another with
    the same title or the same measurements: a rename, compared field by field, so an easier
    target under a new name still reads "target easier" rather than removed and added."""
    gone = [m for m_id, m in old.items() if m_id not in new]
    pairs: dict[str, str] = {}
    for metric_id, metric in new.items():
        if metric_id in old:
            continue
        match = next((m for m in gone if m.id not in pairs.values()
                      and (m.title == metric.title or (_points(m) and _points(m) == _points(metric)[:len(_points(m))]))), None)
        if match is not None:
            pairs[metric_id] = match.id
    return pairs


def _metric_text(metric: Metric) -> str:
    gate = f", gates {metric.gate_from}" if metric.gate_from else ""
    return f"target {_number(metric.target)} {metric.unit} ({metric.direction} is better){gate}"


def _points(metric: Metric) -> list[tuple[str, float]]:
    return [(str(m.date), m.value) for m in metric.measurements]


def _added_points(was: Metric, metric: Metric) -> list[tuple[str, float]]:
    """Points of `metric` that `was` did not have (as a multiset)."""
    remaining = Counter(_points(was))
    added = []
    for point in _points(metric):
        if remaining[point]:
            remaining[point] -= 1
        else:
            added.append(point)
    return added


def _measurement_changes(initiative: Initiative, was: Metric, metric: Metric) -> list[MetricChange]:
    """Points of `was` that `metric` no longer has: rewritten (paired with a new point of the
    same date, else with the next new point, in order) or removed."""
    gone = _added_points(metric, was)
    came = _added_points(was, metric)
    # Linear in the points, however many a change rewrites: a new value on the same date
    # first, then the new points left over, in order.
    by_date: dict[str, list[int]] = {}
    for index, point in reversed(list(enumerate(came))):
        by_date.setdefault(point[0], []).append(index)
    partners: dict[int, int] = {}
    for index, point in enumerate(gone):
        if by_date.get(point[0]):
            partners[index] = by_date[point[0]].pop()
    paired = set(partners.values())
    left = (i for i in range(len(came)) if i not in paired)
    for index in range(len(gone)):
        if index not in partners:
            spare = next(left, None)
            if spare is not None:
                partners[index] = spare
    found = []
    for index, point in enumerate(gone):
        if index in partners:
            found.append(MetricChange(initiative.id, metric.id, metric.title, "measurement changed",
                                      _point(*point), _point(*came[partners[index]]), None, initiative.file))
        else:
            found.append(MetricChange(initiative.id, metric.id, metric.title, "measurement removed",
                                      _point(*point), "", None, initiative.file))
    return found


def _runbook_changes(initiative: Initiative, previous: Initiative | None) -> list[RunbookChange]:
    """Runbooks added or removed, topics the initiative's runbooks now cover or no longer
    cover, exercises recorded (in a new runbook too), removed or with a changed outcome, and
    what the on-call engineer loses from a runbook: rollback steps, triggers, escalation."""
    new, old = initiative.runbooks, previous.runbooks if previous else {}
    found = [RunbookChange(initiative.id, stem, r.title, "added", "", r.file) for stem, r in sorted(new.items()) if stem not in old]
    found += [RunbookChange(initiative.id, stem, r.title, "removed", "", r.file, lowers=True)
              for stem, r in sorted(old.items()) if stem not in new]

    def covering(runbooks: dict) -> dict[str, Any]:
        topics: dict[str, Any] = {}
        for _, runbook in sorted(runbooks.items()):
            for topic in runbook.topics:
                topics.setdefault(topic, runbook)
        return topics

    now, before = covering(new), covering(old)
    found += [RunbookChange(initiative.id, r.stem, r.title, "topic-covered", t, r.file) for t, r in sorted(now.items()) if t not in before]
    found += [RunbookChange(initiative.id, r.stem, r.title, "topic-lost", t, r.file, lowers=True)
              for t, r in sorted(before.items()) if t not in now]
    for stem, runbook in sorted(new.items()):
        was = old.get(stem)
        found += _exercise_changes(initiative.id, runbook, was.exercises if was else [])
        if was is not None:
            found += _content_changes(initiative.id, was, runbook)
    return found


_OUTCOME_RANK = {"failed": 0, "issues-found": 1, "passed": 2}  # only `passed` counts for a gate


def _exercise_changes(initiative_id: str, runbook: Runbook, previous: list[Exercise]) -> list[RunbookChange]:
    """Exercises recorded, removed, or the same (date, kind) with another outcome."""
    def key(exercise: Exercise) -> tuple[str, str, str]:
        return (str(exercise.date), exercise.kind, exercise.outcome)

    def change(kind: str, detail: str, lowers: bool | None = None) -> RunbookChange:
        return RunbookChange(initiative_id, runbook.stem, runbook.title, kind, detail, runbook.file, lowers)

    gone = Counter(key(e) for e in previous)
    came = []
    for exercise in runbook.exercises:
        if gone[key(exercise)]:
            gone[key(exercise)] -= 1
        else:
            came.append(key(exercise))
    gone_list = []  # what is left of `previous`, in the record's order
    for exercise in previous:
        if gone[key(exercise)]:
            gone[key(exercise)] -= 1
            gone_list.append(key(exercise))
    found = []
    for date, kind, outcome in gone_list:
        partner = next((c for c in came if c[:2] == (date, kind)), None)
        if partner is None:
            found.append(change("exercise-removed", f"{date} {kind} {outcome}", True))
            continue
        came.remove(partner)
        before, after = _OUTCOME_RANK.get(outcome), _OUTCOME_RANK.get(partner[2])
        lowers = None if before is None or after is None or "passed" not in (outcome, partner[2]) else after > before
        found.append(change("exercise-outcome", f"{date} {kind}: {outcome} → {partner[2]}", lowers))
    found += [change("exercise", " ".join(c)) for c in came]
    return found


def _step_text(step: RunbookStep) -> str:
    return step.step + (f" ({step.command})" if step.command else "")


def _content_changes(initiative_id: str, was: Runbook, runbook: Runbook) -> list[RunbookChange]:
    """What a runbook that stays loses: rollback steps removed or replaced, triggers (an alert
    no longer leads to it), its whole escalation."""
    def change(kind: str, detail: str, lowers: bool | None) -> RunbookChange:
        return RunbookChange(initiative_id, runbook.stem, runbook.title, kind, detail, runbook.file, lowers)

    found = []
    old_steps = [_step_text(s) for s in (was.rollback.steps if was.rollback else [])]
    new_steps = [_step_text(s) for s in (runbook.rollback.steps if runbook.rollback else [])]
    gone = [s for s in old_steps if s not in new_steps]
    came = [s for s in new_steps if s not in old_steps]
    for index, step in enumerate(gone):
        if index < len(came):  # paired in order: the step written in its place
            found.append(change("rollback-step-replaced", f"{step} → {came[index]}", None))
        else:
            found.append(change("rollback-step-removed", step, True))
    alerts = {t.alert for t in runbook.triggers}
    found += [change("trigger-removed", t.alert, True) for t in was.triggers if t.alert not in alerts]
    if was.escalation and not runbook.escalation:
        found.append(change("escalation-emptied", ", ".join(e.contact for e in was.escalation), True))
    return found


# --------------------------------------------------------------------------- git


def _git(root: Path, *args: str, binary: bool = False, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            check=False,
            text=not binary,
            input=stdin,
        )
    except FileNotFoundError as exc:
        raise DiffError("git is not installed") from exc


def resolve_revision(root: Path, base: str) -> str:
    if not base or base.startswith("-") or any(ch in base for ch in "\0\n\r"):
        raise DiffError(f"{base!r} is not a git revision")
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        # e.g. "detected dubious ownership" in a CI container: say what git said.
        said = next((line for line in inside.stderr.splitlines() if line.strip()), "")
        raise DiffError(f"{root} is not inside a git working tree" + (f" (git: {said[:200]})" if said else ""))
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    if found.returncode != 0:
        raise DiffError(
            f"{base!r} is not a commit in this repository "
            "(in CI, fetch it first: actions/checkout with fetch-depth: 0)"
        )
    return found.stdout.strip()


# Blobs are read in batches of at most this many bytes, so memory stays bounded however
# large the base's decisions/ is.
BATCH_BYTES = 64 * 1024 * 1024
MAX_LINK_BYTES = 4096  # a symbolic link's target; longer is no path a record would use
_FILE_MODES = (b"100644", b"100755")
_LINK_MODE = b"120000"


@dataclass
class TreeEntry:
    mode: bytes
    oid: str
    size: int
    parts: tuple[str, ...]  # the path below decisions/, one safe name per folder


def _safe_parts(raw: bytes) -> tuple[str, ...] | None:
    """The path's names, or None when one could leave the folder (an empty name, `.`, `..`):
    git refuses such trees, but a crafted object can still hold one."""
    parts = tuple(os.fsdecode(part) for part in raw.split(b"/"))
    if any(part in ("", ".", "..") or "\0" in part for part in parts):
        return None
    return parts


def _tree_entries(root: Path, tree: str) -> list[TreeEntry]:
    """Every file and link of `tree` with its size, straight from git's objects."""
    listing = _git(root, "ls-tree", "--full-tree", "-r", "-l", "-z", tree, binary=True)
    if listing.returncode != 0:
        raise DiffError(f"git ls-tree failed for {tree}")
    entries = []
    for record in listing.stdout.split(b"\0"):
        meta, _, raw_path = record.partition(b"\t")
        fields = meta.split()
        if len(fields) != 4 or fields[1] != b"blob" or fields[0] not in (*_FILE_MODES, _LINK_MODE):
            continue  # submodules (commits) and anything git does not list as a plain blob
        parts = _safe_parts(raw_path)
        if parts is not None and fields[3].isdigit():
            entries.append(TreeEntry(fields[0], fields[2].decode("ascii"), int(fields[3]), parts))
    return entries


def _read_blobs(root: Path, oids: list[str]) -> dict[str, bytes]:
    """The bytes of each blob, as committed (no export-subst, no filters, no end-of-line
    conversion), through one `git cat-file --batch` per batch."""
    found: dict[str, bytes] = {}
    if not oids:
        return found
    done = _git(root, "cat-file", "--batch", binary=True, stdin=("\n".join(oids) + "\n").encode("ascii"))
    if done.returncode != 0:
        raise DiffError("git cat-file failed")
    out, at = done.stdout, 0
    for oid in oids:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise DiffError(f"git cat-file could not read {oid}")
        size = int(header[2])
        found[oid] = out[end + 1:end + 1 + size]
        at = end + 1 + size + 1
    return found


def _batches(entries: list[TreeEntry]) -> list[list[TreeEntry]]:
    batches: list[list[TreeEntry]] = [[]]
    total = 0
    for entry in entries:
        if batches[-1] and total + entry.size > BATCH_BYTES:
            batches.append([])
            total = 0
        batches[-1].append(entry)
        total += entry.size
    return batches


def _real_parent(dest: Path, parts: tuple[str, ...]) -> Path | None:
    """The folder to create parts[-1] in, made as real folders below `dest`; None when a file
    or link stands in the way (so nothing is ever written through a link)."""
    folder = dest
    for name in parts[:-1]:
        folder = folder / name
        if os.path.lexists(folder):
            if folder.is_symlink() or not folder.is_dir():
                return None
        else:
            folder.mkdir()
    return folder


def _write_new(path: Path, data: bytes, size: int) -> None:
    """Create `path` (never replacing or following anything) holding `data`; a blob over the
    loader's limit becomes a sparse file of its committed size, which the loader refuses
    unread with the same message as in the working tree."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        if size > len(data):
            out.truncate(size)


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([os.path.realpath(path), folder]) == folder


def _drop_links_leading_out(links: list[Path], dest: Path) -> None:
    """Remove every link that resolves outside `dest`, following chains through the other
    links, until none is left (removing one can change where another leads)."""
    boundary = os.path.realpath(dest)
    remaining = list(links)
    while True:
        out = {link for link in remaining if not _inside(str(link), boundary)}
        if not out:
            return
        for link in out:
            link.unlink()
        remaining = [link for link in remaining if link not in out]


def write_tree(root: Path, tree: str, dest: Path, boundary: Path) -> None:
    """Write `tree` (a git tree-ish) into the new folder `dest` from git's objects: files
    first, then links, keeping only links that stay inside `boundary`. Unlike `git archive`,
    this reads the tree as committed: a committed `export-ignore` cannot hide a record."""
    dest.mkdir(parents=True)
    entries = _tree_entries(root, tree)
    files = [e for e in entries if e.mode in _FILE_MODES]
    for batch in _batches([e for e in files if e.size <= MAX_FILE_BYTES]):
        blobs = _read_blobs(root, sorted({e.oid for e in batch}))
        for entry in batch:
            _place(dest, entry, lambda path, entry=entry: _write_new(path, blobs[entry.oid], entry.size))
    for entry in files:
        if entry.size > MAX_FILE_BYTES:
            _place(dest, entry, lambda path, entry=entry: _write_new(path, b"", entry.size))
    # Links last, so that no file is written through one; checked once all exist, as a
    # link can lead out through another.
    made: list[Path] = []
    for batch in _batches([e for e in entries if e.mode == _LINK_MODE and e.size <= MAX_LINK_BYTES]):
        blobs = _read_blobs(root, sorted({e.oid for e in batch}))
        for entry in batch:
            target = os.fsdecode(blobs[entry.oid])
            if target and "\0" not in target and _place(dest, entry, lambda path, t=target: os.symlink(t, path)):
                made.append(dest.joinpath(*entry.parts))
    _drop_links_leading_out(made, boundary)


def _place(dest: Path, entry: TreeEntry, make: Callable[[Path], object]) -> bool:
    """Make entry's path with `make` unless something stands in its way (a repeated path)."""
    folder = _real_parent(dest, entry.parts)
    if folder is None or os.path.lexists(folder / entry.parts[-1]):
        return False
    make(folder / entry.parts[-1])
    return True


def export_records(root: Path, commit: str, dest: Path) -> None:
    """Write decisions/ (and .github/CODEOWNERS) as they were at `commit` into `dest`, with
    an empty stand-in for each other file of that revision."""
    prefix = _git(root, "rev-parse", "--show-prefix").stdout.strip()
    tree = f"{commit}:{prefix}decisions"
    if _git(root, "cat-file", "-t", tree).stdout.strip() == "tree":
        write_tree(root, tree, dest / "decisions", dest)
    else:
        (dest / "decisions").mkdir(parents=True)
    owners = _git(root, "show", f"{commit}:{prefix}.github/CODEOWNERS", binary=True)
    if owners.returncode == 0:
        (dest / ".github").mkdir()
        (dest / ".github" / "CODEOWNERS").write_bytes(owners.stdout)
    # Both sides are judged by the same schemas: the working tree's.
    if (root / "schemas").is_dir():
        shutil.copytree(root / "schemas", dest / "schemas")
    _stand_in_for_other_files(root, f"{commit}:{prefix}", dest)
    write_source_blobs(root, f"{commit}:{prefix}", dest)  # LB235 hashes source files: a stand-in would differ


_MAX_STAND_INS = 200_000


def _stand_in_for_other_files(root: Path, tree: str, dest: Path) -> None:
    """An empty file for every other file of the revision: evidence that is a repository path
    must exist (LB213), and the base is judged by whether it existed then, without its bytes."""
    listing = _git(root, "ls-tree", "-r", "-z", "--name-only", tree, binary=True)
    if listing.returncode != 0:
        return
    names = listing.stdout.split(b"\0")[:_MAX_STAND_INS]
    for raw in names:
        name = raw.decode("utf-8", "surrogateescape")
        parts = name.split("/")
        if not name or parts[0] in ("decisions", "schemas") or name == ".github/CODEOWNERS" \
                or any(part in ("", ".", "..") for part in parts):
            continue
        path = dest.joinpath(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(exist_ok=True)
        except OSError:  # a name this file system cannot hold, or a file where a folder goes
            continue


def diff_against(
    root: Path,
    base: str,
    as_of: str | None = None,
    load: Callable[[Path, str | None], Portfolio] | None = None,
    head: str | None = None,
) -> GovernanceDiff:
    """The governance diff between the records at revision BASE and those at HEAD (a
    revision, read from git's objects like BASE) or, without HEAD, the working tree. Both
    are judged as of the same day."""
    if load is None:
        from generator.core.pipeline import load_portfolio as load
    root = Path(root)
    commit = resolve_revision(root, base)
    head_commit = resolve_revision(root, head) if head else None
    with tempfile.TemporaryDirectory(prefix="launchboard-diff-") as tmp:
        if head_commit is None:
            after = load(root, as_of)
        else:
            (Path(tmp) / "head").mkdir()
            export_records(root, head_commit, Path(tmp) / "head")
            after = load(Path(tmp) / "head", as_of)
        (Path(tmp) / "base").mkdir()
        export_records(root, commit, Path(tmp) / "base")
        before = load(Path(tmp) / "base", after.as_of)
    diff = compare(before, after, base)
    diff.head = head or ""
    return diff


# --------------------------------------------------------------------------- output

# Set while to_text renders: the same sections, as plain text for a terminal.
_PLAIN: contextvars.ContextVar[bool] = contextvars.ContextVar("launchboard_diff_plain", default=False)


def md(text: object) -> str:
    """Record text as inert GitHub Markdown (core/text_safety.py): shown as written, never markup,
    a link, a mention or math, safe in a table cell. As plain text for a terminal: control
    characters shown escaped, on one line."""
    if _PLAIN.get():
        return clean_text(" ".join(str(text).split()), 400)
    return gfm_text(text)


def code(text: object) -> str:
    """An identifier or path shown as code: a <code> element around escaped text, which
    works the same in a table cell and out of one (a backtick code span would not)."""
    if _PLAIN.get():
        return md(text)
    return f"<code>{gfm_text(text)}</code>"


def summary_counts(diff: GovernanceDiff) -> dict[str, int]:
    changes = Counter(i.change for i in diff.items)
    return {
        "initiatives_added": len(diff.added),
        "initiatives_removed": len(diff.removed),
        "initiatives_retired": len(diff.retired),
        "stage_moves": len(diff.stage_moves),
        "gates_failing": sum(1 for m in diff.stage_moves if not m.gate_holds)
        + sum(1 for a in diff.added if a.gate_holds is False),
        "decisions_changed": len(diff.decisions),
        "items_completed": changes["completed"],
        "items_waived": changes["waived"],
        "items_not_applicable": changes["not-applicable"],
        "items_expired": changes["expired"],
        "items_regressed": changes["regressed"],
        "items_incomplete": changes["incomplete"],
        "items_started": changes["started"],
        "items_amended": changes["amended"],
        "required_items_changed": len(diff.scope_changes),
        "policy_changes": len(diff.policy_changes),
        "initiatives_affected_by_policy": len(diff.policy_effects),
        **_runbook_counts(diff),
        "metrics_changed": len(diff.metrics),
        "metric_changes_lowering": sum(1 for m in diff.metrics if m.lowers),
        "requirements_changed": len(diff.requirements),
        "controls_changed": len(diff.controls),
        # everything marked 🔻, across sections: the one number a reviewer must not miss
        "bar_lowered": sum(1 for group in (diff.removed, diff.policy_changes, diff.runbooks, diff.metrics, diff.requirements, diff.controls)
                           for change in group if change.lowers),
        "problems_introduced": len(diff.problems_introduced),
        "problems_fixed": len(diff.problems_fixed),
    }


def _runbook_counts(diff: GovernanceDiff) -> dict[str, int]:
    changes = Counter(r.change for r in diff.runbooks)
    return {
        "runbooks_added": changes["added"],
        "runbooks_removed": changes["removed"],
        "runbook_topics_covered": changes["topic-covered"],
        "runbook_topics_lost": changes["topic-lost"],
        "exercises_recorded": changes["exercise"],
        "exercises_removed": changes["exercise-removed"],
        "exercise_outcomes_changed": changes["exercise-outcome"],
        "rollback_steps_changed": changes["rollback-step-removed"] + changes["rollback-step-replaced"],
        "triggers_removed": changes["trigger-removed"],
        "escalations_emptied": changes["escalation-emptied"],
    }


def _initiative(initiative_id: str, title: str) -> str:
    return f"{md(title)} ({code(initiative_id)})"


def _gate(holds: bool | None, blocking: list[str]) -> str:
    if holds is None:
        return ""
    if holds:
        return "✅ gate holds"
    shown = "; ".join(md(b) for b in blocking[:5])
    more = f"; and {len(blocking) - 5} more" if len(blocking) > 5 else ""
    return f"❌ {len(blocking)} blocking: {shown}{more}"


_ITEM_LABEL = {
    "completed": "✅ completed",
    "waived": "🟡 waived",
    "not-applicable": "⚪ not applicable",
    "expired": "⌛ expired",
    "regressed": "🔻 regressed",
    "incomplete": "⚠️ recorded but not complete",
    "started": "🔄 started",
    "amended": "✏️ approval changed",
}


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    if _PLAIN.get():
        return _plain_table(header, rows)
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows[:MAX_LISTED]]
    if len(rows) > MAX_LISTED:
        lines.append(f"\n… and {len(rows) - MAX_LISTED} more (see `launchboard diff --format json`).")
    return lines + [""]


def _plain_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns aligned with spaces; empty columns (the 🔻 mark of unmarked rows) kept narrow."""
    shown = [header] + rows[:MAX_LISTED]
    widths = [max(len(row[i]) for row in shown) for i in range(len(header))]
    lines = ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in shown]
    if len(rows) > MAX_LISTED:
        lines.append(f"  … and {len(rows) - MAX_LISTED} more (see launchboard diff --format json)")
    return lines + [""]


def _section(heading: str, header: list[str], rows: list[list[str]]) -> list[str]:
    if _PLAIN.get():
        return [heading, *_table(header, rows)] if rows else []
    return [f"### {heading}", "", *_table(header, rows)] if rows else []


def _stage_moves(diff: GovernanceDiff) -> list[str]:
    return _section(
        "Stage moves",
        ["Initiative", "From", "To", "Gate of the new stage"],
        [
            [_initiative(m.initiative, m.title), code(m.before),
             code(m.after) + (" (backwards)" if m.direction == "backward" else ""), _gate(m.gate_holds, m.blocking)]
            for m in diff.stage_moves
        ],
    )


def _initiatives(diff: GovernanceDiff) -> list[str]:
    rows = [[_initiative(a.initiative, a.title), "added at " + code(a.stage), _gate(a.gate_holds, a.blocking)] for a in diff.added]
    rows += [[_initiative(r.initiative, r.title), "retired (was " + code(r.stage) + ")", ""] for r in diff.retired]
    rows += [[_initiative(r.initiative, r.title), _mark(r.lowers) + "removed (was " + code(r.stage) + ")", ""] for r in diff.removed]
    return _section("Initiatives", ["Initiative", "Change", "Gate"], rows)


def _decisions(diff: GovernanceDiff) -> list[str]:
    rows = []
    for d in diff.decisions:
        if d.change == "added":
            what = f"added, {code(d.after)}"
        elif d.change == "removed":
            what = f"removed (was {code(d.before)})"
        elif d.change == "status":
            what = f"status {code(d.before)} → {code(d.after)}"
        else:
            what = f"chosen option {code(d.before)} → {code(d.after)}"
        rows.append([code(d.initiative), f"{d.number:04d} {md(d.title)}", what])
    return _section("Decisions", ["Initiative", "Decision", "Change"], rows)


def _fields(fields: list[FieldChange]) -> str:
    return "; ".join(f"{md(f.field)} {code(f.before)} → {code(f.after)}" for f in fields)


def _items_section(diff: GovernanceDiff) -> list[str]:
    rows = []
    for i in diff.items:
        change = _ITEM_LABEL.get(i.change, md(i.change))
        if i.reason and i.complete is False:
            change += f": {md(i.reason)}"
        if i.fields:
            change += f": {_fields(i.fields)}"
        rows.append([code(i.initiative), code(f"{i.checklist}/{i.item}") + " " + md(i.title),
                     f"{code(i.before)} → {code(i.after)}", change])
    return _section("Checklist items", ["Initiative", "Item", "Status", "Change"], rows)


def _effect(change: ScopeChange) -> str:
    """Which items stop or start being required, stage by stage."""
    parts = []
    for stage, gone, added, suffix in (
        (change.stage, change.no_longer_required, change.newly_required, ""),
        (change.next_stage, change.next_no_longer_required, change.next_newly_required, " (next stage)"),
    ):
        if stage is None:
            continue
        if gone:
            parts.append(f"🔻 no longer required at {code(stage)}{suffix}: " + ", ".join(code(i) for i in gone))
        if added:
            parts.append(f"➕ newly required at {code(stage)}{suffix}: " + ", ".join(code(i) for i in added))
    return "; ".join(parts)


def _scope_section(diff: GovernanceDiff) -> list[str]:
    return _section(
        "Required items",
        ["Initiative", "Change", "Effect on its gates"],
        [[_initiative(c.initiative, c.title), _fields(c.fields), _effect(c)] for c in diff.scope_changes],
    )


def _policy_subject(change: PolicyChange) -> str:
    if not change.checklist:
        return "policy"
    return code(f"{change.checklist}/{change.item}" if change.item else change.checklist)


_POLICY_KEYS = ("approval_max_age_days", "waiver_max_days", "metric_max_age_days", "exercise_max_age_days", "stages",
                "required_from", "when", "allow_na", "exercised")


def _policy_change(change: PolicyChange) -> str:
    label = code(change.change) if change.change in _POLICY_KEYS else md(change.change)
    return _mark(change.lowers) + label


def _policy_section(diff: GovernanceDiff) -> list[str]:
    if not (diff.policy_changes or diff.policy_effects):
        return []
    lines = ["### Policy", ""]
    lines += _table(
        ["Checklist item", "Change", "Before", "After"],
        [[_policy_subject(c), _policy_change(c), code(c.before) if c.before else "", code(c.after) if c.after else ""]
         for c in diff.policy_changes],
    ) if diff.policy_changes else []
    if diff.policy_effects:
        lines += ["Initiatives whose required items change with the policy:", ""]
        lines += _table(
            ["Initiative", "Stage", "Effect on its gates"],
            [[_initiative(c.initiative, c.title), code(c.stage), _effect(c)] for c in diff.policy_effects],
        )
    return lines


def _mark(lowers: bool | None) -> str:
    """🔻 when a change lowers the bar, 🔺 when it raises it, nothing when that depends."""
    return {True: "🔻 ", False: "🔺 "}.get(lowers, "")  # type: ignore[arg-type]


def _runbooks_section(diff: GovernanceDiff) -> list[str]:
    labels = {
        "added": "added",
        "removed": "removed",
        "topic-covered": "✅ now covers topic {}",
        "topic-lost": "topic {} no longer covered",
        "exercise": "exercise recorded: {}",
        "exercise-removed": "exercise removed: {}",
        "exercise-outcome": "exercise outcome changed: {}",
        "rollback-step-removed": "rollback step removed: {}",
        "rollback-step-replaced": "✏️ rollback step replaced: {}",
        "trigger-removed": "trigger removed: alert {} no longer leads to this runbook",
        "escalation-emptied": "escalation emptied (was {})",
    }
    rows = []
    for r in diff.runbooks:
        label = labels.get(r.change)
        if label is None:
            what = md(r.change)
        elif r.change in ("topic-covered", "topic-lost", "trigger-removed"):
            what = label.format(code(r.detail))
        else:
            what = label.format(md(r.detail))
        rows.append([code(r.initiative), code(r.runbook) + " " + md(r.title), _mark(r.lowers) + what])
    return _section("Runbooks", ["Initiative", "Runbook", "Change"], rows)


_METRIC_FIELDS = ("gate_from", "target", "direction")  # record fields, shown as code


def _metrics_section(diff: GovernanceDiff) -> list[str]:
    return _section(
        "Metrics",
        ["Initiative", "Metric", "Change", "Before", "After"],
        [
            [code(m.initiative), code(m.metric) + " " + md(m.title),
             _mark(m.lowers) + (code(m.change) if m.change in _METRIC_FIELDS else md(m.change)),
             code(m.before) if m.before else "", code(m.after) if m.after else ""]
            for m in diff.metrics
        ],
    )


def _requirements_section(diff: GovernanceDiff) -> list[str]:
    """The ledgers compared: every requirement whose verdict or basis changed, with its cause."""
    rows = [[_mark(c.lowers), _initiative(c.initiative, c.initiative), code(f"{c.checklist}/{c.item}"), md(c.change),
             md(c.before), md(c.after), md(c.cause)] for c in diff.requirements[:MAX_LISTED]]
    lines = _section(f"Requirements whose verdict changed ({len(diff.requirements)})",
                     ["", "Initiative", "Requirement", "What", "Before", "After", "Cause"], rows)
    if len(diff.requirements) > MAX_LISTED:
        lines.insert(-1, f"… and {len(diff.requirements) - MAX_LISTED} more (see --format json)")
    return lines


def _controls_section(diff: GovernanceDiff) -> list[str]:
    rows = [[_mark(c.lowers), code(c.framework + (f":{c.control}" if c.control else "")), md(c.change), md(c.before), md(c.after)]
            for c in diff.controls[:MAX_LISTED]]
    return _section(f"Frameworks, packs and control mappings ({len(diff.controls)})",
                    ["", "Control", "Change", "Before", "After"], rows)


def _problems(diff: GovernanceDiff) -> list[str]:
    lines: list[str] = []
    for heading, problems in (("Problems introduced", diff.problems_introduced), ("Problems fixed", diff.problems_fixed)):
        if problems:
            lines += [f"### {heading} ({len(problems)})", ""]
            for p in problems[:MAX_LISTED]:
                lines.append(f"- {code(str(p.location))} {p.severity.value} {p.code}: {md(p.message)}")
            if len(problems) > MAX_LISTED:
                lines.append(f"- … and {len(problems) - MAX_LISTED} more")
            lines.append("")
    return lines


# The summary's sections, in order: each turns the diff into Markdown lines (none when it has
# nothing to say). A new kind of change adds its function here.
SECTIONS: list[Callable[[GovernanceDiff], list[str]]] = [
    _stage_moves, _initiatives, _policy_section, _controls_section, _scope_section, _decisions, _requirements_section,
    _items_section, _runbooks_section, _metrics_section, _problems,
]

# The bold line at the top: (summary_counts key, singular, plural).
HEADLINE = [
    ("stage_moves", "stage move", "stage moves"),
    ("gates_failing", "failing gate", "failing gates"),
    ("initiatives_added", "initiative added", "initiatives added"),
    ("initiatives_retired", "retired", "retired"),
    ("initiatives_removed", "initiative removed", "initiatives removed"),
    ("policy_changes", "policy change", "policy changes"),
    ("initiatives_affected_by_policy", "initiative affected by the policy", "initiatives affected by the policy"),
    ("required_items_changed", "change of required items", "changes of required items"),
    ("decisions_changed", "decision change", "decision changes"),
    ("items_completed", "item completed", "items completed"),
    ("items_waived", "waived", "waived"),
    ("items_expired", "expired", "expired"),
    ("items_regressed", "regressed", "regressed"),
    ("items_amended", "approval changed", "approvals changed"),
    ("runbooks_added", "runbook added", "runbooks added"),
    ("runbooks_removed", "runbook removed", "runbooks removed"),
    ("runbook_topics_lost", "runbook topic lost", "runbook topics lost"),
    ("exercises_recorded", "exercise recorded", "exercises recorded"),
    ("exercises_removed", "exercise removed", "exercises removed"),
    ("exercise_outcomes_changed", "exercise outcome changed", "exercise outcomes changed"),
    ("rollback_steps_changed", "rollback step changed", "rollback steps changed"),
    ("triggers_removed", "runbook trigger removed", "runbook triggers removed"),
    ("escalations_emptied", "escalation emptied", "escalations emptied"),
    ("metrics_changed", "metric change", "metric changes"),
    ("metric_changes_lowering", "metric change lowering the bar", "metric changes lowering the bar"),
    ("requirements_changed", "requirement whose verdict changed", "requirements whose verdict changed"),
    ("bar_lowered", "change lowering the bar", "changes lowering the bar"),
    ("controls_changed", "framework or mapping change", "framework or mapping changes"),
    ("problems_introduced", "problem introduced", "problems introduced"),
    ("problems_fixed", "problem fixed", "problems fixed"),
]


def to_text(diff: GovernanceDiff) -> str:
    """The same summary for a terminal: plain text, aligned columns, nothing escaped for
    Markdown (record text is still shown inert: control characters escaped)."""
    token = _PLAIN.set(True)
    try:
        lines = to_markdown(diff).splitlines()
    finally:
        _PLAIN.reset(token)
    out = []
    for line in lines:
        if line.startswith("## Launchboard: "):
            line = line[3:]
        elif line.startswith("**") and line.endswith("**"):
            line = line[2:-2]
        elif line.startswith("> "):
            line = line[2:]
        out.append(line.replace("`", ""))
    return "\n".join(out)


def to_markdown(diff: GovernanceDiff) -> str:
    against = code(diff.base or "BASE") + (f" to {code(diff.head)}" if diff.head else "")
    lines = [f"## Launchboard: governance changes against {against}", ""]
    if diff.head_unusable:
        lines += ["> ❌ The policy in this change is missing or unusable: run `launchboard check`.", ""]
    if diff.empty:
        return "\n".join(lines + ["No governance changes: no initiative, decision, requirement, checklist item, runbook, metric, policy, framework or problem changed.", ""])
    counts = summary_counts(diff)
    shown = [f"{counts[key]} {one if counts[key] == 1 else many}" for key, one, many in HEADLINE if counts[key]]
    lines += ["**" + " · ".join(shown) + "**", ""]
    for section in SECTIONS:
        lines += section(diff)
    return "\n".join(lines)
