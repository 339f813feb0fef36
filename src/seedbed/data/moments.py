"""Regression moments built from cells, and OLS on them.

A cell (arm x stratum x cluster x subgroup) has a constant design row d except for the
covariate x, so with e the unit vector at the covariate's column its moments are

    X'X = n d d' + (sum x)(d e' + e d') + (sum x^2) e e',   X'y = (sum y) d + (sum xy) e,
    y'y = sum y^2.

Cells are folded into clusters (for CR1) or into one block (classical) and passed to
``seedbed.stats.regression.ols_from_moments``. Above ``MAX_OBJECT_BLOCKS`` clusters, building
one Python object per cluster would dominate the run time, and ``seedbed.data.cellols``
evaluates the same estimator from the cells; tests check the two paths agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from seedbed.data.modelfit import COV_CR1, ModelFit, f_upper_tail, model_fit_from

if TYPE_CHECKING:
    from seedbed.stats.regression import MomentBlock

MAX_OBJECT_BLOCKS = 20_000


@dataclass(frozen=True)
class StackedMoments:
    """Moments of many blocks stacked: n (g), xtx (g x k x k), xty (g x k), yty (g)."""

    n: np.ndarray
    xtx: np.ndarray
    xty: np.ndarray
    yty: np.ndarray


def cell_moments(
    *, design: np.ndarray, n: np.ndarray, sy: np.ndarray, syy: np.ndarray,
    x_col: int | None = None, sx: np.ndarray | None = None, sxx: np.ndarray | None = None,
    sxy: np.ndarray | None = None,
) -> StackedMoments:
    """Per-cell moments from the constant design rows (cells x k) and the cell sums."""
    cells, k = design.shape
    xtx = np.empty((cells, k, k))
    weighted = design * n[:, None]
    for i in range(k):  # k is small; column loops avoid (cells x k x k) temporaries
        for j in range(i, k):
            xtx[:, i, j] = weighted[:, i] * design[:, j]
            if j != i:
                xtx[:, j, i] = xtx[:, i, j]
    xty = design * sy[:, None]
    if x_col is not None and sx is not None and sxx is not None and sxy is not None:
        cross = design * sx[:, None]
        xtx[:, :, x_col] += cross
        xtx[:, x_col, :] += cross
        xtx[:, x_col, x_col] += sxx
        xty[:, x_col] += sxy
    return StackedMoments(n=n, xtx=xtx, xty=xty, yty=syy)


def fold(moments: StackedMoments, starts: np.ndarray) -> StackedMoments:
    """Sum contiguous runs of cells beginning at ``starts`` (sorted indices) into blocks."""
    if len(moments.n) == 0 or len(starts) == len(moments.n):  # one cell per block already
        return moments
    return StackedMoments(
        n=np.add.reduceat(moments.n, starts),
        xtx=np.add.reduceat(moments.xtx, starts, axis=0),
        xty=np.add.reduceat(moments.xty, starts, axis=0),
        yty=np.add.reduceat(moments.yty, starts),
    )


def total(moments: StackedMoments) -> StackedMoments:
    """All blocks summed into one."""
    return StackedMoments(
        n=np.array([moments.n.sum()]),
        xtx=moments.xtx.sum(axis=0)[None],
        xty=moments.xty.sum(axis=0)[None],
        yty=np.array([moments.yty.sum()]),
    )


def to_blocks(moments: StackedMoments) -> list[MomentBlock]:
    """One ``MomentBlock`` per stacked block (for the statistics engine)."""
    from seedbed.stats.regression import MomentBlock

    return [
        MomentBlock(
            n=int(round(n)),
            xtx=tuple(tuple(float(v) for v in row) for row in xtx),
            xty=tuple(float(v) for v in xty),
            yty=float(yty),
        )
        for n, xtx, xty, yty in zip(
            moments.n.tolist(), moments.xtx, moments.xty, moments.yty.tolist(), strict=True
        )
    ]


def ols(
    *, moments: StackedMoments, names: list[str], cov_type: str, alpha: float,
    cluster_arms: np.ndarray | None = None,
) -> ModelFit:
    """OLS with classical (blocks summed) or CR1 (one block per cluster) inference.

    ``cluster_arms`` holds one arm code per cluster block (for the few-clusters warning).
    """
    if cov_type != COV_CR1:
        moments = total(moments)
        cluster_arms = None
    from seedbed.stats.regression import ols_from_moments  # imports scipy.stats: only here

    return model_fit_from(ols_from_moments(
        blocks=to_blocks(moments), names=names, cov_type=cov_type, alpha=alpha,
        cluster_arms=None if cluster_arms is None else [str(c) for c in cluster_arms],
    ))


def wald_test(*, result: ModelFit, indices: list[int]) -> tuple[float, float, int]:
    """Joint Wald F test that the coefficients at ``indices`` are zero: (F, p, q).

    F = b_S' V_SS^-1 b_S / q with q = |S|, referred to F(q, df) with the result's df.
    """
    q = len(indices)
    if q == 0 or not math.isfinite(result.df) or not result.cov:
        return math.nan, math.nan, q
    b = np.array([result.coef[i] for i in indices])
    cov = np.array(result.cov)[np.ix_(indices, indices)]
    try:
        stat = float(b @ np.linalg.solve(cov, b)) / q
    except np.linalg.LinAlgError:
        return math.nan, math.nan, q
    return stat, f_upper_tail(stat, q, result.df), q
