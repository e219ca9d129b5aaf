"""Turn schema-valid documents into the typed records of model.py.

Only documents that passed their schema come here, so shape is trusted: this module
reads fields, it does not check them.
"""

from __future__ import annotations

import re
from typing import Any

from generator.core.loader import Document
from generator.core.model import (
    Campaign,
    Checklist,
    ChecklistItem,
    ChecklistSpec,
    Criterion,
    Decision,
    Escalation,
    Exercise,
    Initiative,
    ItemSpec,
    Measurements,
    Metric,
    Option,
    PinnedGate,
    Outcome,
    Policy,
    Rollback,
    Runbook,
    RunbookStep,
    RunbookTopic,
    Source,
    StageEntry,
    Trigger,
    Waiver,
)

DECISION_FILE = re.compile(r"(?P<number>[0-9]{1,6})(?:-(?P<slug>[a-z0-9][a-z0-9-]*))?\.ya?ml\Z")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _whole(value: Any) -> Any:
    """An integer field's value as an int.

    JSON Schema's "integer" accepts 1.0 (a number with a zero fraction), and YAML reads `1.0`
    as a float; every consumer after the schema (file names, `04d` keys, dictionary lookups,
    JSON feeds) expects an int, so integral floats become ints here, once.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def build_policy(document: Document) -> Policy:
    data = document.data
    checklists = {
        checklist_id: ChecklistSpec(
            id=checklist_id,
            title=spec.get("title", checklist_id),
            owners=list(spec.get("owners", [])),
            description=_text(spec.get("description")),
            items=[
                ItemSpec(
                    id=item["id"],
                    title=item.get("title", item["id"]),
                    required_from=item["required_from"],
                    when={key: list(values) for key, values in (item.get("when") or {}).items()},
                    allow_na=item.get("allow_na", True),
                    description=_text(item.get("description")),
                    controls=list(item.get("controls", [])),
                    effective=str(item.get("effective") or ""),
                )
                for item in spec.get("items", [])
            ],
        )
        for checklist_id, spec in (data.get("checklists") or {}).items()
    }
    criteria = {
        c["id"]: Criterion(c["id"], c.get("title", c["id"]), _text(c.get("description")), list(c.get("favours", [])))
        for c in data.get("criteria", [])
    }
    runbooks = data.get("runbooks") or {}
    return Policy(
        stages=list(data["stages"]),
        approval_max_age_days=int(data.get("approval_max_age_days", 180)),
        waiver_max_days=int(data.get("waiver_max_days", 90)),
        checklists=checklists,
        criteria=criteria,
        file=document.file,
        # setdefault: a repeated topic id keeps its first definition (evaluate.py reports the repeat)
        runbook_topics=_runbook_topics(runbooks.get("topics", [])),
        exercise_max_age_days=int(runbooks.get("exercise_max_age_days", 180)),
        runbook_owners=list(runbooks["owners"]) if "owners" in runbooks else list(getattr(checklists.get(ON_CALL), "owners", [])),
        metric_max_age_days=int(data.get("metric_max_age_days", 14)),
        metric_gates=[PinnedGate(g["initiative"], g["metric"], g["gate_from"], float(g["target"]), g["direction"], index)
                      for index, g in enumerate(data.get("metric_gates") or [])],
        frameworks=list(data.get("frameworks", [])),
        campaigns=[Campaign(c["id"], c["title"], c["owner"], str(c["target"]), list(c["requirements"]), _text(c.get("brief")),
                            {key: list(values) for key, values in (c.get("scope") or {}).items()}, index)
                   for index, c in enumerate(data.get("campaigns") or [])],
    )


# Who reviews runbooks when the policy's `runbooks.owners` is absent: this checklist's owners.
ON_CALL = "on-call"


def _runbook_topics(topics: list[dict[str, Any]]) -> dict[str, RunbookTopic]:
    found: dict[str, RunbookTopic] = {}
    for topic in topics:
        found.setdefault(topic["id"], RunbookTopic(
            id=topic["id"],
            title=topic.get("title", topic["id"]),
            required_from=topic["required_from"],
            when={key: list(values) for key, values in (topic.get("when") or {}).items()},
            exercised=bool(topic.get("exercised", False)),
            description=_text(topic.get("description")),
            controls=list(topic.get("controls", [])),
            effective=str(topic.get("effective") or ""),
        ))
    return found


def build_initiative(document: Document) -> Initiative:
    data = document.data
    return Initiative(
        id=data["id"],
        file=document.file,
        title=data["title"],
        summary=_text(data.get("summary")),
        owners=list(data.get("owners", [])),
        risk=data["risk"],
        approach=data["approach"],
        stage=data["stage"],
        history=[StageEntry(h["stage"], h["date"], _text(h.get("note"))) for h in data.get("history", [])],
        metrics=[
            Metric(
                id=m["id"],
                title=m.get("title", m["id"]),
                unit=_text(m.get("unit")),
                direction=m.get("direction", "higher"),
                baseline=m.get("baseline"),
                target=m["target"],
                measurements=Measurements.of(
                    (x["date"] for x in m.get("measurements", [])),
                    (x["value"] for x in m.get("measurements", [])),
                    (build_source(x.get("source")) for x in m.get("measurements", [])),
                ),
                gate_from=m.get("gate_from"),
            )
            for m in data.get("metrics", [])
        ],
        links=dict(data.get("links") or {}),
        tags=list(data.get("tags", [])),
    )


def build_source(source: dict[str, Any] | None) -> Source | None:
    """A measurement's `source` (schema-valid: tool, file and sha256 present)."""
    if not source:
        return None
    return Source(source["tool"], source["file"], source["sha256"], _text(source.get("run")))


