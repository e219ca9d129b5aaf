"""The built site in a real headless browser: Debian's chromium driven by Playwright.

Opens the board, searches for an initiative by a word of its summary with the Material search
box, opens the result, and sees its stage and what blocks its next stage. With
LAUNCHBOARD_SCREENSHOTS=DIR set, screenshots go to DIR/launchboard-*.png for a person to look
at; otherwise none is written (the suite leaves nothing in the temporary folder).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.site_helpers import CHROMIUM, CHROMIUM_ARGS, REPO, serving, site_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def screenshot(page, name: str, **options) -> None:
    """A screenshot for a person, only when LAUNCHBOARD_SCREENSHOTS names a folder."""
    folder = os.environ.get("LAUNCHBOARD_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"launchboard-{name}.png"), **options)

ARGS = CHROMIUM_ARGS


def _ensure_chromium() -> str | None:
    """Path to chromium, installing Debian's package when missing and allowed; None if impossible."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, capture_output=True, timeout=900)
    return CHROMIUM if Path(CHROMIUM).exists() else None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright for Python is not installed")
    path = _ensure_chromium()
    if path is None:
        pytest.skip("no chromium at /usr/bin/chromium and it could not be installed (needs root and apt-get)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def served_site(sample_site: Path):
    with serving(sample_site) as url:  # the sample's site, built once per run (conftest.py); served read-only
        yield url


def test_search_open_and_read_readiness(browser, served_site):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(served_site) and not r.url.startswith("data:") else None)
    page.goto(served_site)
    assert "Launch board" in page.title()
    assert page.locator("table .lb-readiness").count() >= 4
    screenshot(page, "board", full_page=True)

    # "supplier" is a word of the contract summariser's summary
    page.keyboard.press("/")  # Material's shortcut focuses the search box
    page.keyboard.type("supplier", delay=50)  # typed, as Material listens for key events
    result = page.locator('.md-search-result__link[href*="initiatives/contract-summariser/?"]').first
    result.wait_for(timeout=15000)
    screenshot(page, "search")
    result.click()
    page.wait_for_url("**/initiatives/contract-summariser/**")

    assert page.locator("h1").first.inner_text().strip().rstrip("¶") == "Contract summariser"
    assert page.locator(".lb-facts .lb-stage").inner_text().strip() == "canary"
    blocking = page.locator("#blocking-the-next-stage-ga").locator("xpath=following::table[1]")
    assert blocking.is_visible()
    assert "External penetration test" in blocking.inner_text()
    screenshot(page, "initiative", full_page=True)
    assert outside == [], f"the site fetched from outside: {outside}"
    page.close()


# --------------------------------------------------------------------------- every reader

PHONE = {"width": 390, "height": 844}


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"


def test_phone_shows_stage_and_gate_without_scrolling_sideways(browser, served_site):
    page = browser.new_page(viewport=PHONE)
    for url in ("", "initiatives/contract-summariser/", "initiatives/support-assistant/decisions/0001-rag-over-fine-tuning/",
                "decisions/", "checklists/"):
        page.goto(served_site + url)
        _no_sideways_scroll(page)
    page.goto(served_site)
    rows = page.locator("table:has(.lb-board-head) tbody tr")
    assert rows.count() >= 9
    for i in range(rows.count()):
        row = rows.nth(i)
        for part in (".lb-stage", "td:nth-child(6) .lb-readiness, td:nth-child(6) .lb-muted"):
            box = row.locator(part).first.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (i, part, box)
    screenshot(page, "phone-board", full_page=True)
    # the weighted total sits next to the option, inside the screen
    page.goto(served_site + "initiatives/support-assistant/decisions/0001-rag-over-fine-tuning/")
    best = page.locator(".lb-best").first.bounding_box()
    assert best is not None and best["x"] + best["width"] <= PHONE["width"]
    page.close()


