"""`launchboard build` against a plain mkdocs-material build of the same pages, in one run.

    python bench/build_vs_mkdocs.py                        # N = 100, 300 and 1,000
    python bench/build_vs_mkdocs.py --quick                # N = 100 only
    python bench/build_vs_mkdocs.py --sizes 100,300 --repeat 3 --results /tmp/table.md

For each N, bench/synth.py writes a governance repository (the sample policy with its
framework mappings, and per initiative metrics, two decisions, every checklist and a runbook
per topic) with the repository's mkdocs.yml, templates/ and schemas/ copied in. Then, K times
(--repeat), alternating which goes first so the load of a shared machine falls on both:

- **launchboard**: `launchboard build ROOT -d OUT` (the content cache off, as in a CI run
  without a restored cache);
- **plain**: `mkdocs build` of the reference, a folder of plain Markdown that the first
  Launchboard build of the run is turned into (see `write_reference`): the same page paths,
  each holding the text the reader sees on Launchboard's page (headings as headings, tables as
  Markdown tables with the same cells' text, everything else as paragraphs), the page's own
  front matter (title, tags, hide), the same navigation (Launchboard's, from
  `render_site(...).nav`), and the same mkdocs.yml less the launchboard plugin (theme,
  features, markdown_extensions, search and tags). No raw HTML and no Launchboard code.

Reported per build: wall time (best and median of K), launchboard / plain, peak memory
(getrusage(RUSAGE_CHILDREN).ru_maxrss of a wrapper that runs only the build: the largest
single process of its tree; and the sum of PSS over the tree sampled every 10 ms), pages,
the largest HTML page, total output and Material's search index (bytes and documents).
Both builds run with NO_MKDOCS_2_WARNING=1 and SOURCE_DATE_EPOCH at the synthetic date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html.parser
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import run  # noqa: E402  (prepare, _measure, machine: the main benchmark's setup and meter)

AS_OF = run.AS_OF
TAGS_MARKER = "<!-- material/tags -->"  # the tags plugin's listing goes here, on both sides


# --------------------------------------------------------------------------- what Launchboard generates


def launchboard_pages(root: Path) -> tuple[list[Any], dict[str, str]]:
    """Launchboard's navigation and its generated Markdown pages by path, computed as the
    plugin does (load_portfolio, then render_site with the trends from ROOT's history)."""
    from generator.core.pipeline import load_portfolio
    from generator.site.render import render_site
    from generator.site.trends import load_trends

    portfolio = load_portfolio(root, AS_OF, cache=False)
    site = render_site(
        portfolio,
        templates_dir=root / "templates" / "site",
        schemas_dir=root / "schemas",
        group_size=_plugin_option(root / "mkdocs.yml", "nav_group_size", 50),
        trends=load_trends(root, portfolio.as_of),
    )
    pages = {path: site.files[path] for path in sorted(site.pages)}
    return site.nav, {p: c if isinstance(c, str) else c.decode("utf-8") for p, c in pages.items()}


def html_path(page: str) -> str:
    """Where MkDocs (use_directory_urls) writes a Markdown page: a/b.md -> a/b/index.html."""
    stem = page[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem + ".html"
    return stem + "/index.html"


def front_matter(markdown: str) -> str:
    """A page's YAML front matter block with its fences, or ''."""
    match = re.match(r"---\n.*?\n---\n", markdown, flags=re.S)
    return match.group(0) if match else ""


# --------------------------------------------------------------------------- HTML -> plain Markdown

_SKIP = {"script", "style", "template", "noscript"}
_BLOCK = {
    "p", "div", "ul", "ol", "li", "dl", "dt", "dd", "pre", "blockquote", "details", "summary",
    "section", "figure", "figcaption", "header", "footer", "aside", "br", "hr", "form", "fieldset",
    "svg", "g", "text", "nav",
}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "source", "path", "rect", "circle",
         "line", "polyline", "polygon", "ellipse", "use"}


def _escape(text: str) -> str:
    """Text that Python-Markdown shows as it is: no emphasis, link, code, HTML or block marker."""
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
    text = re.sub(r"([`*_\[\]])", r"\\\1", text)
    if re.match(r"[#>+\-!]", text):
        text = "\\" + text
    return re.sub(r"^(\d+)\.(?=\s|$)", r"\1\\.", text)  # not an ordered list


def _heading(text: str) -> str:
    """A heading's text: escaped, and a closing '#' kept (Markdown drops closing hashes)."""
    text = _escape(text)
    return text[:-1] + "\\#" if text.endswith("#") and not text.endswith("\\#") else text


def _flat(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


class ArticleText(html.parser.HTMLParser):
    """The visible text of a Material page's article as plain Markdown blocks.

    Leaves out what the theme or a plugin adds from the page's metadata and adds again on
    the reference (the tag chips, the headings' permalinks), and what is not text (scripts,
    styles, image files)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.text: list[str] = []  # the paragraph being read
        self.skip: list[str] = []  # open elements whose content is left out
        self.heading = 0
        self.tables = 0  # depth: a table in a table cell is read as that cell's text
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def _flush(self) -> None:
        text = _flat(self.text)
        self.text = []
        if text:
            self.blocks.append(_escape(text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip:
            if tag not in _VOID:
                self.skip.append(tag)
            return
        classes = (dict(attrs).get("class") or "").split()
        if tag in _SKIP or (tag == "a" and "headerlink" in classes) or (tag == "nav" and "md-tags" in classes):
            self.skip.append(tag)
            return
        if tag == "table":
            self.tables += 1
            if self.tables == 1:
                self._flush()
                self.rows = []
            return
        if self.tables == 1 and tag == "tr":
            self.rows.append([])
        elif self.tables == 1 and tag in ("td", "th"):
            self.cell = []
        elif self.tables:
            return
        elif tag in _HEADINGS:
            self._flush()
            self.heading = _HEADINGS[tag]
        elif tag in _BLOCK:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skip and not self.tables and tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            self.skip.pop()
            return
        if tag == "table" and self.tables:
            self.tables -= 1
            if self.tables == 0:
                self._table()
            return
        if self.tables == 1 and tag in ("td", "th") and self.cell is not None:
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(_escape(_flat(self.cell)).replace("|", "\\|"))
            self.cell = None
        elif self.tables:
            return
        elif tag in _HEADINGS and self.heading:
            text = _flat(self.text)
            self.text = []
            if text:
                self.blocks.append("#" * self.heading + " " + _heading(text))
            self.heading = 0
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.tables:
            (self.cell if self.cell is not None else self.text).append(data)  # a caption: after the table
            return
        self.text.append(data)

    def _table(self) -> None:
        rows = [r for r in self.rows if r]
        self.rows = []
        if not rows:
            return
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        self.blocks.append("\n".join(lines))

    def markdown(self) -> str:
        self._flush()
        return "\n\n".join(self.blocks) + "\n"


def article(page_html: str) -> str:
    """The inside of Material's <article> (the page's content, its title and tag chips)."""
    start = page_html.find('<article class="md-content__inner')
    end = page_html.rfind("</article>")
    if start < 0 or end < start:
        raise ValueError("no Material <article> in the page")
    return page_html[page_html.index(">", start) + 1 : end]


def plain_page(source: str, page_html: str) -> str:
    """One reference page: the generated page's front matter, then its visible text."""
    if TAGS_MARKER in source:  # the tags page is the tags plugin's listing on both sides: as it is
        return source
    parser = ArticleText()
    parser.feed(article(page_html))
    parser.close()
    return front_matter(source) + "\n" + parser.markdown()


def _plugin_option(config: Path, name: str, default: Any) -> Any:
    for plugin in _load_config(config).get("plugins") or []:
        if isinstance(plugin, dict) and isinstance(plugin.get("launchboard"), dict):
            return plugin["launchboard"].get(name, default)
    return default


class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml's `!ENV [NAME, default]` read as its default (the bench sets none of them)."""


_ConfigLoader.add_constructor("!ENV", lambda loader, node: loader.construct_sequence(node)[-1]
                              if isinstance(node, yaml.SequenceNode) else None)


def _load_config(config: Path) -> dict:
    return yaml.load(config.read_text(encoding="utf-8"), Loader=_ConfigLoader) or {}


def reference_config(config: Path, nav: list[Any]) -> dict:
    """mkdocs.yml less the launchboard plugin (and `watch`, which names the records), with
    Launchboard's navigation and docs/ as the docs folder."""
    data = _load_config(config)
    data["plugins"] = [
        p for p in data.get("plugins") or []
        if not (p == "launchboard" or (isinstance(p, dict) and "launchboard" in p))
    ]
    data.pop("watch", None)
    # as the plugin marks them (InclusionLevel.NOT_IN_NAV): built, and left out of the nav quietly
    data["not_in_nav"] = "/initiatives/*/decisions/\n/initiatives/*/runbooks/\n"
    data["docs_dir"] = "docs"
    data["nav"] = nav
    return data


def write_reference(root: Path, built: Path, out: Path) -> dict:
    """The plain MkDocs project for ROOT's pages, from Launchboard's build of them in BUILT.

    Every generated page becomes docs/<same path>.md with its visible text; decision and
    runbook pages stay out of the navigation as they do on Launchboard's site."""
    nav, pages = launchboard_pages(root)
    built_pages = {str(p.relative_to(built)) for p in built.rglob("*.html")} - {"404.html"}
    expected = {html_path(p) for p in pages}
    if expected != built_pages:
        missing, extra = sorted(expected - built_pages)[:5], sorted(built_pages - expected)[:5]
        raise SystemExit(f"Launchboard's build and render_site disagree on the pages: missing {missing}, extra {extra}")
    if out.exists():
        shutil.rmtree(out)
    docs = out / "docs"
    text_bytes = 0
    for path, source in pages.items():
        page = plain_page(source, (built / html_path(path)).read_text(encoding="utf-8"))
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        text_bytes += len(page.encode("utf-8"))
    config = reference_config(root / "mkdocs.yml", nav)
    (out / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return {"pages": len(pages), "markdown_mb": text_bytes / 1e6}


# --------------------------------------------------------------------------- builds


def _env() -> dict[str, str]:
    epoch = int(dt.datetime.fromisoformat(AS_OF + "T12:00:00+00:00").timestamp())
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH=str(epoch), LAUNCHBOARD_NO_CACHE="1")
    env.pop("LAUNCHBOARD_OFFLINE", None)
    return env


def launchboard_cmd(root: Path, out: Path) -> list[str]:
    return [*run._tool("launchboard"), "build", str(root), "-d", str(out), "--as-of", AS_OF]


def plain_cmd(ref: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "mkdocs", "build", "-f", str(ref / "mkdocs.yml"), "-d", str(out)]


def timed_build(cmd: list[str], cwd: Path, out: Path, label: str) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cwd / ".launchboard-cache", ignore_errors=True)
    result, _ = run._measure(cmd, _env(), cwd)
    if result["rc"] != 0 or not (out / "index.html").is_file():
        raise SystemExit(f"{label} build failed (exit {result['rc']}):\n{result['stderr']}")
    return result


