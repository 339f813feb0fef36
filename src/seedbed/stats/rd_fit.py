"""Local polynomial fits on one side of a regression-discontinuity cutoff.

The building blocks of ``seedbed.stats.rd`` and its bandwidth selector
(``seedbed.stats.rd_bandwidth``), following Calonico, Cattaneo & Titiunik, "Robust
nonparametric confidence intervals for regression-discontinuity designs", Econometrica
2014;82:2295-2326 (CCT), and the defaults of their ``rdrobust`` software (Calonico, Cattaneo,
Farrell & Titiunik, Stata Journal 2017;17:372-404):

- triangular kernel  K_h(x) = (1 - |u|) 1{|u| <= 1} / h,  u = (x - c) / h;
- a weighted polynomial fit of order o: R = [1, (x-c), ..., (x-c)^o], W = diag(K_h),
  G = R'WR, beta = G^-1 R'W y;
- heteroskedasticity-robust "nearest-neighbour" residuals (CCT section 4; Abadie & Imbens
  2006): for each point i the J >= 3 closest other points on the same side (whole groups of
  tied x values, and both neighbours when they are equally far) give
  e_i = sqrt(J / (J + 1)) (y_i - mean of their y);
- the sandwich  V = G^-1 (sum_i e_i^2 s_i s_i') G^-1  with s_i the i-th score row.

Every array here is for one side, sorted by the running variable. NumPy only.
"""

from __future__ import annotations

import math

import numpy as np

NN_MATCHES = 3
"""Neighbours used for each nearest-neighbour residual (rdrobust's ``nnmatch`` default)."""

_TIE_TOLERANCE = math.sqrt(np.finfo(float).eps)


def triangular_weights(x: np.ndarray, c: float, h: float) -> np.ndarray:
    """The triangular kernel K_h(x - c) = (1 - |u|) 1{|u| <= 1} / h with u = (x - c) / h."""
    u = (x - c) / h
    return (1.0 - np.abs(u)) * (np.abs(u) <= 1.0) / h


def powers(u: np.ndarray, order: int) -> np.ndarray:
    """The n x (order + 1) matrix [1, u, u^2, ..., u^order]."""
    out = np.empty((u.size, order + 1))
    out[:, 0] = 1.0
    for j in range(1, order + 1):
        out[:, j] = out[:, j - 1] * u
    return out


def inverse_gram(rw: np.ndarray, r: np.ndarray) -> np.ndarray:
    """(R'WR)^-1 given R'W (as ``rw``, rows scaled by the weights) and R."""
    gram = rw.T @ r
    try:
        return np.linalg.inv(gram)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(gram)


def tie_groups(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted ``x``: the first index and one past the last index of each point's tie group."""
    n = x.size
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = x[1:] != x[:-1]
    starts_of_groups = np.flatnonzero(new)
    ends_of_groups = np.append(starts_of_groups[1:], n)
    group = np.cumsum(new) - 1
    return starts_of_groups[group], ends_of_groups[group]


def nn_residuals(x: np.ndarray, y: np.ndarray, matches: int = NN_MATCHES) -> np.ndarray:
    """Nearest-neighbour residuals of ``y`` on sorted ``x`` (module docstring).

    ``y`` is one column (n) or several (n x d, e.g. outcome and treatment in a fuzzy design;
    each column gets its residuals from the same neighbours). The window around point i
    starts as its whole tie group and grows towards the closer side, a whole tie group at a
    time (both sides when equally far, to relative precision sqrt(machine epsilon)), until it
    holds at least ``matches`` other points.
    """
    n = x.size
    out = np.full(y.shape, math.nan)
    if n < 2:
        return out
    start, end = tie_groups(x)
    cum = np.concatenate((np.zeros((1, *y.shape[1:])), np.cumsum(y, axis=0)))
    cap = min(matches, n - 1)
    for i in range(n):
        lo, hi = int(start[i]), int(end[i])
        xi = x[i]
        while hi - lo - 1 < cap:
            if lo == 0:
                hi = int(end[hi])
            elif hi == n:
                lo = int(start[lo - 1])
            else:
                left = xi - x[lo - 1]
                right = x[hi] - xi
                tol = max(left, right) * _TIE_TOLERANCE
                if left - right > tol:
                    hi = int(end[hi])
                elif right - left > tol:
                    lo = int(start[lo - 1])
                else:
                    hi = int(end[hi])
                    lo = int(start[lo - 1])
        j = hi - lo - 1
        others = (cum[hi] - cum[lo] - y[i]) / j
        out[i] = math.sqrt(j / (j + 1.0)) * (y[i] - others)
    return out


def sandwich(inv_gram: np.ndarray, scores: np.ndarray, resid: np.ndarray) -> np.ndarray:
    """G^-1 (sum_i e_i^2 s_i s_i') G^-1 with score rows ``scores`` and residuals ``resid``."""
    meat_rows = scores * resid[:, None]
    return inv_gram @ (meat_rows.T @ meat_rows) @ inv_gram