def test_desktop_home_reaches_every_section(browser, served_site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served_site)
    tabs = page.locator(".md-tabs")
    assert tabs.is_visible()
    for name in ("Decision log", "Approach guide", "Checklists", "Field reference", "How to contribute"):
        assert tabs.get_by_text(name, exact=True).is_visible(), name
    tabs.get_by_text("Decision log", exact=True).click()
    page.wait_for_url("**/decisions/")
    assert page.locator("h1").first.inner_text().startswith("Decision log")
    page.close()


def test_board_filters_and_sorts(browser, served_site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served_site)
    rows = page.locator("table:has(.lb-board-head) tbody tr")
    total = rows.count()
    # a cell's text as the filter reads it (textContent): rows far below the window are not
    # drawn (content-visibility), and an undrawn element has no rendered text (innerText)
    titles = [rows.nth(i).locator("td").first.text_content().strip() for i in range(total)]
    assert titles == sorted(titles, key=str.casefold), "rows sort by title by default"

    def visible() -> list[str]:
        return [rows.nth(i).locator("td").first.text_content().strip() for i in range(total) if rows.nth(i).is_visible()]

    page.select_option(".lb-filter select[name=stage]", "canary")
    canary = visible()
    assert canary and all(rows.nth(i).locator(".lb-stage").text_content() == "canary" for i in range(total) if rows.nth(i).is_visible())
    assert page.locator(".lb-filter__count").inner_text() == f"{len(canary)} of {total} initiatives"
    page.select_option(".lb-filter select[name=stage]", "")
    page.select_option(".lb-filter select[name=gate]", "blocked")
    blocked = visible()
    assert blocked and "Code-review bot" not in blocked  # at ga, nothing blocks it
    assert all("lb-row--blocked" in (rows.nth(i).get_attribute("class") or "") for i in range(total) if rows.nth(i).is_visible())
    page.select_option(".lb-filter select[name=gate]", "")
    page.select_option(".lb-filter select[name=owner]", "@org/legal-engineering")
    assert visible() == ["Contract summariser"]
    page.select_option(".lb-filter select[name=owner]", "")
    assert len(visible()) == total
    # sort by risk, high first on the second click
    risk = page.locator("table:has(.lb-board-head) thead th").nth(3).locator("button")
    risk.click()
    risk.click()
    first = rows.nth(0).locator(".lb-risk").text_content()
    assert first == "high"
    # "+N more" blockers open in place; each blocker links to its item's row
    more = page.locator("details.lb-more").first
    more.locator("summary").click()
    assert more.locator(".lb-block a").first.is_visible()
    link = page.locator(".lb-block a").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url("**/initiatives/**")
    anchor = href.split("#", 1)[1]
    assert page.locator(f"tr#{anchor}").is_visible()
    page.close()


