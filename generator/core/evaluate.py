"""Step 3: the rules a schema cannot state — cross-record consistency and readiness gates.

Input: the policy and the typed records with their documents (for locations).
Output: problems, each initiative's readiness, and the computed decision fields
(weighted scores, superseded-by links).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from generator.core.loader import Document, clean_text, normalise_id
from generator.core.model import (
    Checklist,
    ChecklistItem,
    ChecklistSpec,
    Decision,
    Initiative,
    InitiativeState,
    ItemSpec,
    KIND_CHECKLIST,
    KIND_METRIC,
    KIND_RUNBOOK,
    METRICS,
    RUNBOOKS,
    Location,
    Campaign,
    Metric,
    MetricGate,
    PinnedGate,
    Policy,
    Problem,
    Readiness,
    Requirement,
    Runbook,
    RunbookStep,
    RunbookTopic,
    Severity,
)
import dataclasses

from generator.core.records import decision_file_parts
from generator.core.sources import source_problems

EXPIRY_WARNING_DAYS = 30
METRIC_STALE_DAYS = 14
METRIC_STAGES = ("canary", "ga")
TERMINAL_STAGE = "retired"


@dataclass
class InitiativeRecords:
    """One initiative's typed records and the documents they came from."""

    initiative: Initiative
    document: Document
    decision_docs: dict[int, Document] = field(default_factory=dict)  # by Decision id()
    checklist_docs: dict[str, Document] = field(default_factory=dict)  # by checklist id
    # every checklist file, including one that repeats another's id (only the first counts)
    checklist_files: list[tuple[Checklist, Document]] = field(default_factory=list)
    # checklist ids (file stems) whose files exist but failed to load or validate
    broken_checklists: set[str] = field(default_factory=set)
    # every runbook file that loaded, in file order, with its document (for locations)
    runbook_files: list[tuple[Runbook, Document]] = field(default_factory=list)
    # runbook files that exist but failed to load or validate
    broken_runbooks: list[str] = field(default_factory=list)

    @property
    def folder(self) -> str:
        return self.document.file.split("/")[1]


PLACEHOLDER_PREFIX = "TODO:"


def scaffold_placeholders(data: Any, path: tuple = ()) -> list[tuple]:
    """Paths of the string values that still start with the scaffolds' `TODO:` marker."""
    found: list[tuple] = []
    stack = [(path, data)]
    while stack:  # iterative: the loader bounds depth, but no recursion is cheaper still
        where, value = stack.pop()
        if isinstance(value, str):
            if value.lstrip().startswith(PLACEHOLDER_PREFIX):
                found.append(where)
        elif isinstance(value, dict):
            stack.extend(((*where, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*where, i), v) for i, v in enumerate(value))
    return sorted(found, key=lambda p: tuple(map(str, p)))


