"""The hub's site: one board across sources, a page per source and per initiative.

Pages are Markdown from Launchboard's own templates (templates/site/hub/), never a source's:
a source's templates/ and mkdocs.yml are not even read. Every value from a source goes through
the site's escaping filters (markdown_safety: `md` in Markdown, `h` in raw HTML). Page paths
come from source names (schema: lowercase words and single hyphens) and initiative ids
(checked again here), as `initiatives/<source>--<id>.md`: no source name holds `--`, so one
source can never write another's page.

MkDocs builds them from a configuration written here (theme, navigation, nothing else), in a
temporary folder, and the new site replaces the old one only when the build succeeds.
"""

from __future__ import annotations

import re
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from generator.hub import hooks as hub_hooks
from generator.hub.sources import Hub, SourceResult
from generator.core.resources import resource_dir

SAFE_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
JS = "assets/hub.js"


def page_of(source: str, initiative: str) -> str:
    return f"initiatives/{source}--{initiative}.md"


def hub_pages(hub: Hub, results: list[SourceResult], as_of: str, baseline: bool, offline: bool = False) -> dict[str, str]:
    """Every page of the hub's site, by path under docs/. The board's rows are raw HTML (for
    the source filter), whose links MkDocs does not rewrite: they are written for the URL style."""
    from generator.site.render import _environment

    templates = resource_dir("templates") / "site"
    env = _environment(templates)
    by_name = {s.name: s for s in hub.sources}
    sources, rows = [], []
    for r in results:
        source = by_name[r.name]
        view = {"name": r.name, "repo": source.repo, "ref": source.ref, "commit": r.commit, "date": r.date, "ok": r.ok,
                "unusable": r.unusable, "stale": r.stale, "tip": r.tip or "", "tip_date": r.tip_date or "",
                "initiatives": r.initiatives, "errors": r.errors, "warnings": r.warnings, "policy_drift": r.policy_drift,
                "problems": sorted(r.errors + r.warnings, key=lambda p: (p["file"], p["line"], p["column"])),
                "page": f"sources/{r.name}.md"}
        sources.append(view)
        for row in r.board:
            if not SAFE_ID.fullmatch(str(row["id"])):
                continue  # the loader refuses such ids; never a page path from one
            rows.append(dict(row, source=r.name, commit=r.commit, date=r.date, href=page_of(r.name, row["id"])[:-3] + (".html" if offline else "/"),
                             source_page=f"../sources/{r.name}.md"))
    pages = {"index.md": env.get_template("hub/board.md.j2").render(sources=sources, rows=rows, total=len(rows), as_of=as_of)}
    for view in sources:
        pages[view["page"]] = env.get_template("hub/source.md.j2").render(s=view, baseline=baseline)
    for row in rows:
        pages[page_of(row["source"], row["id"])] = env.get_template("hub/initiative.md.j2").render(r=row)
    pages[JS] = (templates / "hub" / "hub.js").read_text(encoding="utf-8")
    return pages


def _config(offline: bool, names: list[str]) -> str:
    """The hub site's mkdocs.yml: Launchboard's, never a source's (names are schema-checked)."""
    lines = ["site_name: Launchboard hub", "docs_dir: docs", "theme:", "  name: material", "  font: false",
             f"use_directory_urls: {'false' if offline else 'true'}", f"extra_javascript: [{JS}]",
             "plugins: []" if offline else "plugins: [search]",
             # Launchboard's own hook (nh3 over each page), never a source's
             f"hooks: [{json.dumps(str(Path(hub_hooks.__file__).resolve()))}]",
             "nav:", "  - Board: index.md", "  - Sources:"]
    lines += [f"      - {name}: sources/{name}.md" for name in names]
    return "\n".join(lines) + "\n"


def build_site(pages: dict[str, str], names: list[str], target: Path, offline: bool) -> None:
    """Build PAGES with MkDocs into a temporary folder beside TARGET, then put it in place.

    RuntimeError when MkDocs fails: TARGET is then left as it was."""
    from generator.site.render import mark_output, replace_dir

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".hub-site.", dir=target.parent))
    try:
        docs = work / "docs"
        for path, content in pages.items():
            (docs / path).parent.mkdir(parents=True, exist_ok=True)
            (docs / path).write_text(content, encoding="utf-8")
        (work / "mkdocs.yml").write_text(_config(offline, names), encoding="utf-8")
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

