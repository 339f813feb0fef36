"""Ordinary least squares from sufficient statistics, with classical or cluster-robust errors.

The data engine pushes aggregation down to the database that holds the trial data and hands
this module only per-cluster moments (n, X'X, X'y, y'y). Nothing at row level leaves the
database, so heteroskedasticity-robust (HC) errors, which need each row's residual, are not
available here; cluster-robust (CR1) errors are, because each cluster's score depends only on
its own moments.

Method (Cameron & Miller, "A practitioner's guide to cluster-robust inference", J Human
Resources 2015;50:317-372):

    b        = (X'X)^-1 X'y                     X'X, X'y summed over blocks
    RSS      = y'y - 2 b'X'y + b'X'X b
    classical: V = RSS / (N - k) * (X'X)^-1,    t with N - k df
    CR1:      s_g = X_g'y_g - X_g'X_g b         the score of cluster g
              V = c (X'X)^-1 (sum_g s_g s_g') (X'X)^-1,
              c = G / (G - 1) * (N - 1) / (N - k), t with G - A df

The CR1 factor matches statsmodels' OLS ``fit(cov_type="cluster", ...)``. Degrees of
freedom: when the arm of each cluster is given (a cluster-randomised comparison), t has
G - A df, A the number of arms with clusters: the between-within df, G - 2 for two arms,
the one rule Seedbed uses for every cluster-parallel comparison (see ``seedbed.stats.mixed``
for sources; statsmodels' default G - 1 is anti-conservative with few clusters). An arm
with a single cluster has a zero score sum, so its CR1 variance is zero whatever the data:
then ``WARN_ONE_CLUSTER_PER_ARM`` is raised (and with one cluster per arm df = 0 gives NaN).
Without arms (a generic clustered regression), G - 1.

A zero residual variance (constant outcome, exact fit) and CR1 errors that too few clusters
cannot support (df below 1, or a standard error of exactly zero) give NaN standard errors,
intervals and p-values with ``WARN_ZERO_VARIANCE`` or ``WARN_TOO_FEW_CLUSTERS_FOR_CR1``
(``seedbed.stats.degenerate``); the coefficients are kept.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from seedbed.stats.degenerate import WARN_TOO_FEW_CLUSTERS_FOR_CR1 as WARN_TOO_FEW_CLUSTERS_FOR_CR1
from seedbed.stats.degenerate import WARN_ZERO_VARIANCE as WARN_ZERO_VARIANCE
from seedbed.stats.degenerate import unsupported_errors

COV_CLASSICAL = "classical"
COV_CR1 = "CR1"
SUPPORTED_COV_TYPES = (COV_CLASSICAL, COV_CR1)

WARN_SINGULAR_DESIGN = "singular_design"
"""X'X is rank deficient (collinear columns); the pseudo-inverse was used."""
WARN_N_NOT_GREATER_THAN_K = "n_not_greater_than_k"
"""No residual degrees of freedom: standard errors are undefined (NaN)."""
WARN_FEW_CLUSTERS_PER_ARM = "fewer_than_20_clusters_per_arm"
"""Fewer than MIN_CLUSTERS_PER_ARM clusters in some arm: CR1 errors may be anti-conservative."""
WARN_ONE_CLUSTER = "one_cluster"
"""Only one cluster: cluster-robust errors are undefined (NaN)."""
WARN_ONE_CLUSTER_PER_ARM = "one_cluster_per_arm"
"""An arm has a single cluster: between-cluster variance cannot be estimated (NaN)."""
WARN_UNSUPPORTED_COV_TYPE = "unsupported_cov_type"
"""The requested covariance needs row-level data (e.g. HC1); classical errors were returned."""
WARN_NO_DATA = "no_data"
"""No observations were supplied."""

MIN_CLUSTERS_PER_ARM = 20


@dataclass(frozen=True)
class MomentBlock:
    """Sufficient statistics of one cluster (or of the whole sample when unclustered)."""

    n: int
    xtx: tuple[tuple[float, ...], ...]  # k x k, sum over rows of x x'
    xty: tuple[float, ...]  # k, sum of x*y
    yty: float  # sum of y*y


@dataclass(frozen=True)
class RegressionResult:
    """Coefficients with standard errors, confidence intervals and two-sided p-values."""

    names: tuple[str, ...]
    coef: tuple[float, ...]
    se: tuple[float, ...]
    ci: tuple[tuple[float, float], ...]
    p: tuple[float, ...]
    df: float  # residual df (n-k); cluster-robust: G - arms (G - 1 without arms)
    n: int
    n_clusters: int | None
    cov_type: str  # "classical" | "CR1"
    warnings: tuple[str, ...]
    rss: float = math.nan
    rank: int = 0
    cov: tuple[tuple[float, ...], ...] = ()


def moment_block(*, x: np.ndarray, y: np.ndarray) -> MomentBlock:
    """Moments of one block from row-level arrays: x is n x k (include the intercept column)."""
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if xa.ndim == 1:
        xa = xa[:, None]
    xtx = xa.T @ xa
    return MomentBlock(
        n=int(xa.shape[0]),
        xtx=tuple(tuple(float(v) for v in row) for row in xtx),
        xty=tuple(float(v) for v in xa.T @ ya),
        yty=float(ya @ ya),
    )


