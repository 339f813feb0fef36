"""Summary statistics of one arm, as the data engine returns them, and the comparison result.

Only sufficient statistics leave the database: for a mean, n, the sum and the sum of
squares; for a proportion, n and the number of successes; for a ratio metric or a
covariate-adjusted mean, also the sums of the second variable, its squares and the
cross-products.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WARN_SMALL_SAMPLE = "n_below_two"
"""An arm has fewer than 2 observations: its variance is undefined."""
WARN_ZERO_VARIANCE = "zero_variance"
"""Both arms have zero variance: the standard error is zero, so p and the interval are NaN
unless the arms differ (then p is 0 and the interval is a point)."""
WARN_EMPTY_ARM = "empty_arm"
"""An arm has no observations."""
WARN_NEGATIVE_VARIANCE = "inconsistent_sums"
"""The sum of squares is smaller than sum^2 / n (rounding or bad input); variance set to 0."""


@dataclass(frozen=True)
class MeanSummary:
    """n, sum and sum of squares of a continuous outcome in one arm."""

    n: int
    sum: float
    sum_squares: float

    @property
    def mean(self) -> float:
        return self.sum / self.n if self.n > 0 else math.nan

    @property
    def variance(self) -> float:
        """Sample variance (divisor n - 1); NaN when n < 2, never negative."""
        if self.n < 2:
            return math.nan
        return max((self.sum_squares - self.sum * self.sum / self.n) / (self.n - 1), 0.0)


@dataclass(frozen=True)
class ProportionSummary:
    """n and number of successes of a binary outcome in one arm."""

    n: int
    successes: int

    @property
    def proportion(self) -> float:
        return self.successes / self.n if self.n > 0 else math.nan

    @property
    def variance(self) -> float:
        """Bernoulli variance p (1 - p)."""
        p = self.proportion
        return p * (1.0 - p)


@dataclass(frozen=True)
class PairedSummary:
    """Two variables per unit (y and x) in one arm: for ratio metrics (numerator y,
    denominator x) and for covariate adjustment (outcome y, pre-period covariate x)."""

    n: int
    sum_y: float
    sum_y2: float
    sum_x: float
    sum_x2: float
    sum_xy: float


@dataclass(frozen=True)
class Comparison:
    """Effect of treatment versus control with its uncertainty."""

    effect: float
    se: float
    ci: tuple[float, float]
    p: float
    method: str
    control_estimate: float
    treatment_estimate: float
    df: float | None = None  # degrees of freedom when t-based
    warnings: tuple[str, ...] = ()
