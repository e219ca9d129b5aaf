"""The published site, built for real with MkDocs from the sample records."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as etree
from pathlib import Path

import pytest
import yaml

from tests.site_helpers import REPO, SAMPLE_IDS, assert_board_lists_the_sample, make_root, mkdocs_build, site_env



# sample_site (the sample's strict build, once per run) comes from conftest.py.


@pytest.fixture(scope="session")
def search_index(sample_site) -> dict:
    return json.loads((sample_site / "search" / "search_index.json").read_text(encoding="utf-8"))


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def test_board_lists_every_initiative_with_stage_and_readiness(sample_site):
    board = assert_board_lists_the_sample(sample_site)
    assert "lb-stagecount" in board and "Expiring soon" in board and "Decisions due for review" in board


def test_board_counts_by_stage(sample_site):
    board = (sample_site / "index.html").read_text(encoding="utf-8")
    stages = {}
    for i in SAMPLE_IDS:
        stage = yaml.safe_load((REPO / "decisions" / i / "initiative.yaml").read_text())["stage"]
        stages[stage] = stages.get(stage, 0) + 1
    for stage, n in stages.items():
        assert re.search(rf'lb-stage--{stage}"><span class="lb-stagecount__n">{n}</span>', board), stage


def test_initiative_page_shows_stage_blockers_and_charts(sample_site):
    html = page(sample_site, "initiatives/contract-summariser")
    assert "lb-stage--canary" in html
    assert "Blocking the next stage (ga)" in html
    assert "External penetration test" in html  # in progress, required from ga
    assert re.search(r'<img[^>]+src="metrics/[a-z0-9-]+\.svg"', html)
    charts = list((sample_site / "initiatives" / "contract-summariser" / "metrics").glob("*.svg"))
    assert charts
    for chart in charts:
        etree.fromstring(chart.read_text(encoding="utf-8"))  # well-formed SVG


def test_initiative_page_shows_problems_it_concerns(sample_site):
    html = page(sample_site, "initiatives/support-assistant")
    assert "LB302" in html  # the waiver that expires soon, pinned to its file and line
    assert "admonition" in html


def test_decision_page_has_matrix_best_and_chosen(sample_site):
    html = page(sample_site, "initiatives/support-assistant/decisions/0001-rag-over-fine-tuning")
    assert "lb-best" in html and "lb-chosen" in html
    assert "4.25" in html  # Σ weight × score / Σ weight for the rag option
    assert "Help-centre articles change daily" in html


def test_supersession_links_both_ways(sample_site):
    root = sample_site / "initiatives" / "contract-summariser" / "decisions"
    old = (root / "0001-fine-tune-on-reviewed-contracts" / "index.html").read_text(encoding="utf-8")
    new = (root / "0002-hybrid-with-clause-retrieval" / "index.html").read_text(encoding="utf-8")
    assert "0002-hybrid-with-clause-retrieval/" in old
    assert "0001-fine-tune-on-reviewed-contracts/" in new


def test_decision_log_is_newest_first(sample_site):
    html = page(sample_site, "decisions")
    dates = re.findall(r"<tr>\s*<td>(\d{4}-\d{2}-\d{2})</td>", html)
    assert dates and dates == sorted(dates, reverse=True)


def test_guides_and_reference(sample_site):
    assert "knowledge" in page(sample_site, "approaches").lower()
    assert "Security review" in page(sample_site, "checklists")
    reference = page(sample_site, "reference")
    for field in ("approach", "review_by", "items.&lt;key&gt;.waiver.expires", "metrics[].measurements[].value"):
        assert f"<code>{field}</code>" in reference, field
    assert "How to contribute" in page(sample_site, "contribute")


def test_search_finds_initiatives_and_decisions_by_their_text(search_index):
    def where(word):
        return {d["location"].split("#")[0] for d in search_index["docs"] if word in d["text"] or word in d["title"]}

    assert "initiatives/support-assistant/" in where("help-centre corpus") | where("help-centre")
    assert "initiatives/support-assistant/decisions/0001-rag-over-fine-tuning/" in where("Freshness and citations")


def test_tags_group_pages(sample_site):
    tags = page(sample_site, "tags")
    for tag in ("approach:rag", "stage:ga", "risk:high", "team:@org/support-platform"):
        assert tag in tags, tag
    assert "approach:rag" in page(sample_site, "initiatives/support-assistant")


def test_json_feeds_and_badges(sample_site):
    feed = json.loads((sample_site / "api" / "initiatives.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in feed["initiatives"]] == SAMPLE_IDS
    one = json.loads((sample_site / "api" / "initiatives" / "support-assistant.json").read_text(encoding="utf-8"))
    assert one["stage"] == "ga" and one["decisions"] and one["state"]["readiness"]["required"] > 0
    for i in SAMPLE_IDS:
        svg = etree.fromstring((sample_site / "badges" / f"{i}.svg").read_text(encoding="utf-8"))
        assert svg.tag.endswith("svg")


def test_navigation_groups_initiatives_and_leaves_decisions_out(sample_site):
    html = (sample_site / "initiatives" / "support-assistant" / "index.html").read_text(encoding="utf-8")
    nav = re.split(r'class="md-nav md-nav--primary[^"]*"', html, maxsplit=1)[1].split("</nav>", 1)[0]
    assert "Code-review bot" in nav
    assert "decisions/0001" not in nav


def test_offline_no_cdn_or_web_fonts(sample_site):
    for path in sample_site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for needle in ("fonts.googleapis", "fonts.gstatic", "unpkg.com", "cdn.jsdelivr", "cdnjs"):
            assert needle not in text, (path, needle)


def test_strict_build_fails_when_check_has_errors(tmp_path):
    root = make_root(tmp_path / "repo")
    sec = root / "decisions" / "support-assistant" / "checklists" / "security-review.yaml"
    sec.unlink()  # ga needs its items: now the gate fails
    strict = mkdocs_build(root / "mkdocs.yml", tmp_path / "strict", strict=True)
    assert strict.returncode != 0
    assert "LB2" in strict.stderr
    loose = mkdocs_build(root / "mkdocs.yml", tmp_path / "loose")
    assert loose.returncode == 0, loose.stderr
    html = (tmp_path / "loose" / "initiatives" / "support-assistant" / "index.html").read_text(encoding="utf-8")
    assert "Missing for the current stage (ga)" in html
    assert "admonition danger" in html


def _launchboard(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=site_env(), capture_output=True, text=True, timeout=600)


def test_launchboard_build_replaces_site_only_on_success(tmp_path):
    root = make_root(tmp_path / "repo")
    ok = _launchboard("build", str(root), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    built = root / "site" / "index.html"
    assert built.is_file()
    before = built.read_text(encoding="utf-8")
    (root / "decisions" / "support-assistant" / "checklists" / "security-review.yaml").unlink()
    failed = _launchboard("build", str(root), "--strict", cwd=tmp_path)
    assert failed.returncode == 1
    assert built.read_text(encoding="utf-8") == before
    assert not [p for p in root.iterdir() if p.name.startswith(".site")]


def test_launchboard_render_writes_markdown(tmp_path):
    out = tmp_path / "pages"
    done = _launchboard("render", str(REPO), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (out / "index.md").read_text(encoding="utf-8").startswith("---\ntitle: Launch board")
    for i in SAMPLE_IDS:
        assert (out / "initiatives" / i / "index.md").is_file()
        assert (out / "api" / "initiatives" / f"{i}.json").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".pages")]


def test_plugin_options_are_validated_and_fail_on_warning(tmp_path):
    root = make_root(tmp_path / "repo")
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("fail_on: error", "fail_on: bogus"), encoding="utf-8")
    bad = mkdocs_build(config, tmp_path / "bad")
    assert bad.returncode != 0 and "fail_on" in bad.stderr
    config.write_text(text.replace("fail_on: error", "fail_on: warning"), encoding="utf-8")
    strict = mkdocs_build(config, tmp_path / "strict", strict=True)
    assert strict.returncode != 0 and "LB3" in strict.stderr  # the sample's warnings now fail --strict


def test_board_says_no_gate_where_a_stage_requires_nothing(sample_site):
    board = (sample_site / "index.html").read_text(encoding="utf-8")
    row = next(r for r in board.split("<tr>") if 'href="initiatives/medical-coding-assistant/"' in r)
    current = row.split("<td>")[6]  # proposed: nothing is required, so no full green bar
    assert "lb-readiness--nogate" in current and "no gate" in current
    assert "lb-bar__fill" not in current


def test_board_names_metrics_and_their_good_direction(sample_site):
    board = (sample_site / "index.html").read_text(encoding="utf-8")
    row = next(r for r in board.split("<tr>") if 'href="initiatives/support-assistant/"' in r)
    assert '<span class="lb-trend__name">p95 draft latency</span>' in row
    assert "(target ≤ 1,500, lower is better)" in row  # in words, not only the sign
    assert "(target ≥ 60, higher is better)" in row
    assert "↑ 0.046 USD" in row and "target ≤ 0.05" in row  # not rounded to its target's "0.05"


def test_board_rows_keep_only_tooltips_that_add_to_their_text(sample_site):
    """Material mounts a tooltip component for every title while a page loads (about 1 s at a
    thousand rows), so a board row leaves out the tooltips that repeat what it shows: the bars
    ("32/37") and the named metrics. A blocker's reason is only in its tooltip and stays."""
    board = (sample_site / "index.html").read_text(encoding="utf-8")
    row = next(r for r in board.split("<tr>") if 'href="initiatives/contract-summariser/"' in r)
    assert re.findall(r'<span class="lb-readiness lb-readiness--\w+"( title=)?', row) == ["", ""]
    assert re.findall(r'<span class="lb-trend lb-trend--\w+"( title=)?', row) == ["", "", ""]
    assert '<span class="lb-block" title="pen-test: required from ga, status is in-progress">' in row
    gate = next(r for r in board.split("<tr>") if 'href="initiatives/support-assistant/"' in r)
    assert '<span class="lb-ok" title="Answers supported by a cited help-centre article gates ga: holds">gate groundedness ✓</span>' in gate
    # the initiative page's own bar still says itself in words
    ini = page(sample_site, "initiatives/contract-summariser")
    assert '<span class="lb-readiness lb-readiness--ready" title="canary: 32 of 32 required items complete">' in ini


