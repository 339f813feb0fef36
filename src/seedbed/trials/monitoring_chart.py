"""Server-rendered SVG for the monitoring page: Z at each look against named boundaries.

Plain SVG text (no scripts), as ``seedbed.data.svg`` draws report charts: a title, axis
titles, gridlines with tick labels, one solid line with markers per statistic, one dashed
line per boundary, and a legend naming every line. The same numbers are always given in a
table beside the chart (the page's text alternative). Framework-free.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#1d70b8", "#4c2c92", "#00703c", "#f47738", "#5694ca", "#801650")
HARM_COLOUR = "#d4351c"
BOUNDARY_COLOUR = "#0b0c0c"
FONT = 'font-family="Arial, sans-serif" font-size="13" fill="#0b0c0c"'
Z_LIMIT = 5.0


@dataclass(frozen=True)
class Line:
    """A named line: (information fraction, Z) points; ``boundary`` lines are dashed."""

    label: str
    points: tuple[tuple[float, float | None], ...]
    boundary: bool = False
    colour: str = ""


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def z_chart_svg(*, title: str, lines: Sequence[Line], width: int = 680) -> str:
    """A chart of Z (vertical, clipped to +/-5) against information fraction (0 to 1)."""
    left, top, plot_w, plot_h = 64, 36, width - 64 - 24, 260
    legend_top = top + plot_h + 56
    # Legend labels wrap to the chart's width (about 7 pixels a character at 13px Arial).
    wrapped = [textwrap.wrap(line.label, max(20, (width - left - 50) // 7)) or [""] for line in lines]
    offsets = [sum(18 * len(w) + 6 for w in wrapped[:i]) for i in range(len(lines))]
    height = legend_top + (offsets[-1] + 18 * len(wrapped[-1]) if lines else 0) + 12

    def x(rate: float) -> float:
        return left + plot_w * min(max(rate, 0.0), 1.0)

    def y(z: float) -> float:
        z = max(min(z, Z_LIMIT), -Z_LIMIT)
        return top + plot_h * (Z_LIMIT - z) / (2 * Z_LIMIT)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}. The values are in the table that follows.">',
        f'<text x="8" y="20" {FONT} font-weight="bold">{escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#ffffff" stroke="#505a5f"/>',
    ]
    for tick in (-4, -2, 0, 2, 4):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_fmt(y(tick))}" y2="{_fmt(y(tick))}" '
                     f'stroke="{"#0b0c0c" if tick == 0 else "#b1b4b6"}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 8}" y="{_fmt(y(tick) + 4)}" text-anchor="end" {FONT}>{tick}</text>')
    for rate in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{_fmt(x(rate))}" y="{top + plot_h + 18}" text-anchor="middle" '
                     f'{FONT}>{int(rate * 100)}%</text>')
    parts.append(f'<text x="{_fmt(left + plot_w / 2)}" y="{top + plot_h + 40}" text-anchor="middle" '
                 f'{FONT}>Information fraction (share of the planned information)</text>')
    parts.append(f'<text transform="translate(16 {_fmt(top + plot_h / 2)}) rotate(-90)" '
                 f'text-anchor="middle" {FONT}>Z statistic</text>')
    for i, line in enumerate(lines):
        colour = line.colour or (HARM_COLOUR if line.boundary else PALETTE[i % len(PALETTE)])
        pts = [(r, z) for r, z in line.points if z is not None and math.isfinite(z)]
        coords = " ".join(f"{_fmt(x(r))},{_fmt(y(z))}" for r, z in pts)
        dash = ' stroke-dasharray="8 4"' if line.boundary else ""
        if len(pts) > 1:
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                         f'stroke-width="2.5"{dash}/>')
        for r, z in pts:
            if line.boundary:
                parts.append(f'<line x1="{_fmt(x(r) - 7)}" x2="{_fmt(x(r) + 7)}" y1="{_fmt(y(z))}" '
                             f'y2="{_fmt(y(z))}" stroke="{colour}" stroke-width="3"/>')
            else:
                parts.append(f'<circle cx="{_fmt(x(r))}" cy="{_fmt(y(z))}" r="5" fill="{colour}"/>')
        ly = legend_top + offsets[i]
        parts.append(f'<line x1="{left}" x2="{left + 32}" y1="{ly}" y2="{ly}" stroke="{colour}" '
                     f'stroke-width="3"{dash}/>')
        spans = "".join(f'<tspan x="{left + 42}" dy="{0 if j == 0 else 18}">{escape(text)}</tspan>'
                        for j, text in enumerate(wrapped[i]))
        parts.append(f'<text x="{left + 42}" y="{ly + 5}" {FONT}>{spans}</text>')
    parts.append("</svg>")
    return "".join(parts)
