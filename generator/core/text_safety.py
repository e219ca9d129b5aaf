"""Record text made inert, whatever it is shown in: the helpers every output shares.

Record text is untrusted. The site (site/markdown_safety), the exports (CycloneDX, the
check report's GitHub Markdown) and `diff` (authoring/govdiff) all start from these, so they
live in the core, below every layer that writes output:

- `plain`: text on one line, control and bidi characters dropped;
- `safe_url`: a URL only when it is http, https, mailto or relative;
- `gfm_text`, `gfm_code`, `gfm_cell`: text for GitHub Flavored Markdown, what `diff` and
  the step summary write.

GitHub renders the gfm_* output with cmark-gfm (CommonMark plus tables, autolinks, strikethrough,
math) and then links @mentions. The site's escaping (site/markdown_safety.md_inline) is for
Python-Markdown and does not fit: an HTML entity whose `#` is then backslash-escaped
(`&\\#x27;`) shows literally on GitHub. Here each character is escaped once, in one pass,
the CommonMark way:

- ASCII punctuation that can start or end Markdown syntax is backslash-escaped: emphasis
  (`*`, `_`), links and images (`[`, `]`, `(`, `)`, `!`), code (`` ` ``), block starts
  (`#`, `-`, `+`, `=`, digits then `.` or `)`), strikethrough (`~`), math (`$`), table
  cells (`|`), and `:` and `.`, so that no `http://`, `www.` or `mailto:` autolink forms;
- `&`, `<` and `>` become entities, so no raw HTML and no `<…>` autolink;
- `@` becomes `@&#8203;` (a zero-width space after it): GitHub shows the `@` but links
  and notifies nobody, and no e-mail address autolinks. Dependabot writes mentions the same way;
- control characters are dropped and line breaks become spaces, so text cannot start a block.

Three helpers, one per place record text lands: `gfm_text` (running text, also safe in a
table cell), `gfm_code` (a code span: no escapes are read inside one, so it gets a backtick
fence longer than any run of backticks in the text) and `gfm_cell` (a table cell, as text
or as code; in a cell, even inside a code span, `|` must be written `\\|`, which the
table removes before the cell is parsed).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache, wraps
from typing import Callable, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_WS = re.compile(r"\s+")

# Control, bidi and invisible format characters (soft hyphen, Arabic letter mark, word
# joiners, BOM, interlinear annotation): dropped, so record text cannot reorder or hide text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")  # what browsers skip while reading a scheme


def is_plain(s: str) -> bool:
    """True when `plain` would return `s` unchanged.

    Every character that CONTROL drops or _WS matches, other than the space, is
    non-printable (checked over all code points in tests/test_fast_paths.py), so a printable
    string only changes through double, leading or trailing spaces.
    """
    return s.isprintable() and "  " not in s and not s.startswith(" ") and not s.endswith(" ")


def plain(text: object) -> str:
    """Text on one line: control and bidi characters dropped, whitespace runs collapsed."""
    if text is None:
        return ""
    # Exact str only: a subclass could override the methods the check relies on.
    if type(text) is str and is_plain(text):
        return text  # the common case: most record text is already one clean line
    s = CONTROL.sub("", str(text))
    return _WS.sub(" ", s).strip()

# URLs repeat across pages (the same evidence on an initiative and its decisions), so the
# URL filters are memoised. Only exact str arguments are cached: a str subclass could hash
# or compare differently, so it takes the uncached path.
URL_CACHE = 4096


def memoised_for_str(fn: Callable[[object], T]) -> Callable[[object], T]:
    """`fn`, memoised for arguments that are exactly str; anything else is computed each time."""
    cached = lru_cache(maxsize=URL_CACHE)(fn)

    @wraps(fn)
    def call(value: object) -> T:
        return cached(value) if type(value) is str else fn(value)

    call.cache_info = cached.cache_info  # type: ignore[attr-defined]
    return call


@memoised_for_str
def safe_url(url: object) -> str | None:
    """The URL when it is http, https, mailto or relative; None otherwise.

    Browsers ignore tabs, newlines and leading control characters in a scheme, so those are
    stripped before the scheme is read; an entity-encoded scheme is decoded first.
    """
    if not isinstance(url, str):
        return None
    candidate = html.unescape(url)
    candidate = _URL_IGNORED.sub("", candidate)
    if not candidate:
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme:
        return candidate if parts.scheme.lower() in SAFE_SCHEMES else None
    # Relative: refuse protocol-relative URLs ("//host") and anything with a colon before
    # the first slash, which some browsers read as a scheme.
    if candidate.startswith("//") or ":" in candidate.split("/", 1)[0]:
        return None
    return candidate


# --------------------------------------------------------------------------- GitHub Markdown

_ESCAPED = "\\`*_{}[]()#+-.!|~$:=^"
_TABLE = str.maketrans(
    {**{ch: "\\" + ch for ch in _ESCAPED}, "&": "&amp;", "<": "&lt;", ">": "&gt;", "@": "@&#8203;"}
)
_BACKTICKS = re.compile(r"`+")


def gfm_text(text: object) -> str:
    """Record text as inert GFM inline text: shown as written, never markup, a link or a mention."""
    return plain(text).translate(_TABLE)


def gfm_code(text: object) -> str:
    """Record text as a GFM code span (outside tables): shown verbatim, on one line."""
    value = plain(text)
    if not value:
        return ""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(value)), default=0) + 1)
    # A span that starts or ends with a backtick needs a space inside each fence (stripped again).
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def gfm_cell(text: object, code: bool = False) -> str:
    """Record text for one GFM table cell: as text, or as a code span when `code`."""
    if not code:
        return gfm_text(text)
    return gfm_code(text).replace("|", "\\|")
