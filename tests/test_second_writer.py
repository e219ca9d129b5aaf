"""`mkdocs build` with the plugin: generated pages converted as they are written, a second
process writing half the record pages (generator/site/second_writer.py), the files that are
not pages written straight into site_dir. Real builds; the site must not depend on any of it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.site_helpers import make_root, site_env


def _build(root: Path, out: Path, *args: str, jobs: str = "2") -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml"), "-d", str(out), *args]
    return subprocess.run(cmd, cwd=root, env=site_env(LAUNCHBOARD_JOBS=jobs), capture_output=True, text=True, timeout=600)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_page_writers_build_the_very_site_one_writes(tmp_path: Path) -> None:
    root = make_root(tmp_path / "repo")
    two = _build(root, tmp_path / "two", "--verbose")
    assert two.returncode == 0, two.stderr
    written = re.search(r"second page writer writes (\d+) of (\d+) pages", two.stderr)
    assert written and int(written.group(1)) > 0, two.stderr[-3000:]
    one = _build(root, tmp_path / "one", "--verbose", jobs="1")
    assert one.returncode == 0, one.stderr
    assert "second page writer writes" not in one.stderr
    assert _files(tmp_path / "two") == _files(tmp_path / "one")
    # MkDocs says "Page skipped ... empty output" for each page the other process writes: not shown
    assert "Page skipped" not in two.stderr


def test_a_warning_in_the_second_writer_still_fails_a_strict_build(tmp_path: Path) -> None:
    """Every initiative's summary links to a page that does not exist: MkDocs warns while the
    page is converted, in whichever process writes it, and --strict must fail either way."""
    root = make_root(tmp_path / "repo")
    for record in sorted((root / "decisions").glob("*/initiative.yaml")):
        text = record.read_text(encoding="utf-8")
        record.write_text(text.replace("summary: |\n", "summary: |\n  See [the plan](no-such-page.md).\n", 1), encoding="utf-8")
    for jobs in ("2", "1"):
        result = _build(root, tmp_path / f"site-{jobs}", "--strict", jobs=jobs)
        assert result.returncode != 0, result.stderr[-2000:]
        assert "no-such-page.md" in result.stderr
    assert "the second page writer logged" in _build(root, tmp_path / "again", "--strict").stderr


def test_a_build_keeps_no_page_html_and_no_feed_once_written(tmp_path: Path, monkeypatch) -> None:
    """What makes a large build's memory flat: each generated page's HTML is let go once
    written, and the feeds and badges are written at once, not held until MkDocs copies them."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = make_root(tmp_path / "repo")
    monkeypatch.chdir(root)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setenv("LAUNCHBOARD_JOBS", "1")  # pytest's process: one writer
    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    config.plugins.on_startup(command="build", dirty=False)
    plugin = config.plugins["launchboard"]
    build(config)
    seen = plugin.pages  # the pages of the build, as it ended
    generated = [f for f in seen if f.src_uri in plugin.generated]
    assert len(generated) > 20
    assert all(f.page is not None and f.page.content is None for f in generated)
    feeds = [path for path in plugin.site.files if path.startswith("api/initiatives/")]  # each initiative's
    assert feeds and all(plugin.site.files[path] == "" for path in feeds)
    assert all((tmp_path / "site" / path).stat().st_size > 0 for path in feeds)
    # an initiative's files were packed as rendered (pages compressed, the rest written to a
    # folder beside site_dir and moved in), and that folder is gone with the build
    assert any(type(v).__name__ == "_Spilled" for v in plugin.site.files.values())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "site"]


def test_a_plugin_that_reads_page_html_sees_every_generated_page_converted(tmp_path: Path) -> None:
    """Conversion waits until a page is written only when no other plugin looks at its HTML
    first: a hook with on_page_content gets each generated page's HTML, as before."""
    root = make_root(tmp_path / "repo")
    seen = tmp_path / "seen.txt"
    (root / "hook.py").write_text(
        "def on_page_content(html, page, **kwargs):\n"
        f"    with open({str(seen)!r}, 'a', encoding='utf-8') as fh:\n"
        "        fh.write(f'{page.file.src_uri} {len(html)}\\n')\n"
        "    return html\n",
        encoding="utf-8",
    )
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nhooks:\n  - hook.py\n", encoding="utf-8")
    result = _build(root, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    sizes = dict(line.rsplit(" ", 1) for line in seen.read_text(encoding="utf-8").splitlines())
    initiatives = [uri for uri in sizes if uri.startswith("initiatives/") and uri.endswith("/index.md")]
    assert len(initiatives) >= 5 and all(int(sizes[uri]) > 1000 for uri in initiatives)
    page = (tmp_path / "site" / initiatives[0].replace("index.md", "index.html")).read_text(encoding="utf-8")
    assert "lb-facts" in page or "<h2" in page


def test_exclude_docs_applies_to_generated_feeds_and_badges_and_no_spill_folder_stays(tmp_path: Path) -> None:
    """The feeds, badges and charts render_site writes at once reach site_dir only once MkDocs
    has settled the site's files: exclude_docs still removes them. The folder they wait in
    has a fixed name, so one an interrupted build left is removed by the next build."""
    root = make_root(tmp_path / "repo")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nexclude_docs: |\n  /api/\n  /badges/\n", encoding="utf-8")
    stale = tmp_path / ".site.launchboard-spill"
    (stale / "api").mkdir(parents=True)
    (stale / "api" / "left.json").write_text("{}", encoding="utf-8")
    result = _build(root, tmp_path / "site")
    assert result.returncode == 0, result.stderr[-2000:]
    site = tmp_path / "site"
    assert not (site / "api").exists() and not (site / "badges").exists()
    assert list(site.glob("initiatives/*/metrics/*.svg"))  # the charts are not excluded
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "site"]
