"""The memos `mkdocs serve` keeps between rebuilds: never a stale answer.

A LoadMemo hands back a folder's verdict and a RenderMemo an initiative's files only while
everything they were made from is unchanged. Every test here compares the memo's answer
with a fresh load or render of the same files, after an edit.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from generator.core.model import Location, Problem, Severity
from generator.core.pipeline import LoadMemo, load_portfolio
from generator.site.render import PACKAGE_TEMPLATES, RenderMemo, render_site
from tests.kit import AS_OF, Repo
from tests.site_helpers import REPO

SAMPLE = REPO / "decisions"


@pytest.fixture()
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAUNCHBOARD_NO_CACHE", "1")  # the memo alone, not the disk cache
    root = tmp_path / "repo"
    shutil.copytree(SAMPLE, root / "decisions")
    return root


def _verdicts(portfolio) -> tuple:
    return (
        [p.as_dict() for p in portfolio.problems],
        {k: v.as_dict() for k, v in sorted(portfolio.states.items())},
        [i.id for i in portfolio.initiatives],
        portfolio.unusable,
    )


def _same_as_fresh(root: Path, memo: LoadMemo, as_of: str = AS_OF):
    remembered = load_portfolio(root, as_of, memo=memo)
    fresh = load_portfolio(root, as_of)
    assert _verdicts(remembered) == _verdicts(fresh)
    return remembered


def _initiatives(root: Path) -> list[str]:
    return sorted(p.parent.name for p in (root / "decisions").glob("*/initiative.yaml"))


def test_a_second_load_takes_every_folder_from_the_memo(sample: Path) -> None:
    memo = LoadMemo()
    _same_as_fresh(sample, memo)
    assert memo.hits == 0
    _same_as_fresh(sample, memo)
    assert memo.hits == len(_initiatives(sample))


def test_an_edited_record_is_judged_again(sample: Path) -> None:
    memo = LoadMemo()
    first = _same_as_fresh(sample, memo)
    target = _initiatives(sample)[0]
    checklist = sorted((sample / "decisions" / target / "checklists").glob("*.yaml"))[0]
    text = checklist.read_text()
    assert "status: done" in text
    checklist.write_text(text.replace("status: done", "status: in-progress", 1))
    second = _same_as_fresh(sample, memo)
    assert memo.hits == len(_initiatives(sample)) - 1
    before = first.states[target].as_dict()
    after = second.states[target].as_dict()
    assert before != after  # the new verdict, not the remembered one


def test_problem_counts_are_not_counted_twice(sample: Path) -> None:
    memo = LoadMemo()
    for _ in range(3):
        portfolio = _same_as_fresh(sample, memo)
    assert sum(s.errors + s.warnings for s in portfolio.states.values()) == sum(
        1 for p in portfolio.problems if p.initiative in portfolio.states
    )


@pytest.mark.parametrize("change", ["policy", "date", "schema"])
def test_a_change_every_folder_depends_on_empties_the_memo(sample: Path, change: str) -> None:
    memo = LoadMemo()
    _same_as_fresh(sample, memo)
    as_of = AS_OF
    if change == "policy":
        policy = sample / "decisions" / "policy.yaml"
        policy.write_text(policy.read_text().replace("approval_max_age_days: 180", "approval_max_age_days: 30"))
    elif change == "date":
        as_of = "2027-03-01"
    else:
        shutil.copytree(REPO / "schemas", sample / "schemas")
        schema = sample / "schemas" / "checklist.schema.json"
        schema.write_text(schema.read_text().replace('"maxLength": 2000', '"maxLength": 5', 1))
    _same_as_fresh(sample, memo, as_of)
    assert memo.hits == 0


def test_random_edits_never_meet_a_stale_verdict(sample: Path) -> None:
    """Twenty rounds of edits of every kind; after each, the memo agrees with a fresh load."""
    rng = random.Random(5)
    memo = LoadMemo()
    _same_as_fresh(sample, memo)
    for _ in range(20):
        folders = _initiatives(sample)
        folder = sample / "decisions" / rng.choice(folders)
        records = sorted(folder.rglob("*.yaml"))
        record = rng.choice(records)
        action = rng.choice(["status", "date", "break", "delete", "stray", "copy"])
        text = record.read_text()
        if action == "status" and "status: done" in text:
            record.write_text(text.replace("status: done", "status: todo", 1))
        elif action == "date" and "date: 2026-" in text:
            record.write_text(text.replace("date: 2026-", "date: 2025-", 1))
        elif action == "break":
            record.write_text(text + "\n  oops: [\n")
        elif action == "delete" and record.name != "initiative.yaml":
            record.unlink()
        elif action == "stray":
            (folder / f"notes-{rng.randrange(1000)}.yaml").write_text("a: 1\n")
        elif action == "copy":
            shutil.copytree(folder, folder.with_name(f"{folder.name}-copy-{rng.randrange(1000)}"))
        _same_as_fresh(sample, memo)


# --------------------------------------------------------------------------- the render memo


def _render(portfolio, templates: Path = PACKAGE_TEMPLATES, memo: RenderMemo | None = None):
    return render_site(portfolio, templates_dir=templates, schemas_dir=REPO / "schemas", memo=memo)


def _render_same_as_fresh(root: Path, load_memo: LoadMemo, memo: RenderMemo, templates: Path = PACKAGE_TEMPLATES):
    portfolio = load_portfolio(root, AS_OF, memo=load_memo)
    remembered = _render(portfolio, templates, memo)
    fresh = _render(load_portfolio(root, AS_OF), templates)
    assert remembered.files == fresh.files
    assert remembered.pages == fresh.pages and remembered.skipped == fresh.skipped and remembered.nav == fresh.nav
    return remembered


def test_a_second_render_takes_every_initiative_from_the_memo(sample: Path) -> None:
    load_memo, memo = LoadMemo(), RenderMemo()
    _render_same_as_fresh(sample, load_memo, memo)
    assert memo.hits == 0
    _render_same_as_fresh(sample, load_memo, memo)
    assert memo.hits == len(_initiatives(sample))


def test_an_edited_record_gets_new_pages(sample: Path) -> None:
    load_memo, memo = LoadMemo(), RenderMemo()
    _render_same_as_fresh(sample, load_memo, memo)
    target = _initiatives(sample)[0]
    record = sample / "decisions" / target / "initiative.yaml"
    record.write_text(record.read_text().replace("title: ", "title: Renamed ", 1))
    site = _render_same_as_fresh(sample, load_memo, memo)
    assert memo.hits == len(_initiatives(sample)) - 1
    assert "Renamed" in site.files[f"initiatives/{target}/index.md"]
    assert "Renamed" in site.files["index.md"]  # its row of the board too


def test_a_problem_from_outside_the_folder_reaches_the_page(sample: Path) -> None:
    """The memo key holds the problems reported against an initiative, wherever they come from."""
    load_memo, memo = LoadMemo(), RenderMemo()
    target = _initiatives(sample)[0]
    portfolio = load_portfolio(sample, AS_OF, memo=load_memo)
    _render(portfolio, memo=memo)
    portfolio = load_portfolio(sample, AS_OF, memo=load_memo)
    portfolio.problems.append(Problem(Location("CODEOWNERS", 3, 1), Severity.WARNING, "LB305", "a problem from elsewhere", target))
    site = _render(portfolio, memo=memo)
    assert memo.hits == len(_initiatives(sample)) - 1
    assert "a problem from elsewhere" in site.files[f"initiatives/{target}/index.md"]


def test_an_edited_template_renders_every_page_again(sample: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(PACKAGE_TEMPLATES, templates)
    load_memo, memo = LoadMemo(), RenderMemo()
    _render_same_as_fresh(sample, load_memo, memo, templates)
    page = templates / "initiative.md.j2"
    page.write_text(page.read_text().replace("## Readiness", "## Launch readiness"))
    site = _render_same_as_fresh(sample, load_memo, memo, templates)
    assert memo.hits == 0
    target = _initiatives(sample)[0]
    assert "## Launch readiness" in site.files[f"initiatives/{target}/index.md"]


def test_a_template_that_reads_the_whole_portfolio_turns_the_memo_off(sample: Path, tmp_path: Path) -> None:
    """Such a page can change when another initiative does, so it is never taken from the memo."""
    templates = tmp_path / "templates"
    shutil.copytree(PACKAGE_TEMPLATES, templates)
    page = templates / "initiative.md.j2"
    page.write_text(page.read_text() + "\nPortfolio size: {{ portfolio.initiatives | length }}\n")
    load_memo, memo = LoadMemo(), RenderMemo()
    _render_same_as_fresh(sample, load_memo, memo, templates)
    first = _initiatives(sample)[0]
    shutil.copytree(sample / "decisions" / first, sample / "decisions" / "zz-new-initiative")
    (sample / "decisions" / "zz-new-initiative" / "initiative.yaml").write_text(
        (sample / "decisions" / first / "initiative.yaml").read_text().replace(f"id: {first}", "id: zz-new-initiative")
    )
    site = _render_same_as_fresh(sample, load_memo, memo, templates)
    assert memo.hits == 0
    count = len(_initiatives(sample))
    assert f"Portfolio size: {count}" in site.files[f"initiatives/{first}/index.md"]


def test_a_removed_initiative_leaves_the_memo(sample: Path) -> None:
    load_memo, memo = LoadMemo(), RenderMemo()
    _render_same_as_fresh(sample, load_memo, memo)
    target = _initiatives(sample)[-1]
    shutil.rmtree(sample / "decisions" / target)
    site = _render_same_as_fresh(sample, load_memo, memo)
    assert target not in memo.entries
    assert not any(target in path for path in site.files)


def test_random_edits_never_meet_stale_pages(sample: Path) -> None:
    rng = random.Random(11)
    load_memo, memo = LoadMemo(), RenderMemo()
    _render_same_as_fresh(sample, load_memo, memo)
    for _ in range(8):
        folder = sample / "decisions" / rng.choice(_initiatives(sample))
        record = rng.choice(sorted(folder.rglob("*.yaml")))
        text = record.read_text()
        for old, new in (("status: done", "status: in-progress"), ("title: ", "title: New "), ("stage: ", "stage: pilot\n# was: ")):
            if old in text and rng.random() < 0.6:
                text = text.replace(old, new, 1)
        record.write_text(text)
        _render_same_as_fresh(sample, load_memo, memo)


def test_another_date_gets_new_expiries_and_coverage(sample: Path) -> None:
    """The board's lapsing approvals and the catalogue's counts are kept per initiative
    (RenderMemo.derived); a new date must not meet the old ones."""
    load_memo, memo = LoadMemo(), RenderMemo()
    seen = set()
    for as_of in (AS_OF, "2027-03-01", "2027-05-20", AS_OF):
        portfolio = load_portfolio(sample, as_of, memo=load_memo)
        remembered = _render(portfolio, memo=memo)
        fresh = _render(load_portfolio(sample, as_of))
        assert remembered.files == fresh.files
        seen.add(remembered.files["index.md"])
    assert len(seen) == 3  # the dates give different boards


def test_repo_kit_edit_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The unit-test repository too: waiving an item changes the next verdict at once."""
    monkeypatch.setenv("LAUNCHBOARD_NO_CACHE", "1")
    repo = Repo.valid(tmp_path / "repo")
    memo = LoadMemo()
    before = _same_as_fresh(repo.root, memo)
    repo.edit("decisions/support-assistant/checklists/on-call.yaml",
              lambda d: d["items"].update(runbook=dict(d["items"]["pager-rotation"])))
    after = _same_as_fresh(repo.root, memo)
    assert before.states["support-assistant"].as_dict() != after.states["support-assistant"].as_dict()


