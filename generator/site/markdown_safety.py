"""Record text is untrusted: every way it reaches a generated page goes through here.

Three layers, each sufficient for what it guards:

1. `md_inline` escapes plain record text (titles, owners, notes) for the page's Markdown:
   HTML-escaped, Markdown punctuation backslash-escaped, `|` turned into an entity so a table
   row cannot be split, and newlines collapsed so text cannot start a new block. Text for
   HTML a template writes into Markdown (`html_text`, `md_cell`) has every Markdown-syntax
   character written as a numeric character reference (`md_inert`): MkDocs reads that HTML
   as Markdown again, and a code span's `![i](https://…)` would come back as a live image.
2. `md_block` renders a record's (md) field as Markdown with raw HTML escaped (not passed
   through), headings demoted, images dropped and links kept only for http, https, mailto and
   relative targets; the HTML it returns is embedded in the page as a raw block.
3. `sanitize_page` runs nh3 over every generated page's HTML in the plugin's
   `on_page_content`, so whatever the first two missed never reaches the page or the search
   index (MkDocs builds the index after that event).

Jinja's autoescape is deliberately not used: it is HTML escaping at the wrong layer for
Markdown (see SECURITY.md).
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
import xml.etree.ElementTree as etree
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown
import nh3
from markdown import inlinepatterns
from markdown.treeprocessors import Treeprocessor

# plain and safe_url are also the site's filters (ms.plain, ms.safe_url in templates and render.py).
from generator.core.text_safety import CONTROL, SAFE_SCHEMES, memoised_for_str, plain, safe_url

# Python-Markdown's backslash-escapable characters ("<", ">" and "&" are HTML-escaped first).
_MD_ESCAPED = set("\\`*_{}[]()#+-.!")
# Characters that are Markdown syntax somewhere but cannot be backslash-escaped in
# Python-Markdown: numeric entities render identically and are inert in every parser.
_MD_ENTITY = {"|": "&#124;", "~": "&#126;", "^": "&#94;", "=": "&#61;", ":": "&#58;"}
# Both maps in one table, so escaping is a single C-level pass (the sets are disjoint).
_MD_TABLE = str.maketrans({**{ch: "\\" + ch for ch in _MD_ESCAPED}, **_MD_ENTITY})


def md_inline(text: object) -> str:
    """Record text as inert inline Markdown, safe in paragraphs, headings and table cells.

    Quotes stay characters (they are text in Markdown): html.escape's `&#x27;` would have its
    `#` backslash-escaped by the table, which CommonMark then shows as the reference itself."""
    return html.escape(plain(text), quote=False).translate(_MD_TABLE)


def html_text(text: object) -> str:
    """Record text for raw HTML written by templates (element content or attribute value).

    HTML-escaped, and inert to Markdown: a template may put it where MkDocs's Markdown reads
    the HTML again (a `<code>` in a table cell or a paragraph), so every character that is
    Markdown syntax is written as a character reference (see md_inert).
    """
    return md_inert(plain(text))


def code_block_text(text: object) -> str:
    """A command for a raw-HTML <pre><code>: its lines kept, each newline written as &#10; so
    the block stays on one source line (a blank line would end a raw HTML block in Markdown),
    control and bidi characters dropped, trailing whitespace trimmed."""
    if text is None:
        return ""
    # \r and \r\n end a line in CommonMark too: a bare \r left here would make a blank line
    # inside the page's raw HTML block, and the rest of the command would be read as Markdown.
    source = str(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [CONTROL.sub("", line).rstrip() for line in source.strip("\n").split("\n")]
    return "&#10;".join(html.escape(line, quote=True) for line in lines)


def yaml_quoted(text: object) -> str:
    """A YAML double-quoted scalar in ASCII, for the pages' front matter.

    json.dumps is not YAML: it writes a character outside the Basic Multilingual Plane
    (an emoji) as a UTF-16 surrogate pair, which YAML rejects, and MkDocs then drops the
    whole front matter (the page loses its title and tags). YAML's own escapes cover every
    code point, so the result parses whatever the record holds.
    """
    out = ['"']
    for char in str(text):
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code <= 0x7E:
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def yaml_flow_list(values: list) -> str:
    """A YAML flow sequence of double-quoted scalars (front matter `tags:`)."""
    return "[" + ", ".join(yaml_quoted(v) for v in values) + "]"


def xml_text(text: object) -> str:
    """Record text for SVG (XML) content or attributes."""
    return html.escape(plain(text), quote=True)


@memoised_for_str
def external_url(url: object) -> str | None:
    """Only absolute http(s)/mailto URLs: for links in records, which are not site-relative."""
    u = safe_url(url)
    if u is None or not urlsplit(u).scheme:
        return None
    return u


def html_link(url: object, text: object | None = None) -> str:
    """A raw `<a>` to a record's URL, or the text alone when the URL is not allowed."""
    label = html_text(text if text is not None else url)
    u = external_url(url)
    if u is None:
        return f"<code>{label}</code>" if text is None else label
    # The URL is inert to Markdown too: `[a](…)` inside an attribute is still read as a link.
    return f'<a href="{md_inert(u)}" rel="noopener noreferrer">{label}</a>'


