"""The builders under the site, side by side: MkDocs, ProperDocs and Zensical on the same pages.

    python bench/platform_run.py [--initiatives N | --hostile] [--zensical PATH] [--browser] [--repeat N] [--folder-nav] [--work DIR]

Builds, in one run and on the same records (the sample repository, or N synthetic initiatives
from bench/synth.py):

- `mkdocs build` and `properdocs build` of the repository's own mkdocs.yml (the launchboard
  plugin renders the pages);
- the pages of `launchboard render --out DIR`, with the same theme, extensions and navigation
  (the plugin's, unless --folder-nav) and no plugin, built by `mkdocs build` and by
  `zensical build` (cold, then again with its cache).

For each output it reports wall and CPU time (medians of --repeat builds), peak memory (the largest
process), pages, tables, output size, the search index, links between pages that do not resolve
(file or anchor), pages that load anything from another host, what `tests/site_helpers.scan_site`
finds (active content) and, with --browser (the sample only), whether a search in headless
Chromium leads to the page it should. Zensical is not a dependency of the project: install it in a scratch venv and pass
its command, e.g. `python3 -m venv /tmp/zen && /tmp/zen/bin/pip install 'zensical==0.1.*'`.
Results are in bench/PLATFORM.md.
"""

from __future__ import annotations

import argparse
import html.parser
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

import synth  # noqa: E402
from tests.site_helpers import CHROMIUM, CHROMIUM_ARGS, make_root, scan_site, serving  # noqa: E402
from tests.test_site_security import PAYLOADS, _rewrite  # noqa: E402

AS_OF = synth.AS_OF
# The pages of `render --out`, without the plugin: what the plugin's on_config adds (the
# stylesheet and script) is written here, and the navigation follows the folders.
RENDERED_CONFIG = """\
site_name: Launchboard
docs_dir: docs
site_dir: {site_dir}
theme:
  name: material
  font: false
  language: en
  features: [navigation.prune, navigation.tabs, navigation.top, search.highlight, search.suggest,
             content.tooltips, content.code.copy]
plugins: [search, tags]
extra_css: [assets/launchboard.css]
extra_javascript: [assets/launchboard.js]
markdown_extensions:
  - toc:
      permalink: true
  - tables
  - admonition
"""


def measure(cmd: list[str], cwd: Path, env: dict[str, str]) -> dict:
    """Run `cmd`: its wall time, its CPU time (user + system, its workers included: on a shared
    machine the steadier figure) and the peak RSS of its largest process (wait4's rusage)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.decode('utf-8', 'replace')[-3000:]}")
    return {"seconds": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def prepare(work: Path, count: int, hostile: bool) -> Path:
    """The repository to build: this one (count 0) or `count` synthetic initiatives; `hostile`
    replaces every free-text field of the sample's support-assistant with markup and script."""
    if hostile:
        shutil.rmtree(work / "repo-hostile", ignore_errors=True)
        root = make_root(work / "repo-hostile")
        cycle = itertools.cycle(PAYLOADS)
        for path in sorted((root / "decisions" / "support-assistant").rglob("*.yaml")):
            _rewrite(path, cycle)
        return root
    if count == 0:
        return REPO
    root = work / f"repo-{count}"
    shutil.rmtree(root, ignore_errors=True)
    synth.generate(root, count, as_of=AS_OF)
    for name in ("mkdocs.yml", "schemas", "templates"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copyfile)(REPO / name, root / name)
    (root / "templates" / "site" / "docs").mkdir(parents=True, exist_ok=True)
    return root


# --------------------------------------------------------------------------- reading a site


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[str] = []
        self.outside: list[str] = []
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "table":
            self.tables += 1
        ref = a.get("href") if tag in ("a", "link") else a.get("src") if tag in ("img", "script") else None
        if not ref:
            return
        scheme = urlsplit(ref).scheme
        if not scheme:
            self.refs.append(ref)
        elif tag != "a" and scheme in ("http", "https"):  # loaded, not followed
            self.outside.append(ref)


