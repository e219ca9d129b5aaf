"""The plain-MkDocs reference of bench/build_vs_mkdocs.py holds what Launchboard's site shows.

The benchmark compares `launchboard build` with a plain mkdocs-material build of "the same
content"; these tests keep that claim true: on a tiny synthetic portfolio both sites build,
the reference has exactly Launchboard's page paths, no raw HTML, the same navigation and
settings less the plugin, and every page reads the same once built.
"""

from __future__ import annotations

import sys
from pathlib import Path

import markdown
import pytest
import yaml

from tests.site_helpers import REPO

sys.path.insert(0, str(REPO / "bench"))
import build_vs_mkdocs as bench  # noqa: E402
import run as bench_run  # noqa: E402

pytestmark = pytest.mark.slow  # two real site builds


def _visible(page: Path) -> list[str]:
    parser = bench.ArticleText()
    parser.feed(bench.article(page.read_text(encoding="utf-8")))
    parser.close()
    return parser.markdown().split("\n")


def test_reference_has_launchboards_pages_text_and_navigation(tmp_path: Path) -> None:
    root = bench_run.prepare(tmp_path, 3)
    lb_site, ref, plain_site = tmp_path / "lb", tmp_path / "plain", tmp_path / "plain-site"
    bench.timed_build(bench.launchboard_cmd(root, lb_site), root, lb_site, "launchboard")
    written = bench.write_reference(root, lb_site, ref)
    bench.timed_build(bench.plain_cmd(ref, plain_site), ref, plain_site, "plain")

    nav, pages = bench.launchboard_pages(root)
    docs = {str(p.relative_to(ref / "docs")) for p in (ref / "docs").rglob("*.md")}
    assert docs == set(pages) and written["pages"] == len(pages)
    assert any("/runbooks/" in p for p in docs) and any(p.startswith("frameworks/") for p in docs)
    lb_html = {str(p.relative_to(lb_site)) for p in lb_site.rglob("*.html")}
    plain_html = {str(p.relative_to(plain_site)) for p in plain_site.rglob("*.html")}
    assert lb_html == plain_html == {bench.html_path(p) for p in pages} | {"404.html"}

    for path in docs:  # plain Markdown: no HTML but the tags plugin's marker
        text = (ref / "docs" / path).read_text(encoding="utf-8").replace(bench.TAGS_MARKER, "")
        assert "<" not in text, path
    config = yaml.safe_load((ref / "mkdocs.yml").read_text(encoding="utf-8"))
    original = bench._load_config(root / "mkdocs.yml")
    # the same plugins with the same settings, less launchboard
    assert config["plugins"] == [p for p in original["plugins"] if p != "launchboard" and not (isinstance(p, dict) and "launchboard" in p)]
    assert [p if isinstance(p, str) else next(iter(p)) for p in config["plugins"]] == ["search", "tags"] and config["nav"] == nav
    assert config["theme"] == original["theme"] and config["markdown_extensions"] == original["markdown_extensions"]

    tables = 0
    for page in sorted(lb_html - {"404.html"}):
        shown = _visible(lb_site / page)
        assert _visible(plain_site / page) == shown, page  # headings, tables, paragraphs alike
        tables += sum(1 for line in shown if line.startswith("| --- |"))
    assert tables > 10


def test_article_text_keeps_headings_tables_and_literal_text() -> None:
    parser = bench.ArticleText()
    parser.feed(
        '<nav class="md-tags"><a class="md-tag">stage:ga</a></nav>'
        '<h2 id="x">Costs # <code>2</code><a class="headerlink" href="#x">¶</a></h2>'
        "<table><thead><tr><th>a|b</th><th>c</th></tr></thead>"
        "<tbody><tr><td><b>*z*</b></td></tr></tbody></table>"
        "<ul><li>1. [x](javascript:alert(1)) &lt;script&gt;</li></ul><script>var n = 1;</script><p>- done</p>"
    )
    parser.close()
    text = parser.markdown()
    assert text == (
        "## Costs # 2\n\n"
        "| a\\|b | c |\n| --- | --- |\n| \\*z\\* |  |\n\n"
        "1\\. \\[x\\](javascript:alert(1)) &lt;script>\n\n"
        "\\- done\n"
    )
    rendered = markdown.markdown(text, extensions=["tables"])
    assert "<h2>Costs # 2</h2>" in rendered and "<td>*z*</td>" in rendered and "<th>a|b</th>" in rendered
    assert "<a " not in rendered and "<script" not in rendered and "<ol>" not in rendered and "<ul>" not in rendered