def _contrast_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "rule", "values": ["color-contrast"]}})
    found = []
    for violation in result.response["violations"]:
        for node in violation["nodes"]:
            data = next((c.get("data") or {} for c in node.get("any", []) if c.get("data")), {})
            found.append(f"{page.url} {node['target']}: {data.get('contrastRatio')} "
                         f"{data.get('fgColor')} on {data.get('bgColor')}")
    return found


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_text_contrast_meets_wcag_aa_in_light_and_dark(browser, served_site, scheme):
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.add_init_script(f"localStorage.setItem('/.__palette', JSON.stringify({{index: {0 if scheme == 'default' else 1}, color: {{scheme: '{scheme}'}}}}))")
    found = []
    for url in ("", "initiatives/contract-summariser/", "initiatives/support-assistant/decisions/0001-rag-over-fine-tuning/", "decisions/",
                "oncall/", "initiatives/support-assistant/runbooks/rollback/", "frameworks/owasp-llm-2025/"):
        page.goto(served_site + url)
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == scheme
        found += _contrast_violations(page)
    if scheme == "slate":
        page.goto(served_site)
        screenshot(page, "dark-board")
        # the custom parts follow the dark palette instead of staying light pastel boxes
        for selector in (".lb-stagecount.lb-stage--ga", ".lb-chip.lb-stage--ga", ".lb-kpi"):
            luminance = page.evaluate(
                """(sel) => { const c = getComputedStyle(document.querySelector(sel)).backgroundColor.match(/[0-9.]+/g).map(Number);
                   const a = c.length > 3 ? c[3] : 1; if (a === 0) return 0;
                   return (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255; }""", selector)
            assert luminance < 0.35, (selector, luminance)
    page.close()
    assert found == [], "\n".join(found)


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("offline") / "site"
    result = subprocess.run([sys.executable, "-m", "generator", "build", str(REPO), "--offline", "-d", str(out)],
                            cwd=REPO, env=site_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return out


def test_site_opened_from_the_file_system_links_and_searches(browser, offline_site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file://", "data:", "about:")) else None)
    page.goto(offline_site.as_uri() + "/index.html")
    page.locator('table a[href="initiatives/contract-summariser/index.html"]').first.click()
    page.wait_for_url("**/initiatives/contract-summariser/index.html")
    assert page.locator("h1").first.inner_text().strip().rstrip("¶") == "Contract summariser"
    page.keyboard.press("/")
    page.keyboard.type("supplier", delay=50)
    result = page.locator('.md-search-result__link[href*="contract-summariser/index.html"]').first
    result.wait_for(timeout=15000)
    assert outside == [], f"the offline site fetched from outside: {outside}"
    page.close()


def test_a_runbook_found_by_search_shows_commands_with_a_copy_button(browser, served_site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served_site)
    page.keyboard.press("/")
    page.keyboard.type("cachectl", delay=50)  # a command in the support assistant's rollback runbook
    result = page.locator('.md-search-result__link[href*="support-assistant/runbooks/rollback/"]').first
    result.wait_for(timeout=15000)
    result.click()
    page.wait_for_url("**/support-assistant/runbooks/rollback/**")
    assert page.locator(".lb-facts .lb-severity").inner_text().strip() == "sev2"
    command = page.locator("pre.lb-command").first
    assert command.is_visible()
    # Material's copy button, added to every code block once the page's script has run
    page.locator("pre.lb-command button.md-code__button[data-md-type=copy]").first.wait_for(state="attached", timeout=10000)
    assert page.locator("pre.lb-command button.md-code__button[data-md-type=copy]").count() == page.locator("pre.lb-command").count()
    assert page.locator("li.lb-step--destructive .lb-approval").inner_text().startswith("needs approval")
    screenshot(page, "runbook", full_page=True)
    page.close()


# --------------------------------------------------------------------------- on call, search, widths

def _serving(tmp: Path | None = None) -> list[dict]:
    """The sample's serving initiatives with what On call must show of each, from the records."""
    import yaml

    found = []
    for folder in sorted((REPO / "decisions").iterdir()):
        record = folder / "initiative.yaml"
        if not record.is_file():
            continue
        ini = yaml.safe_load(record.read_text(encoding="utf-8"))
        if ini["stage"] not in ("canary", "ga"):
            continue
        runbooks = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((folder / "runbooks").glob("*.yaml"))}
        rollback = next((r for r in runbooks.values() if "rollback" in r.get("topics", [])), None)
        first = min((rollback or next(iter(runbooks.values())))["escalation"], key=lambda e: e["after_minutes"])["contact"]
        found.append({"id": ini["id"], "title": ini["title"], "first": first,
                      "kill": (rollback or {}).get("rollback", {}).get("kill_switch"), "runbooks": sorted(runbooks)})
    return found


def _on_screen(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 0.5


def _scroll_to(locator) -> None:
    """Scroll LOCATOR into view and wait until the browser draws it: long pages draw only what
    is near the screen (content-visibility: auto), and a skipped element has no rendered text."""
    locator.scroll_into_view_if_needed()
    locator.evaluate("el => new Promise(done => { const check = () => el.checkVisibility({contentVisibilityAuto: true}) ? done() : requestAnimationFrame(check); check(); })")


def test_on_call_on_a_phone_shows_first_call_kill_switch_and_runbooks(browser, served_site):
    page = browser.new_page(viewport=PHONE)
    page.goto(served_site + "oncall/")
    _no_sideways_scroll(page)
    serving = _serving()
    assert len(serving) == 4
    for ini in serving:
        heading = page.locator(f'h2:has(a[href="../initiatives/{ini["id"]}/"])')
        assert heading.count() == 1, ini["id"]
        block = heading.locator("xpath=following-sibling::ul[1]")
        _scroll_to(block)  # as a reader sees it (the browser draws blocks only near the screen)
        first = block.locator("li", has=page.locator(".lb-oncall-label", has_text="First call")).locator("strong")
        assert first.inner_text() == ini["first"] and _on_screen(page, first), ini["id"]
        kill = block.locator("code.lb-oncall-code").first
        assert kill.inner_text() == ini["kill"] and _on_screen(page, kill), ini["id"]
        links = block.locator('a[href*="/runbooks/"]:not([href*="#"])')
        assert sorted(h.split("/runbooks/")[1].strip("/") for h in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")) == ini["runbooks"]
        for i in range(links.count()):
            assert _on_screen(page, links.nth(i)), (ini["id"], i)
    # a runbook whose only exercise, an incident, found issues says so, and nothing about an earlier pass
    drill = page.locator('li:has(> a[href="../initiatives/support-assistant/runbooks/provider-outage/"]) .lb-drill')
    _scroll_to(drill)
    assert drill.inner_text() == "no exercise has passed yet; the latest, incident of 2026-10-14, found issues"
    page.screenshot(path="/tmp/launchboard-phone-oncall.png", full_page=True)
    page.close()


def _first_results(page, query: str, expect: str) -> list[str]:
    """Type a query into Material's search box; wait until the first result is `expect` (the
    list redraws as each key arrives); the hrefs of the results' page links."""
    page.keyboard.press("/")
    page.keyboard.type(query, delay=20)
    try:
        page.wait_for_function(
            """(want) => { const a = document.querySelector('.md-search-result__item a.md-search-result__link');
                           return a && a.getAttribute('href').split('?')[0].split('#')[0].endsWith(want); }""",
            arg=expect, timeout=30000)  # a loaded CI machine builds the index in the worker slowly
    except Exception:  # noqa: BLE001 - report what came first instead of a timeout
        pass
    page.wait_for_timeout(300)
    return page.locator(".md-search-result__item > a.md-search-result__link").evaluate_all(
        "els => els.map(e => e.getAttribute('href').split('?')[0])")


SEARCHES = [
    # (query, what the first result's page ends with, the first result's best section, if any)
    ("support-assistant-daily-cost", "initiatives/support-assistant/runbooks/cost-spike/", None),
    ("contract-summariser-gpu-pending-pods", "initiatives/contract-summariser/runbooks/provider-outage/", None),
    ("Contract summariser", "initiatives/contract-summariser/", None),
    ("Customer support assistant", "initiatives/support-assistant/", None),
    ("pen-test", "", "item-security-review--pen-test"),
]


def _offline_url(served: str) -> str:
    """A served page's URL as the file-system build writes it: x/ -> x/index.html for an
    initiative's page, x/y/ -> x/y.html for the others."""
    if not served:
        return served
    path = served.rstrip("/")
    return path + ("/index.html" if path.count("/") == 1 else ".html")


def _check_searches(page, home: str, offline: bool) -> None:
    page_suffix = ".html" if offline else ""
    for query, want, section in SEARCHES:
        page.goto(home)
        expect = _offline_url(want) if offline else want
        hrefs = _first_results(page, query, expect)
        assert hrefs, query
        if want:
            assert hrefs[0].split("#")[0].endswith(expect), (query, hrefs[:3])
        if section:
            best = page.locator(".md-search-result__item").first.locator("a.md-search-result__link").nth(1)
            assert best.get_attribute("href").split("#")[1] == section, query
    for query in ("kill switch", "rollback", "cachectl"):
        page.goto(home)
        hrefs = _first_results(page, query, "/" if not page_suffix else ".html")
        runbooks = [h for h in hrefs if "/runbooks/" in h]
        frameworks = [h for h in hrefs if "frameworks/" in h]
        assert runbooks and "/runbooks/" in hrefs[0], (query, hrefs[:3])
        if frameworks:
            assert hrefs.index(frameworks[0]) > hrefs.index(runbooks[-1]), (query, hrefs)
    # no result is a wall of text: every teaser a few lines at most
    longest = page.locator(".md-search-result__article").evaluate_all("els => Math.max(...els.map(e => e.innerText.length))")
    assert longest <= 420, longest


def test_search_finds_the_runbook_for_an_alert_and_the_initiative_for_its_name(browser, served_site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _check_searches(page, served_site, offline=False)
    page.screenshot(path="/tmp/launchboard-search-results.png")
    page.close()


def test_search_from_the_file_system_ranks_the_same(browser, offline_site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _check_searches(page, offline_site.as_uri() + "/index.html", offline=True)
    page.close()


# Each kind of thing the index promises, by what a reader would type: (query, the first
# result's page, the first result's best section or None). The index keeps each word once per
# entry and lunr splits at the site's separator; these hold that it still finds every kind.
KINDS = [
    ("cross-encoder reranker", "initiatives/support-assistant/decisions/0002-add-reranker/", None),  # a decision
    ("fraud-note-classifier", "initiatives/fraud-note-classifier/", None),  # an initiative by its id
    ("@org/risk-ml", "initiatives/fraud-note-classifier/", None),  # an initiative by its team
    ("GV-1.7-001", "frameworks/nist-ai-600-1/", "control-gv-1-7-001"),  # a control by its id
    ("contract-summariser-gpu-pending-pods", "initiatives/contract-summariser/runbooks/provider-outage/", None),  # an alert
]


def test_search_finds_each_kind_of_record_first(browser, served_site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    for query, want, section in KINDS:
        page.goto(served_site)
        hrefs = _first_results(page, query, want)
        assert hrefs and hrefs[0].split("#")[0].endswith(want), (query, hrefs[:3])
        if section:
            best = page.locator(".md-search-result__item").first.locator("a.md-search-result__link").nth(1)
            assert best.get_attribute("href").split("#")[1] == section, query
    page.close()


def test_no_table_overflows_at_desktop_width_and_an_empty_filter_says_so(browser, served_site):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    for url in ("", "initiatives/support-assistant/", "initiatives/contract-summariser/", "initiatives/code-review-bot/",
                "initiatives/internal-search/", "initiatives/fraud-note-classifier/", "checklists/", "decisions/",
                "initiatives/support-assistant/runbooks/rollback/", "frameworks/nist-ai-600-1/", "oncall/"):
        page.goto(served_site + url)
        over = page.evaluate("""Array.from(document.querySelectorAll('.md-typeset table')).map(t => {
            const box = t.closest('.md-typeset__scrollwrap') || t.parentElement;
            return [t.scrollWidth - box.clientWidth, (t.querySelector('th') || {}).textContent]; }).filter(x => x[0] > 1)""")
        assert over == [], (url, over)
    # a runbook's command is not hidden under its copy button
    page.goto(served_site + "initiatives/support-assistant/runbooks/rollback/")
    page.locator("pre.lb-command button.md-code__button").first.wait_for(state="attached", timeout=10000)
    clipped = page.evaluate("""Array.from(document.querySelectorAll('pre.lb-command > code')).filter(c => c.scrollWidth > c.clientWidth + 1).length""")
    assert clipped == 0
    page.goto(served_site)
    page.select_option(".lb-filter select[name=stage]", "retired")
    page.select_option(".lb-filter select[name=gate]", "blocked")
    message = page.locator(".lb-filter__empty")
    assert message.is_visible() and "No initiative matches" in message.inner_text()
    assert not page.locator("table:has(.lb-board-head)").is_visible()
    page.select_option(".lb-filter select[name=gate]", "")
    assert not message.is_visible()
    page.close()


def test_screenshots_for_a_person_phone_desktop_dark(browser, served_site):
    """Not an assertion of looks: the pictures a reviewer opens (phone, desktop, dark mode)."""
    for name, viewport, scheme in (("phone", PHONE, "default"), ("desktop", {"width": 1440, "height": 900}, "default"),
                                   ("dark-phone", PHONE, "slate")):
        page = browser.new_page(viewport=viewport)
        page.add_init_script(f"localStorage.setItem('/.__palette', JSON.stringify({{index: {0 if scheme == 'default' else 1}, color: {{scheme: '{scheme}'}}}}))")
        for url, file in (("oncall/", "oncall"), ("", "board"), ("initiatives/support-assistant/runbooks/rollback/", "runbook")):
            page.goto(served_site + url)
            _no_sideways_scroll(page) if viewport is PHONE else None
            page.screenshot(path=f"/tmp/launchboard-{name}-{file}.png", full_page=True)
        page.close()


# --------------------------------------------------------------------------- long pages
# At a thousand initiatives the board, the decision log and the tags page hold tens of
# thousands of elements; they are drawn only near the screen (content-visibility), and the two
# tables lay each row out as a grid of fixed columns. Here, on the sample in a short window:
# rows far below are skipped, the columns still line up, and nothing is lost from the page.

SHORT = {"width": 1280, "height": 240}


def _skipped(locator) -> bool:
    """Whether the browser skips drawing this element (inside a content-visibility: auto
    subtree far from the screen); it stays in the page either way."""
    return not locator.evaluate("el => el.checkVisibility({contentVisibilityAuto: true})")


def _frames(page) -> None:
    """Two frames: the browser decides at a frame which skipped parts are near the screen."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _columns_line_up(page, table: str) -> None:
    heads = page.locator(f"{table} thead th")
    rows = page.locator(f"{table} tbody tr")
    lefts = [round(heads.nth(i).bounding_box()["x"]) for i in range(heads.count())]
    for r in range(rows.count()):
        row = rows.nth(r)
        row.scroll_into_view_if_needed()
        cells = row.locator("td")
        assert cells.count() == len(lefts)
        assert [round(cells.nth(i).bounding_box()["x"]) for i in range(cells.count())] == lefts, r


@pytest.mark.parametrize("url, table", [("", "table:has(.lb-board-head)"), ("decisions/", "table:has(.lb-log-head)")])
def test_long_tables_draw_rows_near_the_screen_and_keep_their_columns(browser, served_site, url, table):
    page = browser.new_page(viewport=SHORT)
    page.goto(served_site + url)
    rows = page.locator(f"{table} tbody tr")
    assert rows.count() >= 9
    assert rows.first.evaluate("el => getComputedStyle(el).contentVisibility") == "auto"
    rows.first.scroll_into_view_if_needed()
    _frames(page)
    assert not _skipped(rows.first.locator("td").first)
    assert _skipped(rows.last.locator("td").first), "a row far below the window is drawn anyway"
    # skipped, but in the page: its text and its link are there
    last = rows.last.locator("td a").first
    assert last.get_attribute("href") and last.text_content().strip()
    _columns_line_up(page, table)
    page.close()


def test_tags_page_draws_lists_near_the_screen(browser, served_site):
    page = browser.new_page(viewport=SHORT)
    page.goto(served_site + "tags/")
    lists = page.locator('h2[id^="tag:"] + ul')
    assert lists.count() >= 10
    assert lists.first.evaluate("el => getComputedStyle(el).contentVisibility") == "auto"
    _frames(page)
    assert _skipped(lists.last.locator("li").first)
    # a tag's link from another page still lands on its list, drawn
    page.goto(served_site + "tags/#tag:stagega")
    page.wait_for_function("""() => document.querySelector('h2[id="tag:stagega"] + ul li')
                                      .checkVisibility({contentVisibilityAuto: true})""", timeout=10000)
    assert page.locator('h2[id="tag:stagega"] + ul li a').count() >= 1
    page.close()
