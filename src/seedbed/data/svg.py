"""Inline SVG charts for reports: interval (forest) plots, per-arm histograms, and the x-y plot
(``XYPlot`` with its marks) that the evaluations' charts are drawn on.

Plain SVG text with no scripts, fonts or links, so a report reads the same offline and in PDF.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, TypeGuard

from seedbed.data.distributions import Histogram

PALETTE = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#5694ca")
FONT = 'font-family="Arial, sans-serif" font-size="12"'


@dataclass(frozen=True)
class IntervalRow:
    """One line of a forest plot: a label, the estimate and its interval."""

    label: str
    estimate: float
    low: float
    high: float


def ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values (steps of 1, 2, 2.5 or 5 times a power of ten)
    from ``lo`` to ``hi``."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step + 1e-9) + 1)]


def tick_label(v: float) -> str:
    """A tick value as printed on an axis: whole numbers plainly, small ones to two figures."""
    return f"{v:g}" if abs(v) >= 1 or v == 0 else f"{v:.2g}"


def _fmt(v: float) -> str:
    return f"{v:.3g}" if math.isfinite(v) else "n/a"


def forest_svg(*, rows: Sequence[IntervalRow], title: str, width: int = 640) -> str:
    """A horizontal interval plot with a reference line at zero."""
    finite = [v for r in rows for v in (r.low, r.high, r.estimate) if math.isfinite(v)]
    lo, hi = (min([*finite, 0.0]), max([*finite, 0.0])) if finite else (-1.0, 1.0)
    if hi - lo <= 0:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.08 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    left, right, row_h, top = 220, 120, 26, 34
    height = top + row_h * len(rows) + 30
    plot_w = width - left - right

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="8" y="18" {FONT} font-weight="bold">{escape(title)}</text>',
        f'<line x1="{x(0):.1f}" y1="{top - 8}" x2="{x(0):.1f}" y2="{height - 24}" '
        'stroke="#505a5f" stroke-dasharray="4 3"/>',
    ]
    for i, r in enumerate(rows):
        y = top + row_h * i + row_h / 2
        parts.append(f'<text x="8" y="{y + 4:.1f}" {FONT}>{escape(r.label)}</text>')
        if math.isfinite(r.low) and math.isfinite(r.high):
            parts.append(f'<line x1="{x(r.low):.1f}" y1="{y:.1f}" x2="{x(r.high):.1f}" '
                         f'y2="{y:.1f}" stroke="#0b0c0c" stroke-width="2"/>')
        if math.isfinite(r.estimate):
            parts.append(f'<rect x="{x(r.estimate) - 5:.1f}" y="{y - 5:.1f}" width="10" '
                         f'height="10" fill="{PALETTE[0]}"/>')
        text = f"{_fmt(r.estimate)} ({_fmt(r.low)}, {_fmt(r.high)})"
        parts.append(f'<text x="{width - right + 8}" y="{y + 4:.1f}" {FONT}>{text}</text>')
    axis_y = height - 12
    for v in (lo + pad, 0.0, hi - pad):
        parts.append(f'<text x="{x(v):.1f}" y="{axis_y}" {FONT} text-anchor="middle">'
                     f"{_fmt(v)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def histogram_svg(*, hist: Histogram, width: int = 640, height: int = 220) -> str:
    """Per-arm histograms side by side in each bin; suppressed bins drawn as grey ticks."""
    title = f"Distribution of {hist.outcome} by arm"
    if not hist.edges or not hist.counts:
        return f"<p>No values of {escape(hist.outcome)} to plot.</p>"
    bins = len(hist.edges) - 1
    arms = len(hist.counts)
    peak = max([c for _, counts in hist.counts for c in counts if c is not None] + [1])
    left, bottom, top = 40, 40, 30
    plot_w, plot_h = width - left - 10, height - top - bottom
    bin_w = plot_w / bins
    bar_w = max(bin_w / (arms + 1), 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="8" y="18" {FONT} font-weight="bold">{escape(title)}</text>',
    ]
    for a, (arm, counts) in enumerate(hist.counts):
        colour = PALETTE[a % len(PALETTE)]
        for b, c in enumerate(counts):
            x0 = left + b * bin_w + a * bar_w
            if c is None:
                parts.append(f'<rect x="{x0:.1f}" y="{top + plot_h - 3}" width="{bar_w:.1f}" '
                             'height="3" fill="#b1b4b6"/>')
                continue
            h = plot_h * c / peak
            parts.append(f'<rect x="{x0:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"/>')
        parts.append(f'<rect x="{width - 150}" y="{8 + 14 * a}" width="10" height="10" '
                     f'fill="{colour}"/><text x="{width - 135}" y="{17 + 14 * a}" {FONT}>'
                     f"{escape(arm)}</text>")
    base = top + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#0b0c0c"/>')
    for v, xpos, anchor in ((hist.edges[0], left, "start"), (hist.edges[-1], width - 10, "end")):
        parts.append(f'<text x="{xpos}" y="{base + 16}" {FONT} text-anchor="{anchor}">'
                     f"{_fmt(v)}</text>")
    parts.append(f'<text x="{left}" y="{height - 6}" {FONT}>grey ticks: counts below the '
                 "disclosure threshold, not shown</text>")
    parts.append("</svg>")
    return "".join(parts)


# --- x-y plots: axes, legend, and marks drawn on them ------------------------------------------

BLACK = "#0b0c0c"
XY_FONT = 'font-family="Arial, sans-serif" font-size="13" fill="#0b0c0c"'
WIDTH, PLOT_HEIGHT = 680, 280
LEFT, RIGHT = 72, 24


def finite(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a number that can be drawn (not None, NaN, infinite or a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class XYPlot:
    """An x-y chart being drawn: a title, a legend of samples under it, axes with ticks and
    titles, scales fitted to ``xs`` and ``ys`` (None and non-finite values left out), and
    ``role="img"`` labelled by its ``<title>`` and ``<desc>`` (``chart_id`` makes their ids
    unique on a page). Marks (``*_mark``) are drawn by :meth:`render`."""

    chart_id: str
    title: str
    description: str
    x_label: str
    y_label: str
    xs: Sequence[Any]  # values to fit in; None and non-finite ones are left out
    ys: Sequence[Any]
    marks: list[str] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.x_lo, self.x_hi = self._range([v for v in self.xs if finite(v)], pad=0.03)
        self.y_lo, self.y_hi = self._range([v for v in self.ys if finite(v)], pad=0.08)
        self.title_lines = textwrap.wrap(self.title, 80) or [""]

    @staticmethod
    def _range(values: list[float], *, pad: float) -> tuple[float, float]:
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        if hi <= lo:
            lo, hi = lo - 1.0, hi + 1.0
        margin = pad * (hi - lo)
        return lo - margin, hi + margin

    def x(self, v: float) -> float:
        return LEFT + (v - self.x_lo) / (self.x_hi - self.x_lo) * (WIDTH - LEFT - RIGHT)

    def y(self, v: float) -> float:
        return self.top + PLOT_HEIGHT - (v - self.y_lo) / (self.y_hi - self.y_lo) * PLOT_HEIGHT

    @property
    def top(self) -> float:
        return 40 + 18 * len(self.title_lines) + 18 * ((len(self.legend) + 1) // 2)

    def key(self, label: str, sample: str) -> None:
        self.legend.append((label, sample))

    def render(self, draw: Iterable[Any]) -> str:
        """The SVG. Marks are functions of the plot, drawn last: the legend (which may grow
        while marks are chosen) decides where the plot area starts."""
        top, base = self.top, self.top + PLOT_HEIGHT
        height = base + 56
        title_id, desc_id = f"{self.chart_id}-title", f"{self.chart_id}-desc"
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'width="100%" style="max-width:{WIDTH}px" role="img" '
            f'aria-labelledby="{title_id} {desc_id}">',
            f'<title id="{title_id}">{escape(self.title)}</title>',
            f'<desc id="{desc_id}">{escape(self.description)}</desc>',
        ]
        for i, line in enumerate(self.title_lines):
            out.append(f'<text x="8" y="{20 + 18 * i}" {XY_FONT} font-weight="bold">'
                       f"{escape(line)}</text>")
        legend_top = 28 + 18 * len(self.title_lines)
        for i, (label, sample) in enumerate(self.legend):
            lx, ly = 8 + (i % 2) * 336, legend_top + 14 + (i // 2) * 18
            out.append(sample.format(x=lx, y=ly - 4, x2=lx + 28, cx=lx + 14))
            out.append(f'<text x="{lx + 36}" y="{ly}" {XY_FONT}>{escape(clip(label, 40))}</text>')
        out.append(f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="{BLACK}"/>')
        out.append(f'<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{base}" stroke="{BLACK}"/>')
        for t in ticks(self.x_lo, self.x_hi, 8):
            out.append(f'<line x1="{self.x(t):.1f}" y1="{base}" x2="{self.x(t):.1f}" '
                       f'y2="{base + 5}" stroke="{BLACK}"/><text x="{self.x(t):.1f}" '
                       f'y="{base + 18}" {XY_FONT} text-anchor="middle">{tick_label(t)}</text>')
        for t in ticks(self.y_lo, self.y_hi):
            out.append(f'<line x1="{LEFT}" y1="{self.y(t):.1f}" x2="{WIDTH - RIGHT}" '
                       f'y2="{self.y(t):.1f}" stroke="#f3f2f1"/><text x="{LEFT - 8}" '
                       f'y="{self.y(t) + 4:.1f}" {XY_FONT} text-anchor="end">{tick_label(t)}</text>')
        out.append(f'<text x="{LEFT + (WIDTH - LEFT - RIGHT) / 2:.1f}" y="{height - 10}" {XY_FONT} '
                   f'text-anchor="middle">{escape(self.x_label)}</text>')
        mid = top + PLOT_HEIGHT / 2
        out.append(f'<text x="16" y="{mid:.1f}" {XY_FONT} text-anchor="middle" '
                   f'transform="rotate(-90 16 {mid:.1f})">{escape(clip(self.y_label, 44))}</text>')
        for mark in draw:
            out.extend(mark(self))
        out.append("</svg>")
        return "".join(out)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- legend samples and marks (each mark is a function of the plot) ----------------------------


def line_sample(colour: str, dash: str = "", opacity: float = 1.0) -> str:
    extra = (f' stroke-dasharray="{dash}"' if dash else "") + (
        f' stroke-opacity="{opacity}"' if opacity < 1 else "")
    return (f'<line x1="{{x}}" y1="{{y}}" x2="{{x2}}" y2="{{y}}" stroke="{colour}" '
            f'stroke-width="3"{extra}/>')


def point_sample(colour: str, hollow: bool = False) -> str:
    fill = "#ffffff" if hollow else colour
    return f'<circle cx="{{cx}}" cy="{{y}}" r="5" fill="{fill}" stroke="{colour}" stroke-width="2"/>'


def polyline_mark(points: Sequence[tuple[Any, Any]], colour: str, *, dash: str = "",
              opacity: float = 1.0, width: float = 2.5) -> Any:
    """A line through the points, broken where a value is missing."""
    def draw(p: XYPlot) -> list[str]:
        runs: list[list[tuple[float, float]]] = [[]]
        for x, y in points:
            if finite(x) and finite(y):
                runs[-1].append((x, y))
            elif runs[-1]:
                runs.append([])
        extra = (f' stroke-dasharray="{dash}"' if dash else "") + (
            f' stroke-opacity="{opacity}"' if opacity < 1 else "")
        return [f'<polyline points="{" ".join(f"{p.x(x):.1f},{p.y(y):.1f}" for x, y in run)}" '
                f'fill="none" stroke="{colour}" stroke-width="{width}"{extra}/>'
                for run in runs if len(run) > 1]
    return draw


def points_mark(points: Sequence[tuple[Any, Any]], colour: str, *, hollow: bool = False) -> Any:
    """One circle per point with both values (class "point", so each can be counted)."""
    fill = "#ffffff" if hollow else colour

    def draw(p: XYPlot) -> list[str]:
        return [f'<circle class="point" cx="{p.x(x):.1f}" cy="{p.y(y):.1f}" r="4.5" '
                f'fill="{fill}" stroke="{colour}" stroke-width="2"/>'
                for x, y in points if finite(x) and finite(y)]
    return draw


def interval_mark(rows: Sequence[tuple[Any, Any, Any]], colour: str) -> Any:
    """Vertical interval bars (x, low, high) with short caps."""
    def draw(p: XYPlot) -> list[str]:
        out = []
        for x, lo, hi in rows:
            if not (finite(x) and finite(lo) and finite(hi)):
                continue
            cx = p.x(x)
            out.append(f'<path class="interval" d="M{cx - 5:.1f},{p.y(hi):.1f}H{cx + 5:.1f}'
                       f'M{cx:.1f},{p.y(hi):.1f}V{p.y(lo):.1f}M{cx - 5:.1f},{p.y(lo):.1f}'
                       f'H{cx + 5:.1f}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        return out
    return draw


def vline_mark(x: float, colour: str, dash: str = "6 4") -> Any:
    def draw(p: XYPlot) -> list[str]:
        return [f'<line x1="{p.x(x):.1f}" y1="{p.top}" x2="{p.x(x):.1f}" '
                f'y2="{p.top + PLOT_HEIGHT}" stroke="{colour}" stroke-width="2" '
                f'stroke-dasharray="{dash}"/>']
    return draw


def band_mark(x0: float, x1: float, colour: str) -> Any:
    """A shaded band across the plot's height from ``x0`` to ``x1`` (clipped to the plot)."""
    def draw(p: XYPlot) -> list[str]:
        lo, hi = max(min(x0, x1), p.x_lo), min(max(x0, x1), p.x_hi)
        if hi <= lo:
            return []
        return [f'<rect x="{p.x(lo):.1f}" y="{p.top}" width="{p.x(hi) - p.x(lo):.1f}" '
                f'height="{PLOT_HEIGHT}" fill="{colour}" fill-opacity="0.6"/>']
    return draw


def band_sample(colour: str) -> str:
    return f'<rect x="{{x}}" y="{{y}}" width="28" height="10" fill="{colour}" stroke="#505a5f" transform="translate(0 -5)"/>'


def hline_mark(y: float, colour: str, dash: str = "4 3") -> Any:
    def draw(p: XYPlot) -> list[str]:
        return [f'<line x1="{LEFT}" y1="{p.y(y):.1f}" x2="{WIDTH - RIGHT}" y2="{p.y(y):.1f}" '
                f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"/>']
    return draw
