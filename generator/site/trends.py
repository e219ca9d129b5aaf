"""The Trends page and each initiative's readiness over time, from `core/history.py`.

What it adds to the rendered site: `trends.md` (initiatives per stage over time, blocked
over time, median days from pilot to ga by approach), an SVG per chart, and a "Readiness
over time" section at the end of each initiative's page. Charts are SVG drawn here, as the
metric charts are (no CDN, no script); every piece of record text in them goes through
`xml_text`, and the SVGs are shown with `<img>`, so nothing in them can run in the page.

Without history (no git, a shallow clone) the page is still written and says why it is
empty and how to fetch the history. Its templates are in templates/site/history/: a subfolder,
so the precompile of every page template (render.precompile_templates) does not wait on two
templates a site without history never uses.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jinja2

from generator.core.history import History, HistoryUnavailable, head_commit, portfolio_history
from generator.core.model import Portfolio
from generator.site import markdown_safety as ms
from generator.site.markdown_safety import xml_text

TRENDS_PAGE = "trends.md"
STAGE_CHART = "trends/stages.svg"
BLOCKED_CHART = "trends/blocked.svg"
FROM_STAGE, TO_STAGE = "pilot", "ga"
# Colour and dash together, so no series is told apart by colour alone.
_STYLES = [("#1565c0", ""), ("#2e7d32", "6 3"), ("#ef6c00", "2 3"), ("#6a1b9a", "8 3 2 3"), ("#c62828", "1 2"),
           ("#00838f", "10 4"), ("#5d4037", "4 4"), ("#546e7a", "3 6")]
_FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="13"'


@dataclass
class Trends:
    """The history a site shows, or why it shows none."""

    history: History | None
    reason: str | None = None


# The last history computed in this process, by (ROOT, date, HEAD): `mkdocs serve` rebuilds
# after every edit of the working tree, which the history (commits only) does not read.
_LAST: dict[str, tuple[tuple[str, dt.date, str | None], Trends]] = {}


def load_trends(root: Path | str, as_of: str | dt.date) -> Trends:
    """ROOT's history up to the site's date; never raises for a repository without one."""
    end = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    key = (str(Path(root).resolve()), end, head_commit(root))
    last = _LAST.get("trends")
    if last is not None and last[0] == key and key[2] is not None:
        return last[1]
    try:
        trends = Trends(portfolio_history(root, end))
    except HistoryUnavailable as err:
        trends = Trends(None, str(err))
    _LAST["trends"] = (key, trends)
    return trends


def readiness_chart_path(initiative_id: str) -> str:
    return f"initiatives/{ms.path_segment(initiative_id)}/readiness-history.svg"


# --------------------------------------------------------------------------- the pages


def add_trends(
    files: dict[str, str | bytes], pages: set[str], env: jinja2.Environment, common: dict[str, Any],
    portfolio: Portfolio, trends: Trends, safe_ids: set[str], initiative_page: Callable[[str], str],
    packer: Any = None,
) -> None:
    """Write the Trends page, its charts, and each initiative's section into FILES (initiative
    pages and charts through PACKER, a render.Packer, when render_site was given one)."""
    history = trends.history
    end = dt.date.fromisoformat(portfolio.as_of)
    stages = list(portfolio.policy.stages) if portfolio.policy else []
    medians: list[dict[str, Any]] = []
    if history is not None and history.portfolio:
        files[STAGE_CHART] = stage_chart(history, stages, end)
        files[BLOCKED_CHART] = blocked_chart(history, end)
        medians = pilot_to_ga(history, {i.id: i.approach for i in portfolio.initiatives})
    files[TRENDS_PAGE] = env.get_template("history/trends.md.j2").render(
        page_path=TRENDS_PAGE, **common, history=history, reason=trends.reason, medians=medians,
        stage_chart=STAGE_CHART, blocked_chart=BLOCKED_CHART, from_stage=FROM_STAGE, to_stage=TO_STAGE,
        has_stages=FROM_STAGE in stages and TO_STAGE in stages,
    )
    pages.add(TRENDS_PAGE)
    if history is None:
        return
    section = env.get_template("history/initiative.md.j2")
    for entry in history.initiatives:
        page = initiative_page(entry["id"])
        if entry["id"] not in safe_ids or page not in files:
            continue  # no longer an initiative (removed or renamed): only the Trends page counts it
        chart = readiness_chart_path(entry["id"])
        svg = readiness_chart(entry, end)
        files[chart] = packer.pack(chart, svg, False) if packer is not None else svg
        text = packer.unpack(page, files[page]) if packer is not None else str(files[page])
        text = text.rstrip("\n") + "\n\n" + section.render(page_path=page, **common, entry=entry, chart=chart)
        files[page] = packer.pack(page, text, True) if packer is not None else text
    add_burn_ups(files, env, common, portfolio, history, end)


def add_burn_ups(files: dict[str, str | bytes], env: jinja2.Environment, common: dict[str, Any],
                 portfolio: Portfolio, history: History, end: dt.date) -> None:
    """Each campaign page (render.py writes it from the ledger) gets its burn-up from the
    history: initiatives in scope meeting the campaign, and in scope, toward the target."""
    from generator.site.render import campaign_page

    section = env.get_template("history/campaign.md.j2")
    for campaign in portfolio.policy.campaigns if portfolio.policy else []:
        page, points = campaign_page(campaign.id), history.campaigns.get(campaign.id)
        if page not in files or not points:
            continue
        chart = page.removesuffix(".md") + "-burn-up.svg"
        target = dt.date.fromisoformat(campaign.target)
        files[chart] = step_chart(f"{campaign.title}: burn-up", [
            ("met", [(p["date"], p["met"]) for p in points]),
            ("in scope", [(p["date"], p["in_scope"]) for p in points]),
        ], max(end, target), marks=[(campaign.target, "target")])
        files[page] = str(files[page]).rstrip("\n") + "\n" + section.render(
            page_path=page, **common, campaign=campaign, chart=chart, points=points)


def pilot_to_ga(history: History, approaches: dict[str, str]) -> list[dict[str, Any]]:
    """Per approach: the median days from an initiative's first commit at pilot to its first
    at ga after that, over the initiatives that made the move within the history."""
    days: dict[str, list[int]] = defaultdict(list)
    for entry in history.initiatives:
        reached_pilot = None
        for point in entry["readiness"]:
            if point["stage"] == FROM_STAGE and reached_pilot is None:
                reached_pilot = dt.date.fromisoformat(point["date"])
            elif point["stage"] == TO_STAGE and reached_pilot is not None:
                approach = approaches.get(entry["id"]) or history.approaches.get(entry["id"], "unknown")
                days[approach].append((dt.date.fromisoformat(point["date"]) - reached_pilot).days)
                break
    return [{"approach": approach, "median": statistics.median(values), "count": len(values)}
            for approach, values in sorted(days.items())]


# --------------------------------------------------------------------------- charts


def stage_chart(history: History, stages: list[str], end: dt.date) -> str:
    """Initiatives per stage over time: one step line per stage."""
    seen = {s for p in history.portfolio for s in p["by_stage"]}
    order = [s for s in stages if s in seen] + sorted(seen - set(stages))
    series = [(stage, [(p["date"], p["by_stage"].get(stage, 0)) for p in history.portfolio]) for stage in order]
    return step_chart("Initiatives per stage", series, end)


def blocked_chart(history: History, end: dt.date) -> str:
    """Initiatives short of their current stage's gate, over time."""
    return step_chart("Blocked by their current stage's gate", [("blocked", [(p["date"], p["blocked"]) for p in history.portfolio])], end)