def test_decision_log_marks_overdue_reviews(sample_site):
    log = page(sample_site, "decisions")
    row = next(r for r in log.split("<tr>") if "0001-rag-over-fine-tuning" in r)
    assert '<span class="lb-chip lb-overdue">overdue 111 days</span>' in row  # review_by 2026-08-10


def test_superseded_decision_is_tagged_with_the_approach_it_chose(sample_site):
    # contract-summariser's first decision chose fine-tuning; the initiative is now hybrid
    html = page(sample_site, "initiatives/contract-summariser/decisions/0001-fine-tune-on-reviewed-contracts")
    tags = re.findall(r'class="md-tag[^"]*"[^>]*>([^<]+)<', html)
    assert "approach:fine-tune" in tags and "approach:hybrid" not in tags


# --------------------------------------------------------------------------- runbooks


def _runbook(initiative: str, stem: str) -> dict:
    return yaml.safe_load((REPO / "decisions" / initiative / "runbooks" / f"{stem}.yaml").read_text(encoding="utf-8"))


def test_runbook_page_reads_in_the_order_someone_paged_needs(sample_site):
    html = page(sample_site, "initiatives/support-assistant/runbooks/rollback")
    record = _runbook("support-assistant", "rollback")
    assert f'lb-severity--{record["severity"]}">{record["severity"]}</span>' in html
    headings = re.findall(r'<h2 id="([a-z-]+)"', html)
    assert headings == ["triggers", "impact", "diagnosis", "mitigation", "rollback", "verify", "escalation", "exercises"]
    # severity and the last exercise come before the first section
    top = html.split('id="triggers"', 1)[0]
    assert "lb-severity--sev2" in top and "passed 68 days ago" in top  # 2026-09-22, as of 2026-11-29
    for trigger in record["triggers"]:
        assert f"<code>{trigger['alert']}</code>" in html


