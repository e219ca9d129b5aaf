"""Build small, valid governance repositories in a temporary folder for tests to break.

`Repo.valid(tmp_path)` writes a policy and one canary initiative whose gate passes as of
AS_OF; a test changes one field and asserts on the one problem that change causes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from generator.core.model import Portfolio
from generator.core.pipeline import load_portfolio

AS_OF = "2026-11-29"

POLICY: dict[str, Any] = {
    "stages": ["proposed", "pilot", "shadow", "canary", "ga", "retired"],
    "approval_max_age_days": 180,
    "waiver_max_days": 90,
    "checklists": {
        "security-review": {
            "title": "Security review",
            "owners": ["@org/security", "@dana"],
            "items": [
                {"id": "threat-model", "title": "Threat model", "required_from": "pilot"},
                {"id": "rag-access-control", "title": "Retrieval respects permissions", "required_from": "pilot",
                 "when": {"approach": ["rag", "hybrid"]}},
                {"id": "pen-test", "title": "External penetration test", "required_from": "ga",
                 "when": {"risk": ["high"]}, "allow_na": False},
            ],
        },
        "on-call": {
            "title": "On-call",
            "items": [
                {"id": "pager-rotation", "title": "Pager rotation", "required_from": "canary"},
                {"id": "runbook", "title": "Runbook", "required_from": "ga"},
            ],
        },
    },
    "criteria": [
        {"id": "knowledge-freshness", "title": "Knowledge must stay current"},
        {"id": "labelled-data", "title": "Enough labelled data"},
        {"id": "latency", "title": "Latency"},
    ],
}

INITIATIVE: dict[str, Any] = {
    "id": "support-assistant",
    "title": "Customer support assistant",
    "summary": "Drafts answers to tier-1 tickets from the help-centre corpus.",
    "owners": ["@alice", "@org/support-platform"],
    "risk": "high",
    "approach": "rag",
    "stage": "canary",
    "history": [
        {"stage": "proposed", "date": "2026-01-12"},
        {"stage": "pilot", "date": "2026-03-02", "note": "One team, 20 agents"},
        {"stage": "canary", "date": "2026-10-20"},
    ],
    "metrics": [{
        "id": "p95-latency", "title": "p95 latency", "unit": "ms", "direction": "lower", "baseline": 2400, "target": 1500,
        "measurements": [{"date": "2026-11-16", "value": 1710}, {"date": "2026-11-23", "value": 1640}],
    }],
    "links": {"repository": "https://git.example.com/support-assistant"},
    "tags": ["customer-facing"],
}

DECISION: dict[str, Any] = {
    "number": 1,
    "title": "Use RAG rather than fine-tuning",
    "status": "accepted",
    "date": "2026-02-10",
    "deciders": ["@alice", "@bob"],
    "context": "Help-centre articles change daily.",
    "criteria": [{"id": "knowledge-freshness", "weight": 3}, {"id": "labelled-data", "weight": 1}, {"id": "latency", "weight": 2}],
    "options": [
        {"id": "prompt", "approach": "prompt", "scores": {"knowledge-freshness": 2, "labelled-data": 5, "latency": 4}},
        {"id": "rag", "approach": "rag", "scores": {"knowledge-freshness": 5, "labelled-data": 4, "latency": 3}},
        {"id": "fine-tune", "approach": "fine-tune", "scores": {"knowledge-freshness": 1, "labelled-data": 2, "latency": 5}},
    ],
    "outcome": {"chosen": "rag", "rationale": "Answers must cite the current article."},
    "consequences": {"positive": ["Fresh answers"], "negative": ["An index to run"]},
    "supersedes": [],
    "review_by": "2027-02-10",
}

DONE = {"status": "done", "evidence": "https://wiki.example.com/evidence", "approver": "@dana", "date": "2026-09-30"}

CHECKLISTS: dict[str, dict[str, Any]] = {
    "security-review": {
        "checklist": "security-review",
        "items": {
            "threat-model": dict(DONE),
            "rag-access-control": {"status": "waived", "waiver": {"reason": "Corpus is public", "approver": "@dana",
                                                                   "date": "2026-11-01", "expires": "2027-01-15"}},
            "pen-test": {"status": "todo", "note": "Booked for January"},
        },
    },
    "on-call": {
        "checklist": "on-call",
        "items": {"pager-rotation": dict(DONE, approver="@erin"), "runbook": {"status": "in-progress"}},
    },
}


class Repo:
    """A governance repository on disk whose records tests can edit as Python data."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def valid(cls, root: Path) -> "Repo":
        repo = cls(root)
        repo.write("decisions/policy.yaml", POLICY)
        repo.write("decisions/support-assistant/initiative.yaml", INITIATIVE)
        repo.write("decisions/support-assistant/adr/0001-rag-over-fine-tuning.yaml", DECISION)
        for name, checklist in CHECKLISTS.items():
            repo.write(f"decisions/support-assistant/checklists/{name}.yaml", checklist)
        return repo

    def path(self, relative: str) -> Path:
        return self.root / relative

    def write(self, relative: str, data: Any) -> Path:
        """Write data as YAML (block style, so each field has its own line), or text as is."""
        path = self.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, (str, bytes)):
            path.write_bytes(data.encode() if isinstance(data, str) else data)
        else:
            plain = json.loads(json.dumps(data))  # no shared objects, so no YAML aliases
            path.write_text(yaml.safe_dump(plain, sort_keys=False, allow_unicode=True))
        return path

    def read(self, relative: str) -> Any:
        return yaml.safe_load(self.path(relative).read_text())

    def edit(self, relative: str, change) -> None:
        """Load a record, let `change(data)` mutate it, write it back."""
        data = json.loads(json.dumps(self.read(relative), default=str))  # dates back to strings
        change(data)
        self.write(relative, data)

    def check(self, as_of: str = AS_OF) -> Portfolio:
        return load_portfolio(self.root, as_of)


def codes(portfolio: Portfolio) -> list[str]:
    return [p.code for p in portfolio.problems]


def line_of(path: Path, needle: str, last: bool = False) -> int:
    """1-based line number of the first (or last) line containing `needle`."""
    found = [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    if not found:
        raise AssertionError(f"{needle!r} not in {path}")
    return found[-1] if last else found[0]
