"""MkDocs hooks for the hub's site (`launchboard hub build`): the same last layer as the
plugin's on_page_content, nh3 over every page's HTML, so record text from a source meets two
defences there as in a single repository's site (escaping where it enters a page, then this)."""

from __future__ import annotations

from generator.site.markdown_safety import sanitize_page

# The board's rows carry their source for the filter (hub.js): the one attribute the hub's
# templates add to what the single-repository site allows.
_HUB_ATTRIBUTES = {"tr": {"data-source"}}


def on_page_content(html: str, **_: object) -> str:
    return sanitize_page(html, _HUB_ATTRIBUTES)
