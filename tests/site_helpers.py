"""Helpers for the site tests: build a real site with MkDocs, scan output for active content."""

from __future__ import annotations

import calendar
import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import normpath
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
# The sample records are written around this date; builds pin it for reproducibility.
SAMPLE_DATE = (2026, 11, 29)
SAMPLE_EPOCH = str(calendar.timegm((*SAMPLE_DATE, 12, 0, 0)))


def site_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH=SAMPLE_EPOCH, **extra)
    return env


def make_root(dest: Path, decisions: bool = True) -> Path:
    """A governance repository in `dest`: mkdocs.yml, schemas/, templates/ and the sample records."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "schemas", dest / "schemas")
    shutil.copytree(REPO / "templates", dest / "templates")
    (dest / "templates" / "site" / "docs").mkdir(parents=True, exist_ok=True)
    if decisions:
        shutil.copytree(REPO / "decisions", dest / "decisions")
    return dest


# `mkdocs` with the threshold for the forked renderer at 1, so a sample-sized site takes the
# two-process path a large portfolio takes (where forking is allowed).
_PARALLEL_MKDOCS = (
    "import sys, generator.site.render as r\n"
    "r.PARALLEL_MIN_INITIATIVES = 1\n"
    "from mkdocs.__main__ import cli\n"
    "sys.argv[0] = 'mkdocs'\n"
    "cli()\n"
)


def mkdocs_build(config: Path, out: Path, strict: bool = False, parallel: bool = False, **env: str) -> subprocess.CompletedProcess:
    """A real `mkdocs build`; `parallel` as a large portfolio's build runs (see above)."""
    launcher = ["-c", _PARALLEL_MKDOCS] if parallel else ["-m", "mkdocs"]
    cmd = [sys.executable, *launcher, "build", "-f", str(config), "-d", str(out)]
    if strict:
        cmd.append("--strict")
    return subprocess.run(cmd, cwd=config.parent, env=site_env(**{"LAUNCHBOARD_JOBS": "2", **env}), capture_output=True, text=True, timeout=600)


# --------------------------------------------------------------------------- scanning

_BAD_SCHEMES = re.compile(r"^(javascript|data|vbscript|file):", re.IGNORECASE)
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "srcset", "data"}
# Launchboard's own scripts, from templates/site/assets (the trusted layer, not records).
_OWN_SCRIPTS = ("assets/launchboard.js", "assets/vendor/iframe-worker-shim.js")
_ACTIVE_TAGS = {"iframe", "object", "embed", "frame", "frameset", "applet", "base"}


def _scheme_of(value: str) -> str:
    return re.sub(r"[\x00-\x20\x7f]", "", html.unescape(value))