@memoised_for_str
def evidence_link(value: object) -> str:
    """Evidence is a URL or a path in the repository: a short link, or the path as code."""
    u = external_url(value)
    if u is None:
        return f"<code>{html_text(value)}</code>"
    parts = urlsplit(u)
    tail = [p for p in parts.path.split("/") if p]
    label = f"{parts.hostname or parts.scheme}{'/…/' + tail[-1] if tail else ''}"
    href = md_inert(u)
    return (
        f'<a class="lb-evidence" href="{href}" title="{href}" '
        f'rel="noopener noreferrer">{html_text(label)}</a>'
    )


# --------------------------------------------------------------------------- (md) fields


class _RestrictLinks(Treeprocessor):
    """Demote headings, unwrap images and links whose targets are not allowed."""

    def run(self, root: etree.Element) -> None:
        for el in list(root.iter()):
            if el.tag in ("h1", "h2", "h3"):
                el.tag = "h4"
            elif el.tag == "a":
                href = safe_url(el.get("href", ""))
                for attr in list(el.attrib):
                    del el.attrib[attr]
                if href is not None:
                    el.set("href", href)
                else:
                    el.tag = "span"
            elif el.tag == "img":
                alt = el.get("alt", "")
                el.tag = "span"
                el.attrib.clear()
                el.text = alt  # an image becomes its alt text in place


_MD_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h4", "h5", "h6", "a", "span", "table", "thead", "tbody", "tr", "th", "td",
}


# Link parsing in bounded time. Python-Markdown reads a link's `[text]` and `(target)` by
# scanning forward character by character from every `[`, `![` and `](`; a field of 20,000
# `[` makes that quadratic (two minutes for one field). Each scan here sees at most
# _LINK_WINDOW characters, and all scans of one conversion share a budget linear in the
# field's length: once it is spent, the remaining brackets stay text. Real links cost about
# their own length, so ordinary text never comes near the budget.
_LINK_WINDOW = 4096  # longer than any link a record can hold (URLs are at most 2,000 characters)
_BUDGET_PER_CHAR = 8
_BUDGET_BASE = 1_024  # per field: a record has hundreds of short fields, so the budget is mostly per character


class _ScanBudget:
    """Characters the link parsers may still scan in the current conversion."""

    left = 0


_BUDGET = _ScanBudget()


class _BoundedScan:
    """Mixin for Python-Markdown's link processors: getText and getLink see a bounded window."""

    def _window(self, data: str, index: int) -> str | None:
        if _BUDGET.left <= 0:
            return None
        return data[index:index + min(_LINK_WINDOW, _BUDGET.left)]

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        window = self._window(data, index)
        if window is None:
            return "", index, False
        text, end, handled = super().getText(window, 0)  # type: ignore[misc]
        _BUDGET.left -= end if handled else len(window)
        return text, index + end, handled

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        window = self._window(data, index)
        if window is None:
            return "", None, index, False
        href, title, end, handled = super().getLink(window, 0)  # type: ignore[misc]
        # A link that closed where it ended scanned `end` characters. One whose unclosed title
        # was given up (a quote, no title kept) scanned the whole window before backing up.
        closed = handled and (title is not None or ("'" not in window[:end] and '"' not in window[:end]))
        _BUDGET.left -= end if closed else len(window)
        return href, title, index + end, handled


