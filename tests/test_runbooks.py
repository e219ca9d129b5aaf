"""Runbooks through the real `launchboard check` and `status`: every runbook rule and the gate.

The repository is tests/kit.py's valid one (a canary RAG initiative) with a policy that
requires runbook topics and two runbooks that meet them; each failing case changes one
thing and asserts the exact code, file and line through `check --format json`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import main
from tests.kit import AS_OF, INITIATIVE, Repo, line_of

INIT = "decisions/support-assistant/initiative.yaml"
POLICY = "decisions/policy.yaml"
ROLLBACK = "decisions/support-assistant/runbooks/rollback.yaml"
OUTAGE = "decisions/support-assistant/runbooks/provider-outage.yaml"

TOPICS = {
    "exercise_max_age_days": 180,
    "topics": [
        {"id": "rollback", "title": "Roll back to the last known-good versions", "required_from": "canary", "exercised": True},
        {"id": "provider-outage", "title": "Model provider outage", "required_from": "canary",
         "when": {"approach": ["prompt", "rag", "hybrid"]}},
        {"id": "harmful-output", "title": "Harmful output reported", "required_from": "ga"},
    ],
}

ROLLBACK_RUNBOOK: dict[str, Any] = {
    "runbook": "rollback",
    "title": "Roll back the assistant",
    "topics": ["rollback"],
    "severity": "sev2",
    "triggers": [{"alert": "support-assistant-quality-drop", "url": "https://grafana.example.com/alerting/1"}],
    "impact": "Agents get wrong drafts.",
    "diagnosis": [{"step": "See what changed", "command": "kubectl -n support rollout history deploy/api", "effect": "read-only"}],
    "mitigation": [{"step": "Turn drafting off", "command": "flagctl set support.enabled false", "effect": "write"}],
    "rollback": {
        "kill_switch": "flag support.enabled",
        "pinned": {"model": "gpt-x-2026-05-01", "prompt": "v14"},
        "steps": [
            {"step": "Pin the model", "command": "flagctl set support.model gpt-x-2026-05-01", "effect": "write"},
            {"step": "Purge the answer cache", "command": "cachectl purge --all", "effect": "destructive", "approval": "incident-commander"},
        ],
    },
    "verify": [{"step": "Acceptance above 55 % for 2 hours"}],
    "escalation": [{"after_minutes": 0, "contact": "@org/support-oncall"}, {"after_minutes": 30, "contact": "@alice"}],
    "exercises": [
        {"date": "2026-07-08", "kind": "drill", "outcome": "failed", "note": "Snapshot was gone"},
        {"date": "2026-09-22", "kind": "game-day", "outcome": "passed", "evidence": "https://wiki.example.com/gd/0922"},
    ],
}

OUTAGE_RUNBOOK: dict[str, Any] = {
    "runbook": "provider-outage",
    "title": "Model provider outage",
    "topics": ["provider-outage"],
    "severity": "sev2",
    "triggers": [{"alert": "support-assistant-llm-5xx"}],
    "diagnosis": [{"step": "Status page", "command": "curl -s https://status.example.com/api/v2/status.json"}],
    "escalation": [{"after_minutes": 0, "contact": "@org/support-oncall"}],
}


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo.valid(tmp_path)
    repo.edit(POLICY, lambda d: d.update(runbooks=TOPICS))
    repo.write(ROLLBACK, ROLLBACK_RUNBOOK)
    repo.write(OUTAGE, OUTAGE_RUNBOOK)
    return repo


def check(repo: Repo, *args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["check", str(repo.root), "--as-of", AS_OF, "--format", "json", *args], catch_exceptions=False)
    return result.exit_code, json.loads(result.output)


def problems(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(p["code"], p["file"], p["line"]) for p in report["problems"]]


def own(report: dict[str, Any], topic: str) -> list[tuple[str, str, int]]:
    """The runbook's own problems, after checking that an error of its own leaves its topic
    uncovered (LB220 at the initiative's stage, naming the topic): a runbook that fails its own
    rules covers no topic until it is fixed, as a checklist with errors counts as todo."""
    found = problems(report)
    uncovered = [p for p in report["problems"] if p["code"] == "LB220"]
    assert [p["message"].split(":")[0] for p in uncovered] == [f"runbook topic {topic}"], uncovered
    return [p for p in found if p[0] != "LB220"]


def set_(path: list[Any], value: Any):
    def change(data: Any) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return change


def delete(path: list[Any]):
    def change(data: Any) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]
    return change


# --------------------------------------------------------------------------- passing


def test_runbooks_meeting_the_policy_pass_and_count_in_readiness(repo: Repo) -> None:
    code, report = check(repo)
    assert code == 0 and report["problems"] == []
    [state] = report["initiatives"]
    # three checklist items (threat-model, rag-access-control, pager-rotation) and two topics
    assert state["readiness"]["required"] == 5 and state["readiness"]["complete"] == 5
    assert state["readiness"]["runbooks"] == {"required": 2, "complete": 2}
    # harmful-output is required from ga: it blocks the next stage, named as a runbook topic
    blocking = [b for b in state["next"]["blocking"] if b["kind"] == "runbook"]
    assert [(b["checklist"], b["item"], b["file"]) for b in blocking] == [("runbooks", "harmful-output", INIT)]


def test_status_board_counts_topics_and_names_the_blocking_one(repo: Repo) -> None:
    result = CliRunner().invoke(main, ["status", str(repo.root), "--as-of", AS_OF], env={"NO_COLOR": "1"}, catch_exceptions=False)
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if line.startswith("support-assistant"))
    # now: 3 checklist items and 2 topics; next (ga): pen-test, on-call/runbook and harmful-output block
    assert "5/5" in row and "ga ██████░░░░ 5/8" in row and "+1" in row


def test_a_topic_whose_when_does_not_match_is_not_required(repo: Repo) -> None:
    repo.path(OUTAGE).unlink()
    repo.edit(INIT, set_(["approach"], "fine-tune"))
    code, report = check(repo)
    assert "LB220" not in [p[0] for p in problems(report)]
    assert report["initiatives"][0]["readiness"]["runbooks"] == {"required": 1, "complete": 1}


def test_a_topic_required_later_is_not_checked_yet(repo: Repo) -> None:
    repo.edit(INIT, lambda d: (d.update(stage="shadow"), d["history"].__setitem__(2, {"stage": "shadow", "date": "2026-10-20"})))
    repo.path(ROLLBACK).unlink()
    repo.path(OUTAGE).unlink()
    code, report = check(repo)
    assert code == 0, problems(report)
    assert report["initiatives"][0]["next"]["runbooks"] == {"required": 2, "complete": 0}


def test_a_policy_without_runbooks_section_has_no_runbook_gate(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path)
    code, report = check(repo)
    assert code == 0 and report["initiatives"][0]["readiness"]["runbooks"] == {"required": 0, "complete": 0}


def test_one_runbook_may_cover_several_topics(repo: Repo) -> None:
    repo.path(OUTAGE).unlink()
    repo.edit(ROLLBACK, set_(["topics"], ["rollback", "provider-outage"]))
    code, report = check(repo)
    assert code == 0, problems(report)


# --------------------------------------------------------------------------- the gate


def test_missing_runbook_fails_at_the_initiative_stage_line(repo: Repo) -> None:
    repo.path(OUTAGE).unlink()
    code, report = check(repo)
    assert code == 1
    line = line_of(repo.path(INIT), "stage: canary")
    assert problems(report) == [("LB220", INIT, line)]
    message = report["problems"][0]["message"]
    assert "provider-outage" in message and "launchboard new runbook support-assistant provider-outage" in message
    assert report["initiatives"][0]["readiness"]["runbooks"] == {"required": 2, "complete": 1}


def test_rollback_without_a_passed_exercise_fails_at_its_exercises(repo: Repo) -> None:
    repo.edit(ROLLBACK, set_(["exercises", 1, "outcome"], "issues-found"))
    code, report = check(repo)
    assert code == 1
    assert problems(report) == [("LB221", ROLLBACK, line_of(repo.path(ROLLBACK), "exercises:")),
                                ("LB311", ROLLBACK, line_of(repo.path(ROLLBACK), "outcome: issues-found"))]
    assert "rollback" in report["problems"][0]["message"] and ROLLBACK in report["problems"][0]["message"]


def test_rollback_with_no_exercises_fails_at_its_topic(repo: Repo) -> None:
    repo.edit(ROLLBACK, delete(["exercises"]))
    code, report = check(repo)
    assert problems(report) == [("LB221", ROLLBACK, line_of(repo.path(ROLLBACK), "- rollback"))]


def test_a_stale_passed_exercise_fails_at_its_date(repo: Repo) -> None:
    repo.edit(ROLLBACK, set_(["exercises", 1, "date"], "2026-05-01"))  # 212 days before AS_OF
    code, report = check(repo)
    assert code == 1
    # and the failed drill of 2026-07-08 is now the latest exercise (LB311)
    assert problems(report) == [("LB311", ROLLBACK, line_of(repo.path(ROLLBACK), "outcome: failed")),
                                ("LB221", ROLLBACK, line_of(repo.path(ROLLBACK), "date: '2026-05-01'"))]
    assert "more than 180 days ago" in report["problems"][1]["message"]


def test_exercise_max_age_comes_from_the_policy(repo: Repo) -> None:
    repo.edit(POLICY, lambda d: d["runbooks"].update(exercise_max_age_days=30))
    code, report = check(repo)
    assert problems(report) == [("LB221", ROLLBACK, line_of(repo.path(ROLLBACK), "2026-09-22"))]


def test_an_exercise_lapsing_within_30_days_is_a_warning(repo: Repo) -> None:
    repo.edit(ROLLBACK, set_(["exercises", 1, "date"], "2026-06-10"))  # counts until 2026-12-07
    code, report = check(repo)
    assert code == 0
    assert problems(report) == [("LB311", ROLLBACK, line_of(repo.path(ROLLBACK), "outcome: failed")),
                                ("LB310", ROLLBACK, line_of(repo.path(ROLLBACK), "2026-06-10"))]
    assert {p["severity"] for p in report["problems"]} == {"warning"}
    assert check(repo, "--strict")[0] == 1


def test_a_future_passed_exercise_does_not_count(repo: Repo) -> None:
    repo.edit(ROLLBACK, set_(["exercises", 1, "date"], "2026-12-15"))
    code, report = check(repo)
    line = line_of(repo.path(ROLLBACK), "2026-12-15")
    # LB173 is the runbook's own error, so it covers no topic until fixed (LB220), like a
    # checklist file with errors, whose items count as todo
    assert sorted(problems(report)) == [("LB173", ROLLBACK, line), ("LB220", INIT, line_of(repo.path(INIT), "stage:")),
                                        ("LB311", ROLLBACK, line_of(repo.path(ROLLBACK), "outcome: failed"))]


def test_a_runbook_with_errors_is_not_reported_missing(repo: Repo) -> None:
    repo.edit(OUTAGE, set_(["severity"], "critical"))
    code, report = check(repo)
    assert code == 1
    assert [p[0] for p in problems(report)] == ["LB100"]  # its own error, not an LB220 "create it"
    [verdict] = [b for b in report["initiatives"][0]["readiness"]["blocking"] if b["kind"] == "runbook"]
    assert verdict["item"] == "provider-outage" and OUTAGE in verdict["reason"]


# --------------------------------------------------------------------------- rules on one runbook


def test_runbook_id_must_equal_the_file_name(repo: Repo) -> None:
    repo.edit(OUTAGE, set_(["runbook"], "outage"))
    assert own(check(repo)[1], "provider-outage") == [("LB170", OUTAGE, line_of(repo.path(OUTAGE), "runbook: outage"))]


def test_topic_not_in_the_policy(repo: Repo) -> None:
    repo.edit(OUTAGE, set_(["topics"], ["provider-outage", "alien-invasion"]))
    code, report = check(repo)
    assert code == 1
    assert own(report, "provider-outage") == [("LB171", OUTAGE, line_of(repo.path(OUTAGE), "- alien-invasion"))]


def test_rollback_topic_needs_rollback_steps(repo: Repo) -> None:
    # LB174 at the runbook, and the topic is not covered (LB220): a runbook with nothing to
    # roll back with is no rollback runbook, so the ledger and every face say incomplete
    repo.edit(ROLLBACK, delete(["rollback", "steps"]))
    code, report = check(repo)
    assert ("LB174", ROLLBACK, line_of(repo.path(ROLLBACK), "rollback:")) in problems(report)
    assert "LB220" in {p[0] for p in problems(report)}
    (entry,) = [r for r in report["initiatives"][0]["requirements"] if r["item"] == "rollback"]
    assert (entry["complete"], entry["counts"], entry["status"]) == (False, False, "missing")
    repo.edit(ROLLBACK, delete(["rollback"]))
    assert ("LB174", ROLLBACK, line_of(repo.path(ROLLBACK), "- rollback")) in problems(check(repo)[1])


def test_destructive_step_needs_an_approval(repo: Repo) -> None:
    repo.edit(ROLLBACK, delete(["rollback", "steps", 1, "approval"]))
    code, report = check(repo)
    assert own(report, "rollback") == [("LB175", ROLLBACK, line_of(repo.path(ROLLBACK), "effect: destructive"))]
    assert "rollback.steps[1]" in next(p["message"] for p in report["problems"] if p["code"] == "LB175")


def test_escalation_in_order_of_minutes(repo: Repo) -> None:
    repo.edit(ROLLBACK, set_(["escalation", 1, "after_minutes"], 0))
    assert check(repo)[0] == 0  # equal minutes: called together
    repo.edit(ROLLBACK, lambda d: d["escalation"].reverse())
    repo.edit(ROLLBACK, set_(["escalation", 0, "after_minutes"], 45))
    assert own(check(repo)[1], "rollback") == [("LB176", ROLLBACK, line_of(repo.path(ROLLBACK), "after_minutes: 0"))]


def test_alert_named_by_two_runbooks_is_reported_at_both(repo: Repo) -> None:
    other = "decisions/internal-search"
    repo.write(f"{other}/initiative.yaml", dict(INITIATIVE, id="internal-search", stage="proposed",
                                                  history=[{"stage": "proposed", "date": "2026-01-12"}]))
    repo.write(f"{other}/runbooks/outage.yaml", dict(OUTAGE_RUNBOOK, runbook="outage", triggers=[{"alert": "Support-Assistant-LLM-5xx"}]))
    code, report = check(repo)
    assert code == 1
    assert sorted(problems(report)) == sorted([
        ("LB172", OUTAGE, line_of(repo.path(OUTAGE), "alert: support-assistant-llm-5xx")),
        ("LB172", f"{other}/runbooks/outage.yaml", line_of(repo.path(f"{other}/runbooks/outage.yaml"), "alert:")),
    ])
    by_file = {p["file"]: p for p in report["problems"]}
    assert f"{other}/runbooks/outage.yaml" in by_file[OUTAGE]["message"]
    assert by_file[OUTAGE]["initiative"] == "support-assistant"


def test_policy_topic_with_unknown_stage_makes_the_policy_unusable(repo: Repo) -> None:
    repo.edit(POLICY, lambda d: d["runbooks"]["topics"][2].update(required_from="launch"))
    code, report = check(repo)
    assert code == 2
    assert problems(report) == [("LB177", POLICY, line_of(repo.path(POLICY), "required_from: launch"))]


def test_policy_topic_repeated(repo: Repo) -> None:
    repo.edit(POLICY, lambda d: d["runbooks"]["topics"].append(dict(d["runbooks"]["topics"][0])))
    code, report = check(repo)
    assert code == 2 and [p[0] for p in problems(report)] == ["LB177"]


# --------------------------------------------------------------------------- discovery


def test_runbooks_are_discovered_like_checklists(repo: Repo) -> None:
    repo.write("decisions/support-assistant/runbooks/old/rollback.yaml", ROLLBACK_RUNBOOK)
    repo.write("decisions/support-assistant/runbooks/Rollback.YAML", ROLLBACK_RUNBOOK)
    repo.write("decisions/support-assistant/runbooks/.hidden.yaml", ROLLBACK_RUNBOOK)
    repo.write("decisions/support-assistant/runbooks/notes.txt", "not a record")
    code, report = check(repo)
    found = sorted((p[0], p[1]) for p in problems(report))
    assert found == [
        ("LB008", "decisions/support-assistant/runbooks/.hidden.yaml"),
        ("LB008", "decisions/support-assistant/runbooks/Rollback.YAML"),
        ("LB008", "decisions/support-assistant/runbooks/old"),
        ("LB115", "decisions/support-assistant/runbooks/rollback.yaml"),  # and Rollback.YAML: one file on macOS
    ]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_a_runbooks_link_is_not_followed(repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "rollback.yaml").write_text(repo.path(ROLLBACK).read_text())
    for name in ("rollback.yaml", "provider-outage.yaml"):
        repo.path(f"decisions/support-assistant/runbooks/{name}").unlink()
    repo.path("decisions/support-assistant/runbooks").rmdir()
    os.symlink(outside, repo.path("decisions/support-assistant/runbooks"))
    code, report = check(repo)
    assert ("LB008", "decisions/support-assistant/runbooks", 1) in problems(report)
    assert "LB220" in [p[0] for p in problems(report)]  # nothing was read through the link


def test_placeholder_left_in_a_runbook(repo: Repo) -> None:
    """A TODO the scaffold left is a warning where it sits, and the runbook covers no topic,
    so the gate names the topic as missing (LB220) rather than passing on a scaffold."""
    repo.edit(OUTAGE, set_(["diagnosis", 0, "step"], "TODO find out what is wrong"))
    code, report = check(repo)
    assert code == 1
    assert ("LB178", OUTAGE, line_of(repo.path(OUTAGE), "step: TODO")) in problems(report)
    assert [p["severity"] for p in report["problems"] if p["code"] == "LB178"] == ["warning"]
    assert [p[0] for p in problems(report)] == ["LB220", "LB178"]


# --------------------------------------------------------------------------- launchboard new runbook


def new_runbook(repo: Repo, *args: str):
    return CliRunner().invoke(main, ["new", "runbook", *args, "--root", str(repo.root), "--as-of", AS_OF], catch_exceptions=False)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_new_runbook_writes_every_section_with_the_policy_topics(repo: Repo) -> None:
    target = "decisions/support-assistant/runbooks/harmful-output.yaml"
    result = new_runbook(repo, "support-assistant", "harmful-output")
    assert result.exit_code == 0, result.output
    text = repo.path(target).read_text()
    assert text.startswith("# yaml-language-server: $schema=../../../schemas/runbook.schema.json\n")
    for topic in TOPICS["topics"]:
        assert f"#   {topic['id']}: {topic['title']} (required from {topic['required_from']}" in text
    data = repo.read(target)
    assert data["topics"] == ["harmful-output"] and data["title"] == "Harmful output reported"
    assert set(data) >= {"runbook", "title", "topics", "severity", "triggers", "impact", "diagnosis", "mitigation",
                         "rollback", "verify", "escalation", "exercises"}
    assert [e["contact"] for e in data["escalation"]] == INITIATIVE["owners"]  # the initiative's owners by default
    # valid against the schema; what is left is each placeholder to fill in, as warnings
    code, report = check(repo)
    assert code == 0 and {p[0] for p in problems(report)} == {"LB178"}
    assert ("LB178", target, line_of(repo.path(target), "alert:")) in problems(report)
    assert ("LB178", target, line_of(repo.path(target), "impact:")) in problems(report)
    assert len(problems(report)) == 7  # the alert, its note, impact and the four steps


def test_new_runbook_for_a_name_the_policy_does_not_define_lists_no_topic(repo: Repo) -> None:
    assert new_runbook(repo, "support-assistant", "index-corruption", "--title", "Index corrupted").exit_code == 0
    data = repo.read("decisions/support-assistant/runbooks/index-corruption.yaml")
    assert data["topics"] == [] and data["title"] == "Index corrupted"


def test_new_runbook_never_overwrites(repo: Repo) -> None:
    before = tree(repo.root)
    result = new_runbook(repo, "support-assistant", "rollback")
    assert result.exit_code == 2 and "refusing to overwrite" in result.output
    assert tree(repo.root) == before


@pytest.mark.parametrize("bad", ["../escape", "Rollback", "a/b", "-x", ""])
def test_new_runbook_refuses_unsafe_ids(repo: Repo, bad: str) -> None:
    before = tree(repo.root)
    assert new_runbook(repo, "support-assistant", bad).exit_code == 2
    assert tree(repo.root) == before


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_new_runbook_refuses_to_write_through_a_link(repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    for name in ("rollback.yaml", "provider-outage.yaml"):
        repo.path(f"decisions/support-assistant/runbooks/{name}").unlink()
    repo.path("decisions/support-assistant/runbooks").rmdir()
    os.symlink(outside, repo.path("decisions/support-assistant/runbooks"))
    result = new_runbook(repo, "support-assistant", "harmful-output")
    assert result.exit_code == 2 and "refusing to write through the link decisions/support-assistant/runbooks" in result.output
    assert list(outside.iterdir()) == []


# --------------------------------------------------------------------------- codeowners


def codeowners_block(repo: Repo) -> list[str]:
    from generator.core import codeowners

    result = CliRunner().invoke(main, ["codeowners", str(repo.root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = repo.path(".github/CODEOWNERS").read_text().splitlines()
    return lines[lines.index(codeowners.BEGIN) + 1 : lines.index(codeowners.END)]


def test_codeowners_covers_runbooks_with_the_on_call_owners_by_default(repo: Repo) -> None:
    repo.edit(POLICY, lambda d: d["checklists"]["on-call"].update(owners=["@org/sre", "@kofi"]))
    assert codeowners_block(repo)[-1] == "/decisions/*/runbooks/ @org/sre @kofi"


def test_codeowners_uses_the_runbook_owners_when_the_policy_names_them(repo: Repo) -> None:
    repo.edit(POLICY, lambda d: d["runbooks"].update(owners=["@org/incident-response"]))
    assert codeowners_block(repo)[-1] == "/decisions/*/runbooks/ @org/incident-response"
    # a .yml runbook is not counted (LB008): one name a runbook, so the gate, the page, the
    # alerts and the diff all see the same file
    repo.path(OUTAGE).rename(repo.path(OUTAGE).with_suffix(".yml"))
    code, report = check(repo)
    assert code == 1
    assert ("LB008", OUTAGE.removesuffix(".yaml") + ".yml", 1) in problems(report)
    assert report["initiatives"][0]["readiness"]["runbooks"] == {"required": 2, "complete": 1}


def test_codeowners_has_no_runbook_rule_without_owners(repo: Repo) -> None:
    assert not any("/runbooks/" in line for line in codeowners_block(repo))  # kit's on-call has no owners


def test_sample_codeowners_is_up_to_date_with_the_runbook_rule() -> None:
    root = Path(__file__).resolve().parent.parent
    text = (root / ".github" / "CODEOWNERS").read_text()
    assert "/decisions/*/runbooks/ @org/sre @kofi @ines" in text
    result = CliRunner().invoke(main, ["codeowners", str(root), "--check"], catch_exceptions=False)
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------- launchboard diff


GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
}


def git(root: Path, *args: str) -> str:
    import subprocess

    done = subprocess.run(["git", "-C", str(root), *args], env=dict(os.environ, **GIT_ENV), capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_diff_reports_runbooks_topics_and_exercises(repo: Repo) -> None:
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "--no-gpg-sign", "-m", "records")
    repo.path(OUTAGE).unlink()  # provider-outage: removed, topic lost
    repo.edit(ROLLBACK, lambda d: d["exercises"].append({"date": "2026-11-20", "kind": "incident", "outcome": "passed"}))
    repo.write("decisions/support-assistant/runbooks/harmful-output.yaml",
               dict(OUTAGE_RUNBOOK, runbook="harmful-output", title="Harmful <b>output</b>", topics=["harmful-output"],
                    triggers=[{"alert": "support-assistant-harm"}],
                    exercises=[{"date": "2026-11-01", "kind": "game-day", "outcome": "passed"}]))
    result = CliRunner().invoke(main, ["diff", "HEAD", str(repo.root), "--format", "json", "--as-of", AS_OF], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    changes = {(r["runbook"], r["change"], r["detail"]) for r in data["runbooks"]}
    assert changes == {
        ("harmful-output", "added", ""),
        ("provider-outage", "removed", ""),
        ("harmful-output", "topic-covered", "harmful-output"),
        ("provider-outage", "topic-lost", "provider-outage"),
        ("harmful-output", "exercise", "2026-11-01 game-day passed"),
        ("rollback", "exercise", "2026-11-20 incident passed"),
    }
    assert data["summary"]["runbooks_added"] == 1 and data["summary"]["runbook_topics_lost"] == 1
    assert data["summary"]["exercises_recorded"] == 2
    markdown = CliRunner().invoke(main, ["diff", "HEAD", str(repo.root), "--as-of", AS_OF], catch_exceptions=False).output
    assert "### Runbooks" in markdown
    assert r"topic <code>provider\-outage</code> no longer covered" in markdown
    assert "<b>" not in markdown  # record text is escaped
    assert "LB220" in markdown  # and the gate's new failure is among the problems introduced


def test_an_alert_claimed_many_times_names_three_others_per_problem(repo: Repo) -> None:
    for n in range(5):
        repo.write(f"decisions/support-assistant/runbooks/extra-{n}.yaml",
                   dict(OUTAGE_RUNBOOK, runbook=f"extra-{n}", topics=[]))
    code, report = check(repo)
    claims = [p for p in report["problems"] if p["code"] == "LB172"]
    assert len(claims) == 6  # provider-outage.yaml and the five extras, each at its own alert
    for problem in claims:
        assert problem["message"].count("(triggers[0])") == 3 and "and 2 more" in problem["message"]


# --------------------------------------------------------------------------- the sample


def test_the_sample_canary_and_ga_initiatives_meet_the_runbook_gate() -> None:
    from generator.core.pipeline import load_portfolio

    portfolio = load_portfolio(Path(__file__).resolve().parent.parent, AS_OF)
    assert [p for p in portfolio.errors if p.code.startswith(("LB17", "LB22"))] == []
    shipped = [i for i in portfolio.initiatives if i.stage in ("canary", "ga")]
    assert len(shipped) >= 4
    for initiative in shipped:
        state = portfolio.states[initiative.id]
        assert state.current.topics and all(v.complete for v in state.current.topics), initiative.id
        assert all(r.rollback and r.rollback.pinned and r.rollback.kill_switch
                   for r in initiative.runbooks.values() if "rollback" in r.topics), initiative.id
    outcomes = [[e.outcome for e in r.exercises] for i in shipped for r in i.runbooks.values()]
    assert any(o[:2] == ["failed", "passed"] for o in outcomes)  # a failed drill, then a passed one
