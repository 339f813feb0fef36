"""Server-rendered SVG charts of a protocol's power curve (no scripts, nothing fetched).

Two small line charts from ``power_calculation["curve"]`` (``seedbed.trials.power``): the
power for the planned effect against the design size, with the target power and the
recommended size marked; and the minimum detectable effect against the design size, with
the planned effect marked. Each has a title, axis labels and a legend drawn in the SVG, and
the page shows the same figures in a table (the text alternative).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

BLUE, RED, GREY, BLACK = "#1d70b8", "#d4351c", "#505a5f", "#0b0c0c"
FONT = 'font-family="Arial, sans-serif" font-size="13"'
WIDTH, HEIGHT = 560, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 64, 52


@dataclass(frozen=True)
class Line:
    """A series or reference line: name for the legend, points, colour and dash."""

    name: str
    points: Sequence[tuple[float, float]]
    colour: str
    dash: str = ""


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v) >= 1 or v == 0 else f"{v:.2g}"


def line_chart_svg(
    *, title: str, x_label: str, y_label: str, lines: Sequence[Line], chart_id: str,
    y_range: tuple[float, float] | None = None, description: str = "",
) -> str:
    """A line chart with title, axis labels, ticks and a legend (plain SVG text)."""
    xs = [x for ln in lines for x, _ in ln.points]
    ys = [y for ln in lines for _, y in ln.points if math.isfinite(y)]
    x_lo, x_hi = (min(xs), max(xs)) if xs else (0.0, 1.0)
    y_lo, y_hi = y_range or ((0.0, max(ys) * 1.1) if ys else (0.0, 1.0))
    if x_hi <= x_lo:
        x_hi = x_lo + 1.0
    if y_hi <= y_lo:
        y_hi = y_lo + 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (x - x_lo) / (x_hi - x_lo) * plot_w

    def py(y: float) -> float:
        return TOP + plot_h - (min(max(y, y_lo), y_hi) - y_lo) / (y_hi - y_lo) * plot_h

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'style="max-width:{WIDTH}px" role="img" aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
        f'<text x="8" y="20" {FONT} font-weight="bold">{escape(title)}</text>',
    ]
    for i, ln in enumerate(lines):  # legend, one row per line, under the title
        lx, ly = 8 + (i % 2) * 270, 38 + (i // 2) * 16
        dash = f' stroke-dasharray="{ln.dash}"' if ln.dash else ""
        out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" '
                   f'stroke="{ln.colour}" stroke-width="3"{dash}/>')
        out.append(f'<text x="{lx + 30}" y="{ly}" {FONT}>{escape(ln.name)}</text>')
    base = TOP + plot_h
    out.append(f'<line x1="{LEFT}" y1="{base}" x2="{LEFT + plot_w}" y2="{base}" stroke="{BLACK}"/>')
    out.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="{BLACK}"/>')
    for t in _ticks(x_lo, x_hi):
        out.append(f'<line x1="{px(t):.1f}" y1="{base}" x2="{px(t):.1f}" y2="{base + 5}" '
                   f'stroke="{BLACK}"/><text x="{px(t):.1f}" y="{base + 18}" {FONT} '
                   f'text-anchor="middle">{_fmt(t)}</text>')
    for t in _ticks(y_lo, y_hi):
        out.append(f'<line x1="{LEFT - 5}" y1="{py(t):.1f}" x2="{LEFT}" y2="{py(t):.1f}" '
                   f'stroke="{BLACK}"/><text x="{LEFT - 8}" y="{py(t) + 4:.1f}" {FONT} '
                   f'text-anchor="end">{_fmt(t)}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" {FONT} '
               f'text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text x="14" y="{TOP + plot_h / 2:.1f}" {FONT} text-anchor="middle" '
               f'transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">{escape(y_label)}</text>')
    for ln in lines:
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in ln.points if math.isfinite(y))
        dash = f' stroke-dasharray="{ln.dash}"' if ln.dash else ""
        out.append(f'<polyline points="{pts}" fill="none" stroke="{ln.colour}" '
                   f'stroke-width="2.5"{dash}/>')
    out.append("</svg>")
    return "".join(out)


def power_charts(calc: dict[str, Any]) -> dict[str, Any] | None:
    """The two charts and the table rows for a power calculation, or None without a curve."""
    curve = (calc or {}).get("curve")
    if not curve or not curve.get("points"):
        return None
    label = str(curve["size_label"])
    points = [(float(s), p, m) for s, p, m in curve["points"]]
    x_lo, x_hi = points[0][0], points[-1][0]
    target = float(calc["power"])
    recommended = curve.get("recommended")
    binary = "effect_size" not in calc
    planned = abs(float(calc["p_treatment"]) - float(calc["p_control"])) if binary else abs(
        float(calc["effect_size"])
    )
    effect_words = "difference in proportions" if binary else "standardised effect"
    power_lines = [
        Line("Power for the planned effect", [(s, p) for s, p, _ in points], BLUE),
        Line(f"Target power ({round(target * 100)}%)", [(x_lo, target), (x_hi, target)], GREY, "6 4"),
    ]
    mde_lines = [
        Line("Smallest effect detectable", [(s, m) for s, _, m in points if m is not None], BLUE),
        Line(f"Planned effect ({planned:g})", [(x_lo, planned), (x_hi, planned)], GREY, "6 4"),
    ]
    if recommended:
        power_lines.append(Line(f"Recommended: {recommended} {label}",
                                [(recommended, 0.0), (recommended, 1.0)], RED, "2 3"))
        top = max([m for _, _, m in points if m is not None] + [planned]) * 1.1
        mde_lines.append(Line(f"Recommended: {recommended} {label}",
                              [(recommended, 0.0), (recommended, top)], RED, "2 3"))
    axis = label[0].upper() + label[1:]
    power_svg = line_chart_svg(
        title=f"Power against {label}", x_label=f"{axis}", y_label="Power",
        lines=power_lines, chart_id="power-curve", y_range=(0.0, 1.0),
        description=f"Power rises with the number of {label}; the recommended design is "
        f"{recommended} {label}. The figures are in the table below the charts.",
    )
    mde_svg = line_chart_svg(
        title=f"Smallest detectable effect against {label}", x_label=axis,
        y_label=f"Effect ({effect_words})", lines=mde_lines, chart_id="mde-curve",
        description=f"The smallest {effect_words} detectable with {round(target * 100)}% power "
        f"falls as the number of {label} grows. The figures are in the table below the charts.",
    )
    rows = [
        {"size": int(s), "power": f"{p * 100:.1f}%", "mde": "not reachable" if m is None else f"{m:.3g}",
         "recommended": recommended is not None and int(s) == int(recommended)}
        for s, p, m in points
    ]
    return {"power_svg": power_svg, "mde_svg": mde_svg, "rows": rows, "size_label": axis,
            "effect_words": effect_words}
