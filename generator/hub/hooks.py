"""MkDocs hooks for the hub's site (`launchboard hub build`): the same last layer as the
plugin's on_page_content, nh3 over every page's HTML, so record text from a source meets two
defences there as in a single repository's site (escaping where it enters a page, then this)."""

from __future__ import annotations

import re

from generator.site.markdown_safety import sanitize_page

# The board's rows carry their source for the filter (hub.js); nothing else is added to what
# the single-repository site allows.
_ROW_SOURCE = re.compile(r'<tr data-source="([a-z0-9-]{1,64})">')
_ROW_MARK = re.compile(r'<tr class="lb-hub-source-([a-z0-9-]{1,64})">')


def on_page_content(html: str, **_: object) -> str:
    """nh3 over the page, keeping only the board rows' data-source, whose value the hub's own
    template writes from a schema-checked source name."""
    marked = _ROW_SOURCE.sub(lambda m: f'<tr class="lb-hub-source-{m.group(1)}">', html)
    return _ROW_MARK.sub(lambda m: f'<tr data-source="{m.group(1)}">', sanitize_page(marked))
