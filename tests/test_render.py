"""The renderer alone: a Portfolio built by hand becomes files; writing them stays inside DIR."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.site import markdown_safety as ms
from generator.core.model import (
    Checklist, ChecklistItem, ChecklistSpec, Criterion, Decision, Initiative, InitiativeState,
    ItemSpec, ItemVerdict, Location, Measurement, Metric, Option, Outcome, Policy, Portfolio,
    Readiness,
)
from generator.site.render import RenderedSite, relative, render_site, write_site


def portfolio(ids=("alpha", "beta")) -> Portfolio:
    policy = Policy(
        stages=["proposed", "pilot", "ga", "retired"],
        approval_max_age_days=180,
        waiver_max_days=90,
        checklists={"security-review": ChecklistSpec("security-review", "Security review", ["@sec"], [ItemSpec("threat-model", "Threat model", "pilot")])},
        criteria={"freshness": Criterion("freshness", "Freshness")},
    )
    initiatives, states = [], {}
    for i in ids:
        d = Decision(i, 1, "use-rag", f"decisions/{i}/adr/0001-use-rag.yaml", "Use RAG", "accepted", "2026-01-01", ["@a"], "ctx",
                     [("freshness", 2)], [Option("rag", "rag", scores={"freshness": 5}), Option("prompt", "prompt", scores={"freshness": 2})],
                     Outcome("rag"), review_by="2026-12-01")
        ini = Initiative(i, f"decisions/{i}/initiative.yaml", f"Title {i}", "A *summary*.", ["@a", "@org/team"], "high", "rag", "pilot",
                         [], metrics=[Metric("lat", "Latency", "ms", "lower", 10, 5, [Measurement("2026-11-01", 7), Measurement("2026-11-08", 6)])],
                         decisions=[d],
                         checklists={"security-review": Checklist(i, "security-review", "x", {"threat-model": ChecklistItem("threat-model", "todo")})})
        initiatives.append(ini)
        v = ItemVerdict("security-review", "threat-model", "Threat model", "pilot", "todo", False, "status is todo", Location("x", 3, 1))
        states[i] = InitiativeState(i, "pilot", "rag", Readiness("pilot", [v]), Readiness("ga", [v]))
    return Portfolio(".", "2026-11-29", policy, initiatives, states, [])


def test_render_site_produces_pages_feeds_badges_and_charts():
    site = render_site(portfolio())
    for path in ("index.md", "initiatives/alpha/index.md", "initiatives/alpha/decisions/0001-use-rag.md",
                 "api/initiatives.json", "api/initiatives/alpha.json", "badges/alpha.svg", "initiatives/alpha/metrics/lat.svg",
                 "decisions.md", "approaches.md", "checklists.md", "reference.md", "contribute.md", "tags.md"):
        assert path in site.files, path
    assert "initiatives/alpha/index.md" in site.pages and "api/initiatives/alpha.json" not in site.pages
    feed = json.loads(site.files["api/initiatives.json"])
    assert [i["id"] for i in feed["initiatives"]] == ["alpha", "beta"]
    # the board's blocker names the item and links to its row on the initiative page
    assert "[security\\-review/threat\\-model](initiatives/alpha/index.md#item-security-review--threat-model)" in site.files["index.md"]
    assert 'id="item-security-review--threat-model"' in site.files["initiatives/alpha/index.md"]


def test_unsafe_ids_are_skipped_not_written():
    site = render_site(portfolio(ids=("alpha", "../evil", ".hidden")))
    assert sorted(site.skipped) == sorted([".hidden", "../evil"])
    assert all(".." not in p and "/." not in p for p in site.files)


def test_navigation_groups_initiatives():
    ids = [f"i{n:03d}" for n in range(120)]
    site = render_site(portfolio(ids=ids), group_size=50)
    groups = site.nav[-1]["Initiatives"]
    assert [len(next(iter(g.values()))) for g in groups] == [50, 50, 20]
    assert not any("decisions/" in str(g) for g in groups)


def test_relative_links():
    assert relative("index.md", "initiatives/a/index.md") == "initiatives/a/index.md"
    assert relative("initiatives/a/decisions/0001-x.md", "initiatives/a/index.md") == "../index.md"


def test_write_site_is_atomic_and_keeps_previous_on_failure(tmp_path):
    out = tmp_path / "out"
    write_site(RenderedSite(files={"index.md": "one"}, nav=[]), out)
    assert (out / "index.md").read_text() == "one"
    with pytest.raises(ms.UnsafePath):
        write_site(RenderedSite(files={"index.md": "two", "../escape.md": "x"}, nav=[]), out)
    assert (out / "index.md").read_text() == "one"
    assert not (tmp_path / "escape.md").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folders left


@pytest.mark.parametrize("bad", ["/abs.md", "a/../../x.md", ".hidden.md", "a//b.md", "a\\b.md", ""])
def test_write_site_refuses_paths_outside(tmp_path, bad):
    with pytest.raises(ms.UnsafePath):
        write_site(RenderedSite(files={bad: "x"}, nav=[]), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_measurements_are_a_sequence_of_measurement() -> None:
    """model.Measurements keeps a metric's points as two tuples; readers see Measurement objects."""
    from generator.core.model import Measurement, Measurements

    points = [Measurement("2026-01-05", 3), Measurement("2026-01-12", 2.5)]
    kept = Measurements(points)
    assert list(kept) == points and kept == points and len(kept) == 2
    assert kept[1] == points[1] and kept[-1] == points[-1] and kept[:1] == points[:1]
    assert sorted(kept, key=lambda m: m.date, reverse=True) == points[::-1]
    assert Measurements.of(["2026-01-05", "2026-01-12"], [3, 2.5]) == kept
    assert type(kept[0].value) is int  # values keep their type: 3 is not shown as 3.0
    with pytest.raises(ValueError):
        Measurements.of(["2026-01-05"], [])


def test_a_chart_of_values_near_the_float_limit_draws_no_nan() -> None:
    """±1.7e308 pass the schema (finite numbers); the chart's axis cannot hold their span."""
    from generator.core.model import Measurements, Metric
    from generator.site.charts import metric_chart

    metric = Metric(id="x", title="Latency", unit="ms", direction="lower", baseline=None, target=1.0,
                    measurements=Measurements.of(["2026-01-01", "2026-01-02"], [1.7e308, -1.7e308]))
    svg = metric_chart(metric)
    assert "nan" not in svg and "inf" not in svg and "values too large to chart" in svg
