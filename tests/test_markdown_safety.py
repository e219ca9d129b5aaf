"""Escaping record text for Markdown pages, rendering (md) fields, sanitising pages."""

from __future__ import annotations

import markdown
import pytest

from generator.site import markdown_safety as ms
from tests.site_helpers import scan_html


def to_html(md_text: str) -> str:
    return markdown.markdown(md_text, extensions=["tables", "toc", "admonition", "attr_list"])


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1337)</script>",
        "[x](javascript:alert(1337))",
        "![x](data:text/html,alert)",
        "*bold* _em_ `code` # not a heading",
        "{: onclick=alert(1337) }",
        "a | b | c",
        "line one\n\n# line two\n- item",
        "&lt;script&gt; &#106;avascript:",
        "\\*escaped\\* \\",
    ],
)
def test_md_inline_renders_as_the_literal_text(text):
    out = to_html(ms.md_inline(text))
    assert scan_html(out, "x") == []
    assert "<a" not in out and "<em" not in out and "<strong" not in out and "<code" not in out and "<h" not in out
    import html as h

    plain = h.unescape(out.removeprefix("<p>").removesuffix("</p>"))
    assert plain == ms.plain(text)


def test_md_inline_keeps_a_table_row_whole():
    row = f"| {ms.md_inline('a | b')} | second |"
    out = to_html("| x | y |\n| --- | --- |\n" + row)
    assert out.count("<td>") == 2 and "second" in out


def test_md_inline_attr_list_cannot_add_attributes():
    out = to_html("# " + ms.md_inline("title {: onclick=alert(1) #id .cls }"))
    tag = out.split(">", 1)[0]
    assert "onclick=" not in tag and "class=" not in tag


def test_md_block_renders_markdown_without_raw_html():
    out = ms.md_block("Some *emphasis* and [a link](https://example.com).\n\n<script>alert(1337)</script>\n\n<b onclick=x>b</b>")
    assert "<em>emphasis</em>" in out
    assert 'href="https://example.com"' in out
    assert "&lt;script&gt;" in out and "<script" not in out and "<b " not in out


@pytest.mark.parametrize(
    "src",
    [
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](data:text/html,hi)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "[x](vbscript:msgbox)",
        "[x](//evil.example/)",
    ],
)
def test_md_block_drops_dangerous_links(src):
    out = ms.md_block(src)
    assert "href" not in out, out


def test_md_block_keeps_safe_links_and_demotes_headings():
    out = ms.md_block("# Big\n\n[a](https://x.example) [m](mailto:a@b.example) [r](docs/runbook.md)\n\n![img](https://x.example/i.png)")
    assert '<h4 class="lb-md-heading">Big</h4>' in out and "<h1" not in out  # marked: no page anchor
    assert out.count("href=") == 3
    assert "<img" not in out


def test_sanitize_page_strips_active_content():
    dirty = '<p onclick="x">a<script>alert(1)</script><iframe src="x"></iframe><a href="javascript:x">y</a><img src="data:x" onerror="y"><span style="width: 40%; background: url(x)">z</span></p>'
    clean = ms.sanitize_page(dirty)
    assert scan_html(clean, "x") == []
    assert "width:40%" in clean.replace(" ", "") and "url(" not in clean


def test_scanner_catches_what_it_should():
    bad = '<a href=" JaVa&#115;cript:alert(1)">x</a><img src=x onerror=y><iframe></iframe><script>alert(1337)</script>'
    assert len(scan_html(bad, "x")) >= 4


def test_safe_url():
    assert ms.safe_url("https://example.com/a?b#c") == "https://example.com/a?b#c"
    assert ms.safe_url("mailto:a@b.example")
    assert ms.safe_url("../relative.md") == "../relative.md"
    for bad in ("javascript:alert(1)", " javascript:x", "jav\nascript:x", "&#x6A;avascript:x", "data:x", "//evil", "a:b", None, 3):
        assert ms.safe_url(bad) is None, bad
    assert ms.external_url("docs/x.md") is None


def test_html_link_and_evidence_link():
    assert ms.html_link("javascript:alert(1)", "t") == "t"
    assert 'href="https&#58;//x.example/a"' in ms.html_link("https://x.example/a", "<b>")
    assert "&#60;b&#62;" in ms.html_link("https://x.example/a", "<b>")
    assert ms.evidence_link("docs/evidence.md") == "<code>docs/evidence.md</code>"
    assert 'href="https&#58;//wiki.example.com/a/b"' in ms.evidence_link("https://wiki.example.com/a/b")


@pytest.mark.parametrize("bad", ["", ".hidden", "..", "a/b", "/abs", "a\\b", "é", "x" * 101, "a b", None, "C:x"])
def test_path_segment_refuses_escapes(bad):
    with pytest.raises(ms.UnsafePath):
        ms.path_segment(bad)


def test_tag_names_are_inert():
    assert ms.tag_name("team", "@org/support-platform") == "team:@org/support-platform"
    assert ms.tag_name("x", "<script>") == "x:script"
    assert ms.tag_name("x", "<>") is None


def test_md_cell_is_inline_and_keeps_the_row():
    cell = ms.md_cell("Some **bold** | pipe <script>x</script>\n\nsecond paragraph")
    assert "\n" not in cell and "|" not in cell and "<strong>bold</strong>" in cell and "<script" not in cell
    out = to_html(f"| a | b |\n| --- | --- |\n| {cell} | second |")
    assert out.count("<td>") == 2


@pytest.mark.parametrize("ch", ["\u00ad", "\u061c", "\u180e", "\u200b", "\u200e", "\u202e", "\u2060", "\u2064",
                                "\u2066", "\u2069", "\u206a", "\u206f", "\ufeff", "\ufff9", "\ufffb"])
def test_invisible_and_bidi_characters_are_dropped(ch):
    """Text cannot be reordered or hidden on a page (a reviewer reads what the record says)."""
    text = f"approve{ch}d by {ch}@alice"
    assert ms.plain(text) == "approved by @alice"
    assert ch not in ms.md_inline(text) and ch not in ms.html_text(text)
    assert ch not in ms.md_block(f"para{ch}graph\n\nsecond {ch}one")
