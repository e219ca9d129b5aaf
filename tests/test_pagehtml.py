"""site/pagehtml.py: a generated page's Markdown to clean HTML, as MkDocs's converter shaped
it (heading ids, permalinks, table of contents, title, links), without Python-Markdown."""

from __future__ import annotations

from generator.site.markdown_safety import md_block
from generator.site.pagehtml import TocOptions, to_html

PERMALINK = TocOptions(permalink=True)


def test_headings_get_the_toc_extensions_ids_permalinks_and_tokens() -> None:
    page = to_html("# Launch & land\n\n## Readiness\n\n### Missing (`prod`)\n\n## Readiness\n", toc=PERMALINK)
    assert page.html.startswith('<h1 id="launch-land">Launch &amp; land<a class="headerlink" href="#launch-land" title="Permanent link">&para;</a></h1>')
    assert '<h2 id="readiness_1">' in page.html  # a repeated heading: the suffix Python-Markdown gives
    assert '<h3 id="missing-prod">Missing (<code>prod</code>)' in page.html
    assert page.title == "Launch &amp; land"  # as MkDocs takes it: entities kept, themes print it as HTML
    [top] = page.toc
    assert [c["id"] for c in top["children"]] == ["readiness", "readiness_1"]
    assert top["children"][0]["children"][0]["name"] == "Missing (prod)"
    assert page.anchors == {"launch-land", "readiness", "missing-prod", "readiness_1"}


def test_a_templates_raw_heading_is_left_as_written() -> None:
    page = to_html('<h3 id="c-1">C-1 · a control</h3>\n\n## Gaps\n', toc=PERMALINK)
    assert '<h3 id="c-1">C-1 · a control</h3>' in page.html  # no permalink, as Python-Markdown left raw HTML
    assert [t["id"] for t in page.toc] == ["gaps"] and page.title is None


def test_admonitions_become_the_html_the_extension_writes() -> None:
    page = to_html('!!! info "As of 2026\\_12"\n    Fixed `today`.\n\n    Second.\n\nAfter.\n')
    assert page.html == ('<div class="admonition info">\n<p class="admonition-title">As of 2026_12</p>\n'
                         "<p>Fixed <code>today</code>.</p>\n<p>Second.</p>\n</div>\n<p>After.</p>\n")


def test_relative_links_and_images_are_resolved_and_the_rest_left_alone() -> None:
    seen: list[str] = []

    def resolve(url: str) -> str:
        seen.append(url)
        return url.replace(".md", "/")

    page = to_html("[a](../b.md#x&y) ![c](../c.svg) [d](https://example.com/?a=1&b=2)\n\n<a href=\"d.md\">d</a>\n", resolve)
    assert seen == ["../b.md#x&y", "../c.svg", "https://example.com/?a=1&b=2", "d.md"]
    assert 'href="../b/#x&amp;y"' in page.html and 'src="../c.svg"' in page.html and 'href="d/"' in page.html
    assert 'href="https://example.com/?a=1&amp;b=2"' in page.html


def test_nothing_live_survives_the_page() -> None:
    page = to_html('<script>alert(1)</script>\n\n<a href="javascript:alert(2)" onclick="x()">x</a>\n\n<img src=x onerror=alert(3)>\n')
    assert "<script" not in page.html and "javascript:" not in page.html
    assert "onclick" not in page.html and "onerror" not in page.html


def test_a_record_code_block_with_a_blank_line_stays_one_html_block() -> None:
    """A blank line ends a raw HTML block in CommonMark: what followed it in a record's code
    block would be read as Markdown, a remote image live (md_block writes <pre> newlines as &#10;)."""
    block = md_block("Intro\n\n    a\n\n    ![x](https://evil.example/p.png) [l](https://evil.example/)\n\nafter")
    page = to_html(block)
    assert "<img" not in page.html and "<a " not in page.html
    assert "![x](https://evil.example/p.png)" in page.html and "<pre><code>a\n\n" in page.html


def test_front_matter_reads_what_mkdocs_reads() -> None:
    """pagehtml.front_matter skips the YAML parser only where JSON reads the same: every
    generated page of the sample, and titles that need YAML's own escapes or shapes."""
    from pathlib import Path

    from mkdocs.utils.meta import get_data

    from generator.core.pipeline import load_portfolio
    from generator.site.markdown_safety import yaml_flow_list, yaml_quoted
    from generator.site.pagehtml import front_matter
    from generator.site.render import render_site

    root = Path(__file__).resolve().parent.parent
    site = render_site(load_portfolio(root, "2026-11-29"), schemas_dir=root / "schemas")
    assert len(site.pages) > 30
    for path in site.pages:
        assert front_matter(site.files[path]) == get_data(site.files[path]), path
    for title in ("Café ☕ rollout", "emoji 😀 and \"quotes\" \\ back", "tab\there", "1e3", "", "null", "---"):
        page = f"---\ntitle: {yaml_quoted(title)}\ntags: {yaml_flow_list([title, 'x'])}\n---\n\n# {title}\n"
        assert front_matter(page) == get_data(page) and front_matter(page)[1]["title"] == title
    for odd in ('---\ntitle: "a"\ntitle: "b"\n---\nx\n', '---\ntitle: 1\n---\nx\n', '---\ntags: ["a", 1]\n---\nx\n',
                '---\ntitle: "a"\nhide:\n  - toc\n---\nx\n', '---\ntitle: "a\\x41"\n---\nx\n', "no front matter\n"):
        assert front_matter(odd) == get_data(odd), odd


def test_pages_are_converted_as_cmarkgfm_converts_them_and_nothing_leaks() -> None:
    """pagehtml calls cmark-gfm itself and frees the tree and the buffer cmarkgfm's own
    function leaks (about 1 MB a conversion of this page, 200 MB over a 1,000-initiative build)."""
    import os

    import cmarkgfm
    import pytest

    from generator.site import pagehtml

    page = "# T\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n<div>raw *x*</div>\n\ntext *em* [l](x.md) ~~s~~\n" * 200
    for text in (page, "", "plain", "<script>x</script>\n\n* a\n* b\n"):
        expected = cmarkgfm.markdown_to_html_with_extensions(text, options=pagehtml._CMARK_OPTIONS, extensions=pagehtml._CMARK_EXTENSIONS)
        assert pagehtml._cmark(text) == expected
    if not os.path.exists("/proc/self/status") or pagehtml._cmark.node_free is None:
        pytest.skip("resident memory is read from /proc, and cmark's own free from its library")

    def resident_mb() -> int:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS"))

    pagehtml._cmark(page)
    before = resident_mb()
    for _ in range(300):
        pagehtml._cmark(page)
    assert resident_mb() - before < 40
