"""Binned scatter of a regression discontinuity: outcome means in evenly spaced bins.

Each side of the cutoff is cut into J equal-width bins (J = ceil(2 n^(1/3)) for n points on
that side, at most ``MAX_BINS_PER_SIDE``, unless chosen); each non-empty bin gives the mean
running variable, the mean outcome and its count. The plot shows these points with the two
local linear fits, so that a reader sees the jump the estimate measures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_BINS_PER_SIDE = 50


@dataclass(frozen=True)
class BinnedPoint:
    """One bin: which side, its edges, the means of x and y, and how many points."""

    side: str  # "left" (below the cutoff) or "right" (at or above)
    lower: float
    upper: float
    x_mean: float
    y_mean: float
    n: int


def _side_bins(x: np.ndarray, y: np.ndarray, side: str, lower: float, upper: float,
               count: int) -> list[BinnedPoint]:
    edges = np.linspace(lower, upper, count + 1)
    index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, count - 1)
    out = []
    for j in range(count):
        sel = index == j
        n = int(np.count_nonzero(sel))
        if n:
            out.append(BinnedPoint(side, float(edges[j]), float(edges[j + 1]),
                                   float(x[sel].mean()), float(y[sel].mean()), n))
    return out


def binned_scatter(*, running: np.ndarray, outcome: np.ndarray, cutoff: float,
                   bins_per_side: int | None = None) -> tuple[BinnedPoint, ...]:
    """Evenly spaced bins on each side of ``cutoff`` (module docstring)."""
    x = np.asarray(running, dtype=float)
    y = np.asarray(outcome, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    points: list[BinnedPoint] = []
    for side, sel in (("left", x < cutoff), ("right", x >= cutoff)):
        n = int(np.count_nonzero(sel))
        if n == 0:
            continue
        count = bins_per_side or min(MAX_BINS_PER_SIDE, math.ceil(2 * n ** (1 / 3)))
        xs = x[sel]
        lower, upper = (float(xs.min()), cutoff) if side == "left" else (cutoff, float(xs.max()))
        if upper <= lower:
            upper = lower + 1.0
        points.extend(_side_bins(xs, y[sel], side, lower, upper, max(1, count)))
    return tuple(points)
