"""Sharp regression discontinuity: local linear estimate with robust bias-corrected inference.

A service is given to everyone whose running variable (a score, an age, a date) is at or
above a cutoff c, and to nobody below it. The effect at the cutoff is the jump

    tau = lim_{x -> c+} E[Y | X = x] - lim_{x -> c-} E[Y | X = x].

Method (Calonico, Cattaneo & Titiunik, Econometrica 2014;82:2295-2326; defaults of their
``rdrobust``): on each side a local linear fit (p = 1) with a triangular kernel and the
MSE-optimal common bandwidth h (``seedbed.stats.rd_bandwidth``) gives the conventional
estimate tau_p = beta_right,0 - beta_left,0. Its leading bias is estimated with a local
quadratic fit (q = 2) with bandwidth b and removed:

    Q = W_h R_p - h^(p+1) (W_b R_q G_q^-1 e_(p+1)) L',   L = R_p' W_h ((x - c) / h)^(p+1)
    beta_bc = G_p^-1 Q'y,       tau_bc = beta_bc,right,0 - beta_bc,left,0

and its variance counts the extra variability of the bias estimate ("robust"):

    V_rb = sum over sides of [G_p^-1 (sum_i e_i^2 Q_i Q_i') G_p^-1]_(0,0),

with nearest-neighbour residuals e_i (``seedbed.stats.rd_fit``). The robust interval is
tau_bc +- z_(1 - alpha/2) sqrt(V_rb) and the p-value 2 Phi(-|tau_bc| / sqrt(V_rb)). The
reported estimate is the conventional tau_p (as ``rdrobust`` prints it); the robust interval
is centred on tau_bc, so it need not be symmetric about the estimate.

Degenerate input (no observations on a side, a cutoff outside the data, too few distinct
values near the cutoff) gives NaN results with warning codes, not exceptions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from seedbed.stats.rd_bandwidth import mserd_bandwidths
from seedbed.stats.rd_density import DensityTest, density_test
from seedbed.stats.rd_fit import inverse_gram, nn_residuals, powers, sandwich, triangular_weights
from seedbed.stats.rd_plot import BinnedPoint, binned_scatter

WARN_RD_NO_DATA_ON_A_SIDE = "rd_no_data_on_a_side"
"""No observations below, or none at or above, the cutoff: no discontinuity to estimate."""
WARN_RD_FEW_NEAR_CUTOFF = "rd_few_observations_near_cutoff"
"""Fewer than MIN_NEAR_CUTOFF observations within the bandwidth on a side."""
WARN_RD_TOO_FEW_FOR_BANDWIDTH = "rd_too_few_for_bandwidth"
"""Too few observations or distinct values to choose a bandwidth: no estimate."""
WARN_RD_MASS_POINTS = "rd_mass_points"
"""The running variable takes few distinct values (20% or more repeats on a side)."""
WARN_RD_DENSITY_JUMP = "rd_density_jump_at_cutoff"
"""The density test rejects continuity of the running variable at the cutoff (p < 0.05)."""
WARN_RD_MISSING_ROWS_DROPPED = "rd_missing_rows_dropped"
"""Rows with a missing running variable or outcome were left out."""

MIN_NEAR_CUTOFF = 20
"""Observations within the bandwidth on each side below which the result is fragile."""
DENSITY_ALPHA = 0.05

ASSUMPTIONS = (
    "Everyone at or above the cutoff got the new way of working and nobody below it did "
    "(a sharp design).",
    "Apart from the new way of working, outcomes would change smoothly across the cutoff: "
    "people just below are a fair comparison for people just above.",
    "People could not precisely place themselves on either side of the cutoff (checked by "
    "the density test).",
    "The estimate holds for people near the cutoff, not for everyone.",
)


@dataclass(frozen=True)
class RDResult:
    """A sharp RD estimate: conventional point estimate, robust bias-corrected inference."""

    estimate: float  # conventional local linear jump tau_p
    estimate_bias_corrected: float  # tau_bc, the centre of the robust interval
    se_conventional: float
    se_robust: float
    ci_robust: tuple[float, float]
    p_robust: float
    bandwidth: float  # h, in the running variable's units
    bandwidth_bias: float  # b
    n_left: int  # observations within h below the cutoff
    n_right: int  # observations within h at or above the cutoff
    n_total_left: int
    n_total_right: int
    cutoff: float
    alpha: float
    density: DensityTest
    bins: tuple[BinnedPoint, ...]
    assumptions: tuple[str, ...]
    warnings: tuple[str, ...]
    method: str = ("Local linear RD, triangular kernel, MSE-optimal bandwidth (mserd), robust "
                   "bias-corrected inference (Calonico, Cattaneo & Titiunik 2014)")


def _nan_result(*, cutoff: float, alpha: float, n_l: int, n_r: int, density: DensityTest,
                bins: tuple[BinnedPoint, ...], warnings: list[str]) -> RDResult:
    nan = math.nan
    return RDResult(
        estimate=nan, estimate_bias_corrected=nan, se_conventional=nan, se_robust=nan,
        ci_robust=(nan, nan), p_robust=nan, bandwidth=nan, bandwidth_bias=nan, n_left=0,
        n_right=0, n_total_left=n_l, n_total_right=n_r, cutoff=cutoff, alpha=alpha,
        density=density, bins=bins, assumptions=ASSUMPTIONS,
        warnings=tuple(dict.fromkeys(warnings)),
    )


@dataclass(frozen=True)
class _SideFit:
    conventional: float
    bias_corrected: float
    var_conventional: float
    var_robust: float
    n_h: int


def _fit_side(x: np.ndarray, y: np.ndarray, c: float, h: float, b: float, p: int,
              q: int) -> _SideFit:
    """Conventional and bias-corrected intercepts of one (sorted) side, with variances."""
    w_h = triangular_weights(x, c, h)
    w_b = triangular_weights(x, c, b)
    keep = (w_h > 0) if h > b else (w_b > 0)
    xs, ys, wh, wb = x[keep], y[keep], w_h[keep], w_b[keep]
    r_q = powers(xs - c, q)
    r_p = r_q[:, : p + 1]
    rw_p = r_p * wh[:, None]
    rw_q = r_q * wb[:, None]
    inv_p = inverse_gram(rw_p, r_p)
    inv_q = inverse_gram(rw_q, r_q)
    lever = rw_p.T @ ((xs - c) / h) ** (p + 1)
    m = (r_q @ inv_q[p + 1, :]) * wb
    q_scores = rw_p - h ** (p + 1) * np.outer(m, lever)
    beta_p = inv_p @ (rw_p.T @ ys)
    beta_bc = inv_p @ (q_scores.T @ ys)
    resid = nn_residuals(xs, ys)
    v_cl = sandwich(inv_p, rw_p, resid)[0, 0]
    v_rb = sandwich(inv_p, q_scores, resid)[0, 0]
    return _SideFit(float(beta_p[0]), float(beta_bc[0]), float(v_cl), float(v_rb),
                    int(np.count_nonzero(w_h > 0)))


def rd_estimate(
    *, running: np.ndarray, outcome: np.ndarray, cutoff: float = 0.0, alpha: float = 0.05,
    bandwidth: float | None = None, bins_per_side: int | None = None,
) -> RDResult:
    """Sharp RD at ``cutoff``: treated are those with ``running >= cutoff`` (module docstring).

    ``bandwidth`` fixes h = b instead of choosing them (rdrobust's ``h=`` option). Rows with a
    missing (NaN) running variable or outcome are dropped with a warning. ``alpha`` sets the
    interval's level. The density test and the binned scatter use every row.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha}")
    x = np.asarray(running, dtype=float).ravel()
    y = np.asarray(outcome, dtype=float).ravel()
    if x.size != y.size:
        raise ValueError("running and outcome must have the same length")
    warnings: list[str] = []
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.all():
        warnings.append(WARN_RD_MISSING_ROWS_DROPPED)
        x, y = x[ok], y[ok]
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    below = x < cutoff
    x_l, y_l, x_r, y_r = x[below], y[below], x[~below], y[~below]
    density = density_test(running=x, cutoff=cutoff)
    bins = binned_scatter(running=x, outcome=y, cutoff=cutoff, bins_per_side=bins_per_side)
    if density.p < DENSITY_ALPHA:
        warnings.append(WARN_RD_DENSITY_JUMP)
    common = {"cutoff": cutoff, "alpha": alpha, "n_l": int(x_l.size), "n_r": int(x_r.size),
              "density": density, "bins": bins}
    if x_l.size == 0 or x_r.size == 0:
        warnings.append(WARN_RD_NO_DATA_ON_A_SIDE)
        return _nan_result(warnings=warnings, **common)  # type: ignore[arg-type]
    p, q = 1, 2
    if min(np.unique(x_l).size, np.unique(x_r).size) < q + 1:
        warnings.append(WARN_RD_TOO_FEW_FOR_BANDWIDTH)
        return _nan_result(warnings=warnings, **common)  # type: ignore[arg-type]
    if bandwidth is not None:
        h = b = float(bandwidth)
    elif x.size < 20:  # rdrobust: too few to select; use the widest distance from the cutoff
        warnings.append(WARN_RD_FEW_NEAR_CUTOFF)
        h = b = max(cutoff - float(x[0]), float(x[-1]) - cutoff)
    else:
        bws = mserd_bandwidths(x_left=x_l, y_left=y_l, x_right=x_r, y_right=y_r,
                               cutoff=cutoff, p=p, q=q)
        if bws.mass_points:
            warnings.append(WARN_RD_MASS_POINTS)
        h, b = bws.h, bws.b
    if not (math.isfinite(h) and h > 0 and math.isfinite(b) and b > 0):
        warnings.append(WARN_RD_TOO_FEW_FOR_BANDWIDTH)
        return _nan_result(warnings=warnings, **common)  # type: ignore[arg-type]
    for side_x in (x_l, x_r):
        if (np.unique(side_x[triangular_weights(side_x, cutoff, h) > 0]).size < p + 1
                or np.unique(side_x[triangular_weights(side_x, cutoff, b) > 0]).size < q + 1):
            warnings.append(WARN_RD_TOO_FEW_FOR_BANDWIDTH)
            return _nan_result(warnings=warnings, **common)  # type: ignore[arg-type]
    left = _fit_side(x_l, y_l, cutoff, h, b, p, q)
    right = _fit_side(x_r, y_r, cutoff, h, b, p, q)
    if min(left.n_h, right.n_h) < MIN_NEAR_CUTOFF:
        warnings.append(WARN_RD_FEW_NEAR_CUTOFF)
    tau = right.conventional - left.conventional
    tau_bc = right.bias_corrected - left.bias_corrected
    se_cl = math.sqrt(left.var_conventional + right.var_conventional)
    se_rb = math.sqrt(left.var_robust + right.var_robust)
    z = float(sps.norm.ppf(1 - alpha / 2))
    p_rb = float(2 * sps.norm.sf(abs(tau_bc / se_rb))) if se_rb > 0 else math.nan
    return RDResult(
        estimate=tau, estimate_bias_corrected=tau_bc, se_conventional=se_cl, se_robust=se_rb,
        ci_robust=(tau_bc - z * se_rb, tau_bc + z * se_rb), p_robust=p_rb, bandwidth=h,
        bandwidth_bias=b, n_left=left.n_h, n_right=right.n_h, n_total_left=int(x_l.size),
        n_total_right=int(x_r.size), cutoff=cutoff, alpha=alpha, density=density, bins=bins,
        assumptions=ASSUMPTIONS, warnings=tuple(dict.fromkeys(warnings)),
    )
