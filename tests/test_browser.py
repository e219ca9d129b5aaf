"""The built site in a real headless browser: Debian's chromium driven by Playwright.

Opens the board, searches for an initiative by a word of its summary with the Material search
box, opens the result, and sees its stage and what blocks its next stage. Screenshots go to
/tmp/launchboard-*.png for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from tests.site_helpers import REPO, mkdocs_build

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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
def served_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "site"
    result = mkdocs_build(REPO / "mkdocs.yml", out)
    assert result.returncode == 0, result.stderr

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_search_open_and_read_readiness(browser, served_site):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(served_site) and not r.url.startswith("data:") else None)
    page.goto(served_site)
    assert "Launch board" in page.title()
    assert page.locator("table .lb-readiness").count() >= 4
    page.screenshot(path="/tmp/launchboard-board.png", full_page=True)

    # "supplier" is a word of the contract summariser's summary
    page.keyboard.press("/")  # Material's shortcut focuses the search box
    page.keyboard.type("supplier", delay=50)  # typed, as Material listens for key events
    result = page.locator('.md-search-result__link[href*="initiatives/contract-summariser/?"]').first
    result.wait_for(timeout=15000)
    page.screenshot(path="/tmp/launchboard-search.png")
    result.click()
    page.wait_for_url("**/initiatives/contract-summariser/**")

    assert page.locator("h1").first.inner_text().strip().rstrip("¶") == "Contract summariser"
    assert page.locator(".lb-facts .lb-stage").inner_text().strip() == "canary"
    blocking = page.locator("#blocking-the-next-stage-ga").locator("xpath=following::table[1]")
    assert blocking.is_visible()
    assert "External penetration test" in blocking.inner_text()
    page.screenshot(path="/tmp/launchboard-initiative.png", full_page=True)
    assert outside == [], f"the site fetched from outside: {outside}"
    page.close()
