"""Every link on the built sample site resolves: to a file of the site and, when it names an
anchor, to an element with that id on the target page.

Generated pages skip MkDocs's per-page anchor validation (site/pagehtml.py leaves their
`links_to_anchors` empty: the links are Launchboard's own, written by its templates), so this
test is the proof that they hold, on a real `mkdocs build` of the sample records.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from posixpath import normpath
from urllib.parse import unquote, urlsplit

import pytest


class _Links(HTMLParser):
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


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _target(site: Path, page: Path, path: str) -> Path:
    """The file a relative PATH on PAGE names (a folder means its index.html)."""
    base = page.parent.relative_to(site).as_posix()
    joined = normpath(f"{base}/{path}") if base != "." else normpath(path)
    target = site / joined
    return target / "index.html" if path.endswith("/") or target.is_dir() else target


def test_every_link_and_anchor_on_the_sample_site_resolves(sample_site: Path) -> None:
    pages = sorted(sample_site.rglob("*.html"))
    parsed = {page: _parse(page) for page in pages}
    broken: list[str] = []
    checked = anchors = 0
    for page, found in parsed.items():
        for link in found.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("/"):
                continue  # external (the pages' own are http(s) and mailto only)
            target = _target(sample_site, page, unquote(parts.path)) if parts.path else page
            where = f"{page.relative_to(sample_site)}: {link}"
            if not target.is_file():
                broken.append(f"{where} (no file {target.relative_to(sample_site)})")
                continue
            checked += 1
            if parts.fragment and target.suffix == ".html" and not parts.fragment.startswith("__"):
                anchors += 1
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{where} (no id {parts.fragment!r} on {target.relative_to(sample_site)})")
    assert not broken, "\n".join(broken[:40])
    # the proof covers the generated pages' cross-links: item rows, decisions, runbooks
    assert checked > 1000 and anchors > 100, (checked, anchors)


@pytest.mark.parametrize("page", ["initiatives/internal-search/index.html", "oncall/index.html"])
def test_generated_pages_have_heading_permalinks_and_a_table_of_contents(sample_site: Path, page: str) -> None:
    """What MkDocs's toc extension gave generated pages, pagehtml gives them: ids, permalinks,
    and the sidebar's table of contents."""
    html = (sample_site / page).read_text(encoding="utf-8")
    assert 'class="headerlink" href="#' in html and 'title="Permanent link"' in html
    toc = html.split('class="md-nav md-nav--secondary"', 1)[1]
    assert re.search(r'<a href="#[\w-]+" class="md-nav__link">', toc)