class Evaluator:
    """Applies every rule to one portfolio; collects problems as values, never raises."""

    def __init__(self, policy: Policy, as_of: dt.date, root: Path | None = None) -> None:
        self.policy = policy
        self.as_of = as_of
        self.root = root  # where evidence paths must exist; None: not checked (no repository)
        self._resolved_root: Path | None = None
        self._coverable: dict[str, bool] = {}  # runbook file -> may it cover a topic (_can_cover)
        self._pins: dict[str, list[PinnedGate]] = {}  # initiative -> the metric gates the policy pins for it
        for pin in policy.metric_gates:
            self._pins.setdefault(pin.initiative, []).append(pin)
        self.problems: list[Problem] = []

    # ----------------------------------------------------------------- reporting

    def _report(self, location: Location, code: str, message: str, initiative: str | None, warning: bool = False) -> None:
        severity = Severity.WARNING if warning else Severity.ERROR
        self.problems.append(Problem(location, severity, code, message, initiative))

    # ----------------------------------------------------------------- policy

    def check_policy(self, document: Document) -> None:
        """Policy references that the schema cannot see (stages named by items)."""
        stages = set(self.policy.stages)
        for index, criterion in enumerate(document.data.get("criteria") or []):
            if [c["id"] for c in document.data["criteria"]].index(criterion["id"]) != index:
                self._report(document.locate(("criteria", index, "id")), "LB161",
                             f"criterion {criterion['id']!r} is defined twice; ids must be unique", None)
        for checklist_id, spec in self.policy.checklists.items():
            item_ids = [item.id for item in spec.items]
            for i_index, item in enumerate(spec.items):
                if item_ids.index(item.id) != i_index:
                    self._report(document.locate(("checklists", checklist_id, "items", i_index, "id")), "LB161",
                                 f"item {item.id!r} is defined twice in {checklist_id}; ids must be unique", None)
                if item.required_from not in stages:
                    self._report(
                        document.locate(("checklists", checklist_id, "items", i_index, "required_from")),
                        "LB161",
                        f"{item.id}: required_from {clean_text(item.required_from, 40)!r} is not one of the stages ({', '.join(self.policy.stages)})",
                        None,
                    )
                elif item.required_from == TERMINAL_STAGE:
                    # Retired is terminal and never gated: such an item is never required.
                    self._report(
                        document.locate(("checklists", checklist_id, "items", i_index, "required_from")),
                        "LB308",
                        f"{checklist_id}/{item.id}: required_from {TERMINAL_STAGE} means never required "
                        f"(no gate applies at {TERMINAL_STAGE}); name the stage it must be complete by",
                        None,
                        warning=True,
                    )

        self._check_policy_topics(document)
        self._check_campaigns(document)
        pinned = [(pin.initiative, pin.metric) for pin in self.policy.metric_gates]
        for pin in self.policy.metric_gates:
            if pinned.index((pin.initiative, pin.metric)) != pin.index:
                self._report(document.locate(("metric_gates", pin.index, "metric")), "LB163",
                             f"metric_gates[{pin.index}] pins {pin.initiative}/{pin.metric} a second time; one pin a metric", None)
            if pin.gate_from not in stages or pin.gate_from == TERMINAL_STAGE:
                self._report(document.locate(("metric_gates", pin.index, "gate_from")), "LB233",
                             f"metric_gates[{pin.index}]: gate_from {clean_text(pin.gate_from, 40)!r} is not a stage a gate can "
                             f"hold from ({', '.join(s for s in self.policy.stages if s != TERMINAL_STAGE)})", None)

    def _check_campaigns(self, document: Document) -> None:
        """Campaign ids unique; each requirement a `checklist/item` or `runbooks/topic` of this
        policy (LB162), so a campaign cannot announce something that does not exist."""
        known = {f"{cid}/{item.id}" for cid, spec in self.policy.checklists.items() for item in spec.items}
        known |= {f"{RUNBOOKS}/{topic}" for topic in self.policy.runbook_topics}
        ids = [campaign.id for campaign in self.policy.campaigns]
        for campaign in self.policy.campaigns:
            if ids.index(campaign.id) != campaign.index:
                self._report(document.locate(("campaigns", campaign.index, "id")), "LB162",
                             f"campaign {campaign.id!r} is defined twice; ids must be unique", None)
            for index, ref in enumerate(campaign.requirements):
                if ref not in known:
                    self._report(document.locate(("campaigns", campaign.index, "requirements", index)), "LB162",
                                 f"campaign {campaign.id}: {clean_text(ref, 130)!r} is not a checklist item or runbook topic "
                                 "of this policy (write checklist/item or runbooks/topic)", None)

    def _check_policy_topics(self, document: Document) -> None:
        """`runbooks.topics`: ids unique, required_from one of the stages (LB177)."""
        topics = (document.data.get("runbooks") or {}).get("topics") or []
        ids = [topic["id"] for topic in topics]
        for index, topic in enumerate(topics):
            if ids.index(topic["id"]) != index:
                self._report(document.locate(("runbooks", "topics", index, "id")), "LB177",
                             f"runbook topic {topic['id']!r} is defined twice; ids must be unique", None)
            if topic["required_from"] not in self.policy.stages:
                self._report(
                    document.locate(("runbooks", "topics", index, "required_from")),
                    "LB177",
                    f"runbook topic {topic['id']}: required_from {clean_text(topic['required_from'], 40)!r} is not one of "
                    f"the stages ({', '.join(self.policy.stages)})",
                    None,
                )

    # ----------------------------------------------------------------- initiative

    def evaluate(self, records: InitiativeRecords) -> InitiativeState:
        initiative, document = records.initiative, records.document
        self._check_identity(records)
        self._check_stage_and_history(initiative, document)
        self._check_decisions(records)
        self._check_approach(initiative, document)
        self._check_checklist_files(records)
        self._check_runbook_files(records)
        self._check_metrics(initiative, document)
        self._check_placeholders(records)
        gates = self._check_metric_gates(initiative, document)
        ledger = self.ledger(records, gates)
        current = self.readiness_from(ledger, initiative.stage)
        next_stage = self.policy.next_stage(initiative.stage)
        upcoming = self.readiness_from(ledger, next_stage) if next_stage else None
        state = InitiativeState(initiative.id, initiative.stage, initiative.approach, current, upcoming,
                                metric_gates=gates, requirements=ledger)
        state.incomplete_claims = self._check_done_claims(records, ledger)
        return state

    def _check_placeholders(self, records: InitiativeRecords) -> None:
        """`TODO:` text that `launchboard new` wrote and nobody replaced: a warning, so
        `check --strict` keeps a scaffold from being published as if it were filled in."""
        documents = [records.document, *records.decision_docs.values(), *(doc for _, doc in records.checklist_files)]
        for document in documents:
            if not document.may_hold_todo:
                continue
            for path in scaffold_placeholders(document.data):
                self._report(document.locate(path), "LB316",
                             f"{'.'.join(map(str, path))} still holds the scaffold's TODO text; write the real content",
                             records.initiative.id, warning=True)

    def _check_identity(self, records: InitiativeRecords) -> None:
        """The folder name is the initiative's identity; a differing `id` is reported, then ignored."""
        initiative, folder = records.initiative, records.folder
        if initiative.id != folder:
            self._report(
                records.document.locate(("id",)),
                "LB110",
                f"id {clean_text(initiative.id, 64)!r} must equal the folder name {clean_text(folder, 64)!r}",
                folder,
            )
            initiative.id = folder
            for decision in initiative.decisions:
                decision.initiative = folder
            for checklist, _ in records.checklist_files:
                checklist.initiative = folder
            for runbook, _ in records.runbook_files:
                runbook.initiative = folder

    def _check_stage_and_history(self, initiative: Initiative, document: Document) -> None:
        stages = self.policy.stages
        if initiative.stage not in stages:
            self._report(
                document.locate(("stage",)),
                "LB122",
                f"stage {clean_text(initiative.stage, 40)!r} is not one of the policy's stages: {', '.join(stages)}",
                initiative.id,
            )
        previous: str | None = None
        for index, entry in enumerate(initiative.history):
            if entry.stage not in stages:
                self._report(
                    document.locate(("history", index, "stage")),
                    "LB122",
                    f"history[{index}].stage {clean_text(entry.stage, 40)!r} is not one of the policy's stages",
                    initiative.id,
                )
            if previous is not None and entry.date < previous:
                self._report(
                    document.locate(("history", index, "date")),
                    "LB120",
                    f"history[{index}] is dated {entry.date}, before the entry above it ({previous}); keep history oldest first",
                    initiative.id,
                )
            if _date(entry.date) > self.as_of:
                self._report(
                    document.locate(("history", index, "date")),
                    "LB211",
                    f"history[{index}] is dated {entry.date}, after today ({self.as_of}); record a stage when it happens",
                    initiative.id,
                )
            previous = entry.date
        if initiative.history and initiative.history[-1].stage != initiative.stage:
            self._report(
                document.locate(("history", len(initiative.history) - 1, "stage")),
                "LB121",
                f"the last history entry is {clean_text(initiative.history[-1].stage, 40)!r} but stage is "
                f"{clean_text(initiative.stage, 40)!r}; add a history entry for the move to {clean_text(initiative.stage, 40)!r}",
                initiative.id,
            )

    def _check_approach(self, initiative: Initiative, document: Document) -> None:
        accepted = [d for d in initiative.decisions if d.status == "accepted"]
        if not accepted:
            if initiative.stage in self.policy.stages and self.policy.stage_index(initiative.stage) > 0 and initiative.stage != TERMINAL_STAGE:
                self._report(
                    document.locate(("stage",)),
                    "LB131",
                    f"an initiative at {initiative.stage} needs an accepted decision recording why it uses {initiative.approach} "
                    f"(launchboard new decision {initiative.id} \"Title\")",
                    initiative.id,
                )
            return
        latest = max(accepted, key=lambda d: (d.date, d.number))
        chosen = latest.option(latest.outcome.chosen)
        if chosen is not None and chosen.approach != initiative.approach:
            self._report(
                document.locate(("approach",)),
                "LB130",
                f"approach is {initiative.approach} but the latest accepted decision ({latest.key}) chose "
                f"{clean_text(chosen.id, 64)!r} ({chosen.approach}); update approach or the decision",
                initiative.id,
            )

    # ----------------------------------------------------------------- decisions

    def _check_decisions(self, records: InitiativeRecords) -> None:
        initiative = records.initiative
        by_number: dict[int, Decision] = {}
        for decision in initiative.decisions:
            document = records.decision_docs[id(decision)]
            file_number, _ = decision_file_parts(decision.file.rsplit("/", 1)[-1])
            if file_number is None:
                self._report(
                    document.locate(()),
                    "LB111",
                    "decision files are named NNNN-slug.yaml (e.g. 0003-add-reranker.yaml); rename this file",
                    initiative.id,
                )
            elif file_number != decision.number:
                self._report(
                    document.locate(("number",)),
                    "LB111",
                    f"number is {decision.number} but the file name says {file_number:04d}; make them agree",
                    initiative.id,
                )
            if decision.number in by_number:
                self._report(
                    document.locate(("number",)),
                    "LB112",
                    f"number {decision.number} is also used by {by_number[decision.number].file}; give this decision the next free number",
                    initiative.id,
                )
            else:
                by_number[decision.number] = decision
            self._check_options(decision, document)
        self._check_supersession(records, by_number)

    def _check_options(self, decision: Decision, document: Document) -> None:
        initiative = decision.initiative
        weights: dict[str, int] = {}
        for index, (criterion, weight) in enumerate(decision.criteria):
            if criterion not in self.policy.criteria:
                self._report(
                    document.locate(("criteria", index, "id")),
                    "LB150",
                    f"criterion {clean_text(criterion, 64)!r} is not defined in the policy's criteria "
                    f"({', '.join(self.policy.criteria) or 'none defined'})",
                    initiative,
                )
            weights[criterion] = weight
        seen: set[str] = set()
        for index, option in enumerate(decision.options):
            if option.id in seen:
                self._report(document.locate(("options", index, "id")), "LB154", f"option id {clean_text(option.id, 64)!r} repeats; ids must be unique", initiative)
            seen.add(option.id)
            scored, weighed = set(option.scores), set(weights)
            for extra in sorted(scored - weighed):
                self._report(
                    document.locate(("options", index, "scores", extra), key=True),
                    "LB151",
                    f"option {clean_text(option.id, 64)!r} scores {clean_text(extra, 64)!r}, which the decision's criteria do not weigh",
                    initiative,
                )
            for missing in sorted(weighed - scored):
                self._report(
                    document.last_key(("options", index, "scores")),
                    "LB151",
                    f"option {clean_text(option.id, 64)!r} has no score for criterion {clean_text(missing, 64)!r}",
                    initiative,
                )
        decision.weighted_scores = weighted_scores(decision)
        if decision.outcome.chosen and decision.option(decision.outcome.chosen) is None:
            self._report(
                document.locate(("outcome", "chosen")),
                "LB152",
                f"outcome.chosen {clean_text(decision.outcome.chosen, 64)!r} is not one of the options "
                f"({', '.join(clean_text(o.id, 40) for o in decision.options)})",
                initiative,
            )
        elif decision.weighted_scores and decision.outcome.chosen in decision.weighted_scores:
            best = max(decision.weighted_scores.values())
            chosen_score = decision.weighted_scores[decision.outcome.chosen]
            if chosen_score < best and not (decision.outcome.override and decision.outcome.rationale.strip()):
                self._report(
                    document.locate(("outcome", "chosen")),
                    "LB153",
                    f"chosen option {clean_text(decision.outcome.chosen, 64)!r} scores {chosen_score:.2f}, below the best "
                    f"{best:.2f} ({decision.best_option}); explain in outcome.rationale and set outcome.override: true",
                    initiative,
                    warning=True,
                )
        if decision.review_by and decision.status in ("accepted", "proposed") and _date(decision.review_by) < self.as_of:
            self._report(
                document.locate(("review_by",)),
                "LB303",
                f"decision {decision.key} was due for review on {decision.review_by}; revisit it and set a new review_by",
                initiative,
                warning=True,
            )

    def _check_supersession(self, records: InitiativeRecords, by_number: dict[int, Decision]) -> None:
        initiative = records.initiative.id
        for decision in records.initiative.decisions:
            document = records.decision_docs[id(decision)]
            for index, number in enumerate(decision.supersedes):
                target = by_number.get(number)
                where = document.locate(("supersedes", index))
                if target is None:
                    self._report(where, "LB140", f"supersedes decision {number}, which this initiative does not have", initiative)
                    continue
                if target is decision:
                    continue  # reported as a cycle below
                if decision.number not in target.superseded_by:
                    target.superseded_by.append(decision.number)
                if target.status != "superseded":
                    self._report(
                        where,
                        "LB141",
                        f"supersedes decision {number} ({target.key}), whose status is {target.status}; set its status to superseded",
                        initiative,
                    )
        for decision in records.initiative.decisions:
            decision.superseded_by.sort()
            if decision.status == "superseded" and not decision.superseded_by:
                self._report(
                    records.decision_docs[id(decision)].locate(("status",)),
                    "LB142",
                    f"status is superseded but no decision lists {decision.number} in its supersedes; add it to the newer decision",
                    initiative,
                )
        for number in _cycle_members(by_number):
            decision = by_number[number]
            self._report(
                records.decision_docs[id(decision)].locate(("supersedes",)),
                "LB143",
                f"decision {number} is part of a supersession cycle; a decision may only supersede older ones",
                initiative,
            )

    # ----------------------------------------------------------------- checklists

    def _check_checklist_files(self, records: InitiativeRecords) -> None:
        initiative = records.initiative.id
        for checklist, document in records.checklist_files:
            stem = document.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            if checklist.id != stem:
                self._report(
                    document.locate(("checklist",)),
                    "LB113",
                    f"checklist is {clean_text(checklist.id, 64)!r} but the file is named {clean_text(stem, 64)!r}.yaml; make them agree",
                    initiative,
                )
            spec = self.policy.checklists.get(checklist.id)
            if spec is None:
                self._report(
                    document.locate(("checklist",)),
                    "LB114",
                    f"checklist {clean_text(checklist.id, 64)!r} is not defined in the policy ({', '.join(self.policy.checklists)})",
                    initiative,
                )
                continue
            for item_id in checklist.items:
                if spec.item(item_id) is None:
                    self._report(
                        document.locate(("items", item_id), key=True),
                        "LB160",
                        f"item {clean_text(item_id, 64)!r} is not defined for {checklist.id} in the policy "
                        f"({', '.join(i.id for i in spec.items)})",
                        initiative,
                    )

    def _reaches(self, stage: str, required_from: str) -> bool:
        """Whether an initiative at STAGE must meet a requirement due from REQUIRED_FROM
        (nothing is ever required at the terminal stage or at a stage the policy lacks)."""
        stages = self.policy.stages
        return (stage in stages and stage != TERMINAL_STAGE and required_from in stages
                and stages.index(required_from) <= stages.index(stage))

    def ledger(self, records: InitiativeRecords, gates: list[MetricGate]) -> list[Requirement]:
        """Every requirement that applies to the initiative at any stage, judged once by one
        rule. Findings are reported only for those its current stage requires: the others are
        judged the same way but do not block (their `done` claims get LB306 below)."""
        initiative = records.initiative
        stage = initiative.stage
        entries: list[Requirement] = []
        for checklist_id, spec in self.policy.checklists.items():
            checklist = initiative.checklists.get(checklist_id)
            document = records.checklist_docs.get(checklist_id)
            for item_spec in spec.items:
                if not self._due_at_some_stage(item_spec.required_from) or not item_spec.applies_to(initiative):
                    continue
                effective = self._effective(initiative, f"{checklist_id}/{item_spec.id}", item_spec.effective)
                required = self._reaches(stage, item_spec.required_from)
                entry = self._judge(records, spec, item_spec, checklist, document, report=required and self._in_force(effective))
                entries.append(self._dated(entry, required, effective))
        for topic in self.policy.runbook_topics.values():
            if not self._due_at_some_stage(topic.required_from) or not topic.applies_to(initiative):
                continue
            effective = self._effective(initiative, f"{RUNBOOKS}/{topic.id}", topic.effective)
            required = self._reaches(stage, topic.required_from)
            entry = self._judge_topic(records, topic, report=required and self._in_force(effective))
            entries.append(self._dated(entry, required, effective))
        for gate in gates:  # reported by _check_metric_gates (LB230-LB232, LB313)
            entries.append(Requirement(
                METRICS, gate.metric, gate.title, gate.gate_from, _gate_status(gate), gate.holds, gate.reason,
                gate.location, kind=KIND_METRIC, required=gate.applies,
                basis=f"{_number(gate.latest)} on {gate.latest_date}" if gate.latest is not None else "never measured",
                lapses=gate.lapses))
        return entries

    def _effective(self, initiative: Initiative, key: str, own: str) -> str:
        """The date a requirement takes effect for this initiative: its own `effective`, or the
        target of a campaign in whose scope the initiative falls, whichever comes first; ""
        when neither dates it (in force now)."""
        dates = [own] if own else []
        dates += [c.target for c in self.policy.campaigns if key in c.requirements and c.reaches(initiative)]
        return min(dates) if dates else ""

    def _in_force(self, effective: str) -> bool:
        return not effective or _date(effective) <= self.as_of

    def _dated(self, entry: Requirement, reached: bool, effective: str) -> Requirement:
        """An entry's place in the gate: required when its stage is reached and it is in force;
        announced when the stage is reached but its date has not come (it does not block)."""
        entry.effective = effective
        entry.required = reached and self._in_force(effective)
        entry.announced = reached and not self._in_force(effective)
        return entry

    def _due_at_some_stage(self, required_from: str) -> bool:
        return required_from in self.policy.stages and required_from != TERMINAL_STAGE

    def readiness_from(self, ledger: list[Requirement], stage: str) -> Readiness:
        """The entries of the ledger that STAGE requires and that are in force today: the
        readiness for that stage (an announced requirement does not count yet)."""
        return Readiness(stage, [entry for entry in ledger
                                 if self._reaches(stage, entry.required_from) and self._in_force(entry.effective)])

    def _judge(
        self,
        records: InitiativeRecords,
        spec: ChecklistSpec,
        item_spec: ItemSpec,
        checklist: Checklist | None,
        document: Document | None,
        report: bool,
    ) -> Requirement:
        initiative = records.initiative
        item = checklist.items.get(item_spec.id) if checklist else None
        findings: list[tuple[str, str, Location, bool]] = []  # (code, message, location, is_warning)
        if (checklist is None or document is None) and spec.id in records.broken_checklists:
            location = Location(f"decisions/{records.folder}/checklists/{spec.id}.yaml")
            status = "todo"
            errors_first = f"{spec.id}/{item_spec.id}: counts as todo until the errors in {location.file} are fixed"
            return Requirement(spec.id, item_spec.id, item_spec.title, item_spec.required_from, status, False, errors_first,
                               location, controls=list(item_spec.controls))
        if checklist is None or document is None:
            location = records.document.locate(("stage",))
            findings.append((
                "LB210",
                f"{spec.id}/{item_spec.id}: required from {item_spec.required_from}; create "
                f"decisions/{initiative.id}/checklists/{spec.id}.yaml (launchboard new checklist {initiative.id} {spec.id})",
                location,
                False,
            ))
            status = "todo"
        elif item is None:
            location = document.last_key(("items",))
            findings.append((
                "LB210",
                f"{item_spec.id}: required from {item_spec.required_from}, missing from this file (counts as todo); add it under items",
                location,
                False,
            ))
            status = "todo"
        else:
            status = item.status
            location = document.locate(("items", item.id, "status"))
            findings.extend(self._item_findings(initiative, spec, item_spec, item, document))
        entry = self._verdict(findings, report, initiative.id, spec.id, item_spec, status, location)
        if item is not None:
            self._claim_basis(entry, item)
        return entry

    def _claim_basis(self, entry: Requirement, item: ChecklistItem) -> None:
        """What a recorded item's verdict rests on, and the rule that a waiver or a
        not-applicable counts for the gate but is never complete evidence."""
        if item.status == "done":
            entry.basis = f"done by {item.approver or '?'} on {item.date or '?'}, evidence {item.evidence or 'none'}"
            if item.date:  # kept when lapsed too: the BOM and the pages say since when
                entry.lapses = (_date(item.date) + dt.timedelta(days=self.policy.approval_max_age_days)).isoformat()
        elif item.status == "waived":
            waiver = item.waiver
            entry.basis = f"waived by {waiver.approver or '?'} until {waiver.expires or '?'}" if waiver else "waived"
            entry.lapses = waiver.expires if waiver else ""
            if entry.counts:
                entry.complete = False
                entry.reason = f"waived until {waiver.expires}: {clean_text(waiver.reason, 200)}" if waiver else "waived"
        elif item.status == "not-applicable":
            entry.basis = "not applicable"
            if entry.counts:
                entry.complete = False
                entry.reason = f"not applicable: {clean_text(item.reason, 200)}"
        elif entry.complete:  # todo/in-progress always has an error finding; kept for safety
            entry.complete = entry.counts = False

    def _item_findings(
        self, initiative: Initiative, spec: ChecklistSpec, item_spec: ItemSpec, item: ChecklistItem, document: Document
    ) -> list[tuple[str, str, Location, bool]]:
        """Why a recorded item is not complete (errors) and what will soon lapse (warnings)."""
        at = lambda *path, key=False: document.locate(("items", item.id) + path, key=key)  # noqa: E731
        name = item.id
        out: list[tuple[str, str, Location, bool]] = []
        if item.status in ("todo", "in-progress"):
            out.append(("LB201", f"{name}: required from {item_spec.required_from}, status is {item.status}", at("status"), False))
        elif item.status == "done":
            missing = [f for f in ("evidence", "approver", "date") if not getattr(item, f)]
            if missing:
                out.append(("LB202", f"{name}: done but {' and '.join(missing)} missing; add {', '.join(missing)}", at("status"), False))
            if item.evidence and not self._evidence_exists(item.evidence):
                out.append(("LB213", f"{name}: evidence {clean_text(item.evidence, 120)} is not a file or folder in the repository; "
                            "commit it or link to it with an https:// URL", at("evidence"), False))
            if item.approver:
                out.extend(self._approver_findings(initiative, spec, name, item.approver, at("approver")))
            if item.date:
                approved = _date(item.date)
                lapses = approved + dt.timedelta(days=self.policy.approval_max_age_days)
                if approved > self.as_of:
                    out.append(("LB211", f"{name}: approval is dated {item.date}, after today ({self.as_of})", at("date"), False))
                elif lapses <= self.as_of:
                    out.append((
                        "LB203",
                        f"{name}: approved {item.date}, more than {self.policy.approval_max_age_days} days ago; re-approve it",
                        at("date"),
                        False,
                    ))
                elif (lapses - self.as_of).days <= EXPIRY_WARNING_DAYS:
                    out.append(("LB301", f"{name}: approval lapses on {lapses}; plan its re-approval", at("date"), True))
        elif item.status == "waived":
            waiver = item.waiver
            missing = [f for f in ("reason", "approver", "date", "expires") if waiver is None or not has_visible_text(getattr(waiver, f))]
            if missing:
                out.append(("LB206", f"{name}: waived but the waiver lacks {', '.join(missing)}", at("waiver", key=True) if waiver else at("status"), False))
            if waiver and waiver.approver:
                out.extend(self._approver_findings(initiative, spec, name, waiver.approver, at("waiver", "approver")))
            if waiver and waiver.date and _date(waiver.date) > self.as_of:
                # like an approval: a waiver dated ahead would pass waiver_max_days and never lapse
                out.append(("LB211", f"{name}: waiver is dated {waiver.date}, after today ({self.as_of})", at("waiver", "date"), False))
            if waiver and waiver.expires:
                expires = _date(waiver.expires)
                if expires <= self.as_of:
                    out.append(("LB207", f"{name}: waiver expired on {waiver.expires}; complete the item or renew the waiver", at("waiver", "expires"), False))
                elif (expires - self.as_of).days <= EXPIRY_WARNING_DAYS:
                    out.append(("LB302", f"{name}: waiver expires on {waiver.expires}", at("waiver", "expires"), True))
                if waiver.date and (expires - _date(waiver.date)).days > self.policy.waiver_max_days:
                    out.append((
                        "LB208",
                        f"{name}: waiver runs {(expires - _date(waiver.date)).days} days from {waiver.date}; "
                        f"the policy allows at most {self.policy.waiver_max_days}",
                        at("waiver", "expires"),
                        False,
                    ))
        elif item.status == "not-applicable":
            if not item_spec.allow_na:
                out.append(("LB209", f"{name}: the policy does not allow not-applicable for this item", at("status"), False))
            elif not has_visible_text(item.reason):
                out.append(("LB209", f"{name}: not-applicable needs a reason explaining why", at("status"), False))
        return out

    def _evidence_exists(self, evidence: str) -> bool:
        """A URL is taken as written; a repository path must lead to a file or folder inside ROOT
        that is not ROOT itself, `decisions/` or a record (evidence that proves itself)."""
        if "://" in evidence or self.root is None:
            return True
        relative = evidence.split("#", 1)[0]
        if not relative:
            return False
        if self._resolved_root is None:
            self._resolved_root = self.root.resolve()
        root = self._resolved_root
        try:
            target = (root / relative).resolve(strict=True)
        except (OSError, RuntimeError):  # missing, or a link loop
            return False
        if not target.is_relative_to(root) or not (target.is_file() or target.is_dir()):
            return False
        # The repository itself, decisions/ or a record is no evidence: it would prove itself.
        decisions = root / "decisions"
        if target == root or target == decisions or (target.is_relative_to(decisions) and target.suffix in (".yaml", ".yml")):
            return False
        return True

    def _claim_gaps(self, item: ChecklistItem) -> list[str]:
        """What keeps a `done` claim from being whole, wherever it appears."""
        gaps = [f"no {f}" for f in ("evidence", "approver", "date") if not getattr(item, f)]
        if item.evidence and not self._evidence_exists(item.evidence):
            gaps.append(f"evidence {clean_text(item.evidence, 120)} is not in the repository")
        if item.date and _date(item.date) > self.as_of:
            gaps.append(f"dated {item.date}, after today")
        return gaps

    def _check_done_claims(self, records: InitiativeRecords, ledger: list[Requirement]) -> dict[str, str]:
        """LB306 for `done` items the stage does not require yet whose claim is not whole.

        The ledger judges every item that applies by one rule; only the current stage's block
        the gate. A `done` that the ledger finds incomplete must not read as done anywhere, so
        it is a warning here too. Items whose `when` does not match the initiative are not in
        the ledger; a bare `done` there is judged by what done needs. Returns
        "checklist/item" -> reason.
        """
        claims: dict[str, str] = {}
        judged = {(entry.checklist, entry.item): entry for entry in ledger if entry.kind == KIND_CHECKLIST}
        for checklist_id, checklist in records.initiative.checklists.items():
            document = records.checklist_docs.get(checklist_id)
            if document is None:
                continue
            for item in checklist.items.values():
                entry = judged.get((checklist_id, item.id))
                if item.status != "done" or (entry is not None and (entry.required or entry.complete)):
                    continue
                gaps = self._claim_gaps(item)
                if gaps:  # every gap at once: the ledger's reason names only the first finding
                    reason = f"{item.id}: claims done but {', '.join(gaps)}"
                elif entry is not None:  # whole, but stale or approved by someone who may not
                    reason = entry.reason
                else:
                    continue
                claims[f"{checklist_id}/{item.id}"] = reason
                if records.initiative.stage == TERMINAL_STAGE:
                    continue  # nothing will be required again: the page says it, the log need not
                self._report(document.locate(("items", item.id, "status")), "LB306",
                             f"{reason}; a claim of done must be whole even before the stage requires it "
                             "(complete it or set status to in-progress)", records.initiative.id, warning=True)
        return claims

    def _approver_findings(
        self, initiative: Initiative, spec: ChecklistSpec, name: str, approver: str, where: Location
    ) -> list[tuple[str, str, Location, bool]]:
        out: list[tuple[str, str, Location, bool]] = []
        who = normalise_id(approver)
        if who in {normalise_id(o) for o in initiative.owners}:
            out.append(("LB204", f"{name}: approver {clean_text(approver, 64)} owns this initiative; ask an independent reviewer", where, False))
        if spec.owners and who not in {normalise_id(o) for o in spec.owners}:
            out.append((
                "LB205",
                f"{name}: approver {clean_text(approver, 64)} is not among the {spec.id} owners ({', '.join(spec.owners)})",
                where,
                False,
            ))
        return out

    # ----------------------------------------------------------------- runbooks

    def _check_runbook_files(self, records: InitiativeRecords) -> None:
        """Each runbook on its own: name, topics, rollback steps, approvals, escalation, exercise
        dates. A runbook with an error of its own covers no topic (_can_cover)."""
        for runbook, document in records.runbook_files:
            self._coverable[runbook.file] = self._may_cover(records, runbook, document, report=True)

    def _may_cover(self, records: InitiativeRecords, runbook: Runbook, document: Document, report: bool) -> bool:
        """Whether a runbook may cover topics: no error of its own (LB170-LB179, LB213: a hollow
        runbook, a destructive step nobody approves...) and no scaffold TODO (LB178). Its rules
        run here, reported or not, so the answer never depends on which caller came first."""
        kept, self.problems = self.problems, []
        try:
            self._check_runbook_file(records, runbook, document)
        finally:
            found, self.problems = self.problems, kept
        if report:
            self.problems.extend(found)
        return not any(p.is_error for p in found) and not (document.may_hold_todo and runbook_placeholders(document.data))

    def _check_runbook_file(self, records: InitiativeRecords, runbook: Runbook, document: Document) -> None:
        initiative = records.initiative.id
        topics = self.policy.runbook_topics
        if runbook.id != runbook.stem:
            self._report(
                document.locate(("runbook",)),
                "LB170",
                f"runbook is {clean_text(runbook.id, 64)!r} but the file is named {clean_text(runbook.stem, 64)!r}.yaml; make them agree",
                initiative,
            )
        for index, topic in enumerate(runbook.topics):
            if topic not in topics:
                self._report(
                    document.locate(("topics", index)),
                    "LB171",
                    f"topic {clean_text(topic, 64)!r} is not defined in the policy's runbooks.topics "
                    f"({', '.join(topics) or 'none defined'})",
                    initiative,
                )
        if ROLLBACK_TOPIC in runbook.topics and not _has_rollback_steps(runbook):
            where = document.locate(("rollback",), key=True) if runbook.rollback else document.locate(("topics", runbook.topics.index(ROLLBACK_TOPIC)))
            self._report(
                where,
                "LB174",
                "this runbook covers rollback but has no rollback.steps; list the steps back to the pinned versions",
                initiative,
            )
        for path, step in _steps_with_paths(runbook):
            if step.effect == "destructive" and not step.approval.strip():
                self._report(
                    document.locate(path + ("effect",)),
                    "LB175",
                    f"{_path_text(path)} is destructive; say who must approve it before it runs (approval: a handle or a role such as incident-commander)",
                    initiative,
                )
        for index in range(1, len(runbook.escalation)):
            before, after = runbook.escalation[index - 1], runbook.escalation[index]
            if after.after_minutes < before.after_minutes:
                self._report(
                    document.locate(("escalation", index, "after_minutes")),
                    "LB176",
                    f"escalation[{index}] is at {after.after_minutes} minutes, before the entry above it "
                    f"({before.after_minutes}); list contacts in the order they are called",
                    initiative,
                )
        for path, message in (runbook_placeholders(document.data) if document.may_hold_todo else ()):
            self._report(document.locate(path), "LB178", message, initiative, warning=True)
        for path, message in hollow_parts(runbook):
            self._report(document.locate(path), "LB179", message, initiative)
        ran = [(index, e) for index, e in enumerate(runbook.exercises) if _date(e.date) <= self.as_of]
        if ran:
            index, latest = max(ran, key=lambda pair: (pair[1].date, pair[0]))
            if latest.outcome != "passed":  # an older pass still counts (the gate), but say so
                passed_before = any(e.outcome == "passed" for _, e in ran)
                self._report(document.locate(("exercises", index, "outcome")), "LB311",
                             f"the latest exercise ({latest.kind}, {latest.date}) {latest.outcome}; run the runbook "
                             "again once it is fixed: " + ("an earlier pass no longer shows it works" if passed_before
                                                           else "no exercise of it has passed yet"), initiative, warning=True)
        for index, exercise in enumerate(runbook.exercises):
            if _date(exercise.date) > self.as_of:
                self._report(
                    document.locate(("exercises", index, "date")),
                    "LB173",
                    f"exercises[{index}] is dated {exercise.date}, after today ({self.as_of}); record an exercise once it has run",
                    initiative,
                )
            if exercise.evidence and not self._evidence_exists(exercise.evidence):
                self._report(
                    document.locate(("exercises", index, "evidence")),
                    "LB213",
                    f"exercises[{index}]: evidence {clean_text(exercise.evidence, 120)} is not a file or folder in the repository; "
                    "link the drill's write-up or commit it",
                    initiative,
                )

    def _can_cover(self, records: InitiativeRecords, runbook: Runbook, document: Document) -> bool:
        """_may_cover, answered once per runbook file: evaluate() asks it while reporting the
        runbook's rules; a caller that judges the ledger alone (history) gets the same answer."""
        answer = self._coverable.get(runbook.file)
        if answer is None:
            answer = self._coverable[runbook.file] = self._may_cover(records, runbook, document, report=False)
        return answer

    def _judge_topic(self, records: InitiativeRecords, topic: RunbookTopic, report: bool) -> Requirement:
        """One runbook topic the stage requires: covered by a runbook and, when it must be, exercised."""
        initiative = records.initiative
        # a hollow runbook (LB179: nothing visible to do, or nobody to call) or one still holding
        # the scaffold's TODOs (LB178) covers nothing: a scaffold must not pass the gate by existing
        covering = [(runbook, document) for runbook, document in records.runbook_files
                    if topic.id in runbook.topics and self._can_cover(records, runbook, document)
                    and (topic.id != ROLLBACK_TOPIC or _has_rollback_steps(runbook))]  # LB174: nothing to roll back with
        findings: list[tuple[str, str, Location, bool]] = []
        status = "covered"
        if not covering and records.broken_runbooks:
            # The broken files' own errors fail the check; one of them may be the runbook.
            broken = records.broken_runbooks[0]
            reason = f"{topic.id}: no runbook that loads lists it; counts as missing until the errors in {broken} are fixed"
            return Requirement(RUNBOOKS, topic.id, topic.title, topic.required_from, "missing", False, reason, Location(broken),
                               kind=KIND_RUNBOOK, controls=list(topic.controls))
        if not covering:
            status = "missing"
            hollow = [r.stem for r, _ in records.runbook_files if topic.id in r.topics]
            findings.append((
                "LB220",
                f"runbook topic {topic.id}: required from {topic.required_from}; no runbook "
                + (f"that can cover it lists it ({', '.join(hollow)}: fix its own errors, or see LB174, LB178, LB179). Fix it, or create "
                   if hollow else "lists it. Create ")
                + f"decisions/{initiative.id}/runbooks/{topic.id}.yaml (launchboard new runbook {initiative.id} {topic.id}) "
                f"or add {topic.id} to the topics of an existing runbook",
                records.document.locate(("stage",)),
                False,
            ))
            location = records.document.locate(("stage",))
        basis, lapses = "", ""
        if covering:
            runbook, document = covering[0]
            location = document.locate(("topics", runbook.topics.index(topic.id)))
            basis = "covered by " + ", ".join(r.stem for r, _ in covering)
            if topic.exercised:
                status = "exercised"
                exercise_findings, exercised, lapses = self._exercise_findings(topic, covering)
                findings.extend(exercise_findings)
                basis += f"; {exercised}"
                if any(not warning for *_, warning in findings):
                    status = "not-exercised"
        entry = self._verdict(findings, report, initiative.id, RUNBOOKS, topic, status, location, kind=KIND_RUNBOOK)
        entry.basis, entry.lapses = basis, lapses  # kept when lapsed: the pages say since when
        return entry

    def _verdict(self, findings: list[tuple[str, str, Location, bool]], report: bool, initiative: str, checklist: str,
                 spec: ItemSpec | RunbookTopic, status: str, location: Location, kind: str = KIND_CHECKLIST) -> Requirement:
        """A required item's (or runbook topic's) verdict from its findings: complete when none
        is an error; reason and location are the first error's. Reported only when asked, so
        the next stage's readiness is judged without printing its findings."""
        errors = [f for f in findings if not f[3]]
        if report:
            for code, message, where, is_warning in findings:
                self._report(where, code, message, initiative, warning=is_warning)
        return Requirement(
            checklist=checklist,
            item=spec.id,
            title=spec.title,
            required_from=spec.required_from,
            status=status,
            complete=not errors,
            reason=errors[0][1] if errors else "",
            location=errors[0][2] if errors else location,
            kind=kind,
            controls=list(spec.controls),
        )

    def _exercise_findings(self, topic: RunbookTopic, covering: list[tuple[Runbook, Document]]
                           ) -> tuple[list[tuple[str, str, Location, bool]], str, str]:
        """The newest `passed` exercise of any covering runbook must have evidence that resolves,
        be recent and not in the future. Returns the findings, what the verdict rests on and the
        date the exercise stops counting."""
        max_age = self.policy.exercise_max_age_days
        best: tuple[dt.date, int, Runbook, Document] | None = None
        unproven: tuple[dt.date, int, Runbook, Document] | None = None  # passed, but no evidence to show it
        for runbook, document in covering:
            for index, exercise in enumerate(runbook.exercises):
                when = _date(exercise.date)
                if exercise.outcome != "passed" or when > self.as_of:
                    continue
                if not has_visible_text(exercise.evidence) or not self._evidence_exists(exercise.evidence):
                    if unproven is None or when > unproven[0]:
                        unproven = (when, index, runbook, document)
                elif best is None or when > best[0]:
                    best = (when, index, runbook, document)
        if best is None and unproven is not None:
            when, index, runbook, document = unproven
            return [(
                "LB222",
                f"runbook topic {topic.id}: the passed exercise of {when} in {runbook.file} has no evidence that resolves; "
                "link the drill's write-up (an https:// URL or a file in the repository) so the pass can be checked",
                document.locate(("exercises", index), key=False),
                False,
            )], f"exercise of {when} passed without evidence", ""
        if best is None:
            runbook, document = covering[0]
            where = document.locate(("exercises",), key=True) if runbook.exercises else document.locate(("topics", runbook.topics.index(topic.id)))
            files = " or ".join(r.file for r, _ in covering[:3])
            return [(
                "LB221",
                f"runbook topic {topic.id}: must be exercised, and {files} records no exercise with outcome passed "
                f"(dated today or earlier); run a drill or game day and record it under exercises",
                where,
                False,
            )], "never exercised", ""
        when, index, runbook, document = best
        lapses = when + dt.timedelta(days=max_age)
        where = document.locate(("exercises", index, "date"))
        exercised = f"{runbook.exercises[index].kind} of {when} passed ({runbook.stem})"
        if lapses <= self.as_of:
            return [(
                "LB221",
                f"runbook topic {topic.id}: the last passed exercise of {runbook.file} was on {when}, more than "
                f"{max_age} days ago; run it again and record the exercise",
                where,
                False,
            )], exercised, lapses.isoformat()
        if (lapses - self.as_of).days <= EXPIRY_WARNING_DAYS:
            return [("LB310", f"runbook topic {topic.id}: the exercise of {when} stops counting on {lapses}; plan the next drill", where, True)], exercised, lapses.isoformat()
        return [], exercised, lapses.isoformat()

    # ----------------------------------------------------------------- metrics

    def _check_metrics(self, initiative: Initiative, document: Document) -> None:
        metric_ids = [metric.id for metric in initiative.metrics]
        for index, metric_id in enumerate(metric_ids):
            if metric_ids.index(metric_id) != index:
                self._report(document.locate(("metrics", index, "id")), "LB154",
                             f"metric id {clean_text(metric_id, 64)!r} repeats; ids must be unique", initiative.id)
        for index, metric in enumerate(initiative.metrics):
            # a measurement from the future would stay the latest and hold a gate for ever
            for point, date in enumerate(metric.measurements.dates):
                if _date(date) > self.as_of:
                    self._report(document.locate(("metrics", index, "measurements", point, "date")), "LB211",
                                 f"metric {clean_text(metric.id, 64)!r}: a measurement is dated {date}, after today "
                                 f"({self.as_of}); record it once it has been measured", initiative.id)
        if initiative.stage not in METRIC_STAGES:
            return
        for index, metric in enumerate(initiative.metrics):
            if self._gate_in_force(initiative, metric):
                continue  # its gate reports a missing or stale measurement as an error (LB230, LB231)
            latest = metric.latest
            if latest is None or (self.as_of - _date(latest.date)).days > METRIC_STALE_DAYS:
                when = f"last measured {latest.date}" if latest else "never measured"
                self._report(
                    document.locate(("metrics", index, "measurements")),
                    "LB304",
                    f"metric {clean_text(metric.id, 64)!r} {when}; {initiative.stage} initiatives report metrics weekly",
                    initiative.id,
                    warning=True,
                )

    def _check_metric_gates(self, initiative: Initiative, document: Document, report: bool = True) -> list[MetricGate]:
        """Metrics with `gate_from`: from that stage on the latest measurement must exist, be
        fresh and meet target (an error at the metric's line); one stage before, a warning."""
        stages = self.policy.stages
        next_stage = self.policy.next_stage(initiative.stage)
        gates: list[MetricGate] = []
        pins = {pin.metric: pin for pin in self._pins.get(initiative.id, ())}
        missing = [pin for pin in pins.values() if not any(metric.id == pin.metric for metric in initiative.metrics)]
        for pin in missing if report else ():
            self._report(document.locate(("metrics",), key=True), "LB236",
                         f"the policy pins a gate on metric {clean_text(pin.metric, 64)!r} (metric_gates[{pin.index}]), "
                         "which this initiative does not have; restore the metric or ask the policy's owners to change the pin",
                         initiative.id)
        # the gate stays when its metric is dropped from the record: never measured, it fails
        initiative_metrics = [*initiative.metrics, *(Metric(pin.metric, pin.metric, "", pin.direction, None, pin.target,
                                                            gate_from=pin.gate_from) for pin in missing)]
        for index, metric in enumerate(initiative_metrics):
            if report and index < len(initiative.metrics):  # only reports: no verdict rests on it
                self._check_sources(initiative, document, index, metric)
            pin = pins.get(metric.id)
            if pin is not None:
                metric = self._pinned(initiative, document, index, metric, pin, report)
            if metric.gate_from is None:
                continue
            name = clean_text(metric.id, 64)
            if metric.gate_from not in stages:
                self._report(document.locate(("metrics", index, "gate_from")), "LB233",
                             f"metric {name!r}: gate_from {clean_text(metric.gate_from, 40)!r} is not one of the policy's stages: {', '.join(stages)}",
                             initiative.id)
                continue
            applies = self._gate_in_force(initiative, metric)
            code, reason = self._gate_finding(metric)
            latest = metric.latest
            where = document.locate(("metrics", index)) if index < len(initiative.metrics) else document.locate(("metrics",), key=True)
            gates.append(MetricGate(metric.id, metric.title, metric.gate_from, applies, code is None, reason,
                                    latest.value if latest else None, latest.date if latest else None,
                                    metric.target, metric.unit, metric.direction, code=code or "", location=where,
                                    # the first day it is too old: the gate fails when age > metric_max_age_days
                                    lapses=(_date(latest.date) + dt.timedelta(days=self.policy.metric_max_age_days + 1)).isoformat()
                                    if latest is not None and code is None else ""))
            if code is None or not report:
                continue
            if applies:
                self._report(where, code, f"metric {name!r} gates {metric.gate_from}: {reason}", initiative.id)
            elif next_stage == metric.gate_from:
                self._report(where, "LB313", f"metric {name!r} gates {metric.gate_from}, the next stage: {reason}",
                             initiative.id, warning=True)
        return gates

    def _pinned(self, initiative: Initiative, document: Document, index: int, metric: Metric, pin: PinnedGate,
                report: bool) -> Metric:
        """The metric judged by the stricter of its own gate and the policy's pin; LB236 where
        the record would make the pinned gate weaker (a later stage, an easier target, the
        other direction)."""
        stages = self.policy.stages
        weaker: list[str] = []
        gate_from = pin.gate_from
        if metric.gate_from in stages and pin.gate_from in stages and stages.index(metric.gate_from) < stages.index(pin.gate_from):
            gate_from = metric.gate_from  # stricter: from an earlier stage
        elif metric.gate_from is not None and metric.gate_from != pin.gate_from:
            weaker.append(f"gate_from {pin.gate_from}")
        if metric.direction != pin.direction:
            weaker.append(f"direction {pin.direction}")
            target = pin.target
        else:
            target = (min if pin.direction == "lower" else max)(metric.target, pin.target)
            if target != metric.target:
                weaker.append(f"target {_number(pin.target)}")
        if weaker and report and index < len(initiative.metrics):
            self._report(document.locate(("metrics", index)), "LB236",
                         f"metric {clean_text(metric.id, 64)!r}: the policy pins this gate (metric_gates[{pin.index}]: "
                         f"{', '.join(weaker)}); this file may make it stricter, not weaker", initiative.id)
        return dataclasses.replace(metric, gate_from=gate_from, target=target, direction=pin.direction)

    def _gate_in_force(self, initiative: Initiative, metric: Metric) -> bool:
        stages = self.policy.stages
        return (metric.gate_from in stages and initiative.stage in stages and initiative.stage != TERMINAL_STAGE
                and stages.index(initiative.stage) >= stages.index(metric.gate_from))

    def _gate_finding(self, metric: Metric) -> tuple[str | None, str]:
        """(code, reason) when the metric's gate does not hold; (None, "") when it does."""
        latest = metric.latest
        target = f"target {_number(metric.target)} {clean_text(metric.unit, 32)} ({metric.direction} is better)"
        if latest is None:
            return "LB230", f"never measured; {target}"
        value = f"latest {_number(latest.value)} {clean_text(metric.unit, 32)} on {clean_text(str(latest.date), 10)}"
        age = (self.as_of - _date(latest.date)).days
        if age > self.policy.metric_max_age_days:
            return "LB231", f"{value} is {age} days old (metric_max_age_days {self.policy.metric_max_age_days}); {target}"
        if not metric.meets(latest.value):
            return "LB232", f"{value} misses {target}"
        return None, ""

    def _check_sources(self, initiative: Initiative, document: Document, index: int, metric: Metric) -> None:
        """One result file counts once per metric: a repeated sha256 would weigh one run twice."""
        if not metric.has_sources:
            return
        seen: set[str] = set()
        for point, measurement in enumerate(metric.measurements):
            if measurement.source is None:
                continue
            if measurement.source.sha256 in seen:
                self._report(document.locate(("metrics", index, "measurements", point, "source", "sha256")), "LB234",
                             f"metric {clean_text(metric.id, 64)!r}: result file {measurement.source.sha256[:12]}… is recorded twice",
                             initiative.id)
            seen.add(measurement.source.sha256)
            for part, message in source_problems(self.root, measurement.source):  # the file, when in the repository
                self._report(document.locate(("metrics", index, "measurements", point, "source", part)), "LB235",
                             f"metric {clean_text(metric.id, 64)!r}: {message}", initiative.id)


