"""The MSE-optimal common bandwidth of a sharp regression discontinuity (``mserd``).

Calonico, Cattaneo & Titiunik (Econometrica 2014, section 4) and Calonico, Cattaneo &
Farrell (Econometrics Journal 2020), as computed by default in ``rdrobust`` (p = 1, q = 2,
triangular kernel, nearest-neighbour variance with 3 neighbours, regularisation scale 1,
bandwidths restricted to the range of the running variable, running variable and outcome
standardised first). For one side and a fit of order o estimating the nu-th derivative with
pilot bandwidth h_V and a fit of order o + 1 with bandwidth h_B:

    V = (2 nu + 1) h_V^(2 nu + 1) [G^-1 M G^-1]_(nu,nu)          variance constant
    B = sqrt(2 (o + 1 - nu)) C_nu beta_(o+1)                     bias constant, where
        C = H G^-1 R'W ((x - c) / h_V)^(o+1),  H = diag(h_V^j)
    R = 2 (o + 1 - nu) 3 C_nu^2 [G_B^-1 M_B G_B^-1]_(o+1,o+1)    regularisation

and the bandwidth is ((V_left + V_right) / ((B_right - B_left)^2 + R_left + R_right))^(1/(2o+3)).
Three steps: a pilot d (o = q + 1, no regularisation) from a rule-of-thumb c_bw =
2.576 * min(1, IQR / (1.349 sd)) * N^(-1/5) (in sd units; N counts distinct values when the
running variable has mass points), then b (o = q, nu = p + 1), then h (o = p, nu = 0).
When 20% or more of a side's observations repeat a value, each pilot bandwidth is widened to
hold at least 10 distinct values on each side (rdrobust's mass-point adjustment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from seedbed.stats.rd_fit import (
    NN_MATCHES,
    inverse_gram,
    nn_residuals,
    powers,
    sandwich,
    triangular_weights,
)

KERNEL_CONSTANT = 2.576
"""Rule-of-thumb constant of the triangular kernel for the first pilot bandwidth."""
MASS_POINT_SHARE = 0.2
"""A side with this share of repeated running-variable values has mass points."""
MASS_POINT_MIN_DISTINCT = 10
"""Distinct values each pilot bandwidth must reach on each side when there are mass points."""

_WIDEN = 1.0 + math.sqrt(np.finfo(float).eps)


@dataclass(frozen=True)
class Side:
    """One side of the cutoff: running variable (sorted) and outcome, in standardised units."""

    x: np.ndarray
    y: np.ndarray
    t: np.ndarray | None = None  # treatment received (fuzzy design), not standardised


@dataclass(frozen=True)
class Bandwidths:
    """The selected bandwidths h (estimation) and b (bias), in the running variable's units."""

    h: float
    b: float
    mass_points: bool


def _constants(
    side: Side, c: float, order: int, nu: int, h_v: float, h_b: float, scale: float
) -> tuple[float, float, float]:
    """(V, B, R) of one side (module docstring); NaN when a fit is not identified."""
    nan = (math.nan, math.nan, math.nan)
    w = triangular_weights(side.x, c, h_v)
    keep = w > 0
    xv, wv = side.x[keep], w[keep]
    dv = _columns(side, keep)
    if np.unique(xv).size < order + 1:
        return nan
    r = powers(xv - c, order)
    rw = r * wv[:, None]
    inv_g = inverse_gram(rw, r)
    combo = np.ones(1)
    if side.t is not None:  # a ratio of jumps: the delta method's weights on (Y, T)
        beta_v = inv_g @ (rw.T @ dv)
        tau_y = math.factorial(nu) * beta_v[nu, 0]
        tau_t = math.factorial(nu) * beta_v[nu, 1]
        combo = np.array([1 / tau_t, -tau_y / tau_t**2])
    var_v = sandwich(inv_g, rw, nn_residuals(xv, dv, NN_MATCHES) @ combo)[nu, nu]
    lever = rw.T @ ((xv - c) / h_v) ** (order + 1)
    bias_const = float((h_v ** np.arange(order + 1) * (inv_g @ lever))[nu])

    if not (math.isfinite(h_b) and h_b > 0):
        return nan
    wb = triangular_weights(side.x, c, h_b)
    keep_b = wb > 0
    xb, wbb = side.x[keep_b], wb[keep_b]
    db = _columns(side, keep_b)
    if np.unique(xb).size < order + 2:
        return nan
    rb = powers(xb - c, order + 1)
    rwb = rb * wbb[:, None]
    inv_gb = inverse_gram(rwb, rb)
    beta_b = inv_gb @ (rwb.T @ db)
    reg = 0.0
    if scale > 0:
        var_b = sandwich(inv_gb, rwb, nn_residuals(xb, db, NN_MATCHES) @ combo)[-1, -1]
        reg = scale * 2 * (order + 1 - nu) * 3 * bias_const**2 * var_b
    b_const = math.sqrt(2 * (order + 1 - nu)) * bias_const * float(combo @ beta_b[-1])
    v_const = (2 * nu + 1) * h_v ** (2 * nu + 1) * var_v
    return float(v_const), b_const, float(reg)