class _Link(_BoundedScan, inlinepatterns.LinkInlineProcessor): pass  # noqa: E701
class _Image(_BoundedScan, inlinepatterns.ImageInlineProcessor): pass  # noqa: E701
class _Reference(_BoundedScan, inlinepatterns.ReferenceInlineProcessor): pass  # noqa: E701
class _ImageReference(_BoundedScan, inlinepatterns.ImageReferenceInlineProcessor): pass  # noqa: E701
class _ShortReference(_BoundedScan, inlinepatterns.ShortReferenceInlineProcessor): pass  # noqa: E701
class _ShortImageReference(_BoundedScan, inlinepatterns.ShortImageReferenceInlineProcessor): pass  # noqa: E701


_BOUNDED_LINK_PATTERNS = {  # name: (class, pattern); priorities stay those Python-Markdown gave them
    "reference": (_Reference, inlinepatterns.REFERENCE_RE),
    "link": (_Link, inlinepatterns.LINK_RE),
    "image_link": (_Image, inlinepatterns.IMAGE_LINK_RE),
    "image_reference": (_ImageReference, inlinepatterns.IMAGE_REFERENCE_RE),
    "short_reference": (_ShortReference, inlinepatterns.REFERENCE_RE),
    "short_image_ref": (_ShortImageReference, inlinepatterns.IMAGE_REFERENCE_RE),
}


def _bound_link_parsing(md: markdown.Markdown) -> None:
    for name, (cls, pattern) in _BOUNDED_LINK_PATTERNS.items():
        priority = next(item.priority for item in md.inlinePatterns._priority if item.name == name)
        md.inlinePatterns.register(cls(pattern, md), name, priority)


def _record_markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    # Raw HTML is not passed through: without these it stays text and is escaped.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    _bound_link_parsing(md)
    # Reference-style definitions still work; autolinks are only <http(s)://…> anyway.
    md.treeprocessors.register(_RestrictLinks(md), "launchboard_restrict", 0)
    return md


_MD = _record_markdown()


# A line of plain prose: an ASCII letter first (so never a list, heading, quote, rule, code
# block or reference), then letters, digits and punctuation that no enabled Markdown
# syntax, HTML serialiser or nh3 treats specially, words separated by single spaces (no
# trailing space, so no <br>). No tabs, \r, control characters, &, <, > or non-ASCII.
_PROSE_WORD = r"[A-Za-z0-9,.;:?'\"()%/-]"
_PROSE_LINE = rf"[A-Za-z]{_PROSE_WORD}*(?: {_PROSE_WORD}+)*"
_PROSE = re.compile(rf"(?:{_PROSE_LINE})?(?:\n(?:{_PROSE_LINE})?)*")
_BLANK_LINES = re.compile(r"\n{2,}")


def _prose_html(text: str) -> str:
    """What Python-Markdown and nh3 make of text matching _PROSE: one <p> per paragraph."""
    paragraphs = _BLANK_LINES.split(text.strip("\n"))
    return "\n".join(f"<p>{p}</p>" for p in paragraphs if p)


def md_to_html(text: object) -> str:
    """A record's (md) field as sanitised HTML."""
    if not text:
        return ""
    if type(text) is str and _PROSE.fullmatch(text):
        return _prose_html(text)  # plain prose: the full pipeline would give the same bytes
    return _rendered(str(text))


# Each distinct text is rendered once per process: a field shown on several pages (a summary
# on its initiative's page and in the feeds, a control's title on every page citing it) and
# every page the serve memo re-renders. Keyed by the text itself, so a change misses.
@functools.lru_cache(maxsize=4096)
def _rendered(text: str) -> str:
    src = CONTROL.sub("", text)
    rendered = _convert(src)
    return nh3.clean(
        rendered,
        tags=_MD_TAGS,
        attributes={"a": {"href"}, "td": {"align"}, "th": {"align"}},
        url_schemes=set(SAFE_SCHEMES),
        strip_comments=True,
    )


# Block nesting in bounded depth. Each list or quote marker at the start of a line opens one
# more level, and Python-Markdown's block parser recurses (and copies the rest of the line)
# once per level: 10,000 `- ` on one line take seconds and then exhaust the stack. The marker
# after the _MAX_NESTING-th is escaped, so it and the rest of the line are text. Indented
# lines count too (they nest inside a list item); in an indented code block such a line
# would show the backslash, a price only ten markers in a row pay.
_MAX_NESTING = 10
_MARKER = r"(?:>[ \t]*|[-*+][ \t]+|[0-9]{1,9}[.)][ \t]+)"
_TOO_DEEP = re.compile(rf"^([ \t]*{_MARKER}{{{_MAX_NESTING}}})(?:([-*+>])|([0-9]{{1,9}})([.)]))", re.MULTILINE)


