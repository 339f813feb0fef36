"""Server-rendered SVG charts for trials pages (plain SVG text, no scripts, nothing fetched).

- A protocol's power curve: two small line charts from ``power_calculation["curve"]``
  (``seedbed.trials.rules.compute_power``): the power for the planned effect against the
  design size, with the target power and the recommended size marked; and the minimum
  detectable effect against the design size, with the planned effect marked. Each has a
  title, axis labels and a legend drawn in the SVG, and the page shows the same figures in a
  table (the text alternative).
- The monitoring page: Z at each look against named boundaries, as ``seedbed.data.svg`` draws
  report charts: a title, axis titles, gridlines with tick labels, one solid line with markers
  per statistic, one dashed line per boundary, and a legend naming every line. The same
  numbers are always given in a table beside the chart (the page's text alternative).

Pure: the functions take figures (or interim looks already read) and return SVG text, with
every text escaped where it is built.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from seedbed.data.svg import tick_label, ticks

if TYPE_CHECKING:
    from seedbed.trials.models import InterimLook

# --- power curves -----------------------------------------------------------------------------

BLUE, RED, GREY, BLACK = "#1d70b8", "#d4351c", "#505a5f", "#0b0c0c"
CURVE_FONT = 'font-family="Arial, sans-serif" font-size="13"'
WIDTH, HEIGHT = 560, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 64, 52


@dataclass(frozen=True)
class CurveLine:
    """A series or reference line: name for the legend, points, colour and dash."""

    name: str
    points: Sequence[tuple[float, float]]
    colour: str
    dash: str = ""


def line_chart_svg(
    *, title: str, x_label: str, y_label: str, lines: Sequence[CurveLine], chart_id: str,
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
        f'<text x="8" y="20" {CURVE_FONT} font-weight="bold">{escape(title)}</text>',
    ]
    for i, ln in enumerate(lines):  # legend, one row per line, under the title
        lx, ly = 8 + (i % 2) * 270, 38 + (i // 2) * 16
        dash = f' stroke-dasharray="{ln.dash}"' if ln.dash else ""
        out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" '
                   f'stroke="{ln.colour}" stroke-width="3"{dash}/>')
        out.append(f'<text x="{lx + 30}" y="{ly}" {CURVE_FONT}>{escape(ln.name)}</text>')
    base = TOP + plot_h
    out.append(f'<line x1="{LEFT}" y1="{base}" x2="{LEFT + plot_w}" y2="{base}" stroke="{BLACK}"/>')
    out.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="{BLACK}"/>')
    for t in ticks(x_lo, x_hi):
        out.append(f'<line x1="{px(t):.1f}" y1="{base}" x2="{px(t):.1f}" y2="{base + 5}" '
                   f'stroke="{BLACK}"/><text x="{px(t):.1f}" y="{base + 18}" {CURVE_FONT} '
                   f'text-anchor="middle">{tick_label(t)}</text>')
    for t in ticks(y_lo, y_hi):
        out.append(f'<line x1="{LEFT - 5}" y1="{py(t):.1f}" x2="{LEFT}" y2="{py(t):.1f}" '
                   f'stroke="{BLACK}"/><text x="{LEFT - 8}" y="{py(t) + 4:.1f}" {CURVE_FONT} '
                   f'text-anchor="end">{tick_label(t)}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" {CURVE_FONT} '
               f'text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text x="14" y="{TOP + plot_h / 2:.1f}" {CURVE_FONT} text-anchor="middle" '
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
        CurveLine("Power for the planned effect", [(s, p) for s, p, _ in points], BLUE),
        CurveLine(f"Target power ({round(target * 100)}%)", [(x_lo, target), (x_hi, target)], GREY, "6 4"),
    ]
    mde_lines = [
        CurveLine("Smallest effect detectable", [(s, m) for s, _, m in points if m is not None], BLUE),
        CurveLine(f"Planned effect ({planned:g})", [(x_lo, planned), (x_hi, planned)], GREY, "6 4"),
    ]
    if recommended:
        power_lines.append(CurveLine(f"Recommended: {recommended} {label}",
                                [(recommended, 0.0), (recommended, 1.0)], RED, "2 3"))
        top = max([m for _, _, m in points if m is not None] + [planned]) * 1.1
        mde_lines.append(CurveLine(f"Recommended: {recommended} {label}",
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


# --- monitoring: Z at each look against its boundaries ------------------------------------

PALETTE = ("#1d70b8", "#4c2c92", "#00703c", "#f47738", "#5694ca", "#801650")
HARM_COLOUR = "#d4351c"
BOUNDARY_COLOUR = "#0b0c0c"
Z_FONT = 'font-family="Arial, sans-serif" font-size="13" fill="#0b0c0c"'
Z_LIMIT = 5.0


@dataclass(frozen=True)
class Line:
    """A named line: (information fraction, Z) points; ``boundary`` lines are dashed."""

    label: str
    points: tuple[tuple[float, float | None], ...]
    boundary: bool = False
    colour: str = ""


def _coordinate(v: float) -> str:
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
        f'<text x="8" y="20" {Z_FONT} font-weight="bold">{escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#ffffff" stroke="#505a5f"/>',
    ]
    for tick in (-4, -2, 0, 2, 4):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_coordinate(y(tick))}" y2="{_coordinate(y(tick))}" '
                     f'stroke="{"#0b0c0c" if tick == 0 else "#b1b4b6"}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 8}" y="{_coordinate(y(tick) + 4)}" text-anchor="end" {Z_FONT}>{tick}</text>')
    for rate in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{_coordinate(x(rate))}" y="{top + plot_h + 18}" text-anchor="middle" '
                     f'{Z_FONT}>{int(rate * 100)}%</text>')
    parts.append(f'<text x="{_coordinate(left + plot_w / 2)}" y="{top + plot_h + 40}" text-anchor="middle" '
                 f'{Z_FONT}>Information fraction (share of the planned information)</text>')
    parts.append(f'<text transform="translate(16 {_coordinate(top + plot_h / 2)}) rotate(-90)" '
                 f'text-anchor="middle" {Z_FONT}>Z statistic</text>')
    for i, line in enumerate(lines):
        colour = line.colour or (HARM_COLOUR if line.boundary else PALETTE[i % len(PALETTE)])
        pts = [(r, z) for r, z in line.points if z is not None and math.isfinite(z)]
        coords = " ".join(f"{_coordinate(x(r))},{_coordinate(y(z))}" for r, z in pts)
        dash = ' stroke-dasharray="8 4"' if line.boundary else ""
        if len(pts) > 1:
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                         f'stroke-width="2.5"{dash}/>')
        for r, z in pts:
            if line.boundary:
                parts.append(f'<line x1="{_coordinate(x(r) - 7)}" x2="{_coordinate(x(r) + 7)}" y1="{_coordinate(y(z))}" '
                             f'y2="{_coordinate(y(z))}" stroke="{colour}" stroke-width="3"/>')
            else:
                parts.append(f'<circle cx="{_coordinate(x(r))}" cy="{_coordinate(y(z))}" r="5" fill="{colour}"/>')
        ly = legend_top + offsets[i]
        parts.append(f'<line x1="{left}" x2="{left + 32}" y1="{ly}" y2="{ly}" stroke="{colour}" '
                     f'stroke-width="3"{dash}/>')
        spans = "".join(f'<tspan x="{left + 42}" dy="{0 if j == 0 else 18}">{escape(text)}</tspan>'
                        for j, text in enumerate(wrapped[i]))
        parts.append(f'<text x="{left + 42}" y="{ly + 5}" {Z_FONT}>{spans}</text>')
    parts.append("</svg>")
    return "".join(parts)


def harm_chart(looks: list[InterimLook]) -> str:
    """Each harm comparison's Z at each look with its own named harm boundary (never the
    efficacy boundary)."""
    lines: list[Line] = []
    keys: dict[tuple[int, str], str] = {}
    for look in looks:
        for r in look.results:
            keys.setdefault((r["harm_id"], r["arm"]), f"{r['harm']}: {r['arm']} against {r['control']}")
    for (harm_id, arm), label in keys.items():
        rows = [(look.information_rate, r) for look in looks for r in look.results
                if r["harm_id"] == harm_id and r["arm"] == arm]
        lines.append(Line(label=f"Z, {label}", points=tuple((t, r["z"]) for t, r in rows)))
        lines.append(Line(label=f"Harm boundary, {label} (crossing below it pauses enrolment)",
                          points=tuple((t, r["harm_boundary"]) for t, r in rows), boundary=True))
    return z_chart_svg(title="Harm statistic at each look against the harm boundary", lines=lines)


def efficacy_chart(looks: list[InterimLook]) -> str:
    """The primary outcome's Z at each look against the efficacy (and futility) boundary."""
    tested = [look.efficacy for look in looks if look.efficacy.get("status") == "tested"]
    lines = [Line(label="Z, primary outcome (above 0 favours the intervention)",
                  points=tuple((e["information_rate"], e["z"]) for e in tested))]
    lines.append(Line(label="Efficacy boundary (crossing above it: consider stopping for benefit)",
                      points=tuple((e["information_rate"], e["efficacy_boundary"]) for e in tested),
                      boundary=True, colour="#00703c"))
    if any(e.get("sides") == 2 for e in tested):
        lines.append(Line(label="Lower boundary (crossing below it: the intervention is worse)",
                          points=tuple((e["information_rate"], -e["efficacy_boundary"]) for e in tested),
                          boundary=True, colour=HARM_COLOUR))
    if any(e.get("futility_boundary") is not None for e in tested):
        lines.append(Line(label="Futility boundary, non-binding (below it: consider stopping for futility)",
                          points=tuple((e["information_rate"], e["futility_boundary"]) for e in tested),
                          boundary=True, colour="#505a5f"))
    return z_chart_svg(title="Primary outcome at each look against the efficacy boundary", lines=lines)
