"""Generated pages to finished, clean HTML without Python-Markdown.

The pages Launchboard generates are its own templates' output: CommonMark with GFM tables and
raw HTML, every record value escaped where it entered the page (markdown_safety) and every
Markdown field of a record already rendered and cleaned. Python-Markdown re-parsed that text in
every build, HTML it already held included, and took 40-60 % of a build; cmark-gfm (GitHub's
C renderer, the CommonMark reference implementation) converts a page in about 0.1 ms.

What MkDocs's converter added to a page is done here, the same way:
- heading ids and permalinks with the toc extension's own slugify, the table of contents
  (Python-Markdown's toc tokens) and the title (the first element, when it is an h1);
- relative links rewritten to page URLs by the rule MkDocs uses for its own pages, which the
  caller hands in as `resolve` (see `render_page`);
- nh3 cleans the page once, here: nothing a record holds becomes live markup.

Hand-written pages (templates/site/docs/, the docs_dir) keep MkDocs's path with every
extension mkdocs.yml lists; generated pages use only what the templates need.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import unquote, urlsplit, urlunsplit

import cmarkgfm
from cmarkgfm.cmark import Options
from markdown.extensions.toc import nest_toc_tokens, slugify as toc_slugify, strip_tags, unique

from generator.site.markdown_safety import sanitize_page

# Raw HTML stays (it is the templates' own, and nh3 runs after); table alignment as a style,
# which is what Python-Markdown writes and the page sanitiser keeps.
_CMARK_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES
_CMARK_EXTENSIONS = ["table"]

# nh3 writes attributes one way: name="value", values entity-escaped. These match its output.
_LINK = re.compile(r'(<(?:a|img)\b[^>]*?\s(?:href|src)=")([^"]*)(")')
_HEADING = re.compile(r"<h([1-6])((?:\s[^>]*)?)>(.*?)</h\1>", re.DOTALL)
# An id attribute of a tag, never text: nh3 writes each attribute name="value" (`"` and `>` in
# a value as references) and each `<` of text as &lt;, so a record's text `id="metrics"`
# (a literal `"` in nh3's text) cannot take the anchor of the template's `## Metrics`.
_ID = re.compile(r'<[a-zA-Z][^\s/>]*(?:\s[^\s"=/>]+="[^"]*")*?\sid="([^"]*)"')
_FIRST_ELEMENT = re.compile(r"\s*<h1[\s>]")
# Python-Markdown's admonition syntax, the one extension the templates use: `!!! type "title"`
# and the lines indented under it (blank lines between them included).
_ADMONITION = re.compile(r'^!!! ?([\w-]+(?: +[\w-]+)*)(?: +"(.*?)")? *\n((?:(?: {4}.*)?\n)*)', re.MULTILINE)


@dataclass(frozen=True)
class TocOptions:
    """mkdocs.yml's `toc` extension settings that shape a page's headings."""

    permalink: bool | str = False
    permalink_title: str = "Permanent link"
    permalink_class: str = "headerlink"
    separator: str = "-"
    slugify: Callable[[str, str], str] = toc_slugify
    toc_depth: int = 6

    @classmethod
    def from_mdx_configs(cls, mdx_configs: dict[str, Any] | None) -> "TocOptions":
        cfg = dict((mdx_configs or {}).get("toc") or {})
        depth = cfg.get("toc_depth", 6)
        return cls(
            permalink=cfg.get("permalink", False),
            permalink_title=cfg.get("permalink_title", "Permanent link"),
            permalink_class=cfg.get("permalink_class", "headerlink"),
            separator=cfg.get("separator", "-"),
            slugify=cfg.get("slugify") or toc_slugify,
            toc_depth=depth if isinstance(depth, int) else 6,
        )


@dataclass(frozen=True)
class PageHTML:
    html: str
    toc: list[dict[str, Any]]  # nested, as Python-Markdown's `toc_tokens`
    title: str | None  # the first element's text when it is an h1, as MkDocs takes it
    anchors: frozenset[str]  # every id on the page


def to_html(
    markdown_text: str,
    resolve: Callable[[str], str] | None = None,
    toc: TocOptions = TocOptions(),
    extra_attributes: dict[str, set[str]] | None = None,
) -> PageHTML:
    """MARKDOWN_TEXT (a generated page's body) as clean HTML; RESOLVE maps each relative link
    or image source as written to the URL it takes on the site (None: left as written)."""
    raw = _cmark(_ADMONITION.sub(_admonition, markdown_text))
    clean = sanitize_page(raw, extra_attributes)
    if resolve is not None:
        clean = _LINK.sub(lambda m: m.group(1) + _resolved(m.group(2), resolve) + m.group(3), clean)
    used = set(_ID.findall(clean))
    tokens: list[dict[str, Any]] = []
    resume: dict[str, str] = {}
    body = _HEADING.sub(lambda m: _heading(m, used, resume, tokens, toc), clean)
    title = None
    if _FIRST_ELEMENT.match(body) and tokens and tokens[0]["level"] == 1:
        # As MkDocs takes it (get_heading_text): tags stripped, entities kept. Themes print
        # page.title as HTML: unescaped, a record's `&lt;script&gt;` would become markup.
        title = tokens[0]["name"]
    return PageHTML(html=body, toc=nest_toc_tokens(tokens), title=title, anchors=frozenset(_ID.findall(body)))


class _Converter:
    """cmark-gfm's Markdown to HTML, freeing what it allocates.

    cmarkgfm's `markdown_to_html_with_extensions` never frees the document tree it parses nor
    the HTML buffer it renders (theacodes/cmarkgfm#53): converting 7,000 pages leaked about
    200 MB at 1,000 initiatives and 950 MB at 5,000. This makes the same calls through the
    same compiled library and frees both: the tree with cmark's `cmark_node_free`, the buffer
    with the allocator cmark gave it (its default allocator's `free`). Where those symbols
    cannot be reached, cmarkgfm's own function is used (leaking as before)."""

    def __init__(self) -> None:
        from cmarkgfm import _cmark

        self.ffi, self.lib = _cmark.ffi, _cmark.lib
        cmarkgfm.cmark.core_extensions_ensure_registered()
        self.extensions = [cmarkgfm.cmark.find_syntax_extension(name) for name in _CMARK_EXTENSIONS]
        self.node_free, self.buffer_free = self._freeing_functions(_cmark.__file__)

    @staticmethod
    def _freeing_functions(library: str) -> tuple[Any, Any]:
        import ctypes

        try:
            so = ctypes.CDLL(library)
            node_free = so.cmark_node_free
            default_mem = so.cmark_get_default_mem_allocator
        except (OSError, AttributeError):
            return None, None
        node_free.argtypes, node_free.restype = [ctypes.c_void_p], None

        class _Mem(ctypes.Structure):  # cmark.h: struct cmark_mem { calloc; realloc; free; }
            _fields_ = [("calloc", ctypes.c_void_p), ("realloc", ctypes.c_void_p),
                        ("free", ctypes.CFUNCTYPE(None, ctypes.c_void_p))]

        default_mem.restype = ctypes.POINTER(_Mem)
        return node_free, default_mem().contents.free

    def __call__(self, text: str) -> str:
        if self.node_free is None:
            return cmarkgfm.markdown_to_html_with_extensions(text, options=_CMARK_OPTIONS, extensions=_CMARK_EXTENSIONS)
        lib, ffi = self.lib, self.ffi
        parser = lib.cmark_parser_new(_CMARK_OPTIONS)
        try:
            for extension in self.extensions:
                lib.cmark_parser_attach_syntax_extension(parser, extension)
            encoded = text.encode("utf-8")
            lib.cmark_parser_feed(parser, encoded, len(encoded))
            root = lib.cmark_parser_finish(parser)
            try:
                raw = lib.cmark_render_html(root, _CMARK_OPTIONS, lib.cmark_parser_get_syntax_extensions(parser))
                try:
                    return ffi.string(raw).decode("utf-8")
                finally:
                    self.buffer_free(int(ffi.cast("uintptr_t", raw)))
            finally:
                self.node_free(int(ffi.cast("uintptr_t", root)))
        finally:
            lib.cmark_parser_free(parser)


_cmark = _Converter()


def _admonition(match: re.Match[str]) -> str:
    """The HTML the admonition extension writes, its body left as Markdown for cmark."""
    kinds, title, body = match.group(1).lower().split(), match.group(2), match.group(3)
    if title is None:
        title = kinds[0].capitalize()
    heading = ""
    if title:  # an empty "" title: no title line, as in Python-Markdown
        heading = _cmark(title).strip().replace("<p>", '<p class="admonition-title">', 1) + "\n"
    lines = [line[4:] for line in body.split("\n")]
    return f'<div class="admonition {" ".join(kinds)}">\n{heading}\n' + "\n".join(lines).strip("\n") + "\n\n</div>\n\n"


def _resolved(attribute: str, resolve: Callable[[str], str]) -> str:
    url = html.unescape(attribute)
    new = resolve(url)
    return attribute if new == url else html.escape(new, quote=True)


def _unique(anchor: str, used: set[str], resume: dict[str, str]) -> str:
    """toc's `unique` (a, a_1, a_2…, the same ids), resumed where the previous heading with
    this slug stopped: every id before that is taken already. From the start each time, N
    headings that slugify alike cost N²/2 lookups (14,000 took 30 s)."""
    found = unique(resume.get(anchor, anchor), used)
    resume[anchor] = found
    return found


def _heading(match: re.Match[str], used: set[str], resume: dict[str, str], tokens: list[dict[str, Any]], toc: TocOptions) -> str:
    level, attributes, inner = int(match.group(1)), match.group(2), match.group(3)
    if attributes:
        # cmark writes a Markdown heading bare: one with attributes is a template's raw HTML,
        # which Python-Markdown left alone too (no permalink, not in the table of contents)
        return match.group(0)
    name = strip_tags(inner)
    anchor = _unique(toc.slugify(html.unescape(name), toc.separator), used, resume)
    attributes = f' id="{html.escape(anchor, quote=True)}"'
    if level <= toc.toc_depth:
        tokens.append({"level": level, "id": anchor, "name": name, "html": inner, "data-toc-label": ""})
    if toc.permalink not in (False, None):
        text = "&para;" if toc.permalink is True else html.escape(str(toc.permalink))
        href = html.escape("#" + anchor, quote=True)
        title = f' title="{html.escape(toc.permalink_title, quote=True)}"' if toc.permalink_title else ""
        inner += f'<a class="{html.escape(toc.permalink_class, quote=True)}" href="{href}"{title}>{text}</a>'
    return f"<h{level}{attributes}>{inner}</h{level}>"


def _link_resolver(page: Any, config: Any, files: Any) -> Callable[[str], str]:
    """MkDocs's rule for a page's links (`_RelativePathTreeprocessor.path_to_url`), with the
    common case done directly: a relative path to a file of the site that is not excluded.
    Everything else (a missing target, which warns, an absolute path, an excluded page) goes
    to MkDocs's own function. Each distinct link is resolved once per page."""
    from mkdocs.structure.pages import _RelativePathTreeprocessor
    from mkdocs.utils import get_relative_url

    mkdocs_rule = _RelativePathTreeprocessor(page.file, files, config).path_to_url
    folder, page_url = posixpath.dirname(page.file.src_uri), page.file.url
    by_uri = files.src_uris
    seen: dict[str, str] = {}

    def resolve(url: str) -> str:
        known = seen.get(url)
        if known is not None:
            return known
        scheme, netloc, path, query, anchor = urlsplit(url)
        if scheme or netloc:
            resolved = url
        elif url.startswith(("/", "\\")) or "\x02" in url:  # absolute, Markdown's stash
            resolved = mkdocs_rule(url)
        elif not path:
            resolved = url  # a link within the page: MkDocs leaves it (its anchor check is skipped, above)
        else:
            target = _target(by_uri, folder, unquote(path))
            if target is None or target.inclusion.is_excluded():
                resolved = mkdocs_rule(url)
            else:
                resolved = urlunsplit(("", "", get_relative_url(target.url, page_url), query, anchor))
        seen[url] = resolved
        return resolved

    return resolve


def _target(by_uri: Any, folder: str, path: str) -> Any:
    """The File a relative PATH from FOLDER names, or None. A path ending in "/" names a page's
    folder, as the templates write links in raw HTML (where plain MkDocs, under `render --out`,
    resolves nothing): the page is that folder's index.md, so the link takes the URL style of the
    build (`index.html` for a site opened from files) rather than staying a folder, which a
    browser opens as a listing under file://, and which MkDocs reports as an unrecognised link."""
    joined = posixpath.normpath(posixpath.join(folder, path)).lstrip("/")
    target = by_uri.get(joined)
    if target is None and path.endswith("/"):
        target = by_uri.get("index.md" if joined in (".", "") else joined + "/index.md")
    return target


def render_page(page: Any, config: Any, files: Any, extra_attributes: dict[str, set[str]] | None = None) -> PageHTML:
    """What MkDocs's `Page.render` does for PAGE, done with `to_html`: sets its content, table
    of contents, title and anchors. Links resolve by MkDocs's own rule (its relative-path
    processor: the same URLs, and the same warning for a link to a missing page)."""
    from mkdocs.structure.toc import get_toc

    if page.markdown is None:
        raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
    result = to_html(page.markdown, _link_resolver(page, config, files), TocOptions.from_mdx_configs(config["mdx_configs"]), extra_attributes)
    page.content = result.html
    page.toc = get_toc(result.toc)
    page._title_from_render = result.title
    page.present_anchor_ids = set(result.anchors)
    page.links_to_anchors = {}  # generated links are proven by tests/test_generated_links.py
    return result


# A generated page's front matter as the templates write it: `key: value` lines, each value a
# double-quoted scalar or a flow list of them (markdown_safety.yaml_quoted).
_FRONT_MATTER = re.compile(r"---\n((?:[a-z_]+: [\"\[][^\n]*\n)+)---[ \t]*\n")


def front_matter(source: str) -> tuple[str, dict[str, Any]]:
    """What MkDocs's `get_data` gives for a generated page (its Markdown and its metadata),
    without a YAML parser where the values are plain JSON strings or lists of strings: JSON
    reads those as YAML does, at a twentieth of the cost (7,000 record pages at 1,000
    initiatives). Anything else (a YAML-only escape such as an emoji's, a block) goes to
    MkDocs's own `get_data`."""
    from mkdocs.utils.meta import get_data

    match = _FRONT_MATTER.match(source)
    if match is None:
        return get_data(source)
    data: dict[str, Any] = {}
    for line in match.group(1).splitlines():
        key, _, value = line.partition(": ")
        try:
            parsed = json.loads(value)
        except ValueError:
            return get_data(source)
        if not (isinstance(parsed, str) or (isinstance(parsed, list) and all(isinstance(v, str) for v in parsed))) or key in data:
            return get_data(source)
        data[key] = parsed
    return source[match.end():].lstrip("\n"), data
