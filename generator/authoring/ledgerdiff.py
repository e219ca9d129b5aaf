"""`diff`'s core: the ledger at the base against the ledger at the head.

Every requirement whose `counts`, `complete`, `required_from` or basis (the approval,
exercise or measurement its verdict rests on) changed is listed with its cause, and marked
as lowering the bar where it does. The verdicts themselves come from the core
(core/evaluate.py); this module only compares two of them and says why they differ.

Also here: changes to what the controls mean -- the `frameworks:` list, a team's own packs
(controls removed or retitled) and the `controls:` mappings -- which move every framework
page and the BOM without touching a single verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.model import KIND_CHECKLIST, KIND_METRIC, KIND_RUNBOOK, Initiative, Portfolio, Requirement

# Causes, in the order a reviewer reads them.
POLICY = "policy change"
MAPPING = "control mapping change"
MEASUREMENT = "measurement added or reordered on the same date"
RENAMED = "renamed file"
REWRITTEN = "recorded exercise rewritten"
GATE_EDIT = "metric gate edited in the record"
TIME = "time passed"
EDIT = "record edit"


@dataclass
class RequirementChange:
    initiative: str
    kind: str
    checklist: str
    item: str
    title: str
    change: str  # added | removed | counts | complete | required_from | basis
    before: str
    after: str
    cause: str
    lowers: bool | None = None  # True: lowers the bar; False: raises it; None: neither or depends
    reason: str = ""  # the head's reason when it is not complete


def _state_text(entry: Requirement | None) -> str:
    if entry is None:
        return "does not apply"
    verdict = "complete" if entry.complete else ("counts" if entry.counts else "incomplete")
    return f"{entry.status}, {verdict}"


def compare_ledgers(before: Portfolio, after: Portfolio) -> list[RequirementChange]:
    """Every requirement of an initiative in both trees whose verdict or basis changed."""
    changes: list[RequirementChange] = []
    old_initiatives = {i.id: i for i in before.initiatives}
    renamed = _renamed_initiatives(before, after)
    for initiative in after.initiatives:
        previous = old_initiatives.get(renamed.get(initiative.id, initiative.id))
        old_state = before.states.get(previous.id) if previous is not None else None
        new_state = after.states.get(initiative.id)
        if previous is None or old_state is None or new_state is None:
            continue  # a new initiative is listed whole elsewhere; its ledger has no base
        old = {(r.checklist, r.item): r for r in old_state.requirements}
        new = {(r.checklist, r.item): r for r in new_state.requirements}
        for key in sorted(new.keys() | old.keys()):
            was, now = old.get(key), new.get(key)
            changes += _entry_changes(initiative, previous, before, after, was, now)
    return changes


def _renamed_initiatives(before: Portfolio, after: Portfolio) -> dict[str, str]:
    """New id -> old id for an initiative whose folder was renamed: it left under one id and
    came back under another with the same title or the same first history entry. Its ledger is
    then compared with the old one, so a rename cannot hide what changed under it."""
    new_ids = {i.id for i in after.initiatives}
    old_ids = {i.id for i in before.initiatives}
    gone = [i for i in before.initiatives if i.id not in new_ids]
    pairs: dict[str, str] = {}
    for initiative in after.initiatives:
        if initiative.id in old_ids:
            continue
        first = initiative.history[0] if initiative.history else None
        match = next((old for old in gone if old.id not in pairs.values() and (
            old.title == initiative.title or (first is not None and old.history and
                                              (old.history[0].stage, old.history[0].date) == (first.stage, first.date)))), None)
        if match is not None:
            pairs[initiative.id] = match.id
    return pairs


def _entry_changes(initiative: Initiative, previous: Initiative, before: Portfolio, after: Portfolio,
                   was: Requirement | None, now: Requirement | None) -> list[RequirementChange]:
    entry = now or was
    assert entry is not None
    make = lambda change, b, a, lowers, cause: RequirementChange(  # noqa: E731
        initiative.id, entry.kind, entry.checklist, entry.item, entry.title, change, b, a, cause, lowers,
        now.reason if now is not None and not now.complete else "")
    if was is None or now is None:
        cause = _cause(initiative, previous, before, after, was, now)
        if now is None and initiative.stage != "retired":
            return [make("removed", _state_text(was), "does not apply", True, cause)]
        if was is None:
            return [make("added", "does not apply", _state_text(now), False, cause)]
        return []
    found: list[RequirementChange] = []
    cause = _cause(initiative, previous, before, after, was, now)
    if was.required_from != now.required_from:
        stages = after.policy.stages if after.policy else []
        later = (was.required_from in stages and now.required_from in stages
                 and stages.index(now.required_from) > stages.index(was.required_from))
        found.append(make("required_from", was.required_from, now.required_from, later, POLICY))
    if was.effective != now.effective:
        # announced (a date set, or moved later) defers it: lowers; in force sooner raises
        later = (not was.effective and bool(now.effective)) or (bool(was.effective and now.effective) and now.effective > was.effective)
        found.append(make("effective", was.effective or "in force", now.effective or "in force", True if later else False, POLICY))
    if was.counts != now.counts or was.complete != now.complete:
        gained = (now.counts and not was.counts) or (now.complete and not was.complete)
        # A requirement met by editing history, the rules or the gate itself, not by new work,
        # lowers the bar; so does a complete claim that now only counts (done -> waived or n/a).
        lowers = (bool(gained) and cause in (POLICY, MEASUREMENT, REWRITTEN, GATE_EDIT)) or (
            was.complete and not now.complete and bool(now.counts))
        found.append(make("counts" if was.counts != now.counts else "complete", _state_text(was), _state_text(now),
                          True if lowers else None, cause))
    elif was.basis != now.basis and now.counts and not (entry.kind == KIND_CHECKLIST and cause == EDIT):
        # (an item re-approved by an edit is listed, field by field, among the items)
        # Still met, on other grounds: a reordered measurement or a rewritten exercise is
        # a change a reviewer must see even when the verdict stays.
        lowers = cause in (MEASUREMENT, REWRITTEN)
        found.append(make("basis", was.basis, now.basis, True if lowers else None, cause))
    return found


def _cause(initiative: Initiative, previous: Initiative, before: Portfolio, after: Portfolio,
           was: Requirement | None, now: Requirement | None) -> str:
    """Why a requirement's entry differs, from what changed under it."""
    entry = now or was
    assert entry is not None
    if was is not None and now is not None and was.controls != now.controls:
        return MAPPING
    if _spec_changed(before, after, entry, initiative.id):
        return POLICY
    if entry.kind == KIND_METRIC:
        return _metric_cause(initiative, previous, entry.item)
    if entry.kind == KIND_RUNBOOK:
        return _runbook_cause(initiative, previous, entry.item)
    if (previous.risk, previous.approach, previous.tags, previous.stage) != (initiative.risk, initiative.approach,
                                                                             initiative.tags, initiative.stage):
        return EDIT
    old_record = _record(previous, entry.checklist, entry.item)
    new_record = _record(initiative, entry.checklist, entry.item)
    if old_record == new_record and before.as_of != after.as_of:
        return TIME
    return EDIT if old_record != new_record else TIME


