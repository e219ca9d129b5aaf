"""Step 3: the rules a schema cannot state — cross-record consistency and readiness gates.

Input: the policy and the typed records with their documents (for locations).
Output: problems, each initiative's readiness, and the computed decision fields
(weighted scores, superseded-by links).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from generator.core.loader import Document, clean_text, normalise_id
from generator.core.model import (
    Checklist,
    ChecklistItem,
    ChecklistSpec,
    Decision,
    Initiative,
    InitiativeState,
    ItemSpec,
    ItemVerdict,
    Location,
    Policy,
    Problem,
    Readiness,
    Severity,
)
from generator.core.records import decision_file_parts

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

    @property
    def folder(self) -> str:
        return self.document.file.split("/")[1]


class Evaluator:
    """Applies every rule to one portfolio; collects problems as values, never raises."""

    def __init__(self, policy: Policy, as_of: dt.date) -> None:
        self.policy = policy
        self.as_of = as_of
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

    # ----------------------------------------------------------------- initiative

    def evaluate(self, records: InitiativeRecords) -> InitiativeState:
        initiative, document = records.initiative, records.document
        self._check_identity(records)
        self._check_stage_and_history(initiative, document)
        self._check_decisions(records)
        self._check_approach(initiative, document)
        self._check_checklist_files(records)
        self._check_metrics(initiative, document)
        current = self.readiness(records, initiative.stage, report=True)
        next_stage = self.policy.next_stage(initiative.stage)
        upcoming = self.readiness(records, next_stage, report=False) if next_stage else None
        return InitiativeState(initiative.id, initiative.stage, initiative.approach, current, upcoming)

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

    def readiness(self, records: InitiativeRecords, stage: str, report: bool) -> Readiness:
        """Every item the policy requires at `stage`, judged; gate problems reported when asked."""
        initiative = records.initiative
        verdicts: list[ItemVerdict] = []
        if stage not in self.policy.stages or stage == TERMINAL_STAGE:
            return Readiness(stage, verdicts)
        level = self.policy.stage_index(stage)
        for checklist_id, spec in self.policy.checklists.items():
            checklist = initiative.checklists.get(checklist_id)
            document = records.checklist_docs.get(checklist_id)
            for item_spec in spec.items:
                if item_spec.required_from not in self.policy.stages:
                    continue
                if self.policy.stage_index(item_spec.required_from) > level or not item_spec.applies_to(initiative):
                    continue
                verdict = self._judge(records, spec, item_spec, checklist, document, report)
                verdicts.append(verdict)
        return Readiness(stage, verdicts)

    def _judge(
        self,
        records: InitiativeRecords,
        spec: ChecklistSpec,
        item_spec: ItemSpec,
        checklist: Checklist | None,
        document: Document | None,
        report: bool,
    ) -> ItemVerdict:
        initiative = records.initiative
        item = checklist.items.get(item_spec.id) if checklist else None
        findings: list[tuple[str, str, Location, bool]] = []  # (code, message, location, is_warning)
        if (checklist is None or document is None) and spec.id in records.broken_checklists:
            location = Location(f"decisions/{records.folder}/checklists/{spec.id}.yaml")
            status = "todo"
            errors_first = f"{spec.id}/{item_spec.id}: counts as todo until the errors in {location.file} are fixed"
            return ItemVerdict(spec.id, item_spec.id, item_spec.title, item_spec.required_from, status, False, errors_first, location)
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
        errors = [f for f in findings if not f[3]]
        if report:
            for code, message, where, is_warning in findings:
                self._report(where, code, message, initiative.id, warning=is_warning)
        return ItemVerdict(
            checklist=spec.id,
            item=item_spec.id,
            title=item_spec.title,
            required_from=item_spec.required_from,
            status=status,
            complete=not errors,
            reason=errors[0][1] if errors else "",
            location=errors[0][2] if errors else location,
        )

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
            missing = [f for f in ("reason", "approver", "date", "expires") if waiver is None or not getattr(waiver, f)]
            if missing:
                out.append(("LB206", f"{name}: waived but the waiver lacks {', '.join(missing)}", at("waiver", key=True) if waiver else at("status"), False))
            if waiver and waiver.approver:
                out.extend(self._approver_findings(initiative, spec, name, waiver.approver, at("waiver", "approver")))
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
            elif not item.reason.strip():
                out.append(("LB209", f"{name}: not-applicable needs a reason explaining why", at("status"), False))
        return out

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

    # ----------------------------------------------------------------- metrics

    def _check_metrics(self, initiative: Initiative, document: Document) -> None:
        metric_ids = [metric.id for metric in initiative.metrics]
        for index, metric_id in enumerate(metric_ids):
            if metric_ids.index(metric_id) != index:
                self._report(document.locate(("metrics", index, "id")), "LB154",
                             f"metric id {clean_text(metric_id, 64)!r} repeats; ids must be unique", initiative.id)
        if initiative.stage not in METRIC_STAGES:
            return
        for index, metric in enumerate(initiative.metrics):
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


# --------------------------------------------------------------------------- helpers


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


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value))
