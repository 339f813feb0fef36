"""Summary statistics of one arm, as the data engine returns them, and the comparison result.

Only sufficient statistics leave the database: for a mean, n, the sum and the sum of
squares; for a proportion, n and the number of successes; for a ratio metric or a
covariate-adjusted mean, also the sums of the second variable, its squares and the
cross-products.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

WARN_SMALL_SAMPLE = "n_below_two"
"""An arm has fewer than 2 observations: its variance is undefined."""
WARN_ZERO_VARIANCE = "zero_variance"
"""Both arms have zero variance: the standard error is zero, so p and the interval are NaN
unless the arms differ (then p is 0 and the interval is a point)."""
WARN_EMPTY_ARM = "empty_arm"
"""An arm has no observations."""

ERR_NOT_NUMBER = "{name} must be a number, got {value!r}"
ERR_NOT_FINITE = "{name} must be a finite number, got {value!r}"
ERR_NEGATIVE = "{name} must not be negative, got {value!r}"
ERR_NOT_WHOLE = "{name} must be a whole number, got {value!r}"
ERR_SUCCESSES_ABOVE_N = "successes must not exceed n ({n}), got {value!r}"
ERR_SUM_SQUARES_BELOW = (
    "sum_squares must be at least sum^2 / n = {minimum:.6g} (no data have a negative "
    "variance), got {value!r}: check the sums"
)


def _finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(ERR_NOT_NUMBER.format(name=name, value=value))
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(ERR_NOT_FINITE.format(name=name, value=value))
    return out


def _count(name: str, value: object) -> int:
    """A non-negative whole number (an integral float such as 2.0 is accepted as 2)."""
    out = _finite(name, value)
    if out < 0:
        raise ValueError(ERR_NEGATIVE.format(name=name, value=value))
    if out != int(out):
        raise ValueError(ERR_NOT_WHOLE.format(name=name, value=value))
    return int(out)


def _non_negative(name: str, value: object) -> float:
    out = _finite(name, value)
    if out < 0:
        raise ValueError(ERR_NEGATIVE.format(name=name, value=value))
    return out


def sum_squares_problem(*, n: float, total: float, sum_squares: float) -> str:
    """``ERR_SUM_SQUARES_BELOW`` when sum_squares < sum^2 / n beyond rounding (1e-9 of its
    size), which no data can give (Cauchy-Schwarz); "" otherwise."""
    if n <= 0:
        return ""
    minimum = total * total / n
    if sum_squares - minimum < -1e-9 * max(abs(sum_squares), abs(minimum), 1.0):
        return ERR_SUM_SQUARES_BELOW.format(minimum=minimum, value=sum_squares)
    return ""


@dataclass(frozen=True)
class MeanSummary:
    """n, sum and sum of squares of a continuous outcome in one arm."""

    n: int
    sum: float
    sum_squares: float

    def __post_init__(self) -> None:
        """Refuse values that cannot describe data (ValueError naming the field): n must be a
        whole number >= 0, sum finite, sum_squares finite and >= sum^2 / n."""
        object.__setattr__(self, "n", _count("n", self.n))
        object.__setattr__(self, "sum", _finite("sum", self.sum))
        object.__setattr__(self, "sum_squares", _non_negative("sum_squares", self.sum_squares))
        problem = sum_squares_problem(n=self.n, total=self.sum, sum_squares=self.sum_squares)
        if problem:
            raise ValueError(problem)

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

    def __post_init__(self) -> None:
        """Refuse counts that cannot be counts (ValueError naming the field): n and successes
        whole numbers >= 0 (2.5 successes is refused, not truncated), successes <= n."""
        n = _count("n", self.n)
        k = _count("successes", self.successes)
        if k > n:
            raise ValueError(ERR_SUCCESSES_ABOVE_N.format(n=n, value=self.successes))
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "successes", k)

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

    def __post_init__(self) -> None:
        """Refuse values that cannot describe data (ValueError naming the field)."""
        object.__setattr__(self, "n", _count("n", self.n))
        for name in ("sum_y", "sum_x", "sum_xy"):
            object.__setattr__(self, name, _finite(name, getattr(self, name)))
        for name in ("sum_y2", "sum_x2"):
            object.__setattr__(self, name, _non_negative(name, getattr(self, name)))


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