def site_stats(site: Path) -> dict:
    """Pages, the largest HTML page, the whole output and Material's search index."""
    htmls = [p for p in site.rglob("*.html")]
    largest = max(htmls, key=lambda p: p.stat().st_size)
    index = site / "search" / "search_index.json"
    docs = len(json.loads(index.read_text(encoding="utf-8")).get("docs", [])) if index.is_file() else 0
    return {
        "pages": sum(1 for p in htmls if p.name != "404.html" or p.parent != site),
        "largest": str(largest.relative_to(site)),
        "largest_bytes": largest.stat().st_size,
        "mb": sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 1e6,
        "index_bytes": index.stat().st_size if index.is_file() else 0,
        "index_docs": docs,
    }


def compare(work: Path, n: int, repeat: int) -> dict:
    """K rounds of both builds of N initiatives, alternating which goes first."""
    root = run.prepare(work, n)
    ref = work / f"plain-{n}"
    lb_out, plain_out = work / f"site-lb-{n}", work / f"site-plain-{n}"
    walls: dict[str, list[float]] = {"launchboard": [], "plain": []}
    peak = {k: {"maxrss_kb": 0, "tree_kb": 0} for k in walls}
    stats: dict[str, dict] = {}
    reference: dict = {}
    for round_ in range(repeat):
        order = ("launchboard", "plain") if round_ % 2 == 0 else ("plain", "launchboard")
        for which in order:
            print(f"N={n}: round {round_ + 1}/{repeat}, {which}", file=sys.stderr, flush=True)
            if which == "launchboard":
                result = timed_build(launchboard_cmd(root, lb_out), root, lb_out, "launchboard")
                if not reference:  # the first build of the run is the reference's source
                    reference = write_reference(root, lb_out, ref)
                stats["launchboard"] = site_stats(lb_out)
            else:
                result = timed_build(plain_cmd(ref, plain_out), ref, plain_out, "plain mkdocs")
                stats["plain"] = site_stats(plain_out)
            walls[which].append(result["wall"])
            for key in peak[which]:
                peak[which][key] = max(peak[which][key], result[key])
    for out in (lb_out, plain_out):
        shutil.rmtree(out, ignore_errors=True)
    return {
        "n": n,
        "reference": reference,
        "builds": {
            which: {"best": min(w), "median": statistics.median(w), "walls": w, **peak[which], **stats[which]}
            for which, w in walls.items()
        },
    }