def test_a_load_served_by_the_memo_keeps_the_disk_cache(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The memo skips the content cache; it must not then prune the entries as unused."""
    monkeypatch.delenv("LAUNCHBOARD_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(sample.parent / "xdg"))
    memo = LoadMemo()
    load_portfolio(sample, AS_OF, cache=True, memo=memo)
    entries = sorted(p.name for p in (sample / ".launchboard-cache").rglob("*") if p.is_file())
    assert len(entries) > len(_initiatives(sample))
    load_portfolio(sample, AS_OF, cache=True, memo=memo)
    assert memo.hits == len(_initiatives(sample))
    assert sorted(p.name for p in (sample / ".launchboard-cache").rglob("*") if p.is_file()) == entries


def test_a_memo_filled_by_the_pool_serves_the_next_load(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first `mkdocs serve` build of a large portfolio uses the forked readers: their
    folder digests must fill the memo exactly as one process would."""
    import sys

    from generator.core import pipeline
    from generator.core import processes

    if not sys.platform.startswith("linux"):
        pytest.skip("the pool forks, on Linux only")
    monkeypatch.setattr(processes.threading, "active_count", lambda: 1)
    monkeypatch.setenv("LAUNCHBOARD_JOBS", "2")
    monkeypatch.setattr(pipeline, "POOL_MIN_FILES", 0)
    pooled: list[bool] = []
    real = pipeline._check_folders_with_pool
    monkeypatch.setattr(pipeline, "_check_folders_with_pool", lambda *a, **k: pooled.append(True) or real(*a, **k))
    memo = LoadMemo()
    _same_as_fresh(sample, memo)
    assert pooled == [True, True]  # the memo's load and the fresh one
    assert memo.hits == 0 and all(digest for _, _, digest in memo.folders.values())
    _same_as_fresh(sample, memo)
    assert memo.hits == len(_initiatives(sample))
    assert pooled == [True, True, True]  # the memo was not empty: one process, no pool


# --------------------------------------------------------------------------- the portfolio pages' pieces


def _edit_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_a_checklist_edit_reaches_every_portfolio_page_that_shows_it(sample: Path) -> None:
    """The framework pages' control sections, the catalogue's counts, the board and the
    readiness feed are kept per initiative between rebuilds: an item going from done to
    in-progress must show on each of them, while the sections of controls the item does not
    map to are taken from the memo."""
    load_memo, memo = LoadMemo(), RenderMemo()
    before = _render_same_as_fresh(sample, load_memo, memo)
    _render_same_as_fresh(sample, load_memo, memo)
    assert memo.piece_hits > 0  # with nothing changed, every section is the memo's
    shown = {path: before.files[path] for path in before.files if path.startswith("frameworks/")}
    assert len(shown) >= 2
    checklist = sample / "decisions" / "code-review-bot" / "checklists" / "data-governance.yaml"
    _edit_once(checklist, "    status: done", "    status: in-progress")
    after = _render_same_as_fresh(sample, load_memo, memo)
    changed = {path for path in before.files if after.files.get(path) != before.files[path]}
    assert {"index.md", "checklists.md", "api/initiatives.json", "initiatives/code-review-bot/index.md"} <= changed
    assert any(path in changed for path in shown), "no framework page shows the item's new status"
    assert 0 < memo.piece_hits < memo.pieces_rendered + memo.piece_hits  # some kept, some redone


def test_a_runbook_edit_reaches_the_on_call_page(sample: Path) -> None:
    """On call's rows, and each initiative's block of the page, are kept between rebuilds; a
    drill's new date shows."""
    load_memo, memo = LoadMemo(), RenderMemo()
    before = _render_same_as_fresh(sample, load_memo, memo)
    runbook = sample / "decisions" / "code-review-bot" / "runbooks" / "rollback.yaml"
    _edit_once(runbook, "  - date: 2026-06-11\n    kind: drill", "  - date: 2026-11-20\n    kind: drill")
    after = _render_same_as_fresh(sample, load_memo, memo)
    assert after.files["oncall.md"] != before.files["oncall.md"]
    assert memo.piece_hits > 0  # the other live initiatives' blocks were the memo's
    assert "2026-11-20" in after.files["oncall.md"] or after.files["oncall.md"].count("2026-06-11") < before.files["oncall.md"].count("2026-06-11")


def test_a_problem_from_another_folder_changes_the_readiness_feed(sample: Path) -> None:
    """api/initiatives.json keeps each initiative's part between rebuilds, but not its error
    count: an alert name claimed by a second initiative (LB172, reported at both) raises the
    count of the first, whose own files did not change."""
    import json

    load_memo, memo = LoadMemo(), RenderMemo()
    before = _render_same_as_fresh(sample, load_memo, memo)
    other = sample / "decisions" / "contract-summariser" / "runbooks" / "cost-spike.yaml"
    _edit_once(other, "alert: contract-summariser-daily-cost", "alert: code-review-bot-daily-cost")
    after = _render_same_as_fresh(sample, load_memo, memo)

    def errors(site, ini: str) -> int:
        feed = json.loads(site.files["api/initiatives.json"])
        return next(i["state"]["errors"] for i in feed["initiatives"] if i["id"] == ini)

    assert errors(after, "code-review-bot") == errors(before, "code-review-bot") + 1


def test_search_documents_are_made_again_for_edited_records_only(sample: Path) -> None:
    """EntryMemo keeps each entry's search document; an edited initiative's are new and
    match what a fresh index makes of the records."""
    from generator.site import search_index

    load_memo, memo = LoadMemo(), search_index.EntryMemo()

    def documents(portfolio, memo=None):
        found = search_index.entries(portfolio, None, memo)
        return search_index.documents(found, {e.page: e.page for e in found}, None, memo)

    first = documents(load_portfolio(sample, AS_OF, memo=load_memo), memo)
    record = sample / "decisions" / "code-review-bot" / "initiative.yaml"
    _edit_once(record, "summary: |\n  ", "summary: |\n  Reworded. ")
    again = documents(load_portfolio(sample, AS_OF, memo=load_memo), memo)
    fresh = documents(load_portfolio(sample, AS_OF))
    assert again == fresh and again != first
    kept = {id(d) for d in first}
    assert any(id(d) in kept for d in again)  # the unchanged initiatives' documents were reused
    page = next(d for d in again if d["location"] == "initiatives/code-review-bot/index.md")
    assert "Reworded" in page["text"]


# --------------------------------------------------------------------------- stamps


def test_a_folder_whose_stamps_are_unchanged_is_not_read_again(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files whose times are old enough are trusted by stamp: the second load reads nothing."""
    import time

    from generator.core import pipeline

    monkeypatch.setattr(pipeline, "STAMP_TRUSTED_AFTER", 0)
    memo = LoadMemo()
    _same_as_fresh(sample, memo)
    time.sleep(0.05)
    _same_as_fresh(sample, memo)
    assert memo.unread == memo.hits == len(_initiatives(sample))


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit of the same length with the old mtime put back (as some tools do) changes the
    ctime, which nothing can set back: the folder is read again and judged anew."""
    import os
    import time

    from generator.core import pipeline

    monkeypatch.setattr(pipeline, "STAMP_TRUSTED_AFTER", 0)
    memo = LoadMemo()
    before = _same_as_fresh(sample, memo)
    record = sample / "decisions" / "code-review-bot" / "checklists" / "data-governance.yaml"
    old = record.stat()
    time.sleep(0.05)
    text = record.read_text()
    assert "status: done" in text
    record.write_text(text.replace("status: done", "status: todo", 1))  # the same length
    os.utime(record, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert record.stat().st_size == old.st_size and record.stat().st_mtime_ns == old.st_mtime_ns
    after = _same_as_fresh(sample, memo)
    assert memo.unread == len(_initiatives(sample)) - 1
    assert after.states["code-review-bot"].as_dict() != before.states["code-review-bot"].as_dict()


def test_files_changed_just_now_are_read_whatever_their_stamps(sample: Path) -> None:
    """Within STAMP_TRUSTED_AFTER of a change, a stamp proves nothing (an edit in the same
    clock tick leaves it as it was): the memo compares content instead."""
    memo = LoadMemo()
    _same_as_fresh(sample, memo)
    _same_as_fresh(sample, memo)
    assert memo.unread == 0 and memo.hits == len(_initiatives(sample))