def _columns(side: Side, keep: np.ndarray) -> np.ndarray:
    """The outcome (and treatment, in a fuzzy design) of the kept rows, as n x d."""
    if side.t is None:
        return side.y[keep][:, None]
    return np.column_stack([side.y[keep], side.t[keep]])


def _type2_quantile(x: np.ndarray, prob: float) -> float:
    """Hyndman & Fan type 2 quantile (inverse of the empirical CDF, averaging at jumps)."""
    s = np.sort(x)
    h = s.size * prob
    j = math.floor(h)
    return float(0.5 * (s[j - 1] + s[j])) if h == j else float(s[j])


def mserd_bandwidths(
    *, x_left: np.ndarray, y_left: np.ndarray, x_right: np.ndarray, y_right: np.ndarray,
    cutoff: float, p: int = 1, q: int = 2, t_left: np.ndarray | None = None,
    t_right: np.ndarray | None = None,
) -> Bandwidths:
    """MSE-optimal common bandwidths (h, b) for a sharp or fuzzy RD (module docstring).

    ``x_left`` (below the cutoff) and ``x_right`` (at or above) are sorted. Returns NaN
    bandwidths when a pilot fit is not identified (too few distinct values near the cutoff).
    """
    x_all = np.concatenate([x_left, x_right])
    y_all = np.concatenate([y_left, y_right])
    x_sd = float(np.std(x_all, ddof=1))
    y_sd = float(np.std(y_all, ddof=1))
    if not (x_sd > 0 and y_sd > 0):
        return Bandwidths(math.nan, math.nan, False)
    iqr = _type2_quantile(x_all, 0.75) - _type2_quantile(x_all, 0.25)
    spread = min(1.0, iqr / x_sd / 1.349)
    c = cutoff / x_sd
    fuzzy = (t_left is not None and t_right is not None
             and float(np.var(t_left)) > 0 and float(np.var(t_right)) > 0)
    left = Side(x_left / x_sd, y_left / y_sd, t_left if fuzzy else None)
    right = Side(x_right / x_sd, y_right / y_sd, t_right if fuzzy else None)
    distinct_l = np.unique(left.x)[::-1]
    distinct_r = np.unique(right.x)
    n_l, n_r = x_left.size, x_right.size
    mass = (1 - distinct_l.size / n_l >= MASS_POINT_SHARE
            or 1 - distinct_r.size / n_r >= MASS_POINT_SHARE)
    count = distinct_l.size + distinct_r.size
    pilot = KERNEL_CONSTANT * spread * count ** (-1 / 5)
    max_l = abs(c - float(x_all.min()) / x_sd)
    max_r = abs(c - float(x_all.max()) / x_sd)
    widest = max(max_l, max_r)
    pilot = min(pilot, widest)
    floor = 0.0
    if mass:
        floor = max(abs(distinct_l[min(MASS_POINT_MIN_DISTINCT, distinct_l.size) - 1] - c),
                    abs(distinct_r[min(MASS_POINT_MIN_DISTINCT, distinct_r.size) - 1] - c)) * _WIDEN
        pilot = max(pilot, floor)

    def combine(order: int, nu: int, bw_l: float, bw_r: float, scale: float) -> float:
        vl, bl, rl = _constants(left, c, order, nu, pilot, bw_l, scale)
        vr, br, rr = _constants(right, c, order, nu, pilot, bw_r, scale)
        return ((vl + vr) / ((br - bl) ** 2 + rl + rr)) ** (1 / (2 * order + 3))

    range_l = abs(c - float(left.x.min())) * _WIDEN
    range_r = abs(c - float(right.x.max())) * _WIDEN
    d = min(combine(q + 1, q + 1, range_l, range_r, 0.0), widest)
    if mass:
        d = max(d, floor)
    b = min(combine(q, p + 1, d, d, 1.0), widest)
    h = min(combine(p, 0, b, b, 1.0), widest)
    return Bandwidths(h=x_sd * h, b=x_sd * b, mass_points=mass)