def test_runbook_commands_are_code_with_their_effect_and_approval(sample_site):
    html = page(sample_site, "initiatives/support-assistant/runbooks/rollback")
    commands = re.findall(r'<pre class="lb-command"><code>(.*?)</code></pre>', html, flags=re.S)
    record = _runbook("support-assistant", "rollback")
    steps = [s for part in ("diagnosis", "mitigation", "verify") for s in record.get(part, [])] + record["rollback"]["steps"]
    assert len(commands) == sum(1 for s in steps if s.get("command"))
    # a multi-line command keeps its lines (the copy button copies what is shown)
    psql = next(c for c in commands if c.startswith("psql"))
    assert psql.count("\n") == record["diagnosis"][2]["command"].strip().count("\n") >= 3
    assert "&lt; 0.2" in psql  # escaped, never markup
    destructive = re.search(r'<li class="lb-step lb-step--destructive">(.*?)</li>', html, flags=re.S).group(1)
    assert "needs approval: <b>incident-commander</b>" in destructive and "cachectl purge" in destructive
    assert html.count("lb-effect--read-only") >= 3 and "lb-effect--write" in html
    # the rollback section: kill switch and every pinned version
    rollback = html.split('id="rollback"', 1)[1].split('id="verify"', 1)[0]
    assert "<code>flag support-assistant.enabled</code>" in rollback
    for component, version in record["rollback"]["pinned"].items():
        assert f"<code>{version}</code>" in rollback, component