def _escape_deep_marker(m: re.Match[str]) -> str:
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def _cap_nesting(src: str) -> str:
    return _TOO_DEEP.sub(_escape_deep_marker, src)


def _convert(src: str) -> str:
    """Python-Markdown's HTML for SRC, link parsing bounded; escaped text when it cannot nest that deep."""
    global _MD
    src = _cap_nesting(src)
    _MD.reset()
    _BUDGET.left = _BUDGET_PER_CHAR * len(src) + _BUDGET_BASE
    try:
        return _MD.convert(src)
    except RecursionError:
        # Python-Markdown's block parser recurses once per nested list or quote: a few
        # hundred `- ` or `> ` on one line exhaust the stack. Such a field is shown as the
        # text it is; the instance may hold half-parsed state, so it is replaced.
        _MD = _record_markdown()
        return "\n".join(f"<p>{html.escape(p.strip(), quote=True)}</p>" for p in _BLANK_LINES.split(src) if p.strip())


_PRE_BLOCK = re.compile(r"<pre\b.*?</pre>", re.DOTALL)


def md_block(text: object, css_class: str = "lb-md") -> str:
    """A record's (md) field as a raw HTML block to place on its own lines in a page."""
    body = md_to_html(text)
    return _as_block(body, css_class) if body else ""


def _as_block(body: str, css_class: str) -> str:
    """md_to_html's BODY as one raw HTML block for the page converter (see md_block)."""
    # A blank line would end the HTML block in CommonMark (the site's pages are converted
    # with cmark-gfm) and the rest would be read as Markdown: a <pre>'s newlines are written
    # as &#10;, which renders the same, and the others between elements are dropped.
    if "<pre" in body:
        body = _PRE_BLOCK.sub(lambda m: m.group(0).replace("\r", "&#13;").replace("\n", "&#10;"), body)
    # nh3 writes a record's `&#13;` and `&#10;` as the characters: \r ends a line in CommonMark
    # and ` &#10;` makes a line of spaces, which is blank to it. Both are whitespace in HTML.
    body = _BLANK_OR_SPACES.sub("\n", body.replace("\r", "\n"))
    # A paragraph's line that is `!!! type` alone would be taken for an admonition by the
    # page converter's pre-pass (pagehtml), which writes blank lines into this block: `!` at a
    # line's start is written as a reference, which renders the same.
    body = body.replace("\n!", "\n&#33;")
    # The record's headings are its own text, not the page's sections: marked, so the page
    # converter gives them no id, permalink or table-of-contents entry (Python-Markdown never
    # did: this block was raw HTML to it). A record's `#### Metrics` would otherwise take the
    # `metrics` anchor from the template's `## Metrics` below it.
    body = _RECORD_HEADING.sub(r'<h\1 class="lb-md-heading">', body)
    return f'<div class="{css_class}">\n{body}\n</div>'


_BLANK_OR_SPACES = re.compile(r"\n(?:[ \t]*\n)+")  # blank lines and lines of spaces or tabs
_RECORD_HEADING = re.compile(r"<h([4-6])>")  # md_to_html demotes h1-h3; nh3 left them no attributes


def md_cell(text: object) -> str:
    """A short (md) field rendered for one table cell: inline HTML on one line, inert to Markdown.

    The cell sits in a Markdown table, so MkDocs's own Markdown reads this HTML a second time
    and would turn text the record wrote as code (`![i](https://…)`) into a live image or link,
    in time quadratic in a run of `[`. Written by `_CellWriter`, no character of its text or
    attributes is Markdown syntax any more: the second pass only stashes tags and entities.
    """
    body = md_to_html(text)
    if _PLAIN_PARAGRAPHS.fullmatch(body):  # the common case: prose, no markup or entity to parse
        return _HTML_WS.sub(" ", md_inert(_PARAGRAPH_TAGS.sub(" ", body))).strip()
    return inert_cell_html(body)