# --------------------------------------------------------------------------- portfolio


def announced_blockers(states: dict[str, InitiativeState]) -> dict[tuple[str, str], list[str]]:
    """(requirement key, effective date) -> the initiatives it will block on that date if
    nothing changes: announced, and not counting. check's LB318 and the board both read it."""
    blocked: dict[tuple[str, str], list[str]] = {}
    for initiative_id, state in sorted(states.items()):
        for entry in state.requirements:
            if entry.announced and not entry.counts:
                blocked.setdefault((entry.key, entry.effective), []).append(initiative_id)
    return blocked


def campaign_standing(campaign: Campaign, initiative: Initiative, requirements: list[Requirement]) -> tuple[bool, bool]:
    """(in scope, met): the campaign reaches a live initiative one of its requirements applies
    to; it is met when every one that applies counts. The campaign page and history's burn-up
    both read it."""
    if initiative.stage == TERMINAL_STAGE:
        return False, False
    entries = {entry.key: entry for entry in requirements}
    applying = [entries[ref] for ref in campaign.requirements if ref in entries]
    if not applying or not campaign.reaches(initiative):
        return False, False
    return True, all(entry.counts for entry in applying)


def announced_requirements(policy: Policy, states: dict[str, InitiativeState], as_of: dt.date,
                           locate: Callable[[str, tuple], Location]) -> list[Problem]:
    """LB318: a requirement announced for a date (its `effective`, or a campaign's target),
    with the initiatives it will block on that day if nothing changes. One warning per
    requirement and date, at the line that sets the date."""
    problems = []
    for (key, effective), who in sorted(announced_blockers(states).items()):
        days = (_date(effective) - as_of).days
        named = ", ".join(who[:3]) + (f" and {len(who) - 3} more" if len(who) > 3 else "")
        checklist, item = key.split("/", 1)
        required_from = _required_from(policy, checklist, item)
        problems.append(Problem(_date_location(policy, checklist, item, effective, locate), Severity.WARNING, "LB318",
                                f"{key}: required from {required_from} as of {effective}, in {days} day{'' if days == 1 else 's'}: "
                                f"{len(who)} initiative{'' if len(who) == 1 else 's'} would be blocked ({named})", None))
    return problems


