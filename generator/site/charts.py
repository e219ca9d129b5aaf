"""SVG drawn at build time: metric charts and status badges, readable without JavaScript.

Every piece of record text goes through `xml_text`; the SVGs are served as files and shown
with `<img>`, so even a missed escape could not run script in the page.
"""

from __future__ import annotations

import math

from collections.abc import Callable
from functools import lru_cache

from generator.site.markdown_safety import xml_text
from generator.core.model import Measurement, Metric

_GOOD = "#2e7d32"
_BAD = "#c62828"
_NEUTRAL = "#546e7a"


def _fmt(v: float) -> str:
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:,.0f}"
    if abs(v) < 1:  # three significant digits: 0.046 against a target of 0.05 is not "0.05"
        short = f"{v:.3g}"
        return short if "e" not in short else f"{v:.12f}".rstrip("0")
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _by_date(m: Measurement) -> str:
    return m.date


@lru_cache(maxsize=1024)
def _str_text(s: str) -> str:
    return xml_text(s)


def _date_text(date: object) -> str:
    """xml_text of a measurement's date: the same few hundred dates recur across charts."""
    # Exact str only: a subclass could hash or compare differently.
    return _str_text(date) if type(date) is str else xml_text(date)


def metric_chart(metric: Metric, width: int = 560, height: int = 200) -> str:
    """A line chart of a metric's measurements with its target (and baseline) as rules."""
    points = sorted(metric.measurements, key=_by_date)
    values = [m.value for m in points] + [metric.target]
    if metric.baseline is not None:
        values.append(metric.baseline)
    lo, hi = min(values), max(values)
    if hi == lo:
        hi, lo = hi + 1, lo - 1
    pad = (hi - lo) * 0.12
    lo, hi = lo - pad, hi + pad
    if not (math.isfinite(lo) and math.isfinite(hi) and math.isfinite(hi - lo)):
        return _unplottable(metric, width, height)  # values near the float limit: no axis fits them
    left, right, top, bottom = 56, 16, 28, 34
    pw, ph = width - left - right, height - top - bottom

    def y(v: float) -> float:
        return top + ph * (hi - v) / (hi - lo)

    title = xml_text(metric.title)
    unit = xml_text(metric.unit)
    better = "lower" if metric.direction == "lower" else "higher"
    on = metric.on_target
    colour = _NEUTRAL if on is None else (_GOOD if on else _BAD)
    x_right = width - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{title}" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="13">',
        f"<title>{title} ({unit}), {better} is better</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{left}" y="17" font-size="14" font-weight="600" fill="#263238">{title}'
        f' <tspan fill="#5f6f78" font-weight="400">({unit}, {better} is better)</tspan></text>',
    ]
    # y axis: min and max labels, light grid
    for v in (lo + pad, (lo + hi) / 2, hi - pad):
        yv = y(v)
        parts.append(f'<line x1="{left}" x2="{x_right}" y1="{yv:.1f}" y2="{yv:.1f}" stroke="#eceff1"/>')
        parts.append(f'<text x="{left - 6}" y="{yv + 4:.1f}" text-anchor="end" fill="#5f6f78">{_fmt(v)}</text>')
    # target and baseline rules
    ty = y(metric.target)
    parts.append(f'<line x1="{left}" x2="{x_right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="{_GOOD}" stroke-dasharray="6 4" stroke-width="1.5"/>')
    parts.append(f'<text x="{left + 4}" y="{ty - 4:.1f}" fill="{_GOOD}">target {_fmt(metric.target)}</text>')
    if metric.baseline is not None:
        by = y(metric.baseline)
        parts.append(f'<line x1="{left}" x2="{x_right}" y1="{by:.1f}" y2="{by:.1f}" stroke="#90a4ae" stroke-dasharray="2 3"/>')
        parts.append(f'<text x="{x_right}" y="{by - 4:.1f}" text-anchor="end" fill="#5f6f78">baseline {_fmt(metric.baseline)}</text>')
    if points:
        _plot(parts, points, y, left, pw, top, height, colour, ty)
    else:
        parts.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph / 2:.1f}" text-anchor="middle" fill="#5f6f78">no measurements yet</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _unplottable(metric: Metric, width: int, height: int) -> str:
    title = xml_text(metric.title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{title}" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="13">'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>'
        f'<text x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle" fill="#5f6f78">{title}: values too large to chart</text>'
        "</svg>\n"
    )


