"""Every rule beyond the schema: the valid repository passes, and one change breaks one rule.

Each failing case names the code it must raise and the line the problem must point at,
found by searching the written file, so a wrong location fails the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from generator.core.codes import CODES
from generator.core.model import Severity
from tests.kit import AS_OF, DECISION, Repo, codes, line_of

INIT = "decisions/support-assistant/initiative.yaml"
ADR1 = "decisions/support-assistant/adr/0001-rag-over-fine-tuning.yaml"
SEC = "decisions/support-assistant/checklists/security-review.yaml"
ONCALL = "decisions/support-assistant/checklists/on-call.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo.valid(tmp_path)


def test_valid_repository_has_no_problems(repo: Repo) -> None:
    portfolio = repo.check()
    assert portfolio.problems == []
    state = portfolio.states["support-assistant"]
    assert state.current.ready and state.current.required == 3  # threat-model, rag-access-control, pager-rotation
    assert state.next is not None and state.next.stage == "ga"
    assert {(v.checklist, v.item) for v in state.next.blocking} == {("security-review", "pen-test"), ("on-call", "runbook")}


def test_weighted_scores_are_computed(repo: Repo) -> None:
    decision = repo.check().initiatives[0].decisions[0]
    # (3*2 + 1*5 + 2*4) / 6 = 3.17 ; (15 + 4 + 6) / 6 = 4.17 ; (3 + 2 + 10) / 6 = 2.5
    assert decision.weighted_scores == {"prompt": 3.17, "rag": 4.17, "fine-tune": 2.5}
    assert decision.best_option == "rag"


def _set(path: list[Any], value: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return change


def _delete(path: list[Any]) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]
    return change


# (code, file to edit, change, file the problem is in, text on the line it points at)
FAILURES = [
    ("LB110", INIT, _set(["id"], "support-bot"), INIT, "id: support-bot"),
    ("LB122", INIT, _set(["stage"], "beta"), INIT, "stage: beta"),
    ("LB120", INIT, _set(["history", 1, "date"], "2025-12-01"), INIT, "2025-12-01"),
    ("LB121", INIT, _set(["history", 2, "stage"], "pilot"), INIT, "~last stage: pilot"),
    ("LB211", INIT, _set(["history", 2, "date"], "2027-01-01"), INIT, "2027-01-01"),
    ("LB130", INIT, _set(["approach"], "fine-tune"), INIT, "approach: fine-tune"),
    ("LB131", ADR1, _set(["status"], "proposed"), INIT, "stage: canary"),
    ("LB111", ADR1, _set(["number"], 2), ADR1, "number: 2"),
    ("LB140", ADR1, _set(["supersedes"], [7]), ADR1, "- 7"),
    ("LB142", ADR1, _set(["status"], "superseded"), ADR1, "status: superseded"),
    ("LB150", ADR1, _set(["criteria", 2, "id"], "vibes"), ADR1, "id: vibes"),
    ("LB151", ADR1, _delete(["options", 0, "scores", "latency"]), ADR1, "labelled-data: 5"),
    ("LB152", ADR1, _set(["outcome", "chosen"], "magic"), ADR1, "chosen: magic"),
    ("LB154", ADR1, _set(["options", 2, "id"], "rag"), ADR1, "~last id: rag"),
    ("LB113", SEC, _set(["checklist"], "on-call"), SEC, "checklist: on-call"),
    ("LB160", SEC, _set(["items", "dance"], {"status": "todo"}), SEC, "dance:"),
    ("LB201", SEC, _set(["items", "threat-model"], {"status": "in-progress"}), SEC, "status: in-progress"),
    ("LB202", SEC, _delete(["items", "threat-model", "evidence"]), SEC, "status: done"),
    ("LB203", SEC, _set(["items", "threat-model", "date"], "2026-01-05"), SEC, "2026-01-05"),
    ("LB204", SEC, _set(["items", "threat-model", "approver"], "@alice"), SEC, "approver: '@alice'"),
    ("LB205", SEC, _set(["items", "threat-model", "approver"], "@mallory"), SEC, "approver: '@mallory'"),
    ("LB206", SEC, _delete(["items", "rag-access-control", "waiver", "reason"]), SEC, "waiver:"),
    ("LB207", SEC, _set(["items", "rag-access-control", "waiver", "expires"], "2026-11-20"), SEC, "2026-11-20"),
    ("LB208", SEC, _set(["items", "rag-access-control", "waiver", "expires"], "2027-03-01"), SEC, "2027-03-01"),
    ("LB209", SEC, _set(["items", "threat-model"], {"status": "not-applicable"}), SEC, "status: not-applicable"),
    ("LB210", SEC, _delete(["items", "threat-model"]), SEC, "pen-test:"),
    ("LB201", ONCALL, _set(["items", "pager-rotation", "status"], "todo"), ONCALL, "status: todo"),
]


@pytest.mark.parametrize("code, edited, change, file, needle", FAILURES, ids=[f"{c[0]}-{i}" for i, c in enumerate(FAILURES)])
def test_rule_fails_with_code_and_location(repo: Repo, code: str, edited: str, change, file: str, needle: str) -> None:
    repo.edit(edited, change)
    portfolio = repo.check()
    found = [p for p in portfolio.problems if p.code == code]
    assert found, f"expected {code}, got {[(p.code, p.message) for p in portfolio.problems]}"
    problem = found[0]
    assert problem.location.file == file
    last = needle.startswith("~last ")
    assert problem.location.line == line_of(repo.path(file), needle.removeprefix("~last "), last=last)
    assert problem.initiative == "support-assistant"
    assert code in CODES


def test_gate_message_names_stage_and_status(repo: Repo) -> None:
    repo.edit(ONCALL, _set(["items", "pager-rotation", "status"], "todo"))
    [problem] = [p for p in repo.check().problems if p.code == "LB201"]
    assert problem.message == "pager-rotation: required from canary, status is todo"
    assert problem.severity is Severity.ERROR


def test_conditional_item_applies_only_when_it_matches(repo: Repo) -> None:
    """rag-access-control is required for rag; a prompt initiative does not need it."""
    repo.edit(SEC, _delete(["items", "rag-access-control"]))
    assert "LB210" in codes(repo.check())
    repo.edit(INIT, _set(["approach"], "prompt"))
    decision = dict(DECISION, outcome={"chosen": "prompt", "rationale": "Small corpus after all", "override": True})
    repo.write(ADR1, decision)
    portfolio = repo.check()
    assert "LB210" not in codes(portfolio) and "LB130" not in codes(portfolio)


def test_not_applicable_with_reason_counts_where_allowed(repo: Repo) -> None:
    repo.edit(SEC, _set(["items", "threat-model"], {"status": "not-applicable", "reason": "No user input reaches the model"}))
    assert "LB209" not in codes(repo.check())


def test_not_applicable_refused_where_policy_forbids(repo: Repo) -> None:
    repo.edit(INIT, _set(["stage"], "ga"))
    repo.edit(INIT, lambda d: d["history"].append({"stage": "ga", "date": "2026-11-20"}))
    repo.edit(SEC, _set(["items", "pen-test"], {"status": "not-applicable", "reason": "internal only"}))
    problems = [p for p in repo.check().problems if p.code == "LB209"]
    assert problems and "does not allow not-applicable" in problems[0].message


def test_missing_checklist_file_points_at_stage(repo: Repo) -> None:
    repo.path(ONCALL).unlink()
    [problem] = [p for p in repo.check().problems if p.code == "LB210"]
    assert problem.location.file == INIT
    assert problem.location.line == line_of(repo.path(INIT), "stage: canary")
    assert "launchboard new checklist support-assistant on-call" in problem.message


def test_items_beyond_the_stage_are_not_errors(repo: Repo) -> None:
    """pen-test is todo but only required from ga; the initiative is at canary."""
    assert "LB201" not in codes(repo.check())


def test_approval_and_waiver_expiring_soon_are_warnings(repo: Repo) -> None:
    repo.edit(SEC, _set(["items", "threat-model", "date"], "2026-06-15"))  # lapses 2026-12-12
    repo.edit(SEC, _set(["items", "rag-access-control", "waiver", "expires"], "2026-12-10"))
    portfolio = repo.check()
    assert {p.code for p in portfolio.warnings} == {"LB301", "LB302"}
    assert not portfolio.errors


def test_review_by_in_the_past_warns(repo: Repo) -> None:
    repo.edit(ADR1, _set(["review_by"], "2026-11-01"))
    assert [p.code for p in repo.check().warnings] == ["LB303"]


def test_stale_metrics_warn_for_canary_only(repo: Repo) -> None:
    portfolio = repo.check(as_of="2026-12-20")
    assert "LB304" in [p.code for p in portfolio.warnings]
    repo.edit(INIT, _set(["stage"], "pilot"))
    repo.edit(INIT, lambda d: d["history"].pop())
    assert "LB304" not in codes(repo.check(as_of="2026-12-20"))


def test_choosing_a_lower_scoring_option_warns_unless_overridden(repo: Repo) -> None:
    repo.edit(ADR1, _set(["outcome", "chosen"], "prompt"))
    repo.edit(INIT, _set(["approach"], "prompt"))
    repo.edit(SEC, _delete(["items", "rag-access-control"]))
    portfolio = repo.check()
    assert [p.code for p in portfolio.warnings] == ["LB153"]
    repo.edit(ADR1, _set(["outcome", "override"], True))
    assert "LB153" not in codes(repo.check())


def _supersession(repo: Repo, first_status: str, second_supersedes: list[int], first_supersedes: list[int] | None = None) -> list[str]:
    repo.edit(ADR1, _set(["status"], first_status))
    if first_supersedes is not None:
        repo.edit(ADR1, _set(["supersedes"], first_supersedes))
    second = dict(DECISION, number=2, title="Add a reranker", date="2026-06-01", supersedes=second_supersedes)
    repo.write("decisions/support-assistant/adr/0002-add-reranker.yaml", second)
    return codes(repo.check())


def test_supersession_consistent_both_ways(repo: Repo) -> None:
    assert _supersession(repo, "superseded", [1]) == []
    portfolio = repo.check()
    first, second = portfolio.initiatives[0].decisions
    assert first.superseded_by == [2] and second.supersedes == [1]


def test_supersession_one_sided_link(repo: Repo) -> None:
    assert "LB141" in _supersession(repo, "accepted", [1])


def test_supersession_cycle(repo: Repo) -> None:
    assert "LB143" in _supersession(repo, "superseded", [1], first_supersedes=[2])


def test_self_supersession_is_a_cycle(repo: Repo) -> None:
    repo.edit(ADR1, _set(["supersedes"], [1]))
    assert "LB143" in codes(repo.check())


def test_duplicate_decision_numbers(repo: Repo) -> None:
    repo.write("decisions/support-assistant/adr/0001-another.yaml", dict(DECISION, title="Another"))
    assert "LB112" in codes(repo.check())


def test_badly_named_decision_file(repo: Repo) -> None:
    repo.write("decisions/support-assistant/adr/rag.yaml", dict(DECISION, number=3))
    assert "LB111" in codes(repo.check())


def test_unknown_checklist_file(repo: Repo) -> None:
    repo.write("decisions/support-assistant/checklists/vibes.yaml", {"checklist": "vibes", "items": {}})
    assert "LB114" in codes(repo.check())


def test_policy_with_unknown_stage_is_unusable(repo: Repo) -> None:
    repo.edit("decisions/policy.yaml", _set(["checklists", "on-call", "items", 0, "required_from"], "someday"))
    portfolio = repo.check()
    assert portfolio.unusable and "LB161" in codes(portfolio)


def test_policy_repeating_an_item_id_is_unusable(repo: Repo) -> None:
    repo.edit("decisions/policy.yaml", lambda d: d["checklists"]["on-call"]["items"].append(
        {"id": "runbook", "title": "Again", "required_from": "ga"}))
    portfolio = repo.check()
    assert portfolio.unusable and codes(portfolio) == ["LB161"]


def test_repeated_metric_id(repo: Repo) -> None:
    repo.edit(INIT, lambda d: d["metrics"].append(dict(d["metrics"][0])))
    assert codes(repo.check()) == ["LB154"]


def test_missing_policy_is_unusable(repo: Repo) -> None:
    repo.path("decisions/policy.yaml").unlink()
    portfolio = repo.check()
    assert portfolio.unusable and codes(portfolio) == ["LB009"]


def test_folder_without_initiative(repo: Repo) -> None:
    repo.path("decisions/empty-idea").mkdir()
    assert "LB116" in codes(repo.check())


def test_case_colliding_folders(repo: Repo) -> None:
    repo.write("decisions/Support-Assistant/initiative.yaml", "id: x\n")
    assert "LB115" in codes(repo.check())


def test_retired_initiative_has_no_gate(repo: Repo) -> None:
    repo.edit(INIT, _set(["stage"], "retired"))
    repo.edit(INIT, lambda d: d["history"].append({"stage": "retired", "date": "2026-11-25"}))
    repo.edit(ONCALL, _set(["items", "pager-rotation", "status"], "todo"))
    portfolio = repo.check()
    assert portfolio.errors == []
    assert portfolio.states["support-assistant"].next is None


def test_as_of_from_source_date_epoch(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.core.pipeline import load_portfolio
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")  # 2027-01-01
    assert load_portfolio(repo.root).as_of == "2027-01-01"
    assert load_portfolio(repo.root, AS_OF).as_of == AS_OF


def test_stale_codeowners_warns(repo: Repo) -> None:
    from generator.authoring import codeowners
    from generator.core.pipeline import load_portfolio

    assert "LB305" not in codes(repo.check())  # no CODEOWNERS file: not every repository is on GitHub
    codeowners.write(repo.root, repo.check().policy)
    assert "LB305" not in codes(repo.check())
    repo.edit("decisions/policy.yaml", lambda d: d["checklists"]["on-call"].update(owners=["@org/sre"]))
    [problem] = [p for p in load_portfolio(repo.root, AS_OF).problems if p.code == "LB305"]
    assert problem.location.file == ".github/CODEOWNERS" and problem.severity is Severity.WARNING


def test_a_broken_checklist_file_is_not_also_missing(repo: Repo) -> None:
    """Its own errors say what to fix; its items count as todo, with no LB210 'create the file'."""
    repo.write(SEC, "checklist: security-review\nitems: [\n")
    portfolio = repo.check()
    assert codes(portfolio) == ["LB002"]
    state = portfolio.states["support-assistant"]
    assert not state.current.ready
    assert {v.item for v in state.current.blocking} == {"threat-model", "rag-access-control"}
    assert all("errors in" in v.reason for v in state.current.blocking)
