"""How fast a built site is in Chromium: DOMContentLoaded per kind of page, and search.

    python bench/browser_timings.py SITE [--file] [--repeat 3] [--query "kill switch" ...] [--json OUT]

SITE is a built site folder (`launchboard build`, or bench/site_scale.py --keep). It is served
over http by Python's http.server on 127.0.0.1, or, with --file, opened from the file system
(build it with `launchboard build --offline`: the search index is then search/search_index.js).

Pages: every HTML file is sorted into a kind (the board, an initiative, a decision, a runbook,
On call, each framework, each campaign, each other top-level page) and the largest file of
each kind is loaded in a fresh browser context; reported are DOMContentLoaded (when the event
started: the HTML parsed and its scripts run; and when it ended: its listeners, where Material
mounts its components on the page, have run too) and the load event, in milliseconds from
navigation start, of the first (cold) load and the median of the --repeat reloads that follow
(warm: Material's own CSS and JS cached, as a reader who has opened one page before).

Search: in a fresh context the board is opened and, at DOMContentLoaded, "/" focuses
Material's search box, the query is put in it and a key is released (Material queries on
keyup: one query for the whole text, not one per prefix). Reported: the time from starting to
type to the first result on screen, which includes fetching the index and building it in the
browser (Material 9 builds a lunr index from search_index.json on every page; from file:// on
the page's main thread), as a reader who searches at once waits; when the search was ready, from navigation start; and the same query again on
the same page once the index is built: what a search costs by itself. The first result's link
is shown, so a fast but wrong answer is visible.

Also printed: the size of the search index and its number of documents. Chromium is
Debian's, at /usr/bin/chromium, driven by Playwright, as tests/test_browser.py does.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.site_helpers import CHROMIUM, CHROMIUM_ARGS, serving  # noqa: E402  (the tests' browser and server)

VIEWPORT = {"width": 1440, "height": 900}
SKIP = {"404"}

# Installed before any script of the page: whether a key of the query went down, when
# Material's search said it was ready, and when the first result was on screen after it.
PROBE = """
window.__lb = {key: 0, ready: 0, result: 0};
document.addEventListener('keydown', e => {
  if (!window.__lb.key && e.key !== '/') window.__lb.key = performance.now();
}, true);
new MutationObserver(() => {
  const lb = window.__lb;
  if (!lb.ready) {
    const meta = document.querySelector('.md-search-result__meta');
    if (meta && meta.textContent.trim() && !/initiali/i.test(meta.textContent)) lb.ready = performance.now();
  }
  if (lb.key && !lb.result && document.querySelector('.md-search-result__item a.md-search-result__link'))
    lb.result = performance.now();
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def route(rel: str) -> str:
    """A page's path without its file name: `initiatives/x` for initiatives/x/index.html
    (served) or initiatives/x/index.html and oncall.html (from the file system)."""
    rel = rel.removesuffix("index.html").removesuffix(".html").rstrip("/")
    return rel


def kind(path: str) -> str | None:
    parts = path.split("/") if path else []
    if not parts:
        return "board"
    if parts[0] == "initiatives" and len(parts) == 2:
        return "initiative"
    if parts[0] == "initiatives" and len(parts) == 4 and parts[2] in ("decisions", "runbooks"):
        return parts[2].removesuffix("s")
    if parts[0] in ("frameworks", "campaigns") and len(parts) == 2:
        return f"{parts[0].removesuffix('s')} {parts[1]}"
    if parts[0] in ("assets", "search", "api", "badges") or parts[0] in SKIP:
        return None
    return parts[0] if len(parts) == 1 else f"{parts[0]}/…"


def largest_of_each_kind(site: Path) -> dict[str, tuple[str, int]]:
    """Kind -> (path relative to the site, bytes) of its largest HTML page."""
    found: dict[str, tuple[str, int]] = {}
    for page in site.rglob("*.html"):
        rel = page.relative_to(site).as_posix()
        name = kind(route(rel))
        if name is None:
            continue
        size = page.stat().st_size
        if name not in found or size > found[name][1]:
            found[name] = (rel, size)
    return dict(sorted(found.items()))


def index_size(site: Path) -> dict[str, int]:
    path = site / "search" / "search_index.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"bytes": path.stat().st_size, "docs": len(data["docs"])}


def url_of(base: str, rel: str, file: bool) -> str:
    if file:
        return base + rel
    return base + rel.removesuffix("index.html")


def _navigation(page) -> tuple[float, float, float]:
    """DOMContentLoaded's start (the HTML parsed, its scripts run) and end (its listeners,
    where Material mounts its components, have run too), and the load event's end."""
    timing = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
                                      return [n.domContentLoadedEventStart, n.domContentLoadedEventEnd, n.loadEventEnd]; }""")
    return float(timing[0]), float(timing[1]), float(timing[2])


def page_timings(browser, base: str, pages: dict[str, tuple[str, int]], file: bool, repeat: int) -> list[dict]:
    rows = []
    for name, (rel, size) in pages.items():
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        loads = []
        for _ in range(1 + repeat):
            page.goto(url_of(base, rel, file), wait_until="load", timeout=300_000)
            loads.append(_navigation(page))
        context.close()
        warm = loads[1:] or loads
        rows.append({"kind": name, "page": rel, "kb": round(size / 1024),
                     "dcl_start_cold_ms": round(loads[0][0]), "dcl_cold_ms": round(loads[0][1]), "load_cold_ms": round(loads[0][2]),
                     "dcl_start_warm_ms": round(statistics.median(t[0] for t in warm)),
                     "dcl_warm_ms": round(statistics.median(t[1] for t in warm)),
                     "load_warm_ms": round(statistics.median(t[2] for t in warm))})
        r = rows[-1]
        print(f"  {name:<26} {r['kb']:>6} KB  DOMContentLoaded {r['dcl_start_cold_ms']:>6}-{r['dcl_cold_ms']:>6} ms cold, "
              f"{r['dcl_start_warm_ms']:>6}-{r['dcl_warm_ms']:>6} ms warm; load {r['load_cold_ms']:>6} / {r['load_warm_ms']:>6} ms", flush=True)
    return rows


def _search(page, query: str, timeout_ms: int) -> tuple[float, str]:
    """Put the query in the box and release a key, as Material queries on keyup: one query
    for the whole text, not one per prefix. Milliseconds from the moment we start typing (this
    process's clock: from file:// Material builds the index on the page's main thread, which
    holds typing back, so the page's own clock would start late) to the first result."""
    page.evaluate("window.__lb.key = 0; window.__lb.result = 0;")
    typed = time.time() * 1000
    page.fill("input.md-search__input", query)
    page.keyboard.press("End")
    try:
        page.wait_for_function("window.__lb.result > 0", timeout=timeout_ms, polling=10)
    except Exception:  # noqa: BLE001 - a timeout is a figure too
        return float("nan"), "(no result)"
    took = page.evaluate("performance.timeOrigin + window.__lb.result") - typed
    return took, page.locator(".md-search-result__item a.md-search-result__link").first.get_attribute("href") or ""


def search_timings(browser, base: str, home: str, queries: list[str], timeout_ms: int) -> list[dict]:
    rows = []
    for query in queries:
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(PROBE)
        page = context.new_page()
        page.goto(base + home, wait_until="domcontentloaded", timeout=300_000)
        page.keyboard.press("/")
        at_once, first = _search(page, query, timeout_ms)
        ready = page.evaluate("window.__lb.ready")
        # again, the index built: what a search costs by itself
        page.fill("input.md-search__input", "")
        page.keyboard.press("End")
        page.wait_for_function("!document.querySelector('.md-search-result__item')", timeout=timeout_ms)
        again, _ = _search(page, query, timeout_ms)
        context.close()
        row = {"query": query, "ready_ms": round(ready), "first_result_ms": None if at_once != at_once else round(at_once),
               "built_index_ms": None if again != again else round(again), "first": first.split("?")[0].replace(base, "")}
        rows.append(row)
        print(f"  {query!r:<36} typed at DOMContentLoaded: first result after {row['first_result_ms']} ms "
              f"(search ready {row['ready_ms']} ms after navigation start); with the index built: {row['built_index_ms']} ms"
              f" -> {row['first']}", flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("--file", action="store_true", help="open from the file system (a site built with --offline)")
    parser.add_argument("--repeat", type=int, default=2, help="warm reloads per page after the cold one")
    parser.add_argument("--query", action="append", help="a search (repeatable); default: an initiative's title, "
                        "its id, 'kill switch' and 'pen-test'")
    parser.add_argument("--only", choices=("pages", "search"), help="measure only the pages or only search")
    parser.add_argument("--kind", action="append", help="only pages of this kind (repeatable), e.g. board, initiative")
    parser.add_argument("--search-from", default="", metavar="PAGE",
                        help="the page to search from, relative to the site (default: the board), e.g. initiatives/x/")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for a search result")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    site = args.site.resolve()
    if not (site / "index.html").is_file():
        print(f"{site}: no index.html; build the site first", file=sys.stderr)
        return 2
    if args.file and not (site / "search" / "search_index.js").is_file():
        print(f"{site}: no search/search_index.js; build it with --offline to open it from the file system", file=sys.stderr)
        return 2
    queries = args.query or _default_queries(site)
    from playwright.sync_api import sync_playwright

    result: dict = {"site": str(site), "file": args.file, "index": index_size(site)}
    print(f"search index: {result['index']['bytes'] / 1e6:.2f} MB, {result['index']['docs']} documents")
    with sync_playwright() as p, serving(site, args.file) as base:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        if args.only != "search":
            print("pages (largest of each kind):")
            pages = {k: v for k, v in largest_of_each_kind(site).items() if not args.kind or k in args.kind}
            result["pages"] = page_timings(browser, base, pages, args.file, args.repeat)
        if args.only != "pages":
            home = args.search_from or ("index.html" if args.file else "")
            print(f"search, from {home or 'the board'}:")
            result["search"] = search_timings(browser, base, home, queries, int(args.timeout * 1000))
        browser.close()
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def _default_queries(site: Path) -> list[str]:
    """An initiative's title and id from the site's feed (the middle one), and two phrases."""
    found = ["kill switch", "pen-test"]
    feed = site / "api" / "initiatives.json"
    if feed.is_file():
        items = json.loads(feed.read_text(encoding="utf-8")).get("initiatives", [])
        if items:
            middle = items[len(items) // 2]
            found = [re.sub(r"\s+", " ", middle["title"]), middle["id"], *found]
    return found


if __name__ == "__main__":
    sys.exit(main())
