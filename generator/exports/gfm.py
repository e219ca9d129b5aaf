"""Record text into GitHub Flavored Markdown: what `diff` and the step summary write.

GitHub renders these with cmark-gfm (CommonMark plus tables, autolinks, strikethrough,
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

import re

from generator.site.markdown_safety import plain

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