def _required_from(policy: Policy, checklist: str, item: str) -> str:
    if checklist == RUNBOOKS:
        topic = policy.runbook_topics.get(item)
        return topic.required_from if topic else "?"
    spec = policy.checklists.get(checklist)
    found = spec.item(item) if spec else None
    return found.required_from if found else "?"


def _date_location(policy: Policy, checklist: str, item: str, effective: str,
                   locate: Callable[[str, tuple], Location]) -> Location:
    """Where EFFECTIVE is written: the item's or topic's `effective`, else a campaign's target."""
    if checklist == RUNBOOKS:
        topics = list(policy.runbook_topics.values())
        index = next((i for i, t in enumerate(topics) if t.id == item), None)
        if index is not None and topics[index].effective == effective:
            return locate(policy.file, ("runbooks", "topics", index, "effective"))
    else:
        spec = policy.checklists.get(checklist)
        index = next((i for i, it in enumerate(spec.items) if it.id == item), None) if spec else None
        if spec is not None and index is not None and spec.items[index].effective == effective:
            return locate(policy.file, ("checklists", checklist, "items", index, "effective"))
    campaign = next((c for c in policy.campaigns if c.target == effective and f"{checklist}/{item}" in c.requirements), None)
    return locate(policy.file, ("campaigns", campaign.index, "target") if campaign else ())


