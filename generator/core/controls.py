"""Control coverage: for each framework the policy maps to, which items satisfy each control
and, per initiative, whether those items are complete.

One computation behind `launchboard controls` and the site's framework pages, so the
terminal and the site cannot disagree. Whether an item is complete evidence for a control is
the ledger's `complete` (core/evaluate.py), never decided here: a waiver or a not-applicable
counts for a gate but is not evidence that a control is met.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from generator.core.frameworks import split_ref
from generator.core.model import RUNBOOKS, ChecklistItem, Control, Framework, Initiative, InitiativeState, ItemSpec, Portfolio, Requirement


@dataclass(slots=True)
class ItemRef:
    """A policy item (or runbook topic, checklist "runbooks") that maps to a control."""

    checklist: str
    spec: ItemSpec

    @property
    def key(self) -> str:
        return f"{self.checklist}/{self.spec.id}"


@dataclass(slots=True)
class ItemState:
    """One such item for one initiative."""

    ref: ItemRef
    status: str  # as recorded; "todo" when the file omits it
    complete: bool  # the ledger's `complete`: whole evidence today (a waiver is not)
    record: ChecklistItem | None  # for evidence, approver, dates
    reason: str = ""  # the ledger's reason when not complete


@dataclass(slots=True)
class InitiativeCoverage:
    """Whether one initiative's items for one control are complete."""

    initiative: Initiative
    items: list[ItemState]

    @property
    def complete(self) -> bool:
        return all(i.complete for i in self.items)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.complete)


@dataclass(slots=True)
class ControlCoverage:
    control: Control
    items: list[ItemRef]  # policy items mapping to it, in policy order
    initiatives: list[InitiativeCoverage]  # those with at least one of the items applying

    @property
    def covered(self) -> bool:
        return bool(self.items)

    @property
    def done(self) -> int:
        """How many of its initiatives have every item complete."""
        return sum(1 for row in self.initiatives if row.complete)


@dataclass(slots=True)
class FrameworkCoverage:
    framework: Framework
    controls: list[ControlCoverage]
    listed: bool = True  # named in the policy's `frameworks`

    @property
    def covered(self) -> int:
        return sum(1 for c in self.controls if c.covered)

    @property
    def total(self) -> int:
        return len(self.controls)

    @property
    def gaps(self) -> list[Control]:
        return [c.control for c in self.controls if not c.covered]


def _item_state(ini: Initiative, ref: ItemRef, state: InitiativeState | None) -> ItemState:
    """One item for one initiative, as the ledger judged it."""
    entry: Requirement | None = state.requirement(ref.checklist, ref.spec.id) if state is not None else None
    record = None
    if ref.checklist != RUNBOOKS:
        checklist = ini.checklists.get(ref.checklist)
        record = checklist.items.get(ref.spec.id) if checklist else None
    if entry is None:  # the item applies but no ledger judged it (an unusable policy): not evidence
        return ItemState(ref, record.status if record else "todo", False, record)
    return ItemState(ref, entry.status, entry.complete, record, entry.reason)


# How framework_coverage gets one initiative's rows: `keep(name, initiative, compute)`. A
# long-lived caller (the site under `mkdocs serve`) passes a memo that keeps the rows while the
# initiative, its verdict and the policy are unchanged; by default they are computed.
Keep = Callable[[str, Initiative, Callable[[], Any]], Any]


def _compute(name: str, ini: Initiative, compute: Callable[[], Any]) -> Any:
    return compute()


def framework_coverage(portfolio: Portfolio, framework_id: str, keep: Keep = _compute) -> FrameworkCoverage | None:
    """Coverage of one framework by the policy's items and each initiative's records."""
    framework = portfolio.frameworks.get(framework_id)
    if framework is None:
        return None
    policy = portfolio.policy
    by_control: dict[str, list[ItemRef]] = {c.id: [] for c in framework.controls}
    if policy is not None:
        for checklist_id, spec in policy.checklists.items():
            for item in spec.items:
                for ref in item.controls:
                    fid, cid = split_ref(ref)
                    if fid == framework_id and cid in by_control and all(r.spec is not item for r in by_control[cid]):
                        by_control[cid].append(ItemRef(checklist_id, item))
        for topic in policy.runbook_topics.values():
            for ref in topic.controls:
                fid, cid = split_ref(ref)
                if fid == framework_id and cid in by_control and all(r.spec is not topic for r in by_control[cid]):
                    by_control[cid].append(ItemRef(RUNBOOKS, topic))  # type: ignore[arg-type]
    refs_by_control = [by_control[control.id] for control in framework.controls]
    rows: list[list[InitiativeCoverage]] = [[] for _ in framework.controls]
    for ini in portfolio.initiatives:
        state = portfolio.states.get(ini.id)
        found = keep(f"coverage:{framework_id}", ini, lambda: _initiative_rows(refs_by_control, ini, state))
        for index, row in found:
            rows[index].append(row)
    controls = [ControlCoverage(control, refs, found) for control, refs, found in zip(framework.controls, refs_by_control, rows)]
    listed = policy is not None and framework_id in policy.frameworks
    return FrameworkCoverage(framework, controls, listed)


def _initiative_rows(
    refs_by_control: list[list[ItemRef]], ini: Initiative, state: InitiativeState | None
) -> list[tuple[int, InitiativeCoverage]]:
    """One initiative's row under each control (by index) that has an item applying to it.
    Which items apply is asked once per item, not once per control (a framework's controls
    share items: 41,000 questions at 1,000 initiatives)."""
    applies: dict[int, bool] = {}
    found = []
    for index, refs in enumerate(refs_by_control):
        applying = []
        for ref in refs:
            known = applies.get(id(ref.spec))
            if known is None:
                known = applies[id(ref.spec)] = ref.spec.applies_to(ini)
            if known:
                applying.append(ref)
        if applying:
            found.append((index, InitiativeCoverage(ini, [_item_state(ini, ref, state) for ref in applying])))
    return found


def portfolio_frameworks(portfolio: Portfolio) -> list[str]:
    """The frameworks to report on: those the policy lists that exist, in its order."""
    if portfolio.policy is None:
        return []
    return [f for f in portfolio.policy.frameworks if f in portfolio.frameworks]


def coverage_dict(coverage: FrameworkCoverage) -> dict[str, Any]:
    """The JSON form (launchboard controls --format json)."""
    fw = coverage.framework
    return {
        "framework": fw.id,
        "title": fw.title,
        "version": fw.version,
        "source": fw.source,
        "licence": fw.licence,
        "shipped": fw.shipped,
        "covered": coverage.covered,
        "total": coverage.total,
        "gaps": [c.id for c in coverage.gaps],
        "controls": [
            {
                "id": c.control.id,
                "title": c.control.title,
                "items": [{"checklist": r.checklist, "item": r.spec.id, "title": r.spec.title} for r in c.items],
                "initiatives": [
                    {
                        "id": row.initiative.id,
                        "complete": row.complete,
                        "items": [{"checklist": s.ref.checklist, "item": s.ref.spec.id, "status": s.status, "complete": s.complete,
                                   "reason": s.reason or None}
                                  for s in row.items],
                    }
                    for row in c.initiatives
                ],
            }
            for c in coverage.controls
        ],
    }