def read_site(site: Path) -> dict:
    pages = {p.relative_to(site).as_posix(): p for p in site.rglob("*.html")}
    parsed = {}
    for name, path in pages.items():
        p = _Page()
        p.feed(path.read_text(encoding="utf-8"))
        parsed[name] = p
    links = broken_files = broken_anchors = 0
    for name, p in parsed.items():
        base = "/" + name
        for ref in p.refs:
            target = urlsplit(urljoin(base, ref))
            path = unquote(target.path).lstrip("/")
            if path == "" or path.endswith("/"):
                path += "index.html"
            elif (site / path).is_dir():
                path += "/index.html"
            links += 1
            if not (site / path).is_file():
                broken_files += 1
            elif target.fragment and path in parsed and unquote(target.fragment) not in parsed[path].ids:
                broken_anchors += 1
    index = next((site / n for n in ("search/search_index.json", "search.json") if (site / n).is_file()), None)
    return {
        "pages": len(pages),
        "tables": sum(p.tables for p in parsed.values()),
        "mb": sum(f.stat().st_size for f in site.rglob("*") if f.is_file()) / 1e6,
        "search": f"{index.relative_to(site).as_posix()} {index.stat().st_size / 1e3:.0f} kB" if index else "none",
        "links": links,
        "broken": f"{broken_files} / {broken_anchors}",
        "outside": sum(1 for p in parsed.values() if p.outside),
        "active": len(scan_site(site)),
    }


def search_in_browser(site: Path) -> str:
    """Headless Chromium (Debian's, as tests/test_browser.py): type a word of the contract
    summariser's summary into the search box, take the first result, and see where it lands;
    also whether the board, that page and the search asked any other host for anything."""
    from playwright.sync_api import TimeoutError as NoResult, sync_playwright

    outside: list[str] = []
    with serving(site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((url, "data:", "blob:")) else None)
        page.goto(url)
        page.keyboard.press("/")  # both UIs focus their search box on "/"
        page.keyboard.type("supplier", delay=50)
        try:  # both mark the matched word in their results; the index loads in a worker
            page.locator("mark").first.wait_for(timeout=15000)
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            page.wait_for_url("**/initiatives/contract-summariser/**", timeout=5000)
            found = "finds it"
        except NoResult:
            found = "no result"
        browser.close()
    return found + (f", {len(outside)} requests elsewhere" if outside else "")


# --------------------------------------------------------------------------- the builds


def plugin_nav(root: Path) -> str:
    """The navigation the plugin gives MkDocs (initiatives in groups, decisions and runbooks
    reached from their initiative's page), as `nav:` and `not_in_nav:` for the rendered pages'
    config: `render --out` writes pages, not a config, and a folder navigation embeds every
    page in every page."""
    from generator.core.pipeline import load_portfolio
    from generator.site.render import render_site
    from generator.site.trends import load_trends

    portfolio = load_portfolio(root, AS_OF)
    site = render_site(portfolio, templates_dir=root / "templates" / "site", schemas_dir=root / "schemas",
                       trends=load_trends(root, portfolio.as_of))
    nav = yaml.safe_dump({"nav": site.nav}, sort_keys=False, allow_unicode=True).replace("{", "{{").replace("}", "}}")
    return nav + "not_in_nav: |\n  /initiatives/*/decisions/\n  /initiatives/*/runbooks/\n"


def _median(runs: list[dict]) -> dict:
    return {"seconds": statistics.median(r["seconds"] for r in runs), "cpu": statistics.median(r["cpu"] for r in runs),
            "peak_mb": max(r["peak_mb"] for r in runs)}