def readiness_chart(entry: dict[str, Any], end: dt.date) -> str:
    """One initiative's current gate over time: items complete against items required."""
    points = entry["readiness"]
    series = [("complete", [(p["date"], p["complete"]) for p in points]),
              ("required", [(p["date"], p["required"]) for p in points])]
    marks = []
    for before, point in zip([None, *points], points):
        if before is None or before["stage"] != point["stage"]:
            marks.append((point["date"], point["stage"]))
    return step_chart(f"{entry['title']}: readiness over time", series, end, marks=marks)


def step_chart(title: str, series: list[tuple[str, list[tuple[str, int]]]], end: dt.date, *,
               marks: list[tuple[str, str]] = (), width: int = 640, height: int = 240) -> str:  # type: ignore[assignment]
    """Step lines of whole numbers over dates, each value held until the next; the last to END."""
    rows = (len(series) + 3) // 4  # legend rows, four keys a row
    left, right, top, bottom = 44, 16, 30, 34 + 16 * rows
    height += 16 * (rows - 1)
    pw, ph = width - left - right, height - top - bottom
    dates = [dt.date.fromisoformat(d) for _, points in series for d, _ in points]
    first = min(dates) if dates else end
    last = max(end, max(dates) if dates else end)
    span = max(1, (last - first).days)
    high = max([v for _, points in series for _, v in points] + [1])

    def x(day: dt.date) -> float:
        return left + pw * (day - first).days / span

    def y(value: float) -> float:
        return top + ph * (1 - value / high)

    label = xml_text(title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{label}" {_FONT}>',
        f"<title>{label}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{left}" y="18" font-size="14" font-weight="600" fill="#263238">{label}</text>',
    ]
    for value in sorted({0, high // 2, high}):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#eceff1"/>')
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" fill="#5f6f78">{value}</text>')
    for day, text in marks:
        at = x(dt.date.fromisoformat(day))
        parts.append(f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{top}" y2="{top + ph}" stroke="#b0bec5" stroke-dasharray="2 2"/>')
        parts.append(f'<text x="{at + 3:.1f}" y="{top + 11}" font-size="11" fill="#546e7a">{xml_text(text)}</text>')
    for index, (name, points) in enumerate(series):
        colour, dash = _STYLES[index % len(_STYLES)]
        if points:
            path = _step_path(points, x, y, x(last))
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashed}>'
                         f"<title>{xml_text(name)}: {points[-1][1]} now</title></path>")
        key_x = left + (index % 4) * (pw / 4)
        key_y = top + ph + 36 + (index // 4) * 16
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{key_x:.1f}" x2="{key_x + 18:.1f}" y1="{key_y - 4}" y2="{key_y - 4}" stroke="{colour}" stroke-width="2"{dashed}/>')
        parts.append(f'<text x="{key_x + 22:.1f}" y="{key_y}" fill="#37474f">{xml_text(name)}</text>')
    parts.append(f'<text x="{left}" y="{top + ph + 14}" fill="#5f6f78">{first.isoformat()}</text>')
    parts.append(f'<text x="{width - right}" y="{top + ph + 14}" text-anchor="end" fill="#5f6f78">{last.isoformat()}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _step_path(points: list[tuple[str, int]], x: Callable[[dt.date], float], y: Callable[[float], float], x_end: float) -> str:
    """"M x,y H x V y ...": each value runs flat to the next point's date, the last to x_end."""
    out = []
    previous = None
    for index, (day, value) in enumerate(points):
        if value == previous:
            continue  # a flat run is one segment, however many commits it spans
        at, level = x(dt.date.fromisoformat(day)), y(value)
        out.append(f"M{at:.1f},{level:.1f}" if index == 0 else f"H{at:.1f} V{level:.1f}")
        previous = value
    out.append(f"H{x_end:.1f}")
    return " ".join(out)