def test_runbook_exercises_show_a_failure_then_a_pass(sample_site):
    html = page(sample_site, "initiatives/support-assistant/runbooks/rollback")
    exercises = html.split('id="exercises"', 1)[1]
    assert exercises.index("2026-09-22") < exercises.index("2026-07-08")  # newest first
    assert "lb-outcome--failed" in exercises and "lb-outcome--passed" in exercises


def test_on_call_page_lists_live_initiatives_with_first_call_and_rollback(sample_site):
    html = page(sample_site, "oncall")
    live = [i for i in SAMPLE_IDS if yaml.safe_load((REPO / "decisions" / i / "initiative.yaml").read_text())["stage"] in ("canary", "ga")]
    blocks = {i: b for b in html.split("<h2 ")[1:] for i in live if f'href="../initiatives/{i}/"' in b.split("</h2>", 1)[0]}
    assert sorted(blocks) == sorted(live)
    assert 'href="../initiatives/meeting-summariser/"' not in html  # retired: not serving users
    row = blocks["support-assistant"]
    assert "@org/support-platform-oncall" in row
    assert 'href="../initiatives/support-assistant/runbooks/rollback/"' in row
    assert '<code class="lb-oncall-code">flag support-assistant.enabled</code>' in row
    assert '<code class="lb-oncall-code">gpt-x-2026-05-01</code>' in row
    # the rollback runbook's game day, and when it stops counting (exercise_max_age_days: 180)
    assert 'passed 68 days ago <span class="lb-date">(game-day, 2026-09-22)</span> · lapses in 112 days' in row
    # the most severe runbook first
    assert row.index("lb-severity--sev1") < row.index("lb-severity--sev2") < row.index("lb-severity--sev3")
    assert "lb-oncall-alarm" not in html  # every drill still counts on the sample's date


def test_alerts_feed_maps_every_alert_to_its_runbook_page(sample_site):
    feed = json.loads((sample_site / "api" / "alerts.json").read_text(encoding="utf-8"))
    expected = {}
    for path in sorted((REPO / "decisions").glob("*/runbooks/*.yaml")):
        for trigger in yaml.safe_load(path.read_text(encoding="utf-8")).get("triggers", []):
            expected[trigger["alert"]] = f"initiatives/{path.parent.parent.name}/runbooks/{path.stem}/"
    assert {name: a["path"] for name, a in feed["alerts"].items()} == expected
    for alert in feed["alerts"].values():
        assert (sample_site / alert["path"] / "index.html").is_file()