def run(count: int, zensical: str | None, work: Path, hostile: bool = False, browser: bool = False,
        repeat: int = 1, folder_nav: bool = False) -> list[dict]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", LAUNCHBOARD_AS_OF=AS_OF)
    root = prepare(work, count, hostile)
    rows = []

    def row(name: str, cmd: list[str], cwd: Path, site: Path, search: bool = True) -> None:
        runs = []
        for _ in range(repeat):
            shutil.rmtree(site, ignore_errors=True)
            runs.append(measure(cmd, cwd, env))
        timing = _median(runs)
        rows.append({"builder": name, **timing, **read_site(site)})
        if browser and search:
            rows[-1]["browser"] = search_in_browser(site)
        print(f"  {name}: {timing['seconds']:.2f} s", file=sys.stderr, flush=True)

    config = root / "mkdocs.yml"
    row("mkdocs build (plugin)", [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(work / "mkdocs-plugin")], root, work / "mkdocs-plugin")
    row("properdocs build (plugin)", [sys.executable, "-m", "properdocs", "build", "-q", "-f", str(config), "-d", str(work / "properdocs-plugin")], root, work / "properdocs-plugin")

    rendered = work / "rendered"
    shutil.rmtree(rendered, ignore_errors=True)
    rendered.mkdir()
    renders = [measure([sys.executable, "-m", "generator", "render", str(root), "--out", str(rendered / "docs"), "--as-of", AS_OF], root, env)
               for _ in range(repeat)]
    rows.append({"builder": "launchboard render --out", **_median(renders)})
    config_text = RENDERED_CONFIG + ("" if folder_nav else plugin_nav(root))
    (rendered / "mkdocs.yml").write_text(config_text.format(site_dir="mkdocs-site"), encoding="utf-8")
    row("render + mkdocs build", [sys.executable, "-m", "mkdocs", "build", "-q", "-f", "mkdocs.yml"], rendered, rendered / "mkdocs-site")
    if zensical:
        (rendered / "zensical.yml").write_text(config_text.format(site_dir="zensical-site"), encoding="utf-8")
        row("render + zensical build (cold)", [zensical, "build", "--clean", "-f", "zensical.yml"], rendered, rendered / "zensical-site")
        # the same files as the cold build writes (diff -r): searched once, above
        row("render + zensical build (cached)", [zensical, "build", "-f", "zensical.yml"], rendered, rendered / "zensical-site", search=False)
    return rows


COLUMNS = [("builder", "builder"), ("seconds", "wall s"), ("cpu", "CPU s"), ("peak_mb", "peak MB"), ("pages", "pages"),
           ("tables", "tables"), ("mb", "output MB"), ("search", "search index"), ("links", "links"),
           ("broken", "broken file / anchor"), ("outside", "pages loading another host"), ("active", "active content"),
           ("browser", "search in Chromium")]


def table(rows: list[dict]) -> str:
    def cell(row: dict, key: str) -> str:
        value = row.get(key, "")
        return f"{value:.2f}" if isinstance(value, float) and key in ("seconds", "cpu") else f"{value:.1f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(title for _, title in COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(r, k) for k, _ in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--initiatives", type=int, default=0, help="synthetic initiatives (0: the sample repository)")
    parser.add_argument("--zensical", help="the zensical command of a scratch venv (left out when not given)")
    parser.add_argument("--hostile", action="store_true", help="the sample with one initiative's text made hostile")
    parser.add_argument("--browser", action="store_true", help="search each sample site in headless Chromium")
    parser.add_argument("--repeat", type=int, default=1, help="builds of each kind; the median wall time is reported")
    parser.add_argument("--folder-nav", action="store_true", help="rendered pages with a navigation of their folders, not the plugin's")
    parser.add_argument("--work", type=Path, help="folder for the sites (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="lb-platform-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{args.initiatives or 'sample'} initiatives, as of {AS_OF}, in {work}", file=sys.stderr)
    print(table(run(args.initiatives, args.zensical, work, args.hostile, args.browser and not args.initiatives, max(1, args.repeat),
                    args.folder_nav)))


if __name__ == "__main__":
    main()