def check_pinned_initiatives(policy: Policy, initiatives: list[Initiative],
                              locate: Callable[[str, tuple], Location]) -> list[Problem]:
    """LB237: a pinned metric gate names an initiative the portfolio does not have (a typo, an
    initiative removed, or a folder renamed to leave its gate behind). An error: dropping a
    pinned gate, even by removing or renaming its initiative, takes a change to the policy,
    which its owners review."""
    known = {initiative.id for initiative in initiatives}
    return [Problem(locate(policy.file, ("metric_gates", pin.index, "initiative")), Severity.ERROR, "LB237",
                    f"metric_gates[{pin.index}] pins a gate for initiative {clean_text(pin.initiative, 64)!r}, which does not "
                    "exist; fix the id, or remove the pin in the same change that removes or renames the initiative", None)
            for pin in policy.metric_gates if pin.initiative not in known]


def check_alert_names(initiatives: list[Initiative], locate: Callable[[str, tuple], Location]) -> list[Problem]:
    """LB172: an alert named by two runbook triggers anywhere in the portfolio, reported at both.

    Runs once over every initiative after each folder is judged alone (folders are judged in
    any order, from a cache or a memo). Alert names compare without case: monitoring tools
    differ on it, and two alerts that differ only by case are one mistake away from the
    wrong page. LOCATE finds where a trigger's alert is written (the pipeline re-reads the
    file: a rare duplicate should not make every runbook keep its positions).
    """
    claimed: dict[str, list[tuple[str, str, str, int]]] = {}  # alert -> (initiative, file, alert as written, index)
    for initiative in initiatives:
        for runbook in initiative.runbooks.values():
            for index, trigger in enumerate(runbook.triggers):
                claimed.setdefault(normalise_id(trigger.alert), []).append((initiative.id, runbook.file, trigger.alert, index))
    problems = []
    for claims in claimed.values():
        if len(claims) < 2:
            continue
        for initiative_id, file, alert, index in claims:
            # At most three others are named: a hostile tree of thousands of claims stays linear.
            others = [f"{other_file} (triggers[{other_index}])" for _, other_file, _, other_index in claims[:4]
                      if (other_file, other_index) != (file, index)][:3]
            more = len(claims) - 1 - len(others)
            problems.append(Problem(
                locate(file, ("triggers", index, "alert")),
                Severity.ERROR,
                "LB172",
                f"alert {clean_text(alert, 128)!r} is also named by {', '.join(others)}"
                f"{f' and {more} more' if more > 0 else ''}; one alert links to one runbook",
                initiative_id,
            ))
    return problems


