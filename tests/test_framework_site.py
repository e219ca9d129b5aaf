"""The control framework pages, through a real `mkdocs build` of the sample repository and
of one with a hostile pack."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.site_helpers import REPO, make_root, mkdocs_build, scan_site


@pytest.fixture
def site(sample_site: Path) -> Path:
    """The sample's site, built once per run (conftest.py)."""
    return sample_site


def read(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def section(html: str, anchor: str) -> str:
    """The HTML from the heading with id ANCHOR to the next h2/h3."""
    start = html.index(f'id="{anchor}"')
    end = re.compile(r"<h[23][ >]").search(html, start + 1)
    return html[start : end.start() if end else len(html)]


def test_framework_page_lists_controls_items_initiatives_and_gaps(site: Path) -> None:
    html = read(site, "frameworks/owasp-llm-2025")
    assert "OWASP Top 10 for LLM Applications 2025" in html
    assert "9 of 10 controls" in html
    llm01 = section(html, "control-llm01")
    assert "Prompt Injection" in llm01
    assert "Prompt-injection and jailbreak test suite passes" in llm01  # an item that satisfies it
    # per initiative: complete or not, with the evidence as a checked link
    row = re.search(r"<tr>\s*<td><a href=\"../../initiatives/contract-summariser/\">.*?</tr>", llm01, re.S).group(0)
    assert "✗ 2/3" in row and "security-review/pen-test" in row and "in-progress" in row
    assert 'href="https://jira.example.com/browse/SEC-1463"' in row
    row = re.search(r"<tr>\s*<td><a href=\"../../initiatives/support-assistant/\">.*?</tr>", llm01, re.S).group(0)
    assert "✓ complete" in row
    gaps = section(html, "gaps")
    assert 'href="#control-llm04"' in gaps and "Data and Model Poisoning" in gaps
    assert "no checklist item or runbook topic maps to owasp-llm-2025:LLM04" in section(html, "control-llm04")


def test_nist_page_has_every_action_id(site: Path) -> None:
    html = read(site, "frameworks/nist-ai-600-1")
    pack = yaml.safe_load((REPO / "generator/core/frameworks/nist-ai-600-1.yaml").read_text())
    for control in pack["controls"]:
        assert f">{control['id']} · " in html, control["id"]
    assert "30 of 31 controls" in html
    assert 'href="#control-mg-3-2-005"' in section(html, "gaps")


def test_initiative_page_chips_link_to_the_control(site: Path) -> None:
    html = read(site, "initiatives/support-assistant")
    chip = re.search(r'<a class="lb-chip lb-control" href="([^"]+)" title="Prompt Injection">owasp-llm-2025:LLM01</a>', html)
    assert chip, "no LLM01 chip on the threat-model row"
    target = (site / "initiatives/support-assistant" / chip.group(1).split("#")[0]).resolve()
    assert target == (site / "frameworks/owasp-llm-2025").resolve()
    assert chip.group(1).endswith("#control-llm01")


def test_board_and_navigation_link_the_framework_pages(site: Path) -> None:
    board = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="frameworks/owasp-llm-2025/"' in board
    assert 'href="frameworks/nist-ai-600-1/"' in board
    assert re.search(r"9 / 10</td>\s*<td>LLM04</td>", board)
    nav = read(site, "checklists")
    assert "Frameworks" in nav and "frameworks/owasp-llm-2025/" in nav


def test_search_finds_a_control_by_its_id(site: Path) -> None:
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    hits = {d["location"].split("#")[0] for d in docs if "GV-3.2-005" in d["text"] or "GV-3.2-005" in d["title"]}
    assert "frameworks/nist-ai-600-1/" in hits


def test_hostile_pack_text_stays_inert(tmp_path: Path) -> None:
    root = make_root(tmp_path / "repo")
    (root / "decisions/frameworks/evil.yaml").write_text(yaml.safe_dump({
        "framework": "evil",
        "title": "<script>alert(1)</script> Evil",
        "version": "1",
        "source": "javascript:alert(1)",
        "licence": "<img src=x onerror=alert(1)>",
        "description": "[click](javascript:alert(2)) <b onclick=x>b</b>",
        "controls": [{"id": "E-1", "title": "<iframe src=//evil>"}],
    }))
    policy = yaml.safe_load((root / "decisions/policy.yaml").read_text())
    policy["frameworks"].append("evil")
    policy["checklists"]["security-review"]["items"][0]["controls"].append("evil:E-1")
    (root / "decisions/policy.yaml").write_text(yaml.safe_dump(policy, sort_keys=False))
    out = tmp_path / "site"
    result = mkdocs_build(root / "mkdocs.yml", out)
    assert result.returncode == 0, result.stderr
    html = read(out, "frameworks/evil")  # a repository's own pack gets its page once listed
    assert "a pack of this repository" in html and "1 of 1 controls" in html
    assert ">E-1 · &lt;iframe src=//evil&gt;</h3>" in html
    assert 'href="javascript:' not in html and "<code>javascript:alert(1)</code>" in html  # shown, not linked
    assert "evil:E-1</a>" in read(out, "initiatives/support-assistant")
    assert not (out / "frameworks/internal-ai-standard").exists()  # the sample's example pack is not listed: no page
    assert scan_site(out) == []  # no script, handler, frame or dangerous URL anywhere