_PLAIN_PARAGRAPHS = re.compile(r"(?:<p>[^<>&]*</p>\n?)*")
_PARAGRAPH_TAGS = re.compile(r"</?p>")
# Characters some Markdown inline syntax starts or ends with (Python-Markdown's core and the
# extensions MkDocs sites commonly enable: tables, attr_list, emoji, magiclink, tilde, caret,
# mark, critic, smarty), written as numeric character references in HTML that Markdown reads
# again. A reference renders as the character in HTML and is only ever stashed by Markdown.
_MD_SYNTAX = "\\`*_{}[]()!|~^=:@<>&\"'"
_INERT_TABLE = str.maketrans({ch: f"&#{ord(ch)};" for ch in _MD_SYNTAX})
_HTML_WS = re.compile(r"[ \t\n\r\f]+")
_CELL_BLOCKS = {"p"}  # dropped: a cell holds one line of inline content
_CELL_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}  # shown as <strong>


def md_inert(text: str) -> str:
    """TEXT as HTML character data (or a quoted attribute value) no Markdown pass reads as syntax."""
    return text.translate(_INERT_TABLE)


class _CellWriter(HTMLParser):
    """Re-serialises sanitised record HTML (md_to_html's) with every text and attribute
    character that is Markdown syntax written as a reference, on one line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], close: str = "") -> None:
        if tag in _CELL_BLOCKS:
            self.out.append(" ")
            return
        tag = "strong" if tag in _CELL_HEADINGS else tag
        attributes = "".join(f' {name}="{md_inert(value or "")}"' for name, value in attrs if name.isalpha())
        self.out.append(f"<{close}{tag}{attributes}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag, [], "/")

    def handle_data(self, data: str) -> None:
        self.out.append(md_inert(data))


def inert_cell_html(body: str) -> str:
    """Sanitised HTML (tags from _MD_TAGS only) as one line that a Markdown pass leaves alone."""
    if not body:
        return ""
    writer = _CellWriter()
    writer.feed(body)
    writer.close()
    return _HTML_WS.sub(" ", "".join(writer.out)).strip()


# --------------------------------------------------------------------------- whole pages

_PAGE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "nav", "ol", "p", "pre", "s", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "time", "tr", "u", "ul", "wbr",
}
_PAGE_ATTRS = {
    "*": {"class", "id", "title", "aria-label", "aria-hidden", "role"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "span": {"style"},
    "td": {"align", "style", "colspan", "rowspan"},
    "th": {"align", "style", "colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "details": {"open"},
    "ol": {"start"},
}


def sanitize_page(page_html: str, extra_attributes: dict[str, set[str]] | None = None) -> str:
    """The last layer: nh3 over a generated page's HTML before search indexes it.
    EXTRA_ATTRIBUTES: attributes a page of Launchboard's own templates adds (the hub's rows)."""
    attributes = _PAGE_ATTRS if not extra_attributes else {
        tag: _PAGE_ATTRS.get(tag, set()) | extra_attributes.get(tag, set()) for tag in _PAGE_ATTRS.keys() | extra_attributes.keys()}
    return nh3.clean(
        page_html,
        tags=_PAGE_TAGS,
        attributes=attributes,
        url_schemes=set(SAFE_SCHEMES),
        strip_comments=True,
        link_rel=None,
        filter_style_properties={"width", "text-align"},
    )


# --------------------------------------------------------------------------- names and paths

_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


class UnsafePath(ValueError):
    """An id that would not stay one plain path segment inside the output folder."""


def path_segment(value: object) -> str:
    """`value` when it is one plain, visible path segment; UnsafePath otherwise.

    Refuses separators, `..`, leading dots (MkDocs skips such files), absolute paths and
    anything outside ASCII letters, digits, `-` and `_`.
    """
    if not isinstance(value, str) or not _SEGMENT.fullmatch(value):
        raise UnsafePath(f"not a safe path segment: {value!r}")
    return value


def is_segment(value: object) -> bool:
    try:
        path_segment(value)
    except UnsafePath:
        return False
    return True


def fold(value: str) -> str:
    """The form under which two ids collide on case-insensitive file systems."""
    return unicodedata.normalize("NFKC", value).casefold()


_TAG_CHARS = re.compile(r"[^A-Za-z0-9@/._ +-]")


def tag_name(prefix: str, value: object) -> str | None:
    """A tag such as `approach:rag` or `team:@org/support`, limited to inert characters."""
    v = _TAG_CHARS.sub("", plain(value))[:60].strip()
    if not v:
        return None
    return f"{prefix}:{v}"