# --------------------------------------------------------------------------- helpers


ROLLBACK_TOPIC = "rollback"  # a runbook listing it must have rollback steps (LB174)


def _has_rollback_steps(runbook: Runbook) -> bool:
    return bool(runbook.rollback and runbook.rollback.steps)


_GATE_STATUS = {"": "holds", "LB230": "never measured", "LB231": "stale", "LB232": "below target"}


def _gate_status(gate: MetricGate) -> str:
    """A metric gate's status as the ledger records it."""
    return _GATE_STATUS.get(gate.code, "does not hold")


def _steps_with_paths(runbook: Runbook) -> list[tuple[tuple, RunbookStep]]:
    """Every step of the runbook with its path in the record, in record order."""
    found: list[tuple[tuple, RunbookStep]] = []
    for section in ("diagnosis", "mitigation"):
        found += [((section, index), step) for index, step in enumerate(getattr(runbook, section))]
    if runbook.rollback is not None:
        found += [(("rollback", "steps", index), step) for index, step in enumerate(runbook.rollback.steps)]
    found += [(("verify", index), step) for index, step in enumerate(runbook.verify)]
    return found


def hollow_parts(runbook: Runbook) -> list[tuple[tuple, str]]:
    """Where a runbook gives someone paged nothing to read or do (LB179): a title or step with
    no visible text, no step at all in diagnosis, mitigation or rollback, or nobody to call."""
    found: list[tuple[tuple, str]] = []
    if not has_visible_text(runbook.title):
        found.append((("title",), "title has no visible text; say what situation this runbook is for"))
    steps = _steps_with_paths(runbook)
    for path, step in steps:
        if not has_visible_text(step.step):
            found.append((path + ("step",), f"{_path_text(path)} has no visible text; say what to do"))
    acting = [path for path, step in steps if path[0] != "verify" and has_visible_text(step.step)]
    if not acting:
        found.append(((), "no step to follow: add diagnosis, mitigation or rollback steps for the on-call engineer"))
    if not runbook.escalation:
        found.append(((), "nobody to call: add an escalation contact (after_minutes: 0) for the on-call engineer"))
    return found


