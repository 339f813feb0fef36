"""Inline SVG charts for reports: interval (forest) plots and per-arm histograms.

Plain SVG text with no scripts, fonts or links, so a report reads the same offline and in PDF.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

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