def test_initiative_page_lists_its_runbooks_and_topics(sample_site):
    html = page(sample_site, "initiatives/support-assistant")
    section = html.split('id="runbooks"', 1)[1].split('id="checklists"', 1)[0]
    for path in sorted((REPO / "decisions" / "support-assistant" / "runbooks").glob("*.yaml")):
        assert f'href="runbooks/{path.stem}/"' in section
    assert 'id="item-runbooks--rollback"' in section and "✓ covered" in section


def test_search_finds_runbook_text(search_index):
    docs = [d for d in search_index["docs"] if "runbooks/rollback/" in d["location"] and "support-assistant" in d["location"]]
    assert any("cachectl purge" in d.get("ops", "") for d in docs)  # commands: searched, not shown
    assert any("Point the model and prompt flags back" in d["text"] for d in docs)


def test_search_index_is_written_from_the_records(search_index):
    """One entry per page a record makes (and a blocking checklist row), kind and initiative in
    the title, a few sentences of text (never table cells run together), and Material told to
    weigh the record fields."""
    docs = search_index["docs"]
    fields = search_index["config"]["fields"]
    assert fields["alert"]["boost"] > fields["name"]["boost"] > fields["ops"]["boost"] > fields["title"]["boost"]
    locations = [d["location"] for d in docs]
    assert len(locations) == len(set(locations))
    by = {d["location"]: d for d in docs}
    cost = by["initiatives/support-assistant/runbooks/cost-spike/"]
    assert cost["title"] == "Runbook · Customer support assistant · Token spend far above forecast"
    # the alert's words, and of its full name those no higher field holds (the site splits at - and /)
    assert cost["alert"] == "daily cost" and {"support", "assistant"} <= set(cost["ref"].split())
    assert "cost" not in cost["ref"].split() + cost["ops"].split()  # each word once, in its highest field
    assert by["initiatives/support-assistant/"]["title"] == "Initiative · Customer support assistant"
    row = by["initiatives/contract-summariser/#item-security-review--pen-test"]
    assert row["title"].startswith("Checklist · Contract summariser · Security review: ") and {"pen", "test"} <= set(row["ref"].split())
    assert "frameworks/nist-ai-600-1/#control-gv-1-7-001" in by
    for d in docs:  # Material inserts title and text as HTML: the records' never carry a tag
        assert len(html.unescape(d["text"])) <= 240, d["location"]
        # pages of the trusted templates alone (no record text) are indexed by Material itself,
        # which keeps inline <code>: every entry written from the records is plain text
        if not d["location"].startswith(("contribute/", "cli/", "codes/", "formats/")):
            assert "<" not in d["title"] + d["text"], d["location"]
    # every page whose entries come from the records is listed once as a page before its sections
    pages = [loc for loc in locations if "#" not in loc]
    for loc in locations:
        if "#" in loc:
            assert loc.split("#")[0] in pages and pages.index(loc.split("#")[0]) >= 0


def test_expiring_soon_lists_a_runbook_exercise_about_to_stop_counting(sample_site):
    """The code-review bot's rollback drill (2026-06-11) stops counting on 2026-12-08 (LB310):
    the board says so next to approvals and waivers."""
    board = (sample_site / "index.html").read_text(encoding="utf-8")
    section = board.split('id="expiring-soon"', 1)[1].split('id="decisions-due-for-review"', 1)[0]
    row = next(r for r in section.split("<tr>") if "2026-12-08" in r)
    assert "Code-review bot" in row and "runbooks / rollback" in row and "exercise" in row


def test_a_build_in_this_process_leaves_nothing_frozen_for_the_collector(tmp_path: Path, monkeypatch) -> None:
    """The plugin freezes what a build keeps (gc.freeze: the collector's walks were a third of a
    1,000-initiative build) and thaws it when the build ends, so a process that builds many
    sites does not keep each build's Page/File cycles for good."""
    import gc

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = make_root(tmp_path / "repo")
    monkeypatch.chdir(root)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    before = gc.get_freeze_count()
    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    config.plugins.on_startup(command="build", dirty=False)
    build(config)
    assert (tmp_path / "site" / "index.html").is_file()
    assert gc.get_freeze_count() == before == 0
