"""The kind registry (generator/core/kinds.py) names only things that exist, and the loader,
the validator and CODEOWNERS read their tables from it: a kind is declared in one place."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from generator.authoring import govdiff
from generator.core import kinds, loader, validate
from generator.core.model import METRICS, RUNBOOKS

ROOT = Path(__file__).resolve().parent.parent


def _resolve(dotted: str):
    module, _, rest = dotted.partition(".")
    target = importlib.import_module(f"generator.core.{module}")
    for part in rest.split("."):
        target = getattr(target, part)
    return target


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.name)
def test_every_kind_names_real_parts(kind: kinds.RecordKind) -> None:
    assert (ROOT / "schemas" / kind.schema).is_file()
    assert callable(_resolve(kind.builder)) and callable(_resolve(kind.rules))
    for template in kind.templates:
        assert (ROOT / "templates" / "site" / template).is_file(), template
    if kind.scaffold:
        assert (ROOT / "templates" / "scaffold" / kind.scaffold).is_file()
    assert callable(getattr(govdiff, kind.diff_section))
    assert kind.diff_section in {section.__name__ for section in govdiff.SECTIONS}


def test_the_tables_come_from_the_registry() -> None:
    assert loader.RECORD_KINDS == validate.KINDS == tuple(k.name for k in kinds.KINDS)
    assert loader.RECORD_FOLDERS == {"adr": "decision", "checklists": "checklist", "runbooks": "runbook"}
    assert set(validate.ADDED_KINDS) <= set(kinds.NAMES)
    # what each kind adds to the ledger is the `checklist` its entries carry
    assert kinds.BY_NAME["runbook"].ledger == RUNBOOKS and kinds.BY_NAME["initiative"].ledger == METRICS
    # every schema in schemas/ belongs to a kind (or is the hub's, which is no record of a repository)
    declared = {k.schema for k in kinds.KINDS}
    assert {p.name for p in (ROOT / "schemas").glob("*.schema.json")} - declared <= {"hub.schema.json"}


def test_codeowners_writes_the_registry_patterns() -> None:
    from generator.core import codeowners
    from generator.core.pipeline import load_portfolio

    policy = load_portfolio(ROOT, "2026-12-01").policy
    rules = [rule.split()[0] for rule in codeowners.expected_rules(policy, ["@org/platform-council"])]
    pattern = kinds.BY_NAME["checklist"].codeowners
    assert [r for r in rules if r.startswith("/decisions/*/checklists/")] == [
        pattern.replace("<checklist>", cid) for cid in sorted(policy.checklists)]
    assert kinds.BY_NAME["runbook"].codeowners in rules and kinds.BY_NAME["framework"].codeowners in rules