def _record(initiative: Initiative, checklist: str, item: str):
    found = initiative.checklists.get(checklist)
    return found.items.get(item) if found else None


def _spec_changed(before: Portfolio, after: Portfolio, entry: Requirement, initiative: str) -> bool:
    def spec(portfolio: Portfolio):
        policy = portfolio.policy
        if policy is None:
            return None
        if entry.kind == KIND_RUNBOOK:
            topic = policy.runbook_topics.get(entry.item)
            return (topic, policy.exercise_max_age_days) if topic else None
        if entry.kind == KIND_METRIC:
            pins = [(p.gate_from, p.target, p.direction) for p in policy.metric_gates
                    if p.initiative == initiative and p.metric == entry.item]
            return policy.metric_max_age_days, pins
        checklist = policy.checklists.get(entry.checklist)
        item = checklist.item(entry.item) if checklist else None
        return (item, checklist.owners if checklist else None, policy.approval_max_age_days, policy.waiver_max_days)
    return spec(before) != spec(after)


def _metric_cause(initiative: Initiative, previous: Initiative, metric_id: str) -> str:
    new = next((m for m in initiative.metrics if m.id == metric_id), None)
    old = next((m for m in previous.metrics if m.id == metric_id), None)
    if new is None or old is None:
        return EDIT
    if (old.gate_from, old.target, old.direction) != (new.gate_from, new.target, new.direction):
        return GATE_EDIT
    old_latest, new_latest = old.latest, new.latest
    if (old_latest is not None and new_latest is not None and new_latest.date == old_latest.date
            and (new_latest.value, new_latest.source) != (old_latest.value, old_latest.source)):
        return MEASUREMENT  # the latest date did not move, but the point that counts did
    return EDIT


