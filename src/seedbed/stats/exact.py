"""Exact test for small counts: Fisher's exact test on the 2 x 2 table.

Method: Fisher (1935), the conditional test given both margins, two-sided p-value summing
the hypergeometric probabilities of all tables no more likely than the observed one (with
a relative tolerance of 1e-7 for ties, as is conventional); one-sided p-values are the
hypergeometric tail. The odds ratio is the sample odds ratio (a d) / (b c). Use it when an expected cell count is below 5 or an arm has no events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from seedbed.stats.summaries import WARN_EMPTY_ARM, ProportionSummary

ALTERNATIVES = ("two-sided", "greater", "less")

WARN_ZERO_CELL = "zero_cell"
"""A cell of the 2 x 2 table is zero, so the sample odds ratio is 0 or infinite."""


@dataclass(frozen=True)
class ExactTest:
    """Fisher's exact test result; odds ratio is treatment odds / control odds."""

    odds_ratio: float
    p: float
    alternative: str
    warnings: tuple[str, ...] = ()


def fisher_exact_test(
    *, control: ProportionSummary, treatment: ProportionSummary, alternative: str = "two-sided"
) -> ExactTest:
    """Fisher's exact test of treatment vs control successes ("greater": treatment higher)."""
    if alternative not in ALTERNATIVES:
        raise ValueError("alternative must be one of: " + ", ".join(ALTERNATIVES))
    warnings: list[str] = []
    if control.n <= 0 or treatment.n <= 0:
        return ExactTest(math.nan, math.nan, alternative, (WARN_EMPTY_ARM,))
    table = [
        [treatment.successes, treatment.n - treatment.successes],
        [control.successes, control.n - control.successes],
    ]
    if min(min(row) for row in table) == 0:
        warnings.append(WARN_ZERO_CELL)
    (a, b), (c, d) = table
    odds = (a * d) / (b * c) if b * c else (math.nan if a * d == 0 else math.inf)
    return ExactTest(float(odds), _fisher_p(a, b, c, d, alternative), alternative, tuple(warnings))


def _fisher_p(a: int, b: int, c: int, d: int, alternative: str) -> float:
    """p-value of the table [[a, b], [c, d]] given its margins (hypergeometric on a)."""
    row1, col1, total = a + b, a + c, a + b + c + d
    dist = sps.hypergeom(total, col1, row1)
    if alternative == "greater":
        return float(min(dist.sf(a - 1), 1.0))
    if alternative == "less":
        return float(min(dist.cdf(a), 1.0))
    lo, hi = max(0, row1 + col1 - total), min(row1, col1)
    support = np.arange(lo, hi + 1)
    pmf = dist.pmf(support)
    observed = dist.pmf(a)
    return float(min(pmf[pmf <= observed * (1 + 1e-7)].sum(), 1.0))
