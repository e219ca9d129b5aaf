"""The hub's site: one board across sources, and each source's pages as its own site has them.

Every source's pages come from the single-repository renderer (`site.render.render_site`) run
on the portfolio the hub reads from git objects at the pin (sources.read_at), with
Launchboard's own templates: a source's templates/ and mkdocs.yml are not even read. They go
under `sources/<name>/`, a folder only that source writes (source names are lowercase words
and single hyphens, schema-checked, so no name holds `/` or `..`), and every file is created
exclusively: a page another source or the hub already wrote is never overwritten, the build
fails instead. Relative links between a source's pages keep working because they all move
together. The hub adds its board (`index.md`), a page per source with its pin, verdict,
problems and policy drift (`sources/<name>/hub.md`, a name the renderer never uses) and a line
on each source page naming the source, its pin and, on an initiative's pages, `source/id`.

Left out per source: the pages that are Launchboard's own rather than the source's (field
reference, check codes, record formats, command line, how to contribute), the tags page (the
hub's site has no tags plugin), the Trends page (it needs each source's history) and the
assets (written once for the whole site, from Launchboard's templates). No page a source keeps
links to those.

Sources are rendered in forked processes when two cores are free (processes.py), each writing
its own folder and converting its pages to HTML there (site/pagehtml.py, nh3 once), which
MkDocs's one process would otherwise do page by page; the output does not depend on how many.

MkDocs builds the pages from a configuration written here (theme, navigation, Launchboard's
own hook, hooks.py: the workers' HTML, search entries from the records, the theme's page
template on a second core), in a temporary folder, and the new site replaces the old one
only when the build succeeds.
"""

from __future__ import annotations

import datetime as dt
import json
import marshal
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit, urlunsplit

from generator.core.resources import resource_dir
from generator.hub import hooks as hub_hooks
from generator.hub.sources import Hub, SourceResult

SAFE_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
JS = "assets/hub.js"
HUB_PAGE = "hub.md"  # per source, beside its own pages: the renderer writes no page of that name
# Per source, left out: Launchboard's own reference pages (the same for every source), the
# tags page (no tags plugin on the hub) and the Trends page (trends are not rendered).
LEFT_OUT = frozenset({"reference.md", "codes.md", "formats.md", "cli.md", "contribute.md", "tags.md", "trends.md"})
ASSETS = ("assets/launchboard.css", "assets/launchboard.js")  # Launchboard's, once for the whole site
_H1 = re.compile(r"^# .*\n", re.MULTILINE)


def source_folder(name: str) -> str:
    if not SAFE_ID.fullmatch(name):  # the schema's rule, checked again before a path is made of it
        raise ValueError(f"{name!r} is not a source name")
    return f"sources/{name}"


@dataclass
class SourcePages:
    """What one source's render wrote under sources/<name>/ (paths relative to that folder)."""

    name: str
    nav: list[Any]  # its site's navigation, paths under the hub's docs folder
    pages: list[str]
    initiatives: list[str]  # ids that have a page
    search: list[dict[str, Any]] = field(default_factory=list)  # its search entries (hooks.py), pages under the docs folder


# --------------------------------------------------------------------------- writing