def _plot(
    parts: list[str],
    points: list[Measurement],
    y: Callable[[float], float],
    left: int,
    pw: int,
    top: int,
    height: int,
    colour: str,
    target_y: float,
) -> None:
    """The measurements' line, dots and end labels; each coordinate computed and formatted once."""
    n = len(points)
    # Same float expressions as a per-point x(i), so the formatted coordinates are identical.
    xs = [left + pw * i / (n - 1) for i in range(n)] if n > 1 else [left + pw / 2]
    ys = [y(p.value) for p in points]
    xf = [f"{v:.1f}" for v in xs]
    yf = [f"{v:.1f}" for v in ys]
    labels = [_fmt(p.value) for p in points]
    dates = [_date_text(p.date) for p in points]
    path = "M" + " L".join([f"{a},{b}" for a, b in zip(xf, yf)])  # "Mx,y Lx,y Lx,y"
    parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
    dot = f'" r="3.5" fill="{colour}"><title>'
    parts.extend([f'<circle cx="{a}" cy="{b}{dot}{d}: {v}</title></circle>' for a, b, d, v, p in zip(xf, yf, dates, labels, points)
                  if p.source is None])
    if any(p.source is not None for p in points):
        _mark_ingested(parts, points, xs, ys, dates, labels, colour, left + pw / 2, height - 12)
    # the latest value's label on the side of its point away from the target rule, so the
    # dashed line never runs through it (and below the point when the top edge is too close)
    ly = ys[-1]
    below = ly >= target_y if ly >= top + 14 else True
    parts.append(f'<text x="{xs[-1] - 6:.1f}" y="{ly + (16 if below else -8):.1f}" text-anchor="end" font-weight="600" fill="{colour}">{labels[-1]}</text>')
    parts.append(f'<text x="{xf[0]}" y="{height - 12}" text-anchor="start" fill="#5f6f78">{dates[0]}</text>')
    if n > 1:
        parts.append(f'<text x="{xf[-1]}" y="{height - 12}" text-anchor="end" fill="#5f6f78">{dates[-1]}</text>')


def _mark_ingested(
    parts: list[str], points: list[Measurement], xs: list[float], ys: list[float], dates: list[str], labels: list[str],
    colour: str, x_middle: float, y_key: float,
) -> None:
    """Points read from an evaluation run's result file: a hollow square, not a dot (shape,
    not colour alone), titled with the tool and run; and a key saying so."""
    for x, y, date, label, point in zip(xs, ys, dates, labels, points):
        source = point.source
        if source is None:
            continue
        run = f" run {xml_text(source.run)}" if source.run else ""
        parts.append(
            f'<rect class="lb-ingested" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#fff" '
            f'stroke="{colour}" stroke-width="2"><title>{date}: {label} (from {xml_text(source.tool)}{run})</title></rect>'
        )
    # the key: on the date labels' line, between the first and last date
    parts.append(f'<rect x="{x_middle - 70:.1f}" y="{y_key - 8:.1f}" width="8" height="8" fill="#fff" stroke="#546e7a" stroke-width="2"/>')
    parts.append(f'<text x="{x_middle - 58:.1f}" y="{y_key:.1f}" text-anchor="start" fill="#78909c">from an evaluation run</text>')


def _text_width(s: str) -> int:
    return int(len(s) * 6.6) + 12


def badge(label: str, value: str, ok: bool | None) -> str:
    """A flat status badge, shields.io style: `label | value`."""
    label, value = xml_text(label), xml_text(value)
    lw, vw = _text_width(label), _text_width(value)
    colour = "#9e9e9e" if ok is None else ("#2e7d32" if ok else "#ef6c00")
    w = lw + vw
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="20" role="img" aria-label="{label}: {value}">'
        f"<title>{label}: {value}</title>"
        f'<rect width="{lw}" height="20" fill="#455a64"/>'
        f'<rect x="{lw}" width="{vw}" height="20" fill="{colour}"/>'
        '<g fill="#fff" font-family="Verdana, DejaVu Sans, sans-serif" font-size="11">'
        f'<text x="{lw / 2:.0f}" y="14" text-anchor="middle">{label}</text>'
        f'<text x="{lw + vw / 2:.0f}" y="14" text-anchor="middle">{value}</text>'
        "</g></svg>\n"
    )