def decision_file_parts(file_name: str) -> tuple[int | None, str]:
    """(number, slug) from a decision file name such as 0001-rag-over-fine-tuning.yaml."""
    match = DECISION_FILE.match(file_name)
    if not match:
        return None, ""
    return int(match.group("number")), match.group("slug") or ""


def build_decision(document: Document, initiative: str) -> Decision:
    data = document.data
    _, slug = decision_file_parts(document.file.rsplit("/", 1)[-1])
    outcome = data.get("outcome") or {}
    consequences = data.get("consequences") or {}
    return Decision(
        initiative=initiative,
        number=_whole(data["number"]),
        slug=slug,
        file=document.file,
        title=data["title"],
        status=data["status"],
        date=data["date"],
        deciders=list(data.get("deciders", [])),
        context=_text(data.get("context")),
        criteria=[(c["id"], _whole(c.get("weight", 1))) for c in data.get("criteria", [])],
        options=[
            Option(
                id=o["id"],
                approach=o["approach"],
                summary=_text(o.get("summary")),
                pros=[_text(p) for p in o.get("pros", [])],
                cons=[_text(c) for c in o.get("cons", [])],
                scores={criterion: _whole(score) for criterion, score in (o.get("scores") or {}).items()},
            )
            for o in data.get("options", [])
        ],
        outcome=Outcome(outcome.get("chosen", ""), _text(outcome.get("rationale")), bool(outcome.get("override", False))),
        consequences_positive=[_text(c) for c in consequences.get("positive", [])],
        consequences_negative=[_text(c) for c in consequences.get("negative", [])],
        supersedes=[_whole(number) for number in data.get("supersedes", [])],
        review_by=data.get("review_by"),
        tags=list(data.get("tags", [])),
    )


def build_checklist(document: Document, initiative: str) -> Checklist:
    items: dict[str, ChecklistItem] = {}
    # Maps keyed by ids (items, checklists, links) give `x-` no meaning: `x-ray` is an id.
    for item_id, item in (document.data.get("items") or {}).items():
        waiver = item.get("waiver")
        items[item_id] = ChecklistItem(
            id=item_id,
            status=item.get("status", "todo"),
            evidence=_text(item.get("evidence")),
            approver=_text(item.get("approver")),
            date=_text(item.get("date")),
            reason=_text(item.get("reason")),
            note=_text(item.get("note")),
            waiver=Waiver(**{k: _text(waiver.get(k)) for k in ("reason", "approver", "date", "expires")}) if waiver else None,
        )
    return Checklist(initiative=initiative, id=document.data["checklist"], file=document.file, items=items)


def _steps(steps: list[dict[str, Any]] | None) -> list[RunbookStep]:
    return [
        RunbookStep(_text(s.get("step")), _text(s.get("command")), _text(s.get("effect")), _text(s.get("approval")))
        for s in steps or []
    ]


def build_runbook(document: Document, initiative: str) -> Runbook:
    data = document.data
    rollback = data.get("rollback")
    return Runbook(
        initiative=initiative,
        id=data["runbook"],
        file=document.file,
        title=data["title"],
        severity=data["severity"],
        topics=list(data.get("topics", [])),
        triggers=[Trigger(t["alert"], _text(t.get("url")), _text(t.get("note"))) for t in data.get("triggers", [])],
        impact=_text(data.get("impact")),
        diagnosis=_steps(data.get("diagnosis")),
        mitigation=_steps(data.get("mitigation")),
        rollback=Rollback(
            kill_switch=_text(rollback.get("kill_switch")),
            pinned={key: _text(value) for key, value in (rollback.get("pinned") or {}).items()},
            steps=_steps(rollback.get("steps")),
        ) if rollback is not None else None,
        verify=_steps(data.get("verify")),
        escalation=[Escalation(e["after_minutes"], e["contact"], _text(e.get("note"))) for e in data.get("escalation", [])],
        exercises=[
            Exercise(x["date"], x["kind"], x["outcome"], _text(x.get("evidence")), _text(x.get("note")))
            for x in data.get("exercises", [])
        ],
    )
