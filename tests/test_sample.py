"""The sample portfolio in decisions/ is true: it passes check and covers every approach and stage."""

from __future__ import annotations

from pathlib import Path

from generator.core.pipeline import load_portfolio
from tests.kit import AS_OF

ROOT = Path(__file__).resolve().parent.parent


def test_sample_passes_check_with_warnings_only() -> None:
    portfolio = load_portfolio(ROOT, AS_OF)
    assert not portfolio.unusable
    assert portfolio.errors == [], [f"{p.location} {p.code} {p.message}" for p in portfolio.errors]


def test_sample_covers_every_approach_and_stage() -> None:
    portfolio = load_portfolio(ROOT, AS_OF)
    assert len(portfolio.initiatives) >= 8
    assert {i.approach for i in portfolio.initiatives} >= {"prompt", "rag", "fine-tune", "hybrid"}
    assert {i.stage for i in portfolio.initiatives} == set(portfolio.policy.stages)
    assert set(portfolio.policy.checklists) == {"security-review", "evaluation", "data-governance", "observability", "rollback-plan", "on-call"}


def test_sample_shows_blockers_for_the_next_stage() -> None:
    portfolio = load_portfolio(ROOT, AS_OF)
    blocked = [s for s in portfolio.states.values() if s.next and s.next.blocking]
    assert len(blocked) >= 3
    assert any(d.superseded_by for i in portfolio.initiatives for d in i.decisions)
