"""MkDocs hooks for the hub's site (`launchboard hub build`). Every page of the hub is
Launchboard's own template output, so every page is converted as the plugin converts
generated pages (site/pagehtml.py: cmark-gfm, then nh3 once), and a page another hook or
plugin changed afterwards is cleaned again: record text from a source meets two defences
there as in a single repository's site (escaping where it enters a page, then nh3).

A source's pages were converted already, on the render workers' cores (hub/site.py
`_convert`, into CONVERTED beside mkdocs.yml): the hook takes that HTML for a page whose
Markdown is the very text it was made from (a digest says so), and converts any other page
itself, so the result is the same either way (tests/test_hub.py builds it both ways).

Search, as the plugin does it: the entries written from each source's records
(site/search_index.py, read from SEARCH_ENTRIES beside mkdocs.yml, where hub/site.py put
them) go into Material's index, and Material does not parse the pages they describe.

The second core: the theme's template is most of a page's cost once it is converted, and a
hub has thousands of pages. `on_env` hands every other page Material's search does not read
to a second page writer (site/second_writer.py, as the plugin does); `on_post_build` waits
for it and fails the build if it failed."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import marshal
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

from generator.site.second_writer import SecondWriter
from generator.site import pagehtml, search_index
from generator.site.markdown_safety import sanitize_page

SEARCH_ENTRIES = "search-entries.json"
CONVERTED = "converted"  # beside mkdocs.yml: <source>.marshal, its pages as hub/site.py converted them
# The board's rows carry their source for the filter (hub.js): the one attribute the hub's
# templates add to what the single-repository site allows.
HUB_ATTRIBUTES = {"tr": {"data-source"}}
_CLEANED: dict[str, str] = {}  # page -> the clean HTML pagehtml gave it
_SOURCES: dict[str, dict[str, tuple]] = {}  # source -> its pages' conversions not used yet
_SEARCH: list[search_index.Entry] = []
_SEARCH_PAGES: set[str] = set()
_URLS: dict[str, str] = {}
_NAV: list[Any] = []  # this build's navigation, for the second page writer
_WRITER = SecondWriter()
log = logging.getLogger("mkdocs.hooks.launchboard_hub")


def on_config(config: Any) -> None:
    _CLEANED.clear()
    _SOURCES.clear()
    _SEARCH.clear()
    path = Path(config.config_file_path).parent / SEARCH_ENTRIES
    if path.is_file():
        _SEARCH.extend(search_index.Entry(**entry) for entry in json.loads(path.read_text(encoding="utf-8")))
    _SEARCH_PAGES.clear()
    _SEARCH_PAGES.update(entry.page for entry in _SEARCH)


def on_files(files: Any, *, config: Any) -> Any:
    _URLS.clear()
    _URLS.update((f.src_uri, f.url) for f in files.documentation_pages())
    return files


def on_nav(nav: Any, *, config: Any, files: Any) -> Any:
    _NAV[:] = [nav]
    return nav


def digest(markdown: str) -> bytes:
    return hashlib.blake2b(markdown.encode("utf-8"), digest_size=16).digest()


def _converted(config: Any, uri: str) -> tuple | None:
    """The conversion hub/site.py made of page URI on a worker's core, if it made one."""
    parts = uri.split("/")
    if len(parts) < 3 or parts[0] != "sources":
        return None
    if parts[1] not in _SOURCES:  # each source's file is read once, when MkDocs reaches its first page
        path = Path(config.config_file_path).parent / CONVERTED / f"{parts[1]}.marshal"
        _SOURCES[parts[1]] = marshal.loads(path.read_bytes()) if path.is_file() else {}
    return _SOURCES[parts[1]].pop(uri, None)


def _render(page: Any, config: Any, files: Any) -> None:
    uri = page.file.src_uri
    done = _converted(config, uri)
    if done is None or done[0] != digest(page.markdown or ""):  # not converted, or from other text
        _CLEANED[uri] = pagehtml.render_page(page, config, files, HUB_ATTRIBUTES).html
        return
    from mkdocs.structure.toc import get_toc

    _, html, toc, title, anchors = done
    # what pagehtml.render_page sets on a page
    page.content = _CLEANED[uri] = html
    page.toc = get_toc(toc)
    page._title_from_render = title
    page.present_anchor_ids = set(anchors)
    page.links_to_anchors = {}


def on_page_markdown(markdown: str, *, page: Any, **_: object) -> str:
    page.render = functools.partial(_render, page)
    if page.file.src_uri in _SEARCH_PAGES:  # its entries come from the records
        page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
    return markdown


def on_page_content(html: str, *, page: Any, **_: object) -> str:
    if html is _CLEANED.get(page.file.src_uri):
        return html
    return sanitize_page(html, HUB_ATTRIBUTES)


@event_priority(-100)  # after other handlers: every page is converted, the environment final
def on_env(env: Any, *, config: Any, files: Any) -> Any:
    # the child writes every other page whose search entries come from the records
    pages = [f.page for f in files.documentation_pages() if f.page is not None and f.src_uri in _SEARCH_PAGES]
    if _NAV:
        _WRITER.start(pages[1::2], config=config, files=files, nav=_NAV[0], env=env)
    return env


def _wait_for_child() -> bool:
    """Whether the second page writer (if any) wrote its pages; its warnings count here too."""
    done, warnings = _WRITER.wait()
    if warnings:
        log.warning("launchboard hub: the second page writer logged %d warning(s), above", warnings)
    return done


def on_build_error(*, error: Exception) -> None:
    _wait_for_child()


@event_priority(100)  # before Material's search writes its index
def on_post_build(*, config: Any) -> None:
    if not _wait_for_child():
        raise PluginError(f"launchboard hub: the second page writer failed ({_WRITER.failure}; its error is above); the site is incomplete")
    plugin = config.plugins.get("material/search") or config.plugins.get("search")
    index = getattr(plugin, "search_index", None)
    if index is None or not hasattr(index, "entries"):
        return
    own = list(index.entries)
    for entry in own:  # the pages Material parsed (the boards, the sources' hub pages): a snippet each
        if isinstance(entry.get("text"), str):
            entry["text"] = search_index.clip_html(entry["text"])
    fields = index.config.setdefault("fields", {})
    for name, boost in search_index.FIELDS.items():
        fields.setdefault(name, {"boost": boost})
    index.entries = own + search_index.documents(_SEARCH, _URLS)