def runbook_placeholders(data: Any) -> list[tuple[tuple, str]]:
    """Every place a runbook still holds what `launchboard new runbook` wrote to be replaced:
    text starting with TODO, or the placeholder alert name ending in -TODO (LB178)."""
    found: list[tuple[tuple, str]] = []
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
        elif isinstance(value, str) and path:
            if path[-1] == "alert" and value.endswith("-TODO"):
                found.append((path, f"{_path_text(path)} is the scaffold's placeholder; write the alert's name in the monitoring system"))
            elif value.lstrip().startswith("TODO"):
                found.append((path, f"{_path_text(path)} still holds the scaffold's TODO text; write what the on-call engineer needs"))
    return sorted(found, key=lambda item: tuple(map(str, item[0])))


def _path_text(path: tuple) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else (f".{part}" if i else part) for i, part in enumerate(path))
def _number(value: float) -> str:
    """A value as the record would write it: 95, not 95.0."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))



def weighted_scores(decision: Decision) -> dict[str, float]:
    """Σ weight × score / Σ weight for each option, over the criteria the decision weighs."""
    total = sum(weight for _, weight in decision.criteria)
    if not total:
        return {}
    return {
        option.id: round(sum(weight * option.scores.get(criterion, 0) for criterion, weight in decision.criteria) / total, 2)
        for option in decision.options
    }


def _cycle_members(by_number: dict[int, Decision]) -> list[int]:
    """Numbers of decisions on a supersedes cycle, in time linear in decisions plus links.

    A decision is on a cycle when it supersedes itself or shares a strongly connected
    component with another decision (Tarjan's algorithm, with an explicit stack so hostile
    data cannot exhaust Python's). Walking from every decision instead took 94 s for a chain
    of 8,000.
    """
    edges = {number: [n for n in decision.supersedes if n in by_number] for number, decision in by_number.items()}
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    on_cycle: set[int] = set()
    for root in edges:
        if root in index:
            continue
        work: list[tuple[int, int]] = [(root, 0)]  # (decision, next edge to follow)
        while work:
            number, next_edge = work.pop()
            if next_edge == 0:
                index[number] = low[number] = len(index)
                stack.append(number)
                on_stack.add(number)
            targets = edges[number]
            while next_edge < len(targets):
                target = targets[next_edge]
                next_edge += 1
                if target not in index:
                    work.append((number, next_edge))
                    work.append((target, 0))
                    break
                if target in on_stack:
                    low[number] = min(low[number], index[target])
            else:
                if low[number] == index[number]:  # the root of a component: pop it
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == number:
                            break
                    if len(component) > 1 or number in edges[number]:
                        on_cycle.update(component)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[number])
    return sorted(on_cycle)


_BLANK_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")  # Hangul fillers, braille blank: letters that show nothing


def has_visible_text(value: Any) -> bool:
    """Whether VALUE holds a character a reader sees: not only spaces, zero-width or format characters."""
    return isinstance(value, str) and any(
        not ch.isspace() and ch not in _BLANK_LETTERS and unicodedata.category(ch) not in _BLANK_CATEGORIES for ch in value
    )


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value))
