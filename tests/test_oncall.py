"""The On call page and the search index, from the real renderer and a real site build.

The browser test (test_browser.py) looks at the built page at 390 px; these read the page's
Markdown as `launchboard render` writes it, on the days that matter for a drill.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.site_helpers import REPO, make_root, mkdocs_build

# code-review-bot's rollback runbook last passed a drill on 2026-06-11; the policy's
# exercise_max_age_days is 180, so that drill stops counting on 2026-12-08.
LAPSES = "2026-12-08"


def _render(root: Path, out: Path, as_of: str) -> str:
    result = subprocess.run([sys.executable, "-m", "generator", "render", str(root), "--out", str(out), "--as-of", as_of],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return (out / "oncall.md").read_text(encoding="utf-8")


def _block(page: str, initiative: str) -> str:
    """The initiative's part of the page, its Markdown escapes (backslashes) dropped."""
    block = next(b for b in page.split("\n## ")[1:] if f"(initiatives/{initiative}/index.md)" in b.split("\n", 1)[0])
    return block.replace("\\", "")


def _gate_counts_rollback(root: Path, as_of: str) -> bool:
    result = subprocess.run([sys.executable, "-m", "generator", "check", str(root), "--as-of", as_of, "--format", "json"],
                            capture_output=True, text=True, timeout=300)
    data = json.loads(result.stdout)
    state = next(i for i in data["initiatives"] if i["id"] == "code-review-bot")["readiness"]
    return not any(b["kind"] == "runbook" and b["item"] == "rollback" for b in state["blocking"])


@pytest.mark.parametrize("as_of, left, red", [("2026-12-07", "lapses in 1 day ", False), (LAPSES, "lapses today", True)])
def test_a_drill_turns_red_on_the_day_the_gate_stops_counting_it(tmp_path: Path, as_of: str, left: str, red: bool) -> None:
    page = _render(REPO, tmp_path / "out", as_of)
    block = _block(page, "code-review-bot")
    rollback = next(line for line in block.splitlines() if "runbooks/rollback.md)" in line)
    assert left in rollback
    assert ('class="lb-drill lb-bad"' in rollback) is red
    assert ('class="lb-drill lb-drill--soon"' in rollback) is not red  # the day before: amber, as check warns (LB310)
    assert ("the launch gate no longer counts it" in rollback) is red
    assert ("drill lapsed" in block.split("\n", 1)[0]) is red
    assert _gate_counts_rollback(REPO, as_of) is not red  # the page says what the gate decided


def test_first_call_kill_switch_and_pinned_versions_come_from_the_rollback_runbook(tmp_path: Path) -> None:
    block = _block(_render(REPO, tmp_path / "out", "2026-11-29"), "contract-summariser")
    assert "**@org/legal-engineering-oncall**" in block
    assert '<code class="lb-oncall-code">flag contract-summariser.enabled</code>' in block
    for component, version in (("checkpoint", "ft-legal-2026-09-18"), ("index", "clauses-2026-10-30"), ("prompt", "v9")):
        assert f'{component} <code class="lb-oncall-code">{version}</code>' in block


def test_no_passed_exercise_and_an_incident_that_found_issues_says_exactly_that(tmp_path: Path) -> None:
    block = _block(_render(REPO, tmp_path / "out", "2026-11-29"), "support-assistant")
    line = next(line for line in block.splitlines() if "runbooks/provider-outage.md)" in line)
    assert "no exercise has passed yet; the latest, incident of" in line and "found issues" in line
    assert "earlier pass" not in line


def test_hostile_record_text_never_reaches_the_search_index_as_markup(tmp_path: Path) -> None:
    root = make_root(tmp_path / "repo")
    runbook = root / "decisions" / "support-assistant" / "runbooks" / "cost-spike.yaml"
    text = runbook.read_text(encoding="utf-8")
    text = text.replace("title: Token spend far above forecast", 'title: "<img src=x onerror=alert(1337)> spend"')
    text = text.replace("note: Projected daily spend above 150 % of the forecast.",
                        'note: "<script>alert(1337)</script> [x](javascript:alert(1)) spend above forecast."')
    runbook.write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    result = mkdocs_build(root / "mkdocs.yml", out)
    assert result.returncode == 0, result.stderr
    index = json.loads((out / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = [d for d in index["docs"] if "runbooks/cost-spike/" in d["location"] and "support-assistant" in d["location"]]
    assert docs and any("&lt;img src=x onerror=alert(1337)&gt;" in d["title"] for d in docs)
    for d in index["docs"]:
        for name, value in d.items():
            if isinstance(value, str) and name != "location":
                assert not re.search(r"<(?!/?(?:p|code|pre|ol|ul|li)>)", value), (d["location"], name)


def test_search_entries_under_serve_are_reused_only_for_unchanged_initiatives(tmp_path: Path) -> None:
    from generator.core.pipeline import LoadMemo, load_portfolio
    from generator.site import search_index

    root = make_root(tmp_path / "repo")
    loads, memo = LoadMemo(), search_index.EntryMemo()
    first = search_index.entries(load_portfolio(root, "2026-11-29", memo=loads), memo=memo)
    path = root / "decisions" / "support-assistant" / "runbooks" / "cost-spike.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Token spend far above forecast", "Token spend runs away"), encoding="utf-8")
    portfolio = load_portfolio(root, "2026-11-29", memo=loads)
    again = search_index.entries(portfolio, memo=memo)
    docs = [e.document("x/") for e in again]
    assert docs == [e.document("x/") for e in search_index.entries(portfolio)]  # the memo changes nothing
    assert any(e.title.endswith("Token spend runs away") for e in again)
    reused = {id(e) for e in first} & {id(e) for e in again}
    assert reused and not any(e.page.startswith("initiatives/support-assistant/") for e in again if id(e) in reused)
    assert any(e.page.startswith("initiatives/internal-search/") for e in again if id(e) in reused)


def test_snippets_are_whole_sentences_and_escaped_text() -> None:
    from generator.site import search_index

    long = "First sentence here. " + "A second one that is long " * 12 + "and ends."
    assert search_index.snippet(long) == "First sentence here."
    assert search_index.snippet("x " * 200).endswith("…") and len(search_index.snippet("x " * 200)) <= 240
    assert search_index.snippet("See the **[runbook](https://example.com/x)** for `flagctl`.") == "See the runbook for flagctl."
    entry = search_index.Entry("p.md", "", "Runbook · <b>x</b>", "<script>alert(1)</script> & more", {"ops": ["a < b"], "who": []})
    doc = entry.document("p/")
    assert doc == {"location": "p/", "title": "Runbook · &lt;b&gt;x&lt;/b&gt;",
                   "text": "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more", "ops": "a &lt; b"}


def test_check_says_no_exercise_passed_rather_than_an_earlier_pass(tmp_path: Path) -> None:
    """LB311 on a runbook whose only exercise, an incident, found issues: there was no pass."""
    result = subprocess.run([sys.executable, "-m", "generator", "check", str(REPO), "--as-of", "2026-11-29"],
                            capture_output=True, text=True, timeout=300, env={**__import__("os").environ, "NO_COLOR": "1"})
    line = next(ln for ln in result.stdout.splitlines() if "LB311" in ln and "support-assistant/runbooks/provider-outage" in ln)
    assert "no exercise of it has passed yet" in line and "earlier pass" not in line
