"""A test of manipulation at a regression-discontinuity cutoff: McCrary's density test.

If people can push their score just over the cutoff, the density of the running variable
jumps there and those just above are no longer comparable with those just below. McCrary,
"Manipulation of the running variable in the regression discontinuity design: a density
test", J Econometrics 2008;142:698-714:

1. a fine histogram: bin width w = 2 sd(x) n^(-1/2) (but no narrower than the smallest gap
   between distinct values, so that a score taking few values is not read as gaps), bins
   laid out from the cutoff so that none straddles it; each bin's height is count / (n w);
2. the bandwidth: on each side a global quartic in the bin midpoints, and
   h_side = 3.348 [s^2 (range of midpoints) / sum f''(X_j)^2]^(1/5) (s^2 the fit's mean
   squared error, f'' its second derivative); h is the average of the two sides;
3. on each side a local linear fit of the heights with triangular weights (1 - |X_j - c| / h)
   gives the density's limits f- and f+ at the cutoff;
4. theta = ln f+ - ln f-, se = sqrt((1 / (n h)) (24 / 5) (1 / f+ + 1 / f-)), and the
   two-sided p-value 2 Phi(-|theta / se|).

Seedbed uses this test rather than the local-polynomial density estimator of Cattaneo,
Jansson & Ma (2020); both test the same hypothesis (a continuous density at the cutoff).
With too few observations or bins it returns NaN with ``WARN_DENSITY_NOT_TESTED``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

WARN_DENSITY_NOT_TESTED = "rd_density_not_tested"
"""Too few observations or bins on a side to test the density at the cutoff."""

BANDWIDTH_CONSTANT = 3.348
MIN_BINS_PER_SIDE = 5
METHOD = "McCrary (2008) density test"


@dataclass(frozen=True)
class DensityTest:
    """The density's jump at the cutoff on the log scale, with its test."""

    log_difference: float  # ln f+ - ln f-
    se: float
    z: float
    p: float
    density_left: float
    density_right: float
    bin_width: float
    bandwidth: float
    warnings: tuple[str, ...]
    method: str = METHOD


def _not_tested() -> DensityTest:
    nan = math.nan
    return DensityTest(nan, nan, nan, nan, nan, nan, nan, nan, (WARN_DENSITY_NOT_TESTED,))


def _side_bandwidth(mid: np.ndarray, height: np.ndarray) -> float:
    """McCrary's rule-of-thumb bandwidth from a global quartic on one side's bins."""
    design = np.vander(mid, 5, increasing=True)
    coef, *_ = np.linalg.lstsq(design, height, rcond=None)
    resid = height - design @ coef
    dof = max(mid.size - 5, 1)
    mse = float(resid @ resid) / dof
    second = 2 * coef[2] + 6 * coef[3] * mid + 12 * coef[4] * mid**2
    curvature = float(second @ second)
    spread = float(mid.max() - mid.min())
    if curvature <= 0 or spread <= 0:
        return math.nan
    return BANDWIDTH_CONSTANT * (mse * spread / curvature) ** 0.2


def _local_linear_at_cutoff(mid: np.ndarray, height: np.ndarray, c: float, h: float) -> float:
    w = np.clip(1 - np.abs(mid - c) / h, 0, None)
    keep = w > 0
    if np.count_nonzero(keep) < 2:
        return math.nan
    d = np.column_stack([np.ones(np.count_nonzero(keep)), mid[keep] - c])
    dw = d * w[keep, None]
    try:
        coef = np.linalg.solve(dw.T @ d, dw.T @ height[keep])
    except np.linalg.LinAlgError:
        return math.nan
    return float(coef[0])


def density_test(*, running: np.ndarray, cutoff: float) -> DensityTest:
    """McCrary's test of a continuous density of ``running`` at ``cutoff`` (module docstring)."""
    x = np.asarray(running, dtype=float)
    x = x[np.isfinite(x)]
    n = x.size
    if n < 2 * MIN_BINS_PER_SIDE or not np.std(x) > 0:
        return _not_tested()
    width = 2 * float(np.std(x, ddof=1)) * n ** -0.5
    gaps = np.diff(np.unique(x))
    width = max(width, float(gaps.min()))  # a discrete score: one value per bin at least
    # bin k covers [c + k w, c + (k + 1) w); the small offset keeps values on an edge inside
    k = np.floor((x - cutoff) / width + 1e-9)
    lo, hi = int(k.min()), int(k.max())
    if lo >= 0 or hi < 0:
        return _not_tested()
    index = np.arange(lo, hi + 1)
    counts = np.bincount((k - lo).astype(np.int64), minlength=index.size)
    mid = cutoff + (index + 0.5) * width
    height = counts / (n * width)
    left, right = index < 0, index >= 0
    if min(np.count_nonzero(left), np.count_nonzero(right)) < MIN_BINS_PER_SIDE:
        return _not_tested()
    h = 0.5 * (_side_bandwidth(mid[left], height[left])
               + _side_bandwidth(mid[right], height[right]))
    if not (math.isfinite(h) and h > 0):
        return _not_tested()
    f_left = _local_linear_at_cutoff(mid[left], height[left], cutoff, h)
    f_right = _local_linear_at_cutoff(mid[right], height[right], cutoff, h)
    if not (f_left > 0 and f_right > 0):
        return DensityTest(math.nan, math.nan, math.nan, math.nan, f_left, f_right, width, h,
                           (WARN_DENSITY_NOT_TESTED,))
    theta = math.log(f_right) - math.log(f_left)
    se = math.sqrt((1 / (n * h)) * (24 / 5) * (1 / f_right + 1 / f_left))
    z = theta / se
    return DensityTest(theta, se, z, float(2 * sps.norm.sf(abs(z))), f_left, f_right, width,
                       h, ())
