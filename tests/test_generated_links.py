"""Every link on the built sample site resolves: to a file of the site and, when it names an
anchor, to an element with that id on the target page.

Generated pages skip MkDocs's per-page anchor validation (site/pagehtml.py leaves their
`links_to_anchors` empty: the links are Launchboard's own, written by its templates), so this
test is the proof that they hold, on a real `mkdocs build` of the sample records.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.site_helpers import check_links


def test_every_link_and_anchor_on_the_sample_site_resolves(sample_site: Path) -> None:
    result = check_links(sample_site)
    assert not result.broken, "\n".join(result.broken[:40])
    # the proof covers the generated pages' cross-links: item rows, decisions, runbooks
    assert result.checked > 1000 and result.anchors > 100, (result.checked, result.anchors)


@pytest.mark.parametrize("page", ["initiatives/internal-search/index.html", "oncall/index.html"])
def test_generated_pages_have_heading_permalinks_and_a_table_of_contents(sample_site: Path, page: str) -> None:
    """What MkDocs's toc extension gave generated pages, pagehtml gives them: ids, permalinks,
    and the sidebar's table of contents."""
    html = (sample_site / page).read_text(encoding="utf-8")
    assert 'class="headerlink" href="#' in html and 'title="Permanent link"' in html
    toc = html.split('class="md-nav md-nav--secondary"', 1)[1]
    assert re.search(r'<a href="#[\w-]+" class="md-nav__link">', toc)


def test_a_site_built_for_the_file_system_links_to_pages_not_folders(tmp_path: Path) -> None:
    """Templates write raw-HTML links to a page's folder (`../frameworks/x/#control-…`, which
    plain MkDocs leaves alone under `render --out`). In a site built to open from files a folder
    is a directory listing, so the plugin resolves them to the page in the build's URL style;
    MkDocs reported each of them as an "unrecognized relative link" too (346 on the sample)."""
    from tests.site_helpers import make_root, mkdocs_build

    root = make_root(tmp_path / "repo")
    built = mkdocs_build(root / "mkdocs.yml", tmp_path / "site", LAUNCHBOARD_OFFLINE="true")
    assert built.returncode == 0, built.stderr[-2000:]
    assert "unrecognized relative link" not in built.stderr
    folders = []
    for page in (tmp_path / "site").rglob("*.html"):
        for href in re.findall(r'<a [^>]*href="([^"]*)"', page.read_text(encoding="utf-8")):
            if not re.match(r"[a-z]+:|#", href) and href.split("#", 1)[0].endswith("/"):
                folders.append(f"{page.relative_to(tmp_path / 'site')}: {href}")
    assert not folders, folders[:20]
    control = (tmp_path / "site" / "initiatives" / "code-review-bot" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../frameworks/owasp-llm-2025/index.html#control-llm01"' in control
    result = check_links(tmp_path / "site")
    assert not result.broken, "\n".join(result.broken[:40])
