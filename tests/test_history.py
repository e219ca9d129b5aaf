"""`launchboard history` and the Trends page, on real git repositories built commit by commit.

Each repository is written with tests/kit.py's valid records and committed with fixed
author and committer dates, so every verdict and every day count below is exact.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.core.history import portfolio_history
from tests.kit import Repo
from tests.site_helpers import make_root, mkdocs_build, scan_site

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

END = "2026-11-29"
SA = "decisions/support-assistant"
PAGER = f"{SA}/checklists/on-call.yaml"


def git(root: Path, *args: str, day: str | None = None, input_text: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="T",
               GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    if day:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{day}T12:00:00Z"
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True, input=input_text).stdout


def commit(root: Path, day: str, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message, day=day)
    return git(root, "rev-parse", "HEAD").strip()


def set_pager(repo: Repo, status: str) -> None:
    def change(data):
        item = data["items"]["pager-rotation"]
        item["status"] = status
    repo.edit(PAGER, change)


def gate_history(root: Path) -> tuple[Repo, dict[str, str]]:
    """support-assistant (canary) fails its gate, recovers, fails again and recovers."""
    root.mkdir(parents=True, exist_ok=True)
    repo = Repo.valid(root)
    git(root, "init", "-q", "-b", "main")
    set_pager(repo, "in-progress")
    shas = {"fails": commit(root, "2026-11-05", "start: the pager rotation is not done")}
    repo.edit(f"{SA}/initiative.yaml", lambda d: d.update(summary="Drafts answers to tier-1 tickets."))
    shas["summary"] = commit(root, "2026-11-10", "reword the summary: the gate does not move")
    set_pager(repo, "done")
    shas["recovers"] = commit(root, "2026-11-12", "pager rotation done")
    (root / "README.md").write_text("not a record\n")
    commit(root, "2026-11-15", "outside decisions/: not a point of the history")
    set_pager(repo, "in-progress")
    shas["fails again"] = commit(root, "2026-11-20", "pager rotation reopened")
    set_pager(repo, "done")
    shas["recovers again"] = commit(root, "2026-11-25", "pager rotation done again")
    return repo, shas


def add_a_proposed_initiative(repo: Repo) -> None:
    """A second initiative, "search", at proposed: a commit that touches another folder."""
    other = json.loads(json.dumps(repo.read(f"{SA}/initiative.yaml"), default=str))
    other.update(id="search", title="Search", stage="proposed", history=[{"stage": "proposed", "date": "2026-11-01"}])
    repo.write("decisions/search/initiative.yaml", other)


def run_json(root: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["history", str(root), "--format", "json", "--as-of", END, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_readiness_changes_at_the_commit_that_made_them_and_blocked_days_across_fail_and_recovery(tmp_path):
    _, shas = gate_history(tmp_path)
    out = run_json(tmp_path)
    assert set(out) == {"commits", "initiatives", "portfolio"}
    assert out["commits"] == 5  # the README commit did not change decisions/
    [entry] = out["initiatives"]
    assert set(entry) == {"id", "title", "readiness", "blocked_days", "days_in_stage"}
    assert entry["id"] == "support-assistant"
    points = [(p["commit"], p["date"], p["stage"], p["complete"], p["required"], p["ready"]) for p in entry["readiness"]]
    assert points == [
        (shas["fails"], "2026-11-05", "canary", 2, 3, False),
        (shas["recovers"], "2026-11-12", "canary", 3, 3, True),  # not at the summary commit: nothing moved
        (shas["fails again"], "2026-11-20", "canary", 2, 3, False),
        (shas["recovers again"], "2026-11-25", "canary", 3, 3, True),
    ]
    # 5..11 November (7 days) and 20..24 November (5 days); canary from 5 to 29 November.
    assert entry["blocked_days"] == 12
    assert entry["days_in_stage"] == {"canary": 25}
    assert [(p["date"], p["by_stage"], p["blocked"]) for p in out["portfolio"]] == [
        ("2026-11-05", {"canary": 1}, 1), ("2026-11-10", {"canary": 1}, 1), ("2026-11-12", {"canary": 1}, 0),
        ("2026-11-20", {"canary": 1}, 1), ("2026-11-25", {"canary": 1}, 0),
    ]
    # --since counts days from that day, with the state in force on it
    since = run_json(tmp_path, "--since", "2026-11-21")
    assert since["initiatives"][0]["blocked_days"] == 4 and since["initiatives"][0]["days_in_stage"] == {"canary": 9}


def test_the_history_matches_check_at_each_commit_and_an_unchanged_folder_is_judged_on_its_day(tmp_path):
    """An approval lapses on a day no commit touches the initiative: the next commit (to
    another initiative) shows it, and agrees with a full evaluation and with `check`."""
    repo = Repo.valid(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    repo.edit(PAGER, lambda d: d["items"]["pager-rotation"].update(date="2026-05-20"))  # lapses 16 November
    commit(tmp_path, "2026-11-10", "records")
    add_a_proposed_initiative(repo)
    commit(tmp_path, "2026-11-18", "another initiative")
    fast = portfolio_history(tmp_path, dt.date(2026, 11, 29), cache=False)
    exact = portfolio_history(tmp_path, dt.date(2026, 11, 29), cache=False, exact=True)
    assert fast.as_dict() == exact.as_dict()
    points = {e["id"]: e["readiness"] for e in fast.initiatives}["support-assistant"]
    assert [(p["date"], p["complete"], p["ready"]) for p in points] == [("2026-11-10", 3, True), ("2026-11-18", 2, False)]
    state = repo.check("2026-11-18").states["support-assistant"].current
    assert (state.complete, state.required, state.ready) == (points[-1]["complete"], points[-1]["required"], False)


def test_the_second_run_uses_the_cache_and_evaluates_only_a_new_commit(tmp_path):
    repo, _ = gate_history(tmp_path)
    first = portfolio_history(tmp_path, dt.date(2026, 11, 29))
    assert first.evaluated == 5
    assert any((tmp_path / ".launchboard-cache" / "history").rglob("*"))
    again = portfolio_history(tmp_path, dt.date(2026, 11, 29))
    assert again.evaluated == 0 and again.as_dict() == first.as_dict()
    set_pager(repo, "in-progress")
    commit(tmp_path, "2026-11-27", "reopened once more")
    third = portfolio_history(tmp_path, dt.date(2026, 11, 29))
    assert third.evaluated == 1
    assert third.as_dict() == portfolio_history(tmp_path, dt.date(2026, 11, 29), cache=False).as_dict()
    assert third.initiatives[0]["blocked_days"] == 12 + 3


def test_a_forged_cache_entry_is_not_read(tmp_path):
    gate_history(tmp_path)
    first = portfolio_history(tmp_path, dt.date(2026, 11, 29))
    for entry in (tmp_path / ".launchboard-cache" / "history").rglob("*"):
        if entry.is_file() and entry.name != ".gitignore":
            entry.write_bytes(b"\0" * 32 + entry.read_bytes()[32:])  # the payload kept, the signature broken
    again = portfolio_history(tmp_path, dt.date(2026, 11, 29))
    assert again.evaluated == 5 and again.as_dict() == first.as_dict()


def test_text_output_and_the_errors_without_history(tmp_path):
    root = tmp_path / "repo"
    gate_history(root)
    result = CliRunner().invoke(main, ["history", str(root), "--as-of", END])
    assert result.exit_code == 0, result.output
    assert "5 commits changed decisions/ from 2026-11-05 to 2026-11-25" in result.output
    assert "support-assistant  canary 3/3" in result.output and "12d blocked" in result.output
    plain = tmp_path / "plain"
    Repo.valid(plain)
    result = CliRunner().invoke(main, ["history", str(plain), "--as-of", END])
    assert result.exit_code == 2 and "no git history" in result.output
    result = CliRunner().invoke(main, ["history", str(root), "--since", "November"])
    assert result.exit_code == 2 and "--since" in result.output


def test_a_shallow_clone_says_how_to_fetch_history_and_its_site_explains_the_empty_trends_page(tmp_path):
    origin = tmp_path / "origin"
    make_root(origin, decisions=False)
    Repo.valid(origin)
    git(origin, "init", "-q", "-b", "main")
    commit(origin, "2026-11-01", "first")
    origin.joinpath("decisions/support-assistant/initiative.yaml").write_text(
        origin.joinpath("decisions/support-assistant/initiative.yaml").read_text().replace("tier-1", "first-line"))
    commit(origin, "2026-11-02", "second")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    result = CliRunner().invoke(main, ["history", str(clone), "--as-of", END])
    assert result.exit_code == 2
    assert "shallow clone" in result.output and "fetch-depth: 0" in result.output
    built = mkdocs_build(clone / "mkdocs.yml", tmp_path / "site")
    assert built.returncode == 0, built.stderr
    page = (tmp_path / "site" / "trends" / "index.html").read_text()
    assert "No history to show" in page and "shallow clone" in page and "fetch-depth: 0" in page
    assert "Readiness over time" not in (tmp_path / "site" / "initiatives" / "support-assistant" / "index.html").read_text()


def test_the_site_draws_readiness_over_time_and_no_old_hostile_record_reaches_a_page(tmp_path):
    """A record valid at HEAD was hostile in an old commit, and an initiative that only old
    commits hold had a hostile title: neither becomes live markup anywhere in the site."""
    root = make_root(tmp_path / "repo", decisions=False)
    repo = Repo.valid(root)
    git(root, "init", "-q", "-b", "main")
    hostile = '<script>alert(1337)</script><img src=x onerror=alert(1337)> [x](javascript:alert(1337))'
    repo.edit(f"{SA}/initiative.yaml", lambda d: d.update(title=hostile))
    gone = json.loads(json.dumps(repo.read(f"{SA}/initiative.yaml"), default=str))
    gone.update(id="old-bot", title=hostile + " <svg onload=alert(1337)>", stage="proposed",
                history=[{"stage": "proposed", "date": "2026-10-01"}])
    repo.write("decisions/old-bot/initiative.yaml", gone)
    set_pager(repo, "in-progress")
    commit(root, "2026-11-03", "hostile titles")
    shutil.rmtree(root / "decisions" / "old-bot")
    repo.edit(f"{SA}/initiative.yaml", lambda d: d.update(title="Customer support assistant"))
    set_pager(repo, "done")
    commit(root, "2026-11-20", "clean at HEAD")
    site = tmp_path / "site"
    built = mkdocs_build(root / "mkdocs.yml", site, strict=False)
    assert built.returncode == 0, built.stderr
    assert scan_site(site) == []
    trends = (site / "trends" / "index.html").read_text()
    assert "2 commits from 2026-11-03 to 2026-11-20" in trends
    # the removed initiative is listed under its old title, as text
    assert "&lt;script&gt;alert(1337)&lt;/script&gt;&lt;img src=x onerror=alert(1337)&gt;" in trends
    assert '<span class="lb-muted">(removed)</span>' in trends
    for path in site.rglob("*.html"):
        text = path.read_text()
        for live in ("<script>alert(1337)", "<img src=x", "<svg onload", 'href="javascript:'):
            assert live not in text, (path, live)
    page = (site / "initiatives" / "support-assistant" / "index.html").read_text()
    assert "Readiness over time" in page and 'src="readiness-history.svg"' in page
    chart = (site / "initiatives" / "support-assistant" / "readiness-history.svg").read_text()
    assert "Customer support assistant: readiness over time" in chart and "alert" not in chart
    assert (site / "trends" / "stages.svg").is_file() and (site / "trends" / "blocked.svg").is_file()


def test_a_link_in_an_old_tree_is_refused_as_in_a_checkout_and_never_followed(tmp_path):
    """A checklist committed as a link (to a file outside the repository) counts as the
    loader counts it in a checkout: refused, its items missing; the target is never read."""
    outside = tmp_path / "outside.yaml"
    outside.write_text("checklist: on-call\nitems: {}\n")
    root = tmp_path / "repo"
    root.mkdir()
    repo = Repo.valid(root)
    git(root, "init", "-q", "-b", "main")
    commit(root, "2026-11-05", "records")
    (root / PAGER).unlink()
    os.symlink(outside, root / PAGER)
    commit(root, "2026-11-10", "the on-call checklist becomes a link")
    history = portfolio_history(root, dt.date(2026, 11, 29), cache=False)
    points = history.initiatives[0]["readiness"]
    state = repo.check("2026-11-10").states["support-assistant"].current
    assert [(p["date"], p["complete"], p["ready"]) for p in points] == [("2026-11-05", 3, True), ("2026-11-10", state.complete, False)]
    assert state.complete == 2  # the pager rotation no longer counts


def test_history_runs_nothing_the_repository_configures(tmp_path):
    """Hooks, an fsmonitor program, a textconv driver and a submodule in the tree: the
    history reads objects only, so none of them runs and the submodule is skipped."""
    root = tmp_path / "repo"
    root.mkdir()
    Repo.valid(root)
    git(root, "init", "-q", "-b", "main")
    marker = tmp_path / "ran"
    script = tmp_path / "program.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("post-checkout", "post-commit", "reference-transaction", "pre-auto-gc"):
        shutil.copy(script, hooks / hook)
    commit(root, "2026-11-05", "records")
    head = git(root, "rev-parse", "HEAD").strip()
    git(root, "update-index", "--add", "--cacheinfo", f"160000,{head},decisions/vendored")  # a submodule entry
    git(root, "commit", "-q", "-m", "a submodule in decisions/", day="2026-11-06")
    for key, value in (("core.hooksPath", str(hooks)), ("core.fsmonitor", str(script)), ("diff.yaml.textconv", str(script))):
        git(root, "config", key, value)
    (root / ".gitattributes").write_text("*.yaml diff=yaml filter=run\n")
    git(root, "config", "filter.run.smudge", str(script))
    history = portfolio_history(root, dt.date(2026, 11, 29), cache=False)
    assert history.commits == 2 and [e["id"] for e in history.initiatives] == ["support-assistant"]
    assert not marker.exists()


def test_the_trends_page_gives_the_median_days_from_pilot_to_ga_by_approach(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    repo = Repo.valid(root)
    git(root, "init", "-q", "-b", "main")

    def stage(name: str, initiative: str = SA) -> None:
        repo.edit(f"{initiative}/initiative.yaml", lambda d: d.update(stage=name))

    second = json.loads(json.dumps(repo.read(f"{SA}/initiative.yaml"), default=str))
    second.update(id="search", title="Search")
    repo.write("decisions/search/initiative.yaml", second)
    stage("pilot"), stage("pilot", "decisions/search")
    commit(root, "2026-11-01", "both at pilot")
    stage("ga")
    commit(root, "2026-11-11", "support-assistant at ga after 10 days")
    stage("canary", "decisions/search")
    commit(root, "2026-11-15", "search at canary")
    stage("ga", "decisions/search")
    commit(root, "2026-11-21", "search at ga after 20 days")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(root), "--out", str(out), "--as-of", END])
    assert result.exit_code == 0, result.output
    trends = (out / "trends.md").read_text()
    assert "| rag | 15 | 2 |" in trends  # both rag: the median of 10 and 20 days
    assert "4 commits from 2026\\-11\\-01 to 2026\\-11\\-21" in trends
    section = (out / "initiatives" / "search" / "index.md").read_text().split("## Readiness over time", 1)[1]
    assert "| 2026\\-11\\-21 |" in section and "| 2026\\-11\\-15 |" in section and (out / "initiatives" / "search" / "readiness-history.svg").is_file()


def test_records_in_a_subfolder_of_the_repository(tmp_path):
    top = tmp_path / "monorepo"
    gate_history(top / "governance")  # its own repository first; then the top folder's is the one
    shutil.rmtree(top / "governance" / ".git")
    git(top, "init", "-q", "-b", "main")
    commit(top, "2026-11-05", "everything at once")
    out = run_json(top / "governance")
    assert out["commits"] == 1 and out["initiatives"][0]["readiness"][0]["complete"] == 3


def test_an_announced_requirement_bites_on_its_day_though_no_commit_touches_the_initiative(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    repo = Repo.valid(root)

    def announce(policy):
        policy["checklists"]["on-call"]["items"].append(
            {"id": "chaos-drill", "title": "Chaos drill", "required_from": "canary", "effective": "2026-11-15"})
    repo.edit("decisions/policy.yaml", announce)
    git(root, "init", "-q", "-b", "main")
    commit(root, "2026-11-05", "a requirement announced for 15 November")
    add_a_proposed_initiative(repo)
    commit(root, "2026-11-20", "another initiative")
    fast = portfolio_history(root, dt.date(2026, 11, 29), cache=False)
    assert fast.as_dict() == portfolio_history(root, dt.date(2026, 11, 29), cache=False, exact=True).as_dict()
    points = {e["id"]: e for e in fast.initiatives}["support-assistant"]
    assert [(p["date"], p["complete"], p["required"], p["ready"]) for p in points["readiness"]] == [
        ("2026-11-05", 3, 3, True), ("2026-11-20", 3, 4, False)]
    state = repo.check("2026-11-20").states["support-assistant"].current
    assert (state.complete, state.required) == (3, 4)
    assert points["blocked_days"] == 10  # 20 to 29 November: the history sees the change at the next commit


def test_crafted_tree_names_never_write_outside_the_mirror(tmp_path):
    """`git mktree` stores names `git fsck` would reject: a tree named ".." holding a record.
    The mirror skips it, so nothing lands beside decisions/, and the verdicts are unchanged."""
    from generator.core.gitread import Repository
    from generator.core.history import Mirror

    root = tmp_path / "repo"
    root.mkdir()
    Repo.valid(root)
    git(root, "init", "-q", "-b", "main")
    commit(root, "2026-11-05", "records")
    before = run_json(root)
    escape = git(root, "hash-object", "-w", "--stdin", input_text="checklist: on-call\nitems: {}\n").strip()
    inner = git(root, "mktree", input_text=f"100644 blob {escape}\tescape.yaml\n").strip()
    listing = git(root, "ls-tree", "HEAD:decisions")
    decisions = git(root, "mktree", input_text=listing + f"040000 tree {inner}\t..\n").strip()
    folder = git(root, "ls-tree", "HEAD:decisions/support-assistant")
    crafted_folder = git(root, "mktree", input_text=folder + f"040000 tree {inner}\t..\n").strip()
    entries = [line if not line.endswith("\tsupport-assistant") else f"040000 tree {crafted_folder}\tsupport-assistant"
               for line in git(root, "ls-tree", decisions).splitlines()]
    decisions = git(root, "mktree", input_text="\n".join(entries) + "\n").strip()
    top = git(root, "mktree", input_text=f"040000 tree {decisions}\tdecisions\n").strip()
    crafted = git(root, "commit-tree", top, "-p", "HEAD", "-m", "crafted names", day="2026-11-06").strip()
    git(root, "update-ref", "refs/heads/main", crafted)
    after = run_json(root)
    assert after["commits"] == 2 and after["initiatives"] == before["initiatives"]
    scratch = tmp_path / "scratch"
    with Repository.open(root) as repo:
        mirror = Mirror(repo, scratch / "decisions", scratch / "absent")
        mirror.sync_top(repo.tree_at(crafted, "decisions"))
        mirror.ensure(list(mirror.top()))
    assert ".." not in mirror.top()
    assert sorted(p.name for p in scratch.iterdir()) == ["decisions"]
    assert not list(scratch.rglob("escape.yaml"))


def test_a_folder_without_git_renders_a_trends_page_that_says_why(tmp_path):
    root = tmp_path / "plain"
    root.mkdir()
    Repo.valid(root)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(root), "--out", str(out), "--as-of", END])
    assert result.exit_code == 0, result.output
    trends = (out / "trends.md").read_text()
    assert "No history to show" in trends and "no git history" in trends and "fetch-depth: 0" in trends
    assert not (out / "trends" / "stages.svg").exists()
    assert "Readiness over time" not in (out / "initiatives" / "support-assistant" / "index.md").read_text()


def test_a_campaign_burn_up_from_the_history(tmp_path):
    """The campaign's page draws, commit by commit, how many initiatives in scope meet it; the
    history's JSON carries the same points, where the count changed."""
    repo = Repo.valid(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")

    def campaign(data):
        data["checklists"]["security-review"]["items"].append(
            {"id": "red-team", "title": "External red-team exercise", "required_from": "pilot"})
        data["campaigns"] = [{"id": "q1-red-team", "title": "Red team by March", "owner": "@org/security",
                              "target": "2027-03-01", "requirements": ["security-review/red-team"]}]
    repo.edit("decisions/policy.yaml", campaign)
    first = commit(tmp_path, "2026-11-02", "announce the red-team campaign")
    repo.edit("decisions/support-assistant/checklists/security-review.yaml", lambda d: d["items"].update(
        {"red-team": {"status": "done", "evidence": "https://wiki.example.com/rt", "approver": "@dana", "date": "2026-11-09"}}))
    second = commit(tmp_path, "2026-11-09", "red team done")
    data = run_json(tmp_path, "--as-of", "2026-11-29")
    (burn,) = data["campaigns"]
    assert burn["id"] == "q1-red-team"
    assert [(p["commit"], p["in_scope"], p["met"]) for p in burn["burn_up"]] == [(first, 1, 0), (second, 1, 1)]

    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["render", str(tmp_path), "--out", str(out), "--as-of", "2026-11-29"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = (out / "campaigns" / "q1-red-team.md").read_text()
    assert "## Burn-up" in page and "**1 of 1**" in page
    svg = (out / "campaigns" / "q1-red-team-burn-up.svg").read_text()
    assert "<script" not in svg and "target" in svg


def test_since_after_the_last_commit_carries_the_state_in_force_forward(tmp_path):
    """--since later than every commit that changed decisions/: the state in force on that day
    is the last commit's, and its days count from --since."""
    gate_history(tmp_path)  # the last commit, 2026-11-25: the gate holds again
    data = run_json(tmp_path, "--since", "2026-11-27")
    (entry,) = data["initiatives"]
    assert [(p["date"], p["ready"]) for p in entry["readiness"]] == [("2026-11-27", True)]
    assert entry["blocked_days"] == 0 and sum(entry["days_in_stage"].values()) == (dt.date.fromisoformat(END) - dt.date(2026, 11, 27)).days + 1
    assert [p["date"] for p in data["portfolio"]] == ["2026-11-27"]


def test_a_runbook_with_an_error_of_its_own_covers_nothing_in_the_history_too(tmp_path):
    """The ledger's rule (a runbook failing its own rules covers no topic) holds on history's
    quick path, which judges an unchanged folder without reporting its rules."""
    from tests.test_runbooks import OUTAGE, OUTAGE_RUNBOOK, ROLLBACK, ROLLBACK_RUNBOOK, TOPICS

    repo = Repo.valid(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    repo.edit("decisions/policy.yaml", lambda d: d.update(runbooks=json.loads(json.dumps(TOPICS))))
    unsafe = json.loads(json.dumps(ROLLBACK_RUNBOOK))
    del unsafe["rollback"]["steps"][1]["approval"]  # LB175: a destructive step nobody approves
    repo.write(ROLLBACK, unsafe)
    repo.write(OUTAGE, OUTAGE_RUNBOOK)
    commit(tmp_path, "2026-11-10", "records")
    add_a_proposed_initiative(repo)
    commit(tmp_path, "2026-11-18", "another initiative")
    fast = portfolio_history(tmp_path, dt.date(2026, 11, 29), cache=False)
    assert fast.as_dict() == portfolio_history(tmp_path, dt.date(2026, 11, 29), cache=False, exact=True).as_dict()
    points = {e["id"]: e["readiness"] for e in fast.initiatives}["support-assistant"]
    assert all(not p["ready"] for p in points)
