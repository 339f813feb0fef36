"""CR1 OLS straight from cells, for trials with very many clusters.

The statistics engine (``seedbed.stats.regression.ols_from_moments``) takes one
``MomentBlock`` per cluster. With hundreds of thousands of clusters, building those objects
and their k x k matrices costs more than the database scan, so here the same estimator
(Cameron & Miller, J Human Resources 2015;50:317-372) is evaluated from the cells directly.
A cell has a constant design row d (zero at the covariate's column c) and sums n, Sy, Syy,
Sx, Sxx, Sxy, so with e the unit vector at c:

    X'X = sum_cells n d d' + Sx (d e' + e d') + Sxx e e'        X'y = sum_cells Sy d + Sxy e
    b   = (X'X)^-1 X'y
    score of a cell  s = d (Sy - n d'b - Sx b_c) + e (Sxy - Sx d'b - Sxx b_c)
    score of cluster g = sum of its cells' scores;  meat = sum_g s_g s_g'
    V   = G/(G-1) (N-1)/(N-k) (X'X)^-1 meat (X'X)^-1,  t with G - A df (A arms with
    clusters: the between-within df of every cluster-parallel comparison, G - 2 for two arms;
    see ``seedbed.stats.regression``).

Only O(cells x k) work and memory, against O(cells x k^2) for per-cluster matrices. Tests
check that it agrees with ``ols_from_moments`` to 1e-12.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from seedbed.data.modelfit import (
    COV_CR1,
    MIN_CLUSTERS_PER_ARM,
    WARN_FEW_CLUSTERS_PER_ARM,
    WARN_N_NOT_GREATER_THAN_K,
    WARN_NO_DATA,
    WARN_ONE_CLUSTER,
    WARN_ONE_CLUSTER_PER_ARM,
    WARN_SINGULAR_DESIGN,
    ModelFit,
    t_quantile,
    t_two_sided_p,
)
from seedbed.stats.degenerate import unsupported_errors


@dataclass(frozen=True)
class CellSums:
    """Design rows (cells x k) and the per-cell sums of one model."""

    design: np.ndarray
    n: np.ndarray
    sy: np.ndarray
    syy: np.ndarray
    x_col: int | None = None
    sx: np.ndarray | None = None
    sxx: np.ndarray | None = None
    sxy: np.ndarray | None = None


def _normal_equations(c: CellSums) -> tuple[np.ndarray, np.ndarray, float]:
    d = c.design
    xtx = (d * c.n[:, None]).T @ d
    xty = d.T @ c.sy
    if c.x_col is not None and c.sx is not None and c.sxx is not None and c.sxy is not None:
        cross = d.T @ c.sx
        xtx[:, c.x_col] += cross
        xtx[c.x_col, :] += cross
        xtx[c.x_col, c.x_col] += c.sxx.sum()
        xty[c.x_col] += c.sxy.sum()
    return xtx, xty, float(c.syy.sum())


def _cell_scores(c: CellSums, coef: np.ndarray) -> np.ndarray:
    fitted = c.design @ coef
    if c.x_col is not None and c.sx is not None and c.sxx is not None and c.sxy is not None:
        bx = coef[c.x_col]
        scores = c.design * (c.sy - c.n * fitted - c.sx * bx)[:, None]
        scores[:, c.x_col] += c.sxy - c.sx * fitted - c.sxx * bx
        return scores
    return c.design * (c.sy - c.n * fitted)[:, None]


def ols_cr1_cells(
    *, cells: CellSums, starts: np.ndarray, names: list[str], alpha: float,
    cluster_arms: np.ndarray | None = None,
) -> ModelFit:
    """CR1 OLS with clusters given as contiguous runs of cells beginning at ``starts``."""
    k = len(names)
    warnings: list[str] = []
    xtx, xty, yty = _normal_equations(cells)
    one_cell_each = len(starts) == len(cells.n)  # the usual case: arm and cluster only
    n_g = cells.n if one_cell_each else (
        np.add.reduceat(cells.n, starts) if len(starts) else np.zeros(0))
    keep = n_g > 0
    g = int(keep.sum())
    n = int(round(float(cells.n.sum())))
    n_arms = 1
    if cluster_arms is not None and g:
        counts = np.bincount(cluster_arms[keep][cluster_arms[keep] >= 0])
        few_clusters_warning(counts, warnings)
        n_arms = max(int(np.count_nonzero(counts)), 1)
    bread, rank = inverse_and_checks(xtx=xtx, n=n, g=g, warnings=warnings)
    coef = bread @ xty
    if g:
        scores = _cell_scores(cells, coef)
        if not one_cell_each:
            scores = np.add.reduceat(scores, starts, axis=0)
        if not keep.all():
            scores = scores[keep]
    else:
        scores = np.zeros((0, k))
    return cr1_fit(xtx=xtx, xty=xty, yty=yty, meat=scores.T @ scores, n=n, g=g, names=names,
                   alpha=alpha, warnings=warnings, bread=bread, rank=rank, n_arms=n_arms)


def ols_cr1_pushed(
    *, cells: CellSums, meat: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    names: list[str], alpha: float,
) -> ModelFit:
    """CR1 OLS when the clusters stayed in the engine: ``cells`` are totals with constant
    design rows (X'X and X'y as above) and ``meat(b)`` returns sum_g s_g s_g' and the number
    of clusters with observations per arm, computed by the engine for coefficients b."""
    xtx, xty, yty = _normal_equations(cells)
    n = int(round(float(cells.n.sum())))
    bread, _ = inverse_and_checks(xtx=xtx, n=n, g=2, warnings=[])
    coef = bread @ xty
    if np.all(np.isfinite(coef)):
        sums, per_arm = meat(coef)
    else:
        sums, per_arm = np.full((len(names), len(names)), math.nan), np.zeros(0)
    g = int(per_arm.sum())
    warnings: list[str] = []
    if g:
        few_clusters_warning(per_arm, warnings)
    bread, rank = inverse_and_checks(xtx=xtx, n=n, g=g, warnings=warnings)
    return cr1_fit(xtx=xtx, xty=xty, yty=yty, meat=sums, n=n, g=g, names=names,
                   alpha=alpha, warnings=warnings, bread=bread, rank=rank,
                   n_arms=max(int(np.count_nonzero(per_arm)), 1))


def few_clusters_warning(counts: np.ndarray, warnings: list[str]) -> None:
    """Warn when an arm that has clusters has fewer than ``MIN_CLUSTERS_PER_ARM`` (and when
    it has only one)."""
    counts = counts[counts > 0]
    if len(counts) and int(counts.min()) < MIN_CLUSTERS_PER_ARM:
        warnings.append(WARN_FEW_CLUSTERS_PER_ARM)
    if len(counts) and int(counts.min()) < 2:
        warnings.append(WARN_ONE_CLUSTER_PER_ARM)


def inverse_and_checks(
    *, xtx: np.ndarray, n: int, g: int, warnings: list[str]
) -> tuple[np.ndarray, int]:
    """(X'X)^-1 (a pseudo-inverse when singular) and its rank; appends the data warnings."""
    k = xtx.shape[0]
    if n == 0 or g == 0:
        warnings.append(WARN_NO_DATA)
    rank = int(np.linalg.matrix_rank(xtx)) if n else 0
    if rank < k:
        warnings.append(WARN_SINGULAR_DESIGN)
        bread = np.linalg.pinv(xtx, hermitian=True)
    else:
        bread = np.linalg.inv(xtx)
    if n <= k:
        warnings.append(WARN_N_NOT_GREATER_THAN_K)
    if g < 2:
        warnings.append(WARN_ONE_CLUSTER)
    return bread, rank


def cr1_fit(
    *, xtx: np.ndarray, xty: np.ndarray, yty: float, meat: np.ndarray, n: int, g: int,
    names: list[str], alpha: float, warnings: list[str], bread: np.ndarray, rank: int,
    n_arms: int = 1,
) -> ModelFit:
    """The CR1 fit record from the normal equations, their (pseudo-)inverse ``bread`` and the
    meat sum_g s_g s_g' over ``g`` clusters: V = G/(G-1) (N-1)/(N-k) bread meat bread, t on
    G - ``n_arms`` df (NaN when that is below 1)."""
    k = len(names)
    coef = bread @ xty
    rss = max(yty - 2.0 * float(coef @ xty) + float(coef @ xtx @ coef), 0.0)
    factor = g / (g - 1) * (n - 1) / (n - k) if g >= 2 and n > k else math.nan
    cov = factor * (bread @ meat @ bread)
    df = float(g - n_arms) if g >= 2 and g - n_arms >= 1 else math.nan
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    unsupported, more = unsupported_errors(rss=rss, yty=yty, se=se, bread=bread, n=n,
                                           rank=rank, clustered=True, df=df)
    warnings = [*warnings, *more]
    se = np.where(unsupported, math.nan, se)
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = coef / se
    if math.isfinite(df):
        p = t_two_sided_p(tstat, df)
        q = t_quantile(1.0 - alpha / 2.0, df)
    else:
        p, q = np.full(k, math.nan), math.nan
    return ModelFit(
        names=tuple(names),
        coef=tuple(float(v) for v in coef),
        se=tuple(float(v) for v in se),
        ci=tuple((float(c - q * s), float(c + q * s)) for c, s in zip(coef, se, strict=True)),
        p=tuple(float(v) for v in p),
        df=df,
        n=n,
        n_clusters=g,
        cov_type=COV_CR1,
        warnings=tuple(dict.fromkeys(warnings)),
        rss=float(rss),
        rank=rank,
        cov=tuple(tuple(float(v) for v in row) for row in cov),
    )
