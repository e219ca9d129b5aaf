"""`launchboard check` and `status` through the real command: every format and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as etree
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import LAZY_COMMANDS, main
from tests.conftest import run
from tests.kit import AS_OF, Repo, line_of

SEC = "decisions/support-assistant/checklists/security-review.yaml"
INIT = "decisions/support-assistant/initiative.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo.valid(tmp_path)


@pytest.fixture
def failing(repo: Repo) -> Repo:
    repo.edit(SEC, lambda d: d["items"]["threat-model"].update(status="todo"))
    return repo


def test_clean_repository_exits_0(repo: Repo) -> None:
    result = run("check", str(repo.root), "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "✓ 0 errors, 0 warnings (1 initiatives, as of 2026-11-29)" in result.output


def test_gate_failure_exits_1_with_located_line(failing: Repo) -> None:
    result = run("check", str(failing.root), "--as-of", AS_OF)
    assert result.exit_code == 1
    line = line_of(failing.path(SEC), "status: todo")
    assert f"{SEC}:{line}:13: error LB201 threat-model: required from pilot, status is todo" in result.output
    assert "✗ 1 error, 0 warnings in 1 file" in result.output


def test_warnings_fail_only_with_strict(repo: Repo) -> None:
    repo.edit("decisions/support-assistant/adr/0001-rag-over-fine-tuning.yaml", lambda d: d.update(review_by="2026-10-01"))
    assert run("check", str(repo.root), "--as-of", AS_OF).exit_code == 0
    assert run("check", str(repo.root), "--as-of", AS_OF, "--strict").exit_code == 1


def test_unusable_configuration_exits_2(repo: Repo) -> None:
    repo.write("decisions/policy.yaml", "stages: [a, b\n")
    result = run("check", str(repo.root), "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "decisions/policy.yaml:2:1: error LB002" in result.output


def test_missing_policy_exits_2(repo: Repo) -> None:
    repo.path("decisions/policy.yaml").unlink()
    result = run("check", str(repo.root), "--as-of", AS_OF)
    assert result.exit_code == 2 and "LB009" in result.output


@pytest.mark.parametrize("args", [["--as-of", "yesterday"], ["--format", "yaml"]])
def test_usage_errors_exit_2(repo: Repo, args: list[str]) -> None:
    assert run("check", str(repo.root), *args).exit_code == 2


def test_no_decisions_folder_exits_2(tmp_path: Path) -> None:
    result = run("check", str(tmp_path))
    assert result.exit_code == 2 and "has no decisions/ folder" in result.output


def test_json_format(failing: Repo) -> None:
    result = run("check", str(failing.root), "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 1
    body = json.loads(result.output)
    [problem] = body["problems"]
    assert set(problem) == {"file", "line", "column", "severity", "code", "message", "initiative"}
    assert problem["code"] == "LB201" and problem["initiative"] == "support-assistant"
    [state] = body["initiatives"]
    assert state["stage"] == "canary" and state["approach"] == "rag"
    assert state["readiness"]["ready"] is False
    assert [b["item"] for b in state["readiness"]["blocking"]] == ["threat-model"]
    assert state["next"]["stage"] == "ga"


def test_github_format_escapes_record_text(repo: Repo, tmp_path: Path) -> None:
    repo.edit(INIT, lambda d: d.update(risk="100%\r\n::error file=x::pwned,%0A"))
    summary = tmp_path / "summary.md"
    result = run("check", str(repo.root), "--as-of", AS_OF, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    lines = result.output.splitlines()
    annotation = next(line for line in lines if "LB100" in line)
    assert annotation.startswith(f"::error file={INIT},line={line_of(repo.path(INIT), 'risk:')},col=7,title=LB100 ")
    assert "%25" in annotation and "100%\r" not in result.output
    assert not any(line.lstrip().startswith("::error file=x") for line in lines)
    assert "| Location | Severity | Code | Message |" in summary.read_text()


def test_junit_format(failing: Repo) -> None:
    result = run("check", str(failing.root), "--as-of", AS_OF, "--format", "junit")
    assert result.exit_code == 1
    suites = etree.fromstring(result.output.split("\n", 1)[1])
    assert suites.get("failures") == "1"
    failure = suites.find(".//testcase[@name='%s']/failure" % SEC)
    assert failure is not None and failure.get("type") == "LB201"


def test_color_only_when_asked_and_never_with_no_color(failing: Repo) -> None:
    plain = run("check", str(failing.root), "--as-of", AS_OF)
    assert "\x1b[" not in plain.output  # CliRunner is not a terminal
    coloured = run("check", str(failing.root), "--as-of", AS_OF, "--color", "always")
    assert "\x1b[31m" in coloured.output
    assert "\x1b[" not in run("status", str(failing.root), "--as-of", AS_OF, env={"NO_COLOR": "1"}).output


def test_status_board(failing: Repo) -> None:
    result = run("status", str(failing.root), "--as-of", AS_OF)
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if line.startswith("support-assistant"))
    assert "canary" in row and "rag" in row and "2/3" in row and "security-review/threat-model" in row
    assert "canary: 1" in result.output
    body = json.loads(run("status", str(failing.root), "--as-of", AS_OF, "--format", "json").output)
    assert body["initiatives"][0]["readiness"]["complete"] == 2


def test_status_says_no_gate_where_a_stage_requires_nothing() -> None:
    sample = Path(__file__).resolve().parent.parent
    result = run("status", str(sample), "--as-of", AS_OF, "--color", "never")
    row = next(line for line in result.output.splitlines() if line.startswith("medical-coding-assistant"))
    assert "no gate" in row and "█" not in row.split("pilot")[0]


def test_real_command_and_module_entry_point(failing: Repo) -> None:
    env = dict(os.environ, NO_COLOR="1")
    for command in (["launchboard"], [sys.executable, "-m", "generator"]):
        exe = command if command[0] != "launchboard" else [str(Path(sys.executable).parent / "launchboard")]
        done = subprocess.run(exe + ["check", str(failing.root), "--as-of", AS_OF], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 1, done.stderr
        assert "error LB201" in done.stdout


def test_every_lazy_command_resolves() -> None:
    for name in LAZY_COMMANDS:
        assert main.get_command(None, name) is not None, name  # type: ignore[arg-type]
    assert run("--help").exit_code == 0


def test_no_cache_writes_nothing_into_the_repository(repo: Repo) -> None:
    from generator.core import pipeline

    before = sorted(p.relative_to(repo.root) for p in repo.root.rglob("*"))
    old = pipeline.CACHE_MIN_FILES
    pipeline.CACHE_MIN_FILES = 0  # a small repository would not use the cache anyway
    try:
        assert run("check", str(repo.root), "--as-of", AS_OF, "--no-cache").exit_code == 0
    finally:
        pipeline.CACHE_MIN_FILES = old
    assert sorted(p.relative_to(repo.root) for p in repo.root.rglob("*")) == before
