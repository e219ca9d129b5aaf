"""SVG drawn at build time: metric charts and status badges, readable without JavaScript.

Every piece of record text goes through `xml_text`; the SVGs are served as files and shown
with `<img>`, so even a missed escape could not run script in the page.
"""

from __future__ import annotations

from generator.markdown_safety import xml_text
from generator.model import Metric

_GOOD = "#2e7d32"
_BAD = "#c62828"
_NEUTRAL = "#546e7a"


def _fmt(v: float) -> str:
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def metric_chart(metric: Metric, width: int = 560, height: int = 200) -> str:
    """A line chart of a metric's measurements with its target (and baseline) as rules."""
    points = sorted(metric.measurements, key=lambda m: m.date)
    values = [m.value for m in points] + [metric.target]
    if metric.baseline is not None:
        values.append(metric.baseline)
    lo, hi = min(values), max(values)
    if hi == lo:
        hi, lo = hi + 1, lo - 1
    pad = (hi - lo) * 0.12
    lo, hi = lo - pad, hi + pad
    left, right, top, bottom = 56, 16, 28, 34
    pw, ph = width - left - right, height - top - bottom

    def y(v: float) -> float:
        return top + ph * (hi - v) / (hi - lo)

    def x(i: int) -> float:
        return left + (pw * i / (len(points) - 1) if len(points) > 1 else pw / 2)

    title = xml_text(metric.title)
    unit = xml_text(metric.unit)
    better = "lower" if metric.direction == "lower" else "higher"
    on = metric.on_target
    colour = _NEUTRAL if on is None else (_GOOD if on else _BAD)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{title}" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="11">',
        f"<title>{title} ({unit}), {better} is better</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{left}" y="16" font-size="12" font-weight="600" fill="#263238">{title}'
        f' <tspan fill="#78909c" font-weight="400">({unit}, {better} is better)</tspan></text>',
    ]
    # y axis: min and max labels, light grid
    for v in (lo + pad, (lo + hi) / 2, hi - pad):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eceff1"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#78909c">{_fmt(v)}</text>')
    # target and baseline rules
    ty = y(metric.target)
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="{_GOOD}" stroke-dasharray="6 4" stroke-width="1.5"/>')
    parts.append(f'<text x="{left + 4}" y="{ty - 4:.1f}" fill="{_GOOD}">target {_fmt(metric.target)}</text>')
    if metric.baseline is not None:
        by = y(metric.baseline)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{by:.1f}" y2="{by:.1f}" stroke="#90a4ae" stroke-dasharray="2 3"/>')
        parts.append(f'<text x="{width - right}" y="{by - 4:.1f}" text-anchor="end" fill="#78909c">baseline {_fmt(metric.baseline)}</text>')
    if points:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
        parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        for i, p in enumerate(points):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="3.5" fill="{colour}"><title>{xml_text(p.date)}: {_fmt(p.value)}</title></circle>')
        last = points[-1]
        parts.append(f'<text x="{x(len(points) - 1) - 6:.1f}" y="{y(last.value) + (16 if y(last.value) < top + 14 else -8):.1f}" text-anchor="end" font-weight="600" fill="{colour}">{_fmt(last.value)}</text>')
        parts.append(f'<text x="{x(0):.1f}" y="{height - 12}" text-anchor="start" fill="#78909c">{xml_text(points[0].date)}</text>')
        if len(points) > 1:
            parts.append(f'<text x="{x(len(points) - 1):.1f}" y="{height - 12}" text-anchor="end" fill="#78909c">{xml_text(last.date)}</text>')
    else:
        parts.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph / 2:.1f}" text-anchor="middle" fill="#78909c">no measurements yet</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


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
