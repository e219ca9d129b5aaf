"""`launchboard codeowners`: the generated block, the lines kept around it, and LB305."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from generator.core import codeowners
from generator.core.codes import CODES
from generator.core.model import ChecklistSpec, Policy, Severity
from tests.conftest import run
from tests.kit import Repo

REPO_ROOT = Path(__file__).resolve().parent.parent
FILE = ".github/CODEOWNERS"


# What every repository's own lines give an owner: the trusted layer a kit repository holds
# (LB307 and `--check` otherwise; see test_gate_bypass.py).
TRUSTED_OWNERS = "/decisions/policy.yaml @org/council\n/.github/ @org/council\n"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo.valid(tmp_path)


def own_trusted_layer(repo: Repo) -> None:
    repo.write(FILE, TRUSTED_OWNERS)


def test_writes_one_rule_per_checklist_with_owners(repo: Repo) -> None:
    own_trusted_layer(repo)
    result = run("codeowners", str(repo.root))
    assert result.exit_code == 0, result.output
    lines = repo.path(FILE).read_text().splitlines()
    begin, end = lines.index(codeowners.BEGIN), lines.index(codeowners.END)
    # on-call has no owners in the test policy: no rule, so the default owners apply
    assert lines[begin + 1 : end] == ["/decisions/*/checklists/security-review.yaml @org/security @dana",
                                      # a team's own framework packs: the policy's owners (own_trusted_layer)
                                      "/decisions/frameworks/ @org/council"]
    assert run("codeowners", str(repo.root), "--check").exit_code == 0
    assert run("codeowners", str(repo.root)).output.startswith("unchanged")


def test_check_fails_when_missing_or_stale(repo: Repo) -> None:
    missing = run("codeowners", str(repo.root), "--check")
    assert missing.exit_code == 1
    assert "missing" in missing.output
    run("codeowners", str(repo.root))
    repo.edit("decisions/policy.yaml", lambda d: d["checklists"]["on-call"].update(owners=["@org/sre"]))
    stale = run("codeowners", str(repo.root), "--check")
    assert stale.exit_code == 1
    assert "out of date" in stale.output


def test_lines_outside_the_block_are_kept(repo: Repo) -> None:
    own = "# ours\n* @org/default-reviewers\n/docs/ @org/writers\n"
    repo.write(FILE, own)
    run("codeowners", str(repo.root))
    text = repo.path(FILE).read_text()
    assert text.startswith(own)  # the block is appended: the last matching rule wins
    assert text.rstrip().endswith(codeowners.END)
    repo.edit("decisions/policy.yaml", lambda d: d["checklists"]["on-call"].update(owners=["@org/sre"]))
    repo.write(FILE, repo.path(FILE).read_text() + "/late/ @org/late\n")
    run("codeowners", str(repo.root))
    text = repo.path(FILE).read_text()
    assert text.startswith(own)
    assert text.endswith("/late/ @org/late\n")
    assert "/decisions/*/checklists/on-call.yaml @org/sre" in text
    assert text.count(codeowners.BEGIN) == 1


def test_broken_markers_are_refused(repo: Repo) -> None:
    repo.write(FILE, f"{codeowners.BEGIN}\n* @x\n")
    before = repo.path(FILE).read_text()
    result = run("codeowners", str(repo.root))
    assert result.exit_code == 2
    assert repo.path(FILE).read_text() == before


def test_owners_that_are_not_handles_never_reach_the_file() -> None:
    policy = Policy(
        stages=["proposed", "ga"], approval_max_age_days=1, waiver_max_days=1, criteria={},
        checklists={
            "security-review": ChecklistSpec("security-review", "S", ["@org/sec", "@x\n* @attacker", "nobody"], []),
            "../etc": ChecklistSpec("../etc", "E", ["@org/sec"], []),
        },
    )
    assert codeowners.expected_rules(policy) == ["/decisions/*/checklists/security-review.yaml @org/sec"]


# --------------------------------------------------------------------------- LB305


def test_lb305_is_a_registered_code() -> None:
    assert "LB305" in CODES


def test_no_warning_without_a_codeowners_file(repo: Repo) -> None:
    assert codeowners.check_codeowners(repo.root, repo.check().policy) == []


def test_no_warning_when_up_to_date(repo: Repo) -> None:
    own_trusted_layer(repo)
    run("codeowners", str(repo.root))
    assert codeowners.check_codeowners(repo.root, repo.check().policy) == []


def test_warning_at_the_block_when_stale(repo: Repo) -> None:
    repo.write(FILE, "* @org/default\n\n")
    run("codeowners", str(repo.root))
    repo.edit("decisions/policy.yaml", lambda d: d["checklists"]["security-review"].update(owners=["@org/appsec"]))
    problems = codeowners.check_codeowners(repo.root, repo.check().policy)
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.code, problem.severity) == ("LB305", Severity.WARNING)
    assert problem.location.file == FILE
    assert problem.location.line == 3  # the BEGIN line
    assert "launchboard codeowners" in problem.message


def test_warning_when_the_file_has_no_block(repo: Repo) -> None:
    repo.write(FILE, "* @org/default\n")
    problems = codeowners.check_codeowners(repo.root, repo.check().policy)
    assert [(p.code, p.location.line) for p in problems] == [("LB305", 1)]


def test_this_repository_codeowners_matches_its_policy() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "codeowners", "--check", str(REPO_ROOT)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


def test_check_command_warns_when_codeowners_is_stale(repo: Repo) -> None:
    own_trusted_layer(repo)
    run("codeowners", str(repo.root))
    clean = run("check", str(repo.root), "--as-of", "2026-11-29", "--strict")
    assert clean.exit_code == 0, clean.output
    repo.edit("decisions/policy.yaml", lambda d: d["checklists"]["security-review"].update(owners=["@org/appsec"]))
    stale = run("check", str(repo.root), "--as-of", "2026-11-29", "--strict")
    assert stale.exit_code == 1
    assert ".github/CODEOWNERS:4:1: warning LB305" in stale.output


def test_framework_packs_are_owned_like_the_policy(repo: Repo) -> None:
    """decisions/frameworks/ gets the owners the file gives decisions/policy.yaml: a team's
    pack changes what the policy's `controls:` mean."""
    repo.write(FILE, "* @org/default\n/decisions/policy.yaml @org/platform-council @lead  # the council\n")
    run("codeowners", str(repo.root))
    lines = repo.path(FILE).read_text().splitlines()
    block = lines[lines.index(codeowners.BEGIN) + 1 : lines.index(codeowners.END)]
    assert block[-1] == "/decisions/frameworks/ @org/platform-council @lead"
    # the policy's owners change: the check sees the block as stale
    repo.write(FILE, repo.path(FILE).read_text().replace("@org/platform-council @lead  #", "@org/council  #"))
    stale = run("check", str(repo.root), "--as-of", "2026-11-29")
    assert "warning LB305" in stale.output
    run("codeowners", str(repo.root))
    assert "/decisions/frameworks/ @org/council" in repo.path(FILE).read_text()


def test_sample_codeowners_covers_the_framework_packs() -> None:
    text = (REPO_ROOT / FILE).read_text()
    assert "\n/decisions/frameworks/ @org/platform-council\n# END launchboard" in text
    assert run("codeowners", str(REPO_ROOT), "--check").exit_code == 0