def moment_blocks_by_cluster(
    *, x: np.ndarray, y: np.ndarray, clusters: Sequence[object]
) -> list[MomentBlock]:
    """One MomentBlock per distinct cluster label, in first-seen order."""
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if xa.ndim == 1:
        xa = xa[:, None]
    labels = list(clusters)
    order: dict[object, list[int]] = {}
    for i, label in enumerate(labels):
        order.setdefault(label, []).append(i)
    return [moment_block(x=xa[idx], y=ya[idx]) for idx in order.values()]


def _nan_result(
    names: tuple[str, ...], n: int, n_clusters: int | None, cov_type: str, warnings: list[str]
) -> RegressionResult:
    k = len(names)
    nan = math.nan
    return RegressionResult(
        names=names,
        coef=(nan,) * k,
        se=(nan,) * k,
        ci=((nan, nan),) * k,
        p=(nan,) * k,
        df=nan,
        n=n,
        n_clusters=n_clusters,
        cov_type=cov_type,
        warnings=tuple(warnings),
    )


def ols_from_moments(
    *,
    blocks: Sequence[MomentBlock],
    names: Sequence[str],
    cov_type: str = "classical",
    alpha: float = 0.05,
    cluster_arms: Sequence[str] | None = None,
) -> RegressionResult:
    """OLS estimates from per-block moments, with classical or CR1 cluster-robust errors.

    Each block is one cluster when ``cov_type="CR1"``; with ``"classical"`` blocks are simply
    summed. ``cluster_arms`` (one arm label per block) lets the function count clusters per
    arm, warn (``WARN_FEW_CLUSTERS_PER_ARM``) below 20, and use G - A df (module docstring). Formulae in the module docstring;
    a rank-deficient X'X is handled with the Moore-Penrose pseudo-inverse (as statsmodels
    does) and flagged with ``WARN_SINGULAR_DESIGN``. Intervals are b +- t_{1-alpha/2, df} se.
    """
    names_t = tuple(names)
    k = len(names_t)
    warnings: list[str] = []
    if cov_type not in SUPPORTED_COV_TYPES:
        warnings.append(WARN_UNSUPPORTED_COV_TYPE)
        cov_type = COV_CLASSICAL
    clustered = cov_type == COV_CR1
    g = len(blocks)
    n_clusters = g if clustered else None

    n_arms = 1
    if cluster_arms is not None:
        counts = Counter(cluster_arms)
        if counts and min(counts.values()) < MIN_CLUSTERS_PER_ARM:
            warnings.append(WARN_FEW_CLUSTERS_PER_ARM)
        if counts and min(counts.values()) < 2:
            warnings.append(WARN_ONE_CLUSTER_PER_ARM)
        n_arms = max(len(counts), 1)

    n = int(sum(b.n for b in blocks))
    if g == 0 or n == 0 or k == 0:
        warnings.append(WARN_NO_DATA)
        return _nan_result(names_t, n, n_clusters, cov_type, warnings)

    xtx_g = np.array([b.xtx for b in blocks], dtype=float).reshape(g, k, k)
    xty_g = np.array([b.xty for b in blocks], dtype=float).reshape(g, k)
    xtx = xtx_g.sum(axis=0)
    xty = xty_g.sum(axis=0)
    yty = float(sum(b.yty for b in blocks))

    rank = int(np.linalg.matrix_rank(xtx))
    if rank < k:
        warnings.append(WARN_SINGULAR_DESIGN)
        bread = np.linalg.pinv(xtx, hermitian=True)
    else:
        bread = np.linalg.inv(xtx)
    coef = bread @ xty
    rss = max(yty - 2.0 * float(coef @ xty) + float(coef @ xtx @ coef), 0.0)

    df_resid = n - rank
    if n <= k:
        warnings.append(WARN_N_NOT_GREATER_THAN_K)

    if clustered:
        scores = xty_g - np.einsum("gij,j->gi", xtx_g, coef)
        meat = scores.T @ scores
        if g < 2:
            warnings.append(WARN_ONE_CLUSTER)
        if g < 2 or n <= k:
            factor = math.nan
        else:
            factor = g / (g - 1) * (n - 1) / (n - k)
        cov = factor * (bread @ meat @ bread)
        df = float(g - n_arms) if g - n_arms >= 1 else math.nan
    else:
        sigma2 = rss / df_resid if df_resid > 0 and n > k else math.nan
        cov = sigma2 * bread
        df = float(df_resid) if df_resid > 0 and n > k else math.nan

    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    unsupported, more = unsupported_errors(rss=rss, yty=yty, se=se, bread=bread, n=n,
                                           rank=rank, clustered=clustered, df=df)
    warnings.extend(more)
    se = np.where(unsupported, math.nan, se)
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = coef / se
    if math.isfinite(df) and df > 0:
        p = 2.0 * sps.t.sf(np.abs(tstat), df)
        q = float(sps.t.ppf(1.0 - alpha / 2.0, df))
    else:
        p = np.full(k, math.nan)
        q = math.nan
    lo = coef - q * se
    hi = coef + q * se
    return RegressionResult(
        names=names_t,
        coef=tuple(float(v) for v in coef),
        se=tuple(float(v) for v in se),
        ci=tuple((float(a), float(b)) for a, b in zip(lo, hi, strict=True)),
        p=tuple(float(v) for v in p),
        df=df,
        n=n,
        n_clusters=n_clusters,
        cov_type=cov_type,
        warnings=tuple(dict.fromkeys(warnings)),
        rss=float(rss),
        rank=rank,
        cov=tuple(tuple(float(v) for v in row) for row in cov),
    )
