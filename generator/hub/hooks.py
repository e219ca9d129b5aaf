"""MkDocs hooks for the hub's site (`launchboard hub build`). Every page of the hub is
Launchboard's own template output, so every page is converted as the plugin converts
generated pages (site/pagehtml.py: cmark-gfm, then nh3 once), and a page another hook or
plugin changed afterwards is cleaned again: record text from a source meets two defences
there as in a single repository's site (escaping where it enters a page, then nh3)."""

from __future__ import annotations

import functools
from typing import Any

from generator.site import pagehtml
from generator.site.markdown_safety import sanitize_page

# The board's rows carry their source for the filter (hub.js): the one attribute the hub's
# templates add to what the single-repository site allows.
_HUB_ATTRIBUTES = {"tr": {"data-source"}}
_CLEANED: dict[str, str] = {}  # page -> the clean HTML pagehtml gave it


def _render(page: Any, config: Any, files: Any) -> None:
    _CLEANED[page.file.src_uri] = pagehtml.render_page(page, config, files, _HUB_ATTRIBUTES).html


def on_page_markdown(markdown: str, *, page: Any, **_: object) -> str:
    page.render = functools.partial(_render, page)
    return markdown


def on_page_content(html: str, *, page: Any, **_: object) -> str:
    if html is _CLEANED.get(page.file.src_uri):
        return html
    return sanitize_page(html, _HUB_ATTRIBUTES)
