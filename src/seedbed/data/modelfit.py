"""The fitted-model record of the data engine, and the t/F/chi-square tail areas it needs.

The data engine mirrors ``seedbed.stats.regression.RegressionResult`` (same fields, same
warning codes and covariance names; ``tests/data`` checks they stay equal) so that analysing
many clusters never imports ``scipy.stats``, whose import alone costs about as much as
aggregating ten million rows. Tail areas come from ``scipy.special`` (Cephes):

    two-sided t p-value  p = 2 (1 - T_df(|t|)) = 2 stdtr(df, -|t|)
    t quantile           q = T_df^-1(1 - alpha / 2) = stdtrit(df, 1 - alpha / 2)
    F upper tail         P(F(q, df) > f) = fdtrc(q, df, f)
    chi-square tail      P(chi2_df > x) = chdtrc(df, x)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

COV_CLASSICAL = "classical"
COV_CR1 = "CR1"
WARN_SINGULAR_DESIGN = "singular_design"
WARN_N_NOT_GREATER_THAN_K = "n_not_greater_than_k"
WARN_FEW_CLUSTERS_PER_ARM = "fewer_than_20_clusters_per_arm"
WARN_ONE_CLUSTER = "one_cluster"
WARN_ONE_CLUSTER_PER_ARM = "one_cluster_per_arm"
WARN_NO_DATA = "no_data"
MIN_CLUSTERS_PER_ARM = 20


@dataclass(frozen=True)
class ModelFit:
    """One fitted OLS model: coefficients, inference and warnings (see module docstring)."""

    names: tuple[str, ...]
    coef: tuple[float, ...]
    se: tuple[float, ...]
    ci: tuple[tuple[float, float], ...]
    p: tuple[float, ...]
    df: float  # residual df (n - k); cluster-robust: clusters - arms (G - 2 for two arms)
    n: int
    n_clusters: int | None
    cov_type: str
    warnings: tuple[str, ...]
    rss: float = math.nan
    rank: int = 0
    cov: tuple[tuple[float, ...], ...] = ()


def model_fit_from(result: Any) -> ModelFit:
    """A ``ModelFit`` with the fields of the statistics engine's ``RegressionResult``."""
    return ModelFit(
        names=tuple(result.names), coef=tuple(result.coef), se=tuple(result.se),
        ci=tuple(result.ci), p=tuple(result.p), df=result.df, n=result.n,
        n_clusters=result.n_clusters, cov_type=result.cov_type,
        warnings=tuple(result.warnings), rss=result.rss, rank=result.rank,
        cov=tuple(result.cov),
    )


def t_two_sided_p(t: np.ndarray, df: float) -> np.ndarray:
    """Two-sided p-values of t statistics on ``df`` degrees of freedom (NaN stays NaN)."""
    return np.asarray(2.0 * special.stdtr(df, -np.abs(t)), dtype=float)


def t_quantile(prob: float, df: float) -> float:
    """The ``prob`` quantile of Student's t on ``df`` degrees of freedom."""
    return float(special.stdtrit(df, prob))


def f_upper_tail(f: float, dfn: float, dfd: float) -> float:
    """P(F(dfn, dfd) > f)."""
    return float(special.fdtrc(dfn, dfd, f))


def chi2_upper_tail(x: float, df: float) -> float:
    """P(chi-square with ``df`` degrees of freedom > x)."""
    return float(special.chdtrc(df, x))