# --------------------------------------------------------------------------- report


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def table(rows: list[dict], repeat: int) -> list[str]:
    out = [
        f"| initiatives | build | wall, best of {repeat} | median | launchboard / plain (best, median) | peak memory: largest process | process tree (PSS) | pages | largest page | output | search index |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for r in rows:
        lb, plain = r["builds"]["launchboard"], r["builds"]["plain"]
        for name, b in (("launchboard", lb), ("plain mkdocs", plain)):
            ratio = f"{lb['best'] / plain['best']:.2f}x, {lb['median'] / plain['median']:.2f}x" if b is lb else ""
            out.append(
                f"| {r['n']:,} | {name} | {_s(b['best'])} | {_s(b['median'])} | {ratio} | "
                f"{b['maxrss_kb'] / 1024:.0f} MB | {b['tree_kb'] / 1024:.0f} MB | {b['pages']:,} | "
                f"`{b['largest']}` {b['largest_bytes'] / 1e6:.2f} MB | {b['mb']:.1f} MB | "
                f"{b['index_bytes'] / 1e6:.2f} MB, {b['index_docs']:,} docs |"
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,300,1000", help="comma-separated initiative counts (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="N = 100 only")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of both builds; best and median shown (default %(default)s)")
    parser.add_argument("--work", type=Path, help="keep the repositories and the references here (default: a temporary folder)")
    parser.add_argument("--results", type=Path, help="also write the table and the machine as Markdown to this file")
    args = parser.parse_args()
    sizes = [100] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="lb-vs-mkdocs-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for n in sizes:
            rows.append(compare(work, n, max(1, args.repeat)))
            print("\n".join(table(rows[-1:], args.repeat)[2:]), file=sys.stderr, flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    refs = ", ".join(f"{r['n']:,}: {r['reference']['markdown_mb']:.1f} MB" for r in rows)
    lines = ["## Results", "", *table(rows, args.repeat), "",
             f"Reference Markdown written (front matter and visible text): {refs}.", "",
             "Every round's wall time: " + "; ".join(
                 f"{r['n']:,}: launchboard {', '.join(_s(w) for w in r['builds']['launchboard']['walls'])} / plain "
                 f"{', '.join(_s(w) for w in r['builds']['plain']['walls'])}" for r in rows) + ".",
             "", "## Machine", "", *run.machine(), ""]
    print("\n".join(lines))
    if args.results:
        args.results.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