def _exercises(initiative: Initiative) -> dict[tuple[str, str], set[str]]:
    """(date, kind) -> outcomes recorded for it across the initiative's runbooks."""
    found: dict[tuple[str, str], set[str]] = {}
    for runbook in initiative.runbooks.values():
        for exercise in runbook.exercises:
            found.setdefault((exercise.date, exercise.kind), set()).add(exercise.outcome)
    return found


def _runbook_cause(initiative: Initiative, previous: Initiative, topic: str) -> str:
    """An exercise that was recorded as not passed and now reads passed is history rewritten,
    whatever file it now sits in; a covering runbook under a new name is a rename."""
    old_exercises = _exercises(previous)
    for (date, kind), outcomes in _exercises(initiative).items():
        earlier = old_exercises.get((date, kind))
        if earlier and "passed" in outcomes and "passed" not in earlier:
            return REWRITTEN
    old_files = {rb.stem for rb in previous.runbooks.values() if topic in rb.topics}
    new_files = {rb.stem for rb in initiative.runbooks.values() if topic in rb.topics}
    if old_files and new_files and not old_files & new_files:
        return RENAMED
    return EDIT


# --------------------------------------------------------------------------- packs and mappings


@dataclass
class ControlChange:
    """A change to what a control means or which requirements claim it."""

    framework: str
    control: str
    change: str  # framework-listed | framework-unlisted | control-removed | control-added | retitled | mapped | unmapped
    before: str = ""
    after: str = ""
    lowers: bool | None = None


def control_changes(before: Portfolio, after: Portfolio) -> list[ControlChange]:
    """The `frameworks:` list, a repository's own packs and the `controls:` mappings.

    Fewer controls in a pack, or one more requirement claiming a control, makes coverage read
    higher without any work: both lower the bar. Dropping a framework from the list hides
    its gaps: that lowers it too."""
    found: list[ControlChange] = []
    old_listed = before.policy.frameworks if before.policy else []
    new_listed = after.policy.frameworks if after.policy else []
    for framework in old_listed:
        if framework not in new_listed:
            found.append(ControlChange(framework, "", "framework-unlisted", "listed", "", True))
    for framework in new_listed:
        if framework not in old_listed:
            found.append(ControlChange(framework, "", "framework-listed", "", "listed", False))
    for framework_id, pack in after.frameworks.items():
        was = before.frameworks.get(framework_id)
        if was is None or pack.shipped:
            continue
        old_controls = {c.id: c.title for c in was.controls}
        new_controls = {c.id: c.title for c in pack.controls}
        for control_id in old_controls.keys() - new_controls.keys():
            found.append(ControlChange(framework_id, control_id, "control-removed", old_controls[control_id], "", True))
        for control_id in new_controls.keys() - old_controls.keys():
            found.append(ControlChange(framework_id, control_id, "control-added", "", new_controls[control_id], False))
        for control_id in old_controls.keys() & new_controls.keys():
            if old_controls[control_id] != new_controls[control_id]:
                found.append(ControlChange(framework_id, control_id, "retitled", old_controls[control_id], new_controls[control_id]))
    old_map, new_map = _mappings(before), _mappings(after)
    for ref in sorted(old_map.keys() | new_map.keys()):
        framework, _, control = ref.partition(":")
        for requirement in sorted(new_map.get(ref, set()) - old_map.get(ref, set())):
            found.append(ControlChange(framework, control, "mapped", "", requirement, True))
        for requirement in sorted(old_map.get(ref, set()) - new_map.get(ref, set())):
            found.append(ControlChange(framework, control, "unmapped", requirement, "", None))
    return sorted(found, key=lambda c: (c.framework, c.control, c.change, c.before, c.after))


def _mappings(portfolio: Portfolio) -> dict[str, set[str]]:
    """framework:control -> the policy requirements (checklist/item, runbooks/topic) that claim it."""
    found: dict[str, set[str]] = {}
    policy = portfolio.policy
    if policy is None:
        return found
    for checklist_id, spec in policy.checklists.items():
        for item in spec.items:
            for ref in item.controls:
                found.setdefault(ref, set()).add(f"{checklist_id}/{item.id}")
    for topic in policy.runbook_topics.values():
        for ref in topic.controls:
            found.setdefault(ref, set()).add(f"runbooks/{topic.id}")
    return found
