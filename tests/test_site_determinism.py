"""The same site whatever the machine: a build that forks (the renderer's pool) writes the same bytes as one that does not (LAUNCHBOARD_JOBS=1)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.site_helpers import make_root, mkdocs_build

EMOJI_TITLE = "Rocket 🚀 bot"


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_forked_and_single_process_builds_are_byte_identical(tmp_path: Path) -> None:
    root = make_root(tmp_path / "repo")
    record = root / "decisions" / "code-review-bot" / "initiative.yaml"
    record.write_text(re.sub(r"^title: .*$", f"title: {EMOJI_TITLE}", record.read_text(encoding="utf-8"), count=1, flags=re.M),
                      encoding="utf-8")
    forked = mkdocs_build(root / "mkdocs.yml", tmp_path / "forked", parallel=True)
    single = mkdocs_build(root / "mkdocs.yml", tmp_path / "single", parallel=True, LAUNCHBOARD_JOBS="1")
    assert forked.returncode == 0 and single.returncode == 0, forked.stderr + single.stderr
    a, b = _files(tmp_path / "forked"), _files(tmp_path / "single")
    assert sorted(a) == sorted(b)
    assert [name for name in a if a[name] != b[name]] == []
    # ... and what both hold is right: the tags page lists pages (the forked build used to
    # leave its listing empty), and an emoji title keeps the page's front matter.
    tags = a["tags/index.html"].decode("utf-8")
    assert tags.count('href="../initiatives/') >= 9
    assert EMOJI_TITLE in tags
    page = a["initiatives/code-review-bot/index.html"].decode("utf-8")
    assert f"<title>{EMOJI_TITLE} - Launchboard</title>" in page
    assert "stage:ga" in page  # the tags from the same front matter
