"""`launchboard diff BASE` against a real git repository with several commits."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.authoring import govdiff
from generator.cli import main
from tests.kit import AS_OF, DONE, Repo

INIT = "decisions/support-assistant/initiative.yaml"
SEC = "decisions/support-assistant/checklists/security-review.yaml"
ONCALL = "decisions/support-assistant/checklists/on-call.yaml"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
}


def git(root: Path, *args: str) -> str:
    env = dict(os.environ, **GIT_ENV)
    done = subprocess.run(["git", "-C", str(root), *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-gpg-sign", "-m", message)
    return git(root, "rev-parse", "HEAD")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def diff_json(root: Path, base: str) -> dict:
    result = run("diff", base, str(root), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    root = tmp_path / "governance"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    repo = Repo.valid(root)
    commit(root, "the records")
    return repo


def move_to(repo: Repo, stage: str, date: str = "2026-11-25") -> None:
    def change(data: dict) -> None:
        data["stage"] = stage
        data["history"].append({"stage": stage, "date": date})
    repo.edit(INIT, change)


def test_no_changes(repo: Repo) -> None:
    result = run("diff", "HEAD", str(repo.root), "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "No governance changes" in result.output
    assert diff_json(repo.root, "HEAD")["summary"]["stage_moves"] == 0


def test_a_pull_request_in_several_commits(repo: Repo) -> None:
    base = git(repo.root, "rev-parse", "HEAD")
    # commit 2: a new initiative and a proposed decision, through the scaffolds
    run("new", "initiative", "doc-search", "--owner", "@carol", "--as-of", AS_OF, "--root", str(repo.root))
    run("new", "decision", "support-assistant", "Add a re-ranker", "--as-of", AS_OF, "--root", str(repo.root))
    commit(repo.root, "doc-search and a proposal")
    # commit 3: move to ga, complete one item, regress another, let a waiver lapse
    move_to(repo, "ga")
    repo.write("docs/runbook.md", "# Runbook\n")  # evidence that is a repository path must exist (LB213)
    repo.edit(ONCALL, lambda d: d["items"].update(runbook=dict(DONE, approver="@erin", evidence="docs/runbook.md")))
    repo.edit(SEC, lambda d: d["items"]["threat-model"].update(status="in-progress"))
    repo.edit(SEC, lambda d: d["items"]["rag-access-control"]["waiver"].update(date="2026-09-01", expires="2026-11-20"))
    commit(repo.root, "to ga")
    # working tree: the proposal is rejected
    repo.edit("decisions/support-assistant/adr/0002-add-a-re-ranker.yaml", lambda d: d.update(status="rejected"))

    data = diff_json(repo.root, base)
    assert [a["initiative"] for a in data["added"]] == ["doc-search"]
    assert data["added"][0]["gate_holds"] is True

    [move] = data["stage_moves"]
    assert (move["initiative"], move["before"], move["after"], move["direction"]) == ("support-assistant", "canary", "ga", "forward")
    assert move["gate_holds"] is False
    blocking = " ".join(move["blocking"])
    assert "security-review/threat-model" in blocking and "security-review/pen-test" in blocking

    # added at 0002 with its final status (the commits in between do not matter)
    assert [(d["number"], d["change"], d["after"]) for d in data["decisions"]] == [(2, "added", "rejected")]

    items = {(i["initiative"], i["checklist"], i["item"]): i for i in data["items"]}
    assert items[("support-assistant", "on-call", "runbook")]["change"] == "completed"
    assert items[("support-assistant", "security-review", "threat-model")]["change"] == "regressed"
    assert items[("support-assistant", "security-review", "rag-access-control")]["change"] == "expired"
    assert not any(key[0] == "doc-search" for key in items)  # a fresh scaffold: all todo, nothing to report

    introduced = {(p["code"], p["file"]) for p in data["problems_introduced"]}
    assert ("LB201", SEC) in introduced
    assert ("LB207", SEC) in introduced
    assert data["problems_fixed"] == []

    # the same against the previous commit only: just the status change of decision 2
    later = diff_json(repo.root, "HEAD")
    assert [(d["number"], d["change"], d["before"], d["after"]) for d in later["decisions"]] == [(2, "status", "proposed", "rejected")]
    assert later["stage_moves"] == [] and later["items"] == []


def test_problems_fixed_and_items_waived(repo: Repo) -> None:
    repo.edit(SEC, lambda d: d["items"]["threat-model"].update(status="todo"))
    commit(repo.root, "oops")
    repo.edit(SEC, lambda d: d["items"].update({"threat-model": dict(DONE)}))
    repo.edit(SEC, lambda d: d["items"].update({"pen-test": {"status": "waived", "waiver": {
        "reason": "Scheduled", "approver": "@dana", "date": "2026-11-20", "expires": "2027-01-31"}}}))
    data = diff_json(repo.root, "HEAD")
    changes = {i["item"]: i["change"] for i in data["items"]}
    assert changes == {"threat-model": "completed", "pen-test": "waived"}
    assert [p["code"] for p in data["problems_fixed"]] == ["LB201"]
    assert data["problems_introduced"] == []


def test_retired_and_removed_initiatives(repo: Repo) -> None:
    run("new", "initiative", "doc-search", "--as-of", AS_OF, "--root", str(repo.root))
    commit(repo.root, "doc-search")
    subprocess.run(["rm", "-r", str(repo.root / "decisions" / "doc-search")], check=True)
    move_to(repo, "retired")
    data = diff_json(repo.root, "HEAD")
    assert [r["initiative"] for r in data["removed"]] == ["doc-search"]
    assert [(r["initiative"], r["stage"]) for r in data["retired"]] == [("support-assistant", "canary")]
    assert data["stage_moves"] == []
    markdown = run("diff", "HEAD", str(repo.root), "--as-of", AS_OF).output
    assert "retired (was <code>canary</code>)" in markdown
    assert "removed (was <code>proposed</code>)" in markdown


def test_a_base_without_records_shows_everything_added(tmp_path: Path) -> None:
    root = tmp_path / "g"
    root.mkdir()
    git(root, "init", "-q")
    (root / "README.md").write_text("start\n")
    commit(root, "empty")
    Repo.valid(root)
    data = diff_json(root, "HEAD")
    assert [a["initiative"] for a in data["added"]] == ["support-assistant"]
    assert data["base_unusable"] is True


def test_markdown_escapes_record_text(repo: Repo) -> None:
    hostile = "Evil | <script>alert(1)</script> [click](javascript:alert(1)) ![i](x.png) @org/everyone\n# heading"
    repo.edit(INIT, lambda d: d.update(title=hostile))
    move_to(repo, "ga")
    markdown = run("diff", "HEAD", str(repo.root), "--as-of", AS_OF).output
    assert "<script" not in markdown
    assert "](javascript" not in markdown and "](x.png" not in markdown
    assert "@org/everyone" not in markdown  # no mention, no notification
    assert "\n# heading" not in markdown
    row = next(line for line in markdown.splitlines() if "Evil" in line)
    unescaped_pipes = len(re.findall(r"(?<!\\)\|", row))
    assert unescaped_pipes == 5  # four cells: the title's | did not add one


def test_md_escaping() -> None:
    assert govdiff.md("a|b") == "a&#124;b"
    assert govdiff.md("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert govdiff.md("[x](javascript:y)") == "\\[x\\]\\(javascript&#58;y\\)"
    assert govdiff.md("@alice pays $5") == "&#64;alice pays &#36;5"
    assert govdiff.md("\x1b]0;owned\x07 title") == "\\]0;owned title"  # control characters dropped
    assert govdiff.md("1. one") == "1\\. one"
    assert govdiff.md("- item") == "\\- item"
    assert govdiff.md("line\nbreak") == "line break"
    assert govdiff.code("a`b") == "<code>a\\`b</code>"


@pytest.mark.parametrize("base", ["no-such-branch", "-rf", "HEAD\n--output=x"])
def test_bad_base_exits_2(repo: Repo, base: str) -> None:
    result = run("diff", "--", base, str(repo.root))
    assert result.exit_code == 2
    assert "launchboard: error:" in result.output


def test_outside_git_exits_2(tmp_path: Path) -> None:
    Repo.valid(tmp_path)
    result = run("diff", "HEAD", str(tmp_path))
    assert result.exit_code == 2
    assert "not inside a git working tree" in result.output


def test_records_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    repo = Repo.valid(tmp_path / "governance")
    commit(tmp_path, "records in a subfolder")
    move_to(repo, "ga")
    data = diff_json(repo.root, "HEAD")
    assert [m["after"] for m in data["stage_moves"]] == ["ga"]


def test_launchboard_diff_as_a_process(repo: Repo) -> None:
    move_to(repo, "ga")
    done = subprocess.run(
        [sys.executable, "-m", "generator", "diff", "HEAD", "--as-of", AS_OF],
        cwd=repo.root, capture_output=True, text=True, check=False, env=dict(os.environ, NO_COLOR="1"),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("## Launchboard: governance changes against <code>HEAD</code>")
    assert "### Stage moves" in done.stdout


def test_md_never_lets_markup_through() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.sampled_from(list("ab |<>[]()!`*_#-1.:@&\\\n\r\t\"'javscrpt")), max_size=40))
    def prop(text: str) -> None:
        out = govdiff.md(text)
        assert "<" not in out and ">" not in out and "\n" not in out and "\r" not in out
        assert not re.search(r"(?<!\\)(?:\\\\)*[|\[\]()`*_!]", out.replace("&#64;", "").replace("&amp;", "")
                             .replace("&lt;", "").replace("&gt;", "").replace("&quot;", "").replace("&#39;", ""))
        assert "@" not in out

    prop()


def test_json_output_cannot_carry_workflow_commands(repo: Repo) -> None:
    repo.edit(INIT, lambda d: d.update(title="##[error]pwned"))
    move_to(repo, "ga")
    result = run("diff", "HEAD", str(repo.root), "--format", "json", "--as-of", AS_OF)
    assert "##[" not in result.output
    assert json.loads(result.output)["stage_moves"][0]["title"] == "##[error]pwned"
