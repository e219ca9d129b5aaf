"""Dirty rebuilds, as `mkdocs serve --dirty` does them: MkDocs's real build, twice in one process.

The plugin tells MkDocs which generated files changed since the previous build of the same
site; these tests change a record between two builds and look at what was rewritten.
"""

from __future__ import annotations

import logging
import json
import os
import re
import time
from pathlib import Path

import pytest

from tests.site_helpers import SAMPLE_DATE, SAMPLE_EPOCH, make_root

pytestmark = pytest.mark.slow  # real `mkdocs serve` processes: left out by scripts/test.py --fast

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from mkdocs.commands.build import build  # noqa: E402
from mkdocs.config import load_config  # noqa: E402

from generator.core.pipeline import load_portfolio  # noqa: E402
from generator.plugin import plugin as lb_plugin  # noqa: E402
from generator.site import search_index  # noqa: E402

CHANGED = "support-assistant"
UNRELATED = "internal-search"
RECORD = f"decisions/{CHANGED}/initiative.yaml"


@pytest.fixture(params=["build", "serve"])
def repo(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The sample repository; under "serve", MkDocs has started the plugin as `mkdocs serve`
    does, so rebuilds also go through its memos (tests/test_memo.py tests them alone)."""
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SAMPLE_EPOCH)
    monkeypatch.setenv("LAUNCHBOARD_NO_CACHE", "1")
    monkeypatch.setattr(lb_plugin, "_STATE", {})
    root = make_root(tmp_path / "repo")
    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    config.plugins.on_startup(command=request.param, dirty=True)
    try:
        yield root
    finally:
        config.plugins.on_shutdown()


def _build(root: Path, site: Path, dirty: bool = True):
    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(site))
    build(config, dirty=dirty)
    return config.plugins["launchboard"]


def _snapshot(site: Path) -> dict[str, tuple[int, bytes]]:
    return {
        p.relative_to(site).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in site.rglob("*")
        if p.is_file()
    }


def _age(site: Path) -> None:
    """Backdate every output file, so a rewrite shows in its mtime even on a coarse clock."""
    old = time.time() - 3600
    for p in site.rglob("*"):
        if p.is_file():
            os.utime(p, (old, old))


def _rewritten(before: dict, after: dict) -> set[str]:
    return {path for path, (mtime, _) in after.items() if path not in before or before[path][0] != mtime}


def _edit(root: Path, old: str, new: str) -> None:
    path = root / RECORD
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _rebuild_after(repo: Path, site: Path, change) -> tuple[dict, dict, set[str]]:
    """After a first build: backdate the output, make `change`, rebuild; the output before and
    after, and the files the rebuild rewrote."""
    _age(site)
    before = _snapshot(site)
    change()
    _build(repo, site)
    after = _snapshot(site)
    return before, after, _rewritten(before, after)


def _locations(site: Path) -> list[str]:
    return [d["location"] for d in json.loads((site / "search" / "search_index.json").read_text())["docs"]]


def test_one_record_changed_rebuilds_only_its_pages(repo: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    _build(repo, site)  # first build of the process: everything
    first_index = _locations(site)
    assert f"initiatives/{UNRELATED}/" in first_index
    before, after, rewritten = _rebuild_after(
        repo, site, lambda: _edit(repo, "{date: 2026-11-16, value: 1421}", "{date: 2026-11-16, value: 1377}")
    )

    assert f"initiatives/{CHANGED}/index.html" in rewritten
    assert "index.html" not in rewritten  # the board does not show measurements: its page is the same
    assert f"api/initiatives/{CHANGED}.json" in rewritten
    assert f"initiatives/{CHANGED}/metrics/p95-latency.svg" in rewritten
    assert f"initiatives/{UNRELATED}/index.html" not in rewritten
    assert f"api/initiatives/{UNRELATED}.json" not in rewritten
    assert "reference/index.html" not in rewritten
    # (MkDocs copies theme assets by comparing mtimes with the installed theme, which
    # _age's backdating makes older than a freshly installed venv: not asserted here.)

    page = after[f"initiatives/{CHANGED}/index.html"][1].decode()
    assert "1,377" in page and "1,421" not in page
    assert b"1,377" in after[f"api/initiatives/{CHANGED}.json"][1] or b"1377" in after[f"api/initiatives/{CHANGED}.json"][1]

    # The rebuilt page's navigation still names the pages that were not rebuilt.
    unrelated_title = re.search(r"<title>(.*?) - ", after[f"initiatives/{UNRELATED}/index.html"][1].decode()).group(1)
    assert unrelated_title in page

    # The search index keeps the pages that were not rebuilt, and holds no page twice.
    index = _locations(site)
    assert sorted(index) == sorted(first_index)
    assert len(index) == len(set(index))
    # The changed initiative's entries are the edited records' (a measurement is not in the
    # index, so they are what the search module makes of those records now).
    index = json.loads((site / "search" / "search_index.json").read_text())
    ours = [d for d in index["docs"] if d["location"].startswith(f"initiatives/{CHANGED}/")]
    fresh = search_index.entries(load_portfolio(repo, "-".join(f"{n:02d}" for n in SAMPLE_DATE)))
    urls = {e.page: e.page.removesuffix("index.md").removesuffix(".md").rstrip("/") + "/" for e in fresh}
    mine = [e for e in fresh if e.page.startswith(f"initiatives/{CHANGED}/")]
    assert ours and ours == search_index.documents(mine, urls, index["config"]["separator"])  # the words as the site splits them

    # The tags export still lists every page, and the rebuilt page still links its tags to
    # the tags page (material fills those links from the tags page, which was not rebuilt).
    assert (site / "tags.json").read_bytes() == before["tags.json"][1]
    links = re.findall(r'<a href="[^"]*tags/#tag:[^"]*" class="md-tag', page)
    assert links and links == re.findall(r'<a href="[^"]*tags/#tag:[^"]*" class="md-tag', before[f"initiatives/{CHANGED}/index.html"][1].decode())


def test_build_dirty_writes_again_an_output_deleted_since(repo: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """`mkdocs build --dirty` into a folder someone may have cleaned; `serve` builds into a
    temporary folder of its own, so the plugin does not look there (plugin.on_nav)."""
    if request.node.callspec.params["repo"] == "serve":
        pytest.skip("serve's own temporary site folder")
    site = tmp_path / "site"
    _build(repo, site)
    lost = site / "initiatives" / UNRELATED / "index.html"
    kept = lost.read_bytes()
    lost.unlink()
    _build(repo, site)
    assert lost.read_bytes() == kept


def test_a_checklist_change_rebuilds_its_initiative_and_the_board(repo: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    _build(repo, site)
    path = repo / f"decisions/{CHANGED}/checklists/on-call.yaml"
    text = path.read_text(encoding="utf-8")
    before, after, rewritten = _rebuild_after(repo, site, lambda: path.write_text(
        text.replace("  runbook:\n    status: done", "  runbook:\n    status: in-progress", 1), encoding="utf-8"))
    assert path.read_text(encoding="utf-8") != text
    assert {f"initiatives/{CHANGED}/index.html", "index.html", "checklists/index.html"} <= rewritten
    assert f"initiatives/{UNRELATED}/index.html" not in rewritten
    for page in (f"initiatives/{CHANGED}/index.html", "index.html"):
        assert after[page][1] != before[page][1]
    assert b"in-progress" in after[f"initiatives/{CHANGED}/index.html"][1]


def test_nothing_changed_rebuilds_nothing(repo: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    _build(repo, site)
    before, after, rewritten = _rebuild_after(repo, site, lambda: None)
    assert not {p for p in rewritten if p.endswith(".html") and p != "404.html"}, rewritten
    assert not {p for p in rewritten if p.startswith(("api/", "badges/", "initiatives/"))}, rewritten
    previous = [d["location"] for d in json.loads(before["search/search_index.json"][1])["docs"]]
    assert sorted(_locations(site)) == sorted(previous)


def test_title_change_rebuilds_every_page(repo: Path, tmp_path: Path) -> None:
    """A title is in every page's navigation (and the footer, and the tags page): all pages redo."""
    site = tmp_path / "site"
    _build(repo, site)
    before, after, rewritten = _rebuild_after(
        repo, site, lambda: _edit(repo, "title: Customer support assistant", "title: Customer help assistant")
    )
    html = {p for p in after if p.endswith(".html")}
    assert html <= rewritten | {"404.html"}
    assert "Customer help assistant" in after[f"initiatives/{UNRELATED}/index.html"][1].decode()  # its nav
    assert "Customer help assistant" in after["index.html"][1].decode()
    assert "Customer help assistant" in after["tags/index.html"][1].decode()


def test_a_failed_build_makes_the_next_one_full(repo: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    _build(repo, site)
    key = next(iter(lb_plugin._STATE))
    plugin = lb_plugin.LaunchboardPlugin()  # as the plugin of a build that failed half-way
    plugin.key = key
    plugin.on_build_error(error=RuntimeError("boom"))
    assert key not in lb_plugin._STATE
    _age(site)
    before = _snapshot(site)
    _build(repo, site)
    rewritten = _rewritten(before, _snapshot(site))
    assert f"initiatives/{UNRELATED}/index.html" in rewritten


def test_a_clean_build_is_unaffected_by_a_previous_one(repo: Path, tmp_path: Path) -> None:
    """`mkdocs build` output is the same whether or not this process built the site before."""
    fresh, again = tmp_path / "fresh", tmp_path / "again"
    _build(repo, fresh, dirty=False)
    lb_plugin._STATE.clear()
    _build(repo, again, dirty=False)
    _build(repo, again, dirty=False)  # second build in the process, with state from the first
    a, b = _snapshot(fresh), _snapshot(again)
    assert a.keys() == b.keys()
    differ = [p for p in a if a[p][1] != b[p][1] and p != "sitemap.xml.gz"]
    assert not differ, differ


@pytest.mark.parametrize("flag, dirty", [([], True), (["--dirty"], True), (["--full"], False)])
def test_launchboard_serve_passes_dirty(repo: Path, monkeypatch: pytest.MonkeyPatch, flag: list, dirty: bool) -> None:
    from click.testing import CliRunner

    from generator.cli import site as cli_site

    seen: list[list[str]] = []

    def fake_exec(executable, cmd, env):
        seen.append(cmd)
        assert env["NO_MKDOCS_2_WARNING"] == "1"
        raise SystemExit(0)

    monkeypatch.setattr(cli_site.os, "execve", fake_exec)
    monkeypatch.setattr(cli_site.os, "chdir", lambda path: None)
    result = CliRunner().invoke(cli_site.serve, [str(repo), *flag])
    assert result.exit_code == 0, result.output
    assert seen[0][2:4] == ["mkdocs", "serve"]
    assert ("--dirty" in seen[0]) is dirty


def test_removing_an_initiative_rebuilds_every_page(repo: Path, tmp_path: Path) -> None:
    """The navigation changes, and every page embeds it."""
    import shutil

    site = tmp_path / "site"
    _build(repo, site)
    before, after, rewritten = _rebuild_after(repo, site, lambda: shutil.rmtree(repo / "decisions" / CHANGED))
    assert f"initiatives/{UNRELATED}/index.html" in rewritten
    assert f"initiatives/{CHANGED}/" not in after[f"initiatives/{UNRELATED}/index.html"][1].decode()
    assert f"{CHANGED}/" not in after["index.html"][1].decode()
    assert not any(loc.startswith(f"initiatives/{CHANGED}/") for loc in _locations(site))


@pytest.mark.parametrize("repo", ["serve"], indirect=True)  # only `mkdocs serve` keeps memos
def test_serve_renders_only_the_changed_initiative_again(repo: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    plugin = _build(repo, site)
    assert plugin.render_memo is not None
    initiatives = sorted(p.parent.name for p in (repo / "decisions").glob("*/initiative.yaml"))
    _edit(repo, "{date: 2026-11-16, value: 1421}", "{date: 2026-11-16, value: 1377}")
    plugin = _build(repo, site)
    assert plugin.load_memo.hits == len(initiatives) - 1
    assert plugin.render_memo.hits == len(initiatives) - 1
    page = (site / "initiatives" / CHANGED / "index.html").read_text()
    assert "1,377" in page and "1,421" not in page


def test_serve_does_not_warn_about_its_own_dirty_builds(repo: Path, tmp_path: Path, request: pytest.FixtureRequest,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """`launchboard serve` is dirty by default and correct by design: MkDocs' "dirty build ...
    inaccurate navigation" warning would print on every start. A plain `mkdocs build --dirty`,
    where MkDocs' own pages may go stale, still warns."""
    with caplog.at_level(logging.WARNING, logger="mkdocs.commands.build"):
        _build(repo, tmp_path / "site")
    warned = any("'dirty' build" in r.getMessage() for r in caplog.records)
    assert warned is (request.node.callspec.params["repo"] == "build")


@pytest.mark.parametrize("repo", ["serve"], indirect=True)
def test_serve_keeps_the_theme_compiled_but_never_stale(repo: Path, tmp_path: Path) -> None:
    """Under serve the theme's compiled templates stay in memory between rebuilds (MkDocs
    makes a new theme environment every build); an edited theme template is compiled again."""
    overrides = repo / "overrides"
    overrides.mkdir()
    main = overrides / "main.html"
    main.write_text('{% extends "base.html" %}{% block announce %}theme-mark-one{% endblock %}', encoding="utf-8")
    config = repo / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  name: material\n", "  name: material\n  custom_dir: overrides\n", 1),
                      encoding="utf-8")
    site = tmp_path / "site"
    plugin = _build(repo, site)
    assert plugin.theme_code is not None and plugin.theme_code.code  # the first build's compiled templates
    kept = dict(plugin.theme_code.code)
    page = site / "initiatives" / CHANGED / "index.html"
    assert "theme-mark-one" in page.read_text(encoding="utf-8")
    _build(repo, site)
    assert plugin.theme_code.code == kept  # nothing compiled again
    main.write_text('{% extends "base.html" %}{% block announce %}theme-mark-two{% endblock %}', encoding="utf-8")
    _build(repo, site)
    html = page.read_text(encoding="utf-8")
    assert "theme-mark-two" in html and "theme-mark-one" not in html


@pytest.mark.parametrize("repo", ["serve"], indirect=True)
def test_serve_reuses_the_files_of_unchanged_content(repo: Path, tmp_path: Path) -> None:
    """A rebuild hands MkDocs the previous build's File for every generated file whose content
    is unchanged (a page rendered again to the same text included); an edited one is new, and
    its page shows the edit."""
    site = tmp_path / "site"
    plugin = _build(repo, site)
    first = {path: file for path, (file, _) in plugin._files.items()}
    assert first
    _edit(repo, "{date: 2026-11-16, value: 1421}", "{date: 2026-11-16, value: 1377}")
    plugin = _build(repo, site)
    again = {path: file for path, (file, _) in plugin._files.items()}
    new = {path for path in again if again[path] is not first.get(path)}
    assert new == {f"initiatives/{CHANGED}/index.md", f"api/initiatives/{CHANGED}.json",
                   f"initiatives/{CHANGED}/metrics/p95-latency.svg"}, new
    assert "1,377" in (site / "initiatives" / CHANGED / "index.html").read_text()
