"""`launchboard diff BASE` against a real git repository with several commits."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.authoring import govdiff
from tests.conftest import run
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


def diff_json(root: Path, base: str) -> dict:
    result = run("diff", base, str(root), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def committed_repo(tmp_path: Path, change=None) -> Repo:
    """The kit's valid repository in a git repository of its own, committed (after CHANGE)."""
    root = tmp_path / "governance"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    repo = Repo.valid(root)
    if change is not None:
        change(repo)
    commit(root, "the records")
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return committed_repo(tmp_path)


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
    """CommonMark escapes, each character once (tests/test_gfm.py renders them as GitHub does)."""
    assert govdiff.md("a|b") == "a\\|b"
    assert govdiff.md("it's Q&A") == "it's Q&amp;A"  # an apostrophe stays an apostrophe
    assert govdiff.md("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert govdiff.md("[x](javascript:y)") == "\\[x\\]\\(javascript\\:y\\)"
    assert govdiff.md("@alice pays $5") == "@&#8203;alice pays \\$5"
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
    @given(st.text(alphabet=st.sampled_from(list("ab |<>[]()!`*_#-1.:@&\\\n\r\t\"'javscrpt$~")), max_size=40))
    def prop(text: str) -> None:
        out = govdiff.md(text)
        assert "<" not in out and ">" not in out and "\n" not in out and "\r" not in out
        assert not re.search(r"(?<!\\)(?:\\\\)*[|\[\]()`*_!:$~]", out.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
                             .replace("&#8203;", ""))
        assert not re.search(r"@(?!&#8203;)", out)  # every @ is followed by a zero-width space

    prop()


def test_json_output_cannot_carry_workflow_commands(repo: Repo) -> None:
    repo.edit(INIT, lambda d: d.update(title="##[error]pwned"))
    move_to(repo, "ga")
    result = run("diff", "HEAD", str(repo.root), "--format", "json", "--as-of", AS_OF)
    assert "##[" not in result.output
    assert json.loads(result.output)["stage_moves"][0]["title"] == "##[error]pwned"


# --------------------------------------------------------------------------- a lowered bar

POLICY_FILE = "decisions/policy.yaml"
C = govdiff.code  # identifiers as the summary prints them, whatever the escaping


def markdown_of(root: Path, base: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "generator", "diff", base, "--as-of", AS_OF],
        cwd=root, capture_output=True, text=True, check=False, env=dict(os.environ, NO_COLOR="1"),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_lower_risk_that_drops_an_item_at_the_next_stage_is_reported(repo: Repo) -> None:
    repo.edit(INIT, lambda d: d.update(risk="medium"))  # pen-test is required at ga for high risk only
    markdown = markdown_of(repo.root, "HEAD")
    assert "No governance changes" not in markdown
    assert "### Required items" in markdown
    row = next(line for line in markdown.splitlines() if f"risk {C('high')} → {C('medium')}" in line)
    assert C("security-review/pen-test") in row and C("ga") in row

    [scope] = diff_json(repo.root, "HEAD")["scope_changes"]
    assert scope["initiative"] == "support-assistant"
    assert scope["fields"] == [{"field": "risk", "before": "high", "after": "medium"}]
    assert scope["stage"] == "canary" and scope["no_longer_required"] == [] and scope["newly_required"] == []
    assert scope["next_stage"] == "ga"
    assert scope["next_no_longer_required"] == ["security-review/pen-test"]


def test_a_tag_change_that_drops_an_item_at_the_current_stage_is_reported(repo: Repo) -> None:
    def add_item(policy: dict) -> None:
        policy["checklists"]["on-call"]["items"].append(
            {"id": "status-page", "title": "Status page entry", "required_from": "canary", "when": {"tags": ["customer-facing"]}})
    repo.edit(POLICY_FILE, add_item)
    repo.edit(ONCALL, lambda d: d["items"].update({"status-page": dict(DONE, approver="@erin")}))
    commit(repo.root, "status page for customer-facing initiatives")
    repo.edit(INIT, lambda d: d.update(tags=["internal"]))
    markdown = markdown_of(repo.root, "HEAD")
    row = next(line for line in markdown.splitlines() if f"tags {C('customer-facing')} → {C('internal')}" in line)
    assert "no longer required" in row and C("on-call/status-page") in row
    [scope] = diff_json(repo.root, "HEAD")["scope_changes"]
    assert scope["no_longer_required"] == ["on-call/status-page"]
    assert scope["next_stage"] is None  # the same at ga: nothing more to say
    # and back: the item starts being required again
    commit(repo.root, "internal")
    repo.edit(INIT, lambda d: d.update(tags=["customer-facing"]))
    [scope] = diff_json(repo.root, "HEAD")["scope_changes"]
    assert scope["newly_required"] == ["on-call/status-page"] and scope["no_longer_required"] == []


def test_a_relaxed_policy_is_listed_with_the_initiatives_it_affects(repo: Repo) -> None:
    def relax(policy: dict) -> None:
        policy["approval_max_age_days"] = 365
        policy["waiver_max_days"] = 120
        security = policy["checklists"]["security-review"]
        security["owners"].append("@mallory")
        security["items"][0]["required_from"] = "ga"  # threat-model: was pilot
        security["items"][1]["when"] = {"approach": ["hybrid"]}  # rag-access-control: was rag or hybrid
        del security["items"][2]  # pen-test
        policy["checklists"]["on-call"]["items"][1]["allow_na"] = False  # runbook
        policy["checklists"]["on-call"]["items"].append({"id": "escalation", "title": "Escalation path", "required_from": "ga"})
    repo.edit(POLICY_FILE, relax)
    repo.edit(SEC, lambda d: d["items"].pop("pen-test"))
    data = diff_json(repo.root, "HEAD")
    changes = {(c["checklist"], c["item"], c["change"]): (c["before"], c["after"]) for c in data["policy_changes"]}
    assert changes == {
        ("", "", "approval_max_age_days"): ("180", "365"),
        ("", "", "waiver_max_days"): ("90", "120"),
        ("security-review", "", "owners added"): ("", "@mallory"),
        ("security-review", "threat-model", "required_from"): ("pilot", "ga"),
        ("security-review", "rag-access-control", "when"): ("approach: rag, hybrid", "approach: hybrid"),
        ("security-review", "pen-test", "removed"): ("ga, when risk: high", ""),
        ("on-call", "runbook", "allow_na"): ("true", "false"),
        ("on-call", "escalation", "added"): ("", "ga"),
    }
    [affected] = data["policy_effects"]
    assert affected["initiative"] == "support-assistant" and affected["stage"] == "canary"
    assert affected["no_longer_required"] == ["security-review/rag-access-control", "security-review/threat-model"]
    assert affected["newly_required"] == []
    assert affected["next_stage"] == "ga"
    assert affected["next_no_longer_required"] == ["security-review/pen-test", "security-review/rag-access-control"]
    assert affected["next_newly_required"] == ["on-call/escalation"]

    markdown = markdown_of(repo.root, "HEAD")
    assert "### Policy" in markdown
    row = next(line for line in markdown.splitlines() if C("security-review/threat-model") in line and C("required_from") in line)
    assert "🔻" in row and C("pilot") in row and C("ga") in row  # later: lowers the bar
    lowers = {(c["item"] or c["checklist"] or c["change"]): c["lowers"] for c in data["policy_changes"]}
    assert lowers == {"approval_max_age_days": True, "waiver_max_days": True, "security-review": True, "threat-model": True,
                      "rag-access-control": None, "pen-test": True, "runbook": False, "escalation": False}
    effect = next(line for line in markdown.splitlines() if line.startswith("| ") and C("security-review/rag-access-control") in line
                  and C("support-assistant") in line)
    assert C("security-review/threat-model") in effect


def test_a_changed_approval_of_an_item_that_stays_done_is_reported(repo: Repo) -> None:
    repo.edit(SEC, lambda d: d["items"]["threat-model"].update(evidence="https://wiki.example.com/other", date="2026-11-20"))
    repo.edit(ONCALL, lambda d: d["items"]["pager-rotation"].update(approver="@frank"))
    markdown = markdown_of(repo.root, "HEAD")
    assert "No governance changes" not in markdown
    threat = next(line for line in markdown.splitlines() if C("security-review/threat-model") in line)
    assert f"{C('2026-09-30')} → {C('2026-11-20')}" in threat
    assert "evidence" in threat and C("https://wiki.example.com/other") in threat
    pager = next(line for line in markdown.splitlines() if C("on-call/pager-rotation") in line)
    assert f"approver {C('@erin')} → {C('@frank')}" in pager

    items = {i["item"]: i for i in diff_json(repo.root, "HEAD")["items"]}
    assert items["pager-rotation"]["change"] == "amended"
    assert items["pager-rotation"]["fields"] == [{"field": "approver", "before": "@erin", "after": "@frank"}]
    assert [f["field"] for f in items["threat-model"]["fields"]] == ["evidence", "date"]


def test_export_ignore_in_the_base_cannot_hide_records(repo: Repo) -> None:
    """With `export-ignore`, `git archive` leaves the checklists out of the base: a regression
    would then read as items completed. The base is read from git's objects instead."""
    repo.write("decisions/.gitattributes", "support-assistant/checklists/** export-ignore\n")
    commit(repo.root, "hide the checklists from git archive")
    repo.edit(SEC, lambda d: d["items"]["threat-model"].update(status="todo"))
    data = diff_json(repo.root, "HEAD")
    changes = {i["item"]: i["change"] for i in data["items"]}
    assert changes == {"threat-model": "regressed"}
    assert "completed" not in markdown_of(repo.root, "HEAD")


def test_required_from_retired_is_a_warning_at_its_value(repo: Repo) -> None:
    repo.edit(POLICY_FILE, lambda d: d["checklists"]["on-call"]["items"][1].update(required_from="retired"))
    result = run("check", str(repo.root), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output  # a warning: the policy stays usable
    [problem] = [p for p in json.loads(result.output)["problems"] if p["code"] == "LB308"]
    lines = (repo.root / POLICY_FILE).read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "required_from: retired" in text)
    assert (problem["file"], problem["line"], problem["column"]) == (POLICY_FILE, line, lines[line - 1].index("retired") + 1)
    assert problem["severity"] == "warning" and "runbook" in problem["message"]
    assert run("check", str(repo.root), "--strict", "--as-of", AS_OF).exit_code == 1
    # the diff shows the item leaving the next stage's gate, and the new warning
    data = diff_json(repo.root, "HEAD")
    assert data["policy_effects"][0]["next_no_longer_required"] == ["on-call/runbook"]
    assert [p["code"] for p in data["problems_introduced"]] == ["LB308"]


def test_the_base_tree_keeps_links_inside_and_drops_chains_that_lead_out(repo: Repo, tmp_path: Path) -> None:
    """A link that stays inside lexically can still lead out through another link (`hop` -> `.`):
    every link is judged where it really leads, once all exist."""
    decisions = repo.root / "decisions"
    os.symlink(".", decisions / "hop")
    os.symlink("../../" + "hop/" * 20 + "../" * 21 + "etc/passwd", decisions / "support-assistant/checklists/chained.yaml")
    os.symlink("policy.yaml", decisions / "alias.yaml")
    base = commit(repo.root, "links")
    for name in ("hop", "support-assistant/checklists/chained.yaml", "alias.yaml"):
        (decisions / name).unlink()

    out = tmp_path / "base"
    govdiff.write_tree(repo.root, f"{base}:decisions", out / "decisions", out)
    assert os.readlink(out / "decisions/alias.yaml") == "policy.yaml"
    assert not os.path.lexists(out / "decisions/support-assistant/checklists/chained.yaml")
    assert (out / "decisions/support-assistant/checklists/on-call.yaml").read_bytes() == (decisions / "support-assistant/checklists/on-call.yaml").read_bytes()
    markdown = markdown_of(repo.root, base)
    assert "root:" not in markdown



def test_an_oversized_file_in_the_base_is_refused_alike_without_being_read(repo: Repo, tmp_path: Path) -> None:
    big = "decisions/support-assistant/checklists/huge.yaml"
    repo.write(big, "checklist: huge\n" + "#" * (3 * 1024 * 1024) + "\n")
    base = commit(repo.root, "a 3 MiB record")
    out = tmp_path / "base"
    govdiff.write_tree(repo.root, f"{base}:decisions", out / "decisions", out)
    assert (out / big).stat().st_size == (repo.root / big).stat().st_size  # the same LB001 message on both sides
    data = diff_json(repo.root, "HEAD")
    assert data["problems_introduced"] == [] and data["problems_fixed"] == []


# --------------------------------------------------------------------------- runbooks and metrics

SAMPLE = Path(__file__).resolve().parents[1] / "decisions"
ROLLBACK = "decisions/support-assistant/runbooks/rollback.yaml"
SAMPLE_INIT = "decisions/support-assistant/initiative.yaml"


@pytest.fixture
def sample(tmp_path: Path) -> Repo:
    """The repository's sample records, committed in a fresh git repository."""
    root = tmp_path / "sample"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    shutil.copytree(SAMPLE, root / "decisions")
    commit(root, "the sample records")
    return Repo(root)


def row_with(markdown: str, *needles: str) -> str:
    """The one table row holding every needle."""
    [row] = [line for line in markdown.splitlines() if line.startswith("| ") and all(n in line for n in needles)]
    return row


def test_a_relaxed_runbook_policy_is_listed_with_the_initiatives_it_affects(sample: Repo) -> None:
    def relax(policy: dict) -> None:
        policy["metric_max_age_days"] = 60  # was 14 (the default)
        runbooks = policy["runbooks"]
        runbooks["exercise_max_age_days"] = 365
        runbooks["owners"] = ["@mallory"]  # was the on-call checklist's owners
        topics = {topic["id"]: topic for topic in runbooks["topics"]}
        topics["rollback"]["exercised"] = False
        topics["provider-outage"]["required_from"] = "ga"  # was canary
        topics["cost-spike"]["when"] = {"risk": ["high"]}
        runbooks["topics"] = [t for t in runbooks["topics"] if t["id"] != "harmful-output"]
        runbooks["topics"].append({"id": "data-leak", "title": "Data leak", "required_from": "ga", "exercised": True})
    sample.edit(POLICY_FILE, relax)
    data = diff_json(sample.root, "HEAD")
    changes = {(c["checklist"], c["item"], c["change"]): (c["before"], c["after"], c["lowers"]) for c in data["policy_changes"]}
    on_call_owners = ", ".join(sample.read(POLICY_FILE)["checklists"]["on-call"]["owners"])
    assert changes == {
        ("", "", "metric_max_age_days"): ("14", "60", True),
        ("runbooks", "", "exercise_max_age_days"): ("180", "365", True),
        ("runbooks", "", "owners added"): ("", "@mallory", True),
        ("runbooks", "", "owners removed"): (on_call_owners, "", False),
        ("runbooks", "rollback", "exercised"): ("true", "false", True),
        ("runbooks", "provider-outage", "required_from"): ("canary", "ga", True),
        ("runbooks", "cost-spike", "when"): ("always", "risk: high", None),
        ("runbooks", "harmful-output", "removed"): ("ga", "", True),
        ("runbooks", "data-leak", "added"): ("", "ga, exercised", False),
    }
    effects = {e["initiative"]: e for e in data["policy_effects"]}
    # internal-search: canary, risk medium, approach rag
    assert effects["internal-search"]["no_longer_required"] == ["runbooks/cost-spike", "runbooks/provider-outage"]
    assert effects["support-assistant"]["no_longer_required"] == ["runbooks/harmful-output"]
    assert effects["support-assistant"]["newly_required"] == ["runbooks/data-leak"]

    markdown = markdown_of(sample.root, "HEAD")
    assert "No governance changes" not in markdown
    assert "🔻 " + C("exercised") in row_with(markdown, C("runbooks/rollback"), C("exercised"), C("true"), C("false"))
    assert "🔻 " + C("required_from") in row_with(markdown, C("runbooks/provider-outage"), C("required_from"), C("canary"), C("ga"))
    assert "🔻 " + C("exercise_max_age_days") in row_with(markdown, C("180"), C("365"))
    assert "🔻 " + C("metric_max_age_days") in row_with(markdown, C("14"), C("60"))
    assert "🔻 owners added" in row_with(markdown, C("runbooks"), C("@mallory"))
    assert "🔻 removed" in row_with(markdown, C("runbooks/harmful-output"), C("ga"), "removed")
    assert "🔺 added" in row_with(markdown, C("runbooks/data-leak"), C("ga, exercised"))
    effect = row_with(markdown, C("internal-search"), "no longer required")
    assert C("runbooks/provider-outage") in effect and C("runbooks/cost-spike") in effect


def test_metric_changes_that_move_a_gate_are_reported(repo: Repo) -> None:
    def metrics(data: dict) -> None:
        data["metrics"][0]["gate_from"] = "canary"  # p95-latency: latest 1640 misses 1500, so the gate fails
        data["metrics"] += [
            {"id": "accuracy", "title": "Accuracy", "unit": "%", "direction": "higher", "target": 90, "gate_from": "ga",
             "measurements": [{"date": "2026-11-23", "value": 85}]},
            {"id": "cost", "title": "Cost", "unit": "USD", "direction": "lower", "target": 0.05, "gate_from": "ga"},
            {"id": "csat", "title": "CSAT", "unit": "points", "direction": "higher", "target": 4, "gate_from": "canary",
             "measurements": [{"date": "2026-11-23", "value": 4.5}]},
            {"id": "escalations", "title": "Escalations", "unit": "%", "direction": "lower", "target": 5},
        ]
    repo.edit(INIT, metrics)
    commit(repo.root, "gated metrics")

    def lower_the_bar(data: dict) -> None:
        by_id = {m["id"]: m for m in data["metrics"]}
        latency = by_id["p95-latency"]
        latency["measurements"] = [{"date": "2026-11-23", "value": 1490}]  # 11-16 removed, 1640 rewritten: now holds
        accuracy = by_id["accuracy"]
        accuracy["target"] = 80  # higher is better: easier
        accuracy["gate_from"] = "canary"  # earlier: raises
        accuracy["measurements"].append({"date": "2026-12-05", "value": 95})  # after today (2026-11-29)
        del by_id["csat"]["gate_from"]
        by_id["escalations"]["direction"] = "higher"
        by_id["escalations"]["measurements"] = [{"date": AS_OF, "value": 7}]  # measured today: no change to report
        data["metrics"] = [m for m in data["metrics"] if m["id"] != "cost"]
        data["metrics"].append({"id": "tokens", "title": "Tokens", "unit": "k", "direction": "lower", "target": 3, "gate_from": "ga"})
    repo.edit(INIT, lower_the_bar)

    data = diff_json(repo.root, "HEAD")
    found = {(m["metric"], m["change"]): (m["before"], m["after"], m["lowers"]) for m in data["metrics"]}
    assert found == {
        ("p95-latency", "measurement removed"): ("2026-11-16: 1710", "", True),
        ("p95-latency", "measurement changed"): ("2026-11-23: 1640", "2026-11-23: 1490", True),
        ("accuracy", "target"): ("90", "80", True),
        ("accuracy", "gate_from"): ("ga", "canary", False),
        ("accuracy", "measurement in the future"): ("", "2026-12-05: 95", True),
        ("csat", "gate_from"): ("canary", "", True),
        ("escalations", "direction"): ("lower", "higher", None),
        ("cost", "removed"): ("target 0.05 USD (lower is better), gates ga", "", True),
        ("tokens", "added"): ("", "target 3 k (lower is better), gates ga", False),
    }
    assert data["summary"]["metrics_changed"] == 9 and data["summary"]["metric_changes_lowering"] == 6

    markdown = markdown_of(repo.root, "HEAD")
    assert "No governance changes" not in markdown and "### Metrics" in markdown
    assert "🔻 measurement changed" in row_with(markdown, C("p95-latency"), C("2026-11-23: 1640"), C("2026-11-23: 1490"))
    assert "🔻 " + C("target") in row_with(markdown, C("accuracy"), C("90"), C("80"))
    assert "🔺 " + C("gate_from") in row_with(markdown, C("accuracy"), C("ga"), C("canary"))
    assert "🔻 measurement in the future" in row_with(markdown, C("accuracy"), C("2026-12-05: 95"))
    assert "🔻 " + C("gate_from") in row_with(markdown, C("csat"), C("canary"))
    assert "🔻 removed" in row_with(markdown, C("cost"))
    assert "🔺 added" in row_with(markdown, C("tokens"))
    direction = row_with(markdown, C("escalations"), C("direction"))
    assert "🔻" not in direction and "🔺" not in direction


def test_a_runbook_emptied_of_what_the_on_call_engineer_needs_is_reported(sample: Repo) -> None:
    def hollow(runbook: dict) -> None:
        failed, _game_day = runbook["exercises"]
        failed["outcome"] = "passed"  # the failed drill of 2026-07-08 rewritten as passed
        runbook["exercises"] = [failed]  # the game day of 2026-09-22 removed
        steps = runbook["rollback"]["steps"]
        del steps[3]  # the destructive cache purge
        steps[0] = {"step": "Ask in the channel.", "effect": "read-only"}
        runbook["triggers"] = runbook["triggers"][:1]
        runbook["escalation"] = []
    sample.edit(ROLLBACK, hollow)
    base = yaml_of_head(sample, ROLLBACK)
    purge = base["rollback"]["steps"][3]
    first = base["rollback"]["steps"][0]
    lost_alert = base["triggers"][1]["alert"]

    data = diff_json(sample.root, "HEAD")
    found = [(r["runbook"], r["change"], r["detail"], r["lowers"]) for r in data["runbooks"]]
    assert found == [
        ("rollback", "exercise-outcome", "2026-07-08 drill: failed → passed", True),
        ("rollback", "exercise-removed", "2026-09-22 game-day passed", True),
        ("rollback", "rollback-step-replaced", f"{first['step']} ({first['command']}) → Ask in the channel.", None),
        ("rollback", "rollback-step-removed", f"{purge['step']} ({purge['command']})", True),
        ("rollback", "trigger-removed", lost_alert, True),
        ("rollback", "escalation-emptied", "@org/support-platform-oncall, @alice, @org/sre", True),
    ]
    summary = data["summary"]
    assert (summary["exercises_removed"], summary["exercise_outcomes_changed"], summary["rollback_steps_changed"],
            summary["triggers_removed"], summary["escalations_emptied"], summary["exercises_recorded"]) == (1, 1, 2, 1, 1, 0)

    markdown = markdown_of(sample.root, "HEAD")
    assert "No governance changes" not in markdown
    assert "🔻 exercise outcome changed: " + govdiff.md("2026-07-08 drill: failed → passed") in row_with(markdown, C("rollback"), "outcome")
    assert "🔻 exercise removed: " + govdiff.md("2026-09-22 game-day passed") in row_with(markdown, C("rollback"), "exercise removed")
    assert "🔻 rollback step removed: " + govdiff.md(f"{purge['step']} ({purge['command']})") in markdown
    assert "✏️ rollback step replaced: " in row_with(markdown, "Ask in the channel")
    assert f"🔻 trigger removed: alert {C(lost_alert)}" in markdown
    assert "🔻 escalation emptied (was " + govdiff.md("@org/support-platform-oncall, @alice, @org/sre") + ")" in markdown


def yaml_of_head(repo: Repo, relative: str) -> dict:
    return yaml.safe_load(git(repo.root, "show", f"HEAD:{relative}"))