class _Scanner(html.parser.HTMLParser):
    def __init__(self, where: str, marker: str) -> None:
        super().__init__(convert_charrefs=True)
        self.where, self.marker = where, marker
        self.findings: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _ACTIVE_TAGS:
            self.findings.append(f"{self.where}: <{tag}>")
        if tag == "script":
            self._in_script = True
            src = dict(attrs).get("src")
            if src is not None and "assets/javascripts/" not in src and not src.endswith(_OWN_SCRIPTS):
                self.findings.append(f"{self.where}: script src={src!r}")
        for name, value in attrs:
            if name.startswith("on"):
                self.findings.append(f"{self.where}: <{tag} {name}=…>")
            if name in _URL_ATTRS and value and _BAD_SCHEMES.match(_scheme_of(value)):
                self.findings.append(f"{self.where}: <{tag} {name}={value!r}>")
            if name == "style" and value and ("url(" in value or "expression" in value):
                self.findings.append(f"{self.where}: <{tag} style={value!r}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and self.marker in data:
            self.findings.append(f"{self.where}: record text inside <script>")


def scan_html(text: str, where: str, marker: str = "1337") -> list[str]:
    s = _Scanner(where, marker)
    s.feed(text)
    s.close()
    return s.findings


def scan_svg(text: str, where: str) -> list[str]:
    findings = []
    root = etree.fromstring(text)
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag in ("script", "foreignObject", "iframe", "use", "a"):
            findings.append(f"{where}: <{tag}> in SVG")
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local.startswith("on") or (local == "href" and _BAD_SCHEMES.match(_scheme_of(value))):
                findings.append(f"{where}: {local}= in SVG")
    return findings


_URL_KEYS = {"evidence", "url", "href", "json", "badge", "location"}


def _url_values(data, key=None, parent=None):
    """Strings a consumer of the feed would use as URLs: link values and URL-named keys."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _url_values(v, k, key)
    elif isinstance(data, list):
        for v in data:
            yield from _url_values(v, key, parent)
    elif isinstance(data, str) and (key in _URL_KEYS or parent == "links"):
        yield data


def scan_site(site: Path, marker: str = "1337") -> list[str]:
    """Every output file, checked for script, handlers, frames and dangerous URLs."""
    findings: list[str] = []
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(site).as_posix()
        if rel.startswith(("assets/javascripts/", "assets/stylesheets/", "assets/images/")):
            continue  # the theme's own files, not generated from records
        text = path.read_text(encoding="utf-8", errors="replace") if path.suffix in (".html", ".json", ".svg", ".xml", ".css", ".txt") else None
        if text is None:
            continue
        if path.suffix == ".html":
            findings += scan_html(text, rel, marker)
        elif path.suffix == ".svg":
            findings += scan_svg(text, rel)
        elif path.suffix == ".json":
            data = json.loads(text)
            if rel == "search/search_index.json":
                for doc in data["docs"]:
                    findings += scan_html(doc.get("title", ""), f"{rel} title of {doc['location']}", marker)
                    findings += scan_html(doc.get("text", ""), f"{rel} text of {doc['location']}", marker)
            for s in _url_values(data):
                if _BAD_SCHEMES.match(_scheme_of(s)):
                    findings.append(f"{rel}: value {s[:40]!r}")
            for needle in ("<script", "<iframe", "<img", "<svg"):
                if needle in text.lower():
                    findings.append(f"{rel}: raw {needle}")
    return findings


# --------------------------------------------------------------------------- links


class _Links(html.parser.HTMLParser):
    """A page's links and image sources, and the ids (and `a name`s) an anchor can name."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"] or "")
        for name in ("href", "src"):
            if tag in ("a", "img", "link", "script") and values.get(name):
                self.links.append(values[name] or "")


@dataclass
class LinkCheck:
    broken: list[str] = field(default_factory=list)  # "page: link (why)"
    checked: int = 0  # relative links that name a file of the site
    anchors: int = 0  # of those, links whose anchor was looked for on the target page


def check_links(site: Path) -> LinkCheck:
    """Every relative link and image source on every page of SITE: does it name a file of the
    site (a folder means its index.html) and, with an anchor, an id on that page? External
    links and Material's own `#__…` anchors are left out."""
    parsed: dict[Path, _Links] = {}
    for page in sorted(site.rglob("*.html")):
        parsed[page] = _Links()
        parsed[page].feed(page.read_text(encoding="utf-8"))
    result = LinkCheck()
    for page, found in parsed.items():
        for link in found.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("/"):
                continue
            where = f"{page.relative_to(site)}: {link}"
            target = page
            if parts.path:
                target = site / normpath(f"{page.parent.relative_to(site).as_posix()}/{unquote(parts.path)}")
                if parts.path.endswith("/") or target.is_dir():
                    target = target / "index.html"
            if not target.is_file() or not target.resolve().is_relative_to(site.resolve()):
                result.broken.append(f"{where} (no file {target.relative_to(site) if target.is_relative_to(site) else target})")
                continue
            result.checked += 1
            if parts.fragment and target.suffix == ".html" and not parts.fragment.startswith("__"):
                result.anchors += 1
                if unquote(parts.fragment) not in parsed[target].ids:
                    result.broken.append(f"{where} (no id {parts.fragment!r} on {target.relative_to(site)})")
    return result


# --------------------------------------------------------------------------- a browser


CHROMIUM = "/usr/bin/chromium"  # Debian's, driven by Playwright (tests/test_browser.py, bench/)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def serving(site: Path, file: bool = False) -> Iterator[str]:
    """SITE's base URL for as long as the block runs: file://, or a quiet local http.server."""
    if file:
        yield site.resolve().as_uri() + "/"
        return

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- the sample

SAMPLE_IDS = sorted(p.name for p in (REPO / "decisions").iterdir() if (p / "initiative.yaml").is_file())


def assert_board_lists_the_sample(site: Path) -> str:
    """The board of SITE (a build of the sample records) links every sample initiative with a
    readiness bar; returns the board's HTML for further checks."""
    board = (site / "index.html").read_text(encoding="utf-8")
    assert "Launch board" in board
    for initiative_id in SAMPLE_IDS:
        assert f'href="initiatives/{initiative_id}/"' in board
    assert board.count('class="lb-readiness') >= len(SAMPLE_IDS)
    return board