def _create(docs: Path, rel: str, content: str | bytes) -> None:
    """DOCS/REL, created: never over a file that exists (another source's or the hub's)."""
    from generator.site.render import _target

    from generator.site.markdown_safety import UnsafePath

    try:
        path = _target(docs, rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as fh:
            fh.write(content.encode("utf-8") if isinstance(content, str) else content)
    except (FileExistsError, UnsafePath) as err:  # never expected: paths are made from checked names
        raise RuntimeError(f"refusing to write {rel!r} twice or outside the site: {err}") from None


def _with_banner(markdown: str, banner: str) -> str:
    """MARKDOWN with BANNER after its first `# ` heading (so the heading stays the page's first
    element, which MkDocs takes as its title), or at the top of its body."""
    start = 0
    if markdown.startswith("---\n"):
        end = markdown.find("\n---\n", 3)
        start = end + 5 if end != -1 else 0
    heading = _H1.search(markdown, start)
    at = heading.end() if heading else start
    return f"{markdown[:at]}\n{banner}\n\n{markdown[at:]}"


def _initiative_of(rel: str) -> str | None:
    """The initiative a source page belongs to (initiatives/<id>/…), else None."""
    parts = rel.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "initiatives" else None


def _prefixed(nav: list[Any], folder: str, kept: set[str]) -> list[Any]:
    """A source site's navigation with every page under FOLDER, without the pages left out.
    KEPT: the pages it may list."""
    out: list[Any] = []
    for entry in nav:
        if isinstance(entry, str):
            if entry in kept:
                out.append(f"{folder}/{entry}")
            continue
        for title, value in entry.items():
            if isinstance(value, str):
                if value in kept:
                    out.append({title: f"{folder}/{value}"})
            else:
                children = _prefixed(value, folder, kept)
                if children:
                    out.append({title: children})
    return out


# --------------------------------------------------------------------------- one source


def _render_source(task: tuple[str, str, str, dt.date, str, dict[str, Any], str, bool]) -> SourcePages:
    """(In a worker when forked.) Read one source at its pin, render its site with Launchboard's
    templates and write it under DOCS/sources/<name>/, with its pages converted to HTML
    beside DOCS (hooks.py takes them from there)."""
    from generator.core.gitread import GitError
    from generator.hub.sources import SourceError, _NoDecisions, read_at
    from generator.site.render import initiative_page, render_site

    name, bare, commit, as_of, docs, stamp, hub_root, offline = task
    try:
        portfolio = read_at(Path(bare), commit, as_of)
    except GitError as err:
        raise SourceError(name, f"cannot read commit {commit}: {err}") from None
    except _NoDecisions:
        raise SourceError(name, f"commit {commit} has no decisions/ folder") from None
    if portfolio.unusable or portfolio.policy is None:
        return SourcePages(name, [], [], [])  # its policy cannot be used: the hub page says why
    portfolio.root = hub_root  # compiled templates from the hub's signed cache, when it has one
    site = render_site(portfolio, site_name=name)
    folder = source_folder(name)
    env = _environment()
    kept, written = set(), {}
    for rel, content in sorted(site.files.items()):
        if rel in LEFT_OUT or rel.startswith("assets/"):
            continue
        if rel in site.pages:
            banner = env.get_template("hub/banner.md.j2").render(
                s=stamp, initiative=_initiative_of(rel), hub_page=_relative(rel, HUB_PAGE))
            content = _with_banner(str(content), banner)
            kept.add(rel)
        written[rel] = content
        _create(Path(docs), f"{folder}/{rel}", content)
    converted = _convert({rel: str(written[rel]) for rel in sorted(kept)}, {*written, HUB_PAGE}, folder, offline)
    (Path(docs).parent / hub_hooks.CONVERTED / f"{name}.marshal").write_bytes(marshal.dumps(converted))
    ids = [i.id for i in portfolio.initiatives if initiative_page(i.id) in kept]
    # The navigation lists the source's own pages, not its initiatives: Material writes the
    # visible navigation into every page, and an initiative's page listing its 40 siblings and
    # 50 sources was half of the theme's time at 2,000 initiatives. Initiative pages are reached
    # from the hub's board and the source's, as decision and runbook pages are on any site.
    listed = {rel for rel in kept if _initiative_of(rel) is None}
    return SourcePages(name, _prefixed(site.nav, folder, listed), sorted(kept), ids, _search_entries(portfolio, name, folder, kept))


def _convert(pages: dict[str, str], files: set[str], folder: str, offline: bool) -> dict[str, tuple]:
    """PAGES (path under FOLDER -> Markdown as written) converted to clean HTML as hooks.py
    would convert them in MkDocs (site/pagehtml.py, nh3 once), here on the worker's core.
    A link resolves as MkDocs resolves it (its own File URLs) to a file of this source; each
    result is keyed by the Markdown it was made from, so MkDocs uses it only for that text."""
    from mkdocs.structure.files import File
    from mkdocs.utils import meta

    from generator.site import pagehtml

    known = {rel: File(f"{folder}/{rel}", None, "", not offline) for rel in files}
    toc = pagehtml.TocOptions.from_mdx_configs({})  # the hub's mkdocs.yml sets no toc options
    out = {}
    for rel, content in pages.items():
        here = known[rel]

        def resolve(url: str) -> str:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path or url.startswith(("/", "\\")):
                return url
            target = known.get(posixpath.normpath(posixpath.join(posixpath.dirname(rel), unquote(parts.path))))
            if target is None:
                return url  # as MkDocs leaves it (tests prove no page of a source has one)
            return urlunsplit(("", "", target.url_relative_to(here), parts.query, parts.fragment))

        # as MkDocs reads the file: universal newlines, then the front matter split off
        body, _ = meta.get_data(content.replace("\r\n", "\n").replace("\r", "\n"))
        result = pagehtml.to_html(body, resolve, toc, hub_hooks.HUB_ATTRIBUTES)
        out[f"{folder}/{rel}"] = (hub_hooks.digest(body), result.html, result.toc, result.title, sorted(result.anchors))
    return out


def _search_entries(portfolio: Any, name: str, folder: str, kept: set[str]) -> list[dict[str, Any]]:
    """The search entries the single-repository site writes from the records (search_index.py),
    for the pages the hub keeps, each titled with its source: Material then need not parse
    those pages, which was half of the hub's build."""
    from generator.site import search_index

    found = []
    for entry in search_index.entries(portfolio):
        if entry.page in kept:
            keys = dict(entry.keys)
            initiative = _initiative_of(entry.page)
            if initiative:  # `source/id` finds it too
                keys["ref"] = [*keys.get("ref", []), f"{name}/{initiative}"]
            found.append({"page": f"{folder}/{entry.page}", "anchor": entry.anchor, "title": f"{name} · {entry.title}",
                          "text": entry.text, "keys": keys})
    return found


def _relative(from_page: str, to_path: str) -> str:
    from generator.site.render import relative

    return relative(from_page, to_path)


def _environment() -> Any:
    from generator.site.render import _environment as site_environment

    return site_environment(resource_dir("templates") / "site")


def render_sources(hub: Hub, results: list[SourceResult], as_of: dt.date, docs: Path, offline: bool) -> list[SourcePages]:
    """Every source's pages under DOCS/sources/<name>/, in forked workers when two cores are free."""
    from generator.core.processes import forked_pool, may_fork, workers

    by_name = {s.name: s for s in hub.sources}
    (docs.parent / hub_hooks.CONVERTED).mkdir(exist_ok=True)
    tasks = [(r.name, str(hub.source_cache(by_name[r.name])), r.commit, as_of, str(docs), _stamp(r), str(hub.root.resolve()), offline)
             for r in results]
    jobs = min(workers(), len(tasks))
    if jobs >= 2 and may_fork():
        with forked_pool(jobs) as pool:
            return list(pool.map(_render_source, tasks))
    return [_render_source(task) for task in tasks]


def _stamp(r: SourceResult) -> dict[str, Any]:
    """What the line on each of a source's pages says: its name, pin and staleness."""
    return {"name": r.name, "commit": r.commit, "date": r.date, "stale": r.stale, "tip": r.tip or "", "tip_date": r.tip_date or ""}


# --------------------------------------------------------------------------- the hub's own pages


def hub_pages(hub: Hub, results: list[SourceResult], rendered: list[SourcePages], as_of: str, baseline: bool) -> dict[str, str]:
    """The hub's own pages, by path under docs/: the board across sources and a page per source.
    Links are to Markdown files (pagehtml resolves them for either URL style, raw HTML too)."""
    env = _environment()
    by_name = {s.name: s for s in hub.sources}
    pages_of = {p.name: p for p in rendered}
    from generator.site.render import initiative_page

    sources, rows = [], []
    for r in results:
        source, folder = by_name[r.name], source_folder(r.name)
        own = pages_of.get(r.name)
        view = {**_stamp(r), "repo": source.repo, "ref": source.ref, "ok": r.ok, "unusable": r.unusable,
                "initiatives": r.initiatives, "errors": r.errors, "warnings": r.warnings, "policy_drift": r.policy_drift,
                "problems": sorted(r.errors + r.warnings, key=lambda p: (p["file"], p["line"], p["column"])),
                "page": f"{folder}/{HUB_PAGE}", "board": f"{folder}/index.md" if own and "index.md" in own.pages else None,
                "oncall": "oncall.md" in own.pages if own else False, "decisions": "decisions.md" in own.pages if own else False}
        sources.append(view)
        linked = set(own.initiatives) if own else set()
        for row in r.board:
            page = f"{folder}/{initiative_page(row['id'])}" if row["id"] in linked else None
            rows.append(dict(row, source=r.name, commit=r.commit, date=r.date, href=page))
    pages = {"index.md": env.get_template("hub/board.md.j2").render(sources=sources, rows=rows, total=len(rows), as_of=as_of)}
    for view in sources:
        pages[view["page"]] = env.get_template("hub/source.md.j2").render(s=view, baseline=baseline)
    templates = resource_dir("templates") / "site"
    pages[JS] = (templates / "hub" / "hub.js").read_text(encoding="utf-8")
    for asset in ASSETS:
        pages[asset] = (templates / asset).read_text(encoding="utf-8")
    return pages


def hub_nav(results: list[SourceResult], rendered: list[SourcePages]) -> list[Any]:
    """Board, then per source its hub page and its own site's navigation."""
    pages_of = {p.name: p for p in rendered}
    sources = []
    for r in results:
        own = pages_of.get(r.name)
        sources.append({r.name: [{"Pin and verdict": f"{source_folder(r.name)}/{HUB_PAGE}"}, *(own.nav if own else [])]})
    return [{"Board": "index.md"}, {"Sources": sources}]


# --------------------------------------------------------------------------- building


def _config(offline: bool, nav: list[Any]) -> str:
    """The hub site's mkdocs.yml: Launchboard's, never a source's. The navigation is JSON (a
    subset of YAML): its titles are Launchboard's and record titles' initials, its paths
    made here from checked names."""
    lines = ["site_name: Launchboard hub", "docs_dir: docs", "theme:", "  name: material", "  font: false",
             # each page embeds only its own branch of the navigation: 50 sources stay cheap
             "  features: [navigation.prune, navigation.tabs, navigation.top, search.highlight]",
             f"use_directory_urls: {'false' if offline else 'true'}",
             f"extra_css: [{ASSETS[0]}]", f"extra_javascript: [{ASSETS[1]}, {JS}]",
             "plugins: []" if offline else "plugins: [search]",
             # initiative pages are reached from the boards (see _render_source)
             "not_in_nav: |", "  /sources/*/initiatives/",
             # Launchboard's own hook (pagehtml and nh3 over each page), never a source's
             f"hooks: [{json.dumps(str(Path(hub_hooks.__file__).resolve()))}]",
             f"nav: {json.dumps(nav)}"]
    return "\n".join(lines) + "\n"


def build_site(target: Path, offline: bool, fill: Callable[[Path], list[Any]]) -> None:
    """FILL writes the pages into a docs folder and returns the navigation; MkDocs builds them
    in a temporary folder beside TARGET, which then replaces TARGET.

    RuntimeError when MkDocs fails: TARGET is then left as it was (so is it when FILL raises)."""
    from generator.site.render import mark_output, replace_dir

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".hub-site.", dir=target.parent))
    try:
        docs = work / "docs"
        docs.mkdir()
        nav = fill(docs)
        (work / "mkdocs.yml").write_text(_config(offline, nav), encoding="utf-8")
        built = work / "site"
        done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(work / "mkdocs.yml"), "-d", str(built)],
                              cwd=work, capture_output=True, text=True)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            raise RuntimeError(lines[-1] if lines else "mkdocs build failed")
        mark_output(built)
        replace_dir(built, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_pages(docs: Path, pages: dict[str, str]) -> None:
    for path, content in sorted(pages.items()):
        _create(docs, path, content)


def build_hub(hub: Hub, results: list[SourceResult], as_of: dt.date, baseline: bool, target: Path, offline: bool) -> None:
    """The hub's whole site into TARGET: every source's pages, then the hub's own."""

    def fill(docs: Path) -> list[Any]:
        rendered = render_sources(hub, results, as_of, docs, offline)
        write_pages(docs, hub_pages(hub, results, rendered, as_of.isoformat(), baseline))
        entries = [entry for source in rendered for entry in source.search]
        (docs.parent / hub_hooks.SEARCH_ENTRIES).write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
        return hub_nav(results, rendered)

    build_site(target, offline, fill)
