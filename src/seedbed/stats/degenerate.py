"""Standard errors that the data cannot support: a zero residual variance, and CR1 errors
from too few clusters. NumPy only (the data engine uses it without importing scipy.stats).

- Zero residual variance. When the residual sum of squares is zero (a constant outcome, or a
  model that fits every row exactly) every standard error is zero and t = b / 0 is infinite,
  so a p-value of 0 would be false certainty. The RSS is computed from moments
  (y'y - 2 b'X'y + b'X'X b), so values below about ``ZERO_RSS_RELATIVE`` y'y are rounding
  error, not variance: they give NaN inference and ``WARN_ZERO_VARIANCE`` (the code the
  mixed model and the summary comparisons use).
- CR1 with too few clusters. The CR1 meat sum_g s_g s_g' has rank at most G - 1 (the scores
  sum to zero), so with few clusters some coefficients get a cluster-robust variance of
  exactly zero whatever the data (e.g. two clusters in a stepped wedge). A CR1 standard error
  below ``ZERO_SE_RELATIVE`` times the classical one (sqrt(RSS / (N - rank) [(X'X)^-1]_jj)),
  or CR1 degrees of freedom below 1, give NaN and ``WARN_TOO_FEW_CLUSTERS_FOR_CR1``.
"""

from __future__ import annotations

import math

import numpy as np

WARN_ZERO_VARIANCE = "zero_variance"
"""The residual variance is zero (constant outcome or exact fit): no SE, interval or p."""
WARN_TOO_FEW_CLUSTERS_FOR_CR1 = "too_few_clusters_for_cr1"
"""Too few clusters for a cluster-robust standard error (df below 1 or an SE of exactly 0)."""

ZERO_RSS_RELATIVE = 1e-12
ZERO_SE_RELATIVE = 1e-5  # an SE this small is rounding error in a zero variance


def unsupported_errors(
    *, rss: float, yty: float, se: np.ndarray, bread: np.ndarray, n: int, rank: int,
    clustered: bool, df: float,
) -> tuple[np.ndarray, list[str]]:
    """Which coefficients' standard errors are unsupported (a boolean mask) and the warnings.

    ``se`` are the standard errors as computed, ``bread`` is (X'X)^-1 (or its pseudo-inverse),
    ``df`` the degrees of freedom of the t reference (NaN when undefined).
    """
    k = len(se)
    if not rss > ZERO_RSS_RELATIVE * max(yty, 0.0) or not yty > 0.0:
        return np.ones(k, dtype=bool), [WARN_ZERO_VARIANCE]
    if not clustered:
        return np.zeros(k, dtype=bool), []
    if not (math.isfinite(df) and df >= 1):
        return np.ones(k, dtype=bool), [WARN_TOO_FEW_CLUSTERS_FOR_CR1]
    resid_df = max(n - rank, 1)
    classical = np.sqrt(np.clip(np.diag(bread), 0.0, None) * rss / resid_df)
    mask = (classical > 0) & ~(se > ZERO_SE_RELATIVE * classical)
    return mask, [WARN_TOO_FEW_CLUSTERS_FOR_CR1] if mask.any() else []
