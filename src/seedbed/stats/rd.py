"""Regression discontinuity (sharp, or fuzzy): local linear estimate with robust
bias-corrected inference.

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

Fuzzy design (``treatment=``): crossing the cutoff changes the chance of getting the service
rather than deciding it. Each side's fits are made for the outcome and the take-up, and the
estimate is the ratio of the jumps tau_Y / tau_T; its bias correction and variances use the
delta method's weights (1 / tau_T, -tau_Y / tau_T^2) on the two (rdrobust's ``fuzzy=``).

The local linear fits themselves (``RDResult.fit``: each side's value at the cutoff and slope
per unit of the running variable, from the conventional fit with bandwidth h) are what a chart
draws over c - h to c + h. In a fuzzy design they are the outcome's fits: their intercepts
differ by the outcome's jump tau_Y (the effect of crossing the cutoff), not by the estimate
tau_Y / tau_T, which no line on the outcome's scale shows.

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
WARN_RD_CONSTANT_OUTCOME = "rd_constant_outcome"
"""The outcome does not vary on either side of the cutoff: no estimate."""
WARN_RD_MASS_POINTS = "rd_mass_points"
"""The running variable takes few distinct values (20% or more repeats on a side)."""
WARN_RD_DENSITY_JUMP = "rd_density_jump_at_cutoff"
"""The density test rejects continuity of the running variable at the cutoff (p < 0.05)."""
WARN_RD_MISSING_ROWS_DROPPED = "rd_missing_rows_dropped"
"""Rows with a missing running variable or outcome were left out."""
WARN_RD_WEAK_FIRST_STAGE = "rd_weak_first_stage"
"""Fuzzy design: the jump in take-up is weak (its squared t-statistic is below 10)."""

WEAK_FIRST_STAGE_F = 10.0
"""Squared t-statistic of the take-up jump below which the ratio is unreliable."""
MIN_NEAR_CUTOFF = 20
P_ORDER = 1  # local linear estimate
Q_ORDER = 2  # local quadratic bias correction
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


FUZZY_ASSUMPTIONS = (
    "Crossing the cutoff changed how likely people were to get the new way of working, "
    "though not for everyone (a fuzzy design).",
    *ASSUMPTIONS[1:],
    "The cutoff affected outcomes only through whether people got the new way of working, "
    "and nobody was put off it by crossing the cutoff.",
)


@dataclass(frozen=True)
class FirstStage:
    """Fuzzy design: the jump in take-up at the cutoff."""

    estimate: float
    estimate_bias_corrected: float
    se_conventional: float
    se_robust: float
    ci_robust: tuple[float, float]
    weak: bool


@dataclass(frozen=True)
class SideLine:
    """One side's local linear fit of the outcome: its value at the cutoff (``intercept``) and
    its change per unit of the running variable (``slope``)."""

    intercept: float
    slope: float


@dataclass(frozen=True)
class LocalFits:
    """The outcome's local linear fits below (``left``) and at or above (``right``) the cutoff,
    within the bandwidth h. Sharp design: right.intercept - left.intercept is the estimate.
    Fuzzy design: they are still the outcome's fits, so their gap is the outcome's jump, not
    the estimate (the ratio of the outcome's jump to the take-up's)."""

    left: SideLine
    right: SideLine


@dataclass(frozen=True)
class RDResult:
    """A sharp RD estimate: conventional point estimate, robust bias-corrected inference."""

    estimate: float  # conventional local linear jump tau_p (fuzzy: ratio of jumps)
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
    first_stage: FirstStage | None = None  # fuzzy design only
    design: str = "sharp"  # or "fuzzy"
    fit: LocalFits | None = None  # the outcome's local linear fits; None without an estimate


def _nan_result(*, cutoff: float, alpha: float, n_l: int, n_r: int, density: DensityTest,
                bins: tuple[BinnedPoint, ...], warnings: list[str], design: str) -> RDResult:
    nan = math.nan
    return RDResult(
        estimate=nan, estimate_bias_corrected=nan, se_conventional=nan, se_robust=nan,
        ci_robust=(nan, nan), p_robust=nan, bandwidth=nan, bandwidth_bias=nan, n_left=0,
        n_right=0, n_total_left=n_l, n_total_right=n_r, cutoff=cutoff, alpha=alpha,
        density=density, bins=bins,
        assumptions=ASSUMPTIONS if design == "sharp" else FUZZY_ASSUMPTIONS,
        warnings=tuple(dict.fromkeys(warnings)), design=design,
    )


@dataclass(frozen=True)
class _SideFit:
    conventional: np.ndarray  # intercepts of the outcome (and treatment) fits
    slope: np.ndarray  # slopes of the same fits, per unit of the running variable
    bias_corrected: np.ndarray
    inv_p: np.ndarray
    rw_p: np.ndarray
    q_scores: np.ndarray
    resid: np.ndarray  # nearest-neighbour residuals, n x d
    n_h: int

    def variances(self, combo: np.ndarray) -> tuple[float, float]:
        """Conventional and robust variances of combo . intercepts (delta method)."""
        r = self.resid @ combo
        return (float(sandwich(self.inv_p, self.rw_p, r)[0, 0]),
                float(sandwich(self.inv_p, self.q_scores, r)[0, 0]))


def _fit_side(x: np.ndarray, d: np.ndarray, c: float, h: float, b: float, p: int,
              q: int) -> _SideFit:
    """Conventional intercepts and slopes, and bias-corrected intercepts, of one (sorted)
    side; ``d`` is n x 1 (outcome) or n x 2 (outcome, treatment)."""
    w_h = triangular_weights(x, c, h)
    w_b = triangular_weights(x, c, b)
    keep = (w_h > 0) if h > b else (w_b > 0)
    xs, ds, wh, wb = x[keep], d[keep], w_h[keep], w_b[keep]
    r_q = powers(xs - c, q)
    r_p = r_q[:, : p + 1]
    rw_p = r_p * wh[:, None]
    rw_q = r_q * wb[:, None]
    inv_p = inverse_gram(rw_p, r_p)
    inv_q = inverse_gram(rw_q, r_q)
    lever = rw_p.T @ ((xs - c) / h) ** (p + 1)
    m = (r_q @ inv_q[p + 1, :]) * wb
    q_scores = rw_p - h ** (p + 1) * np.outer(m, lever)
    beta = inv_p @ (rw_p.T @ ds)
    return _SideFit(
        conventional=beta[0], slope=beta[1], bias_corrected=(inv_p @ (q_scores.T @ ds))[0],
        inv_p=inv_p, rw_p=rw_p, q_scores=q_scores, resid=nn_residuals(xs, ds),
        n_h=int(np.count_nonzero(w_h > 0)),
    )


def rd_estimate(
    *, running: np.ndarray, outcome: np.ndarray, cutoff: float = 0.0, alpha: float = 0.05,
    bandwidth: float | None = None, bins_per_side: int | None = None,
    treatment: np.ndarray | None = None,
) -> RDResult:
    """RD at ``cutoff``: treated are those with ``running >= cutoff`` (module docstring).

    ``bandwidth`` fixes h = b instead of choosing them (rdrobust's ``h=`` option). Rows with a
    missing (NaN) running variable or outcome are dropped with a warning. ``alpha`` sets the
    interval's level. The density test and the binned scatter use every row.

    ``treatment`` (whether each person actually received the service, 0/1 or a share) makes
    it a fuzzy design: the estimate is the ratio of the outcome's jump to the treatment's
    jump (the effect on those whose take-up the cutoff changed), with the delta method's
    variance, as rdrobust's ``fuzzy=`` option; ``first_stage`` then holds the treatment's jump.

    ``fit`` gives the outcome's two local linear fits (value at the cutoff, slope per unit of
    the running variable) for drawing; in a fuzzy design their gap is the outcome's jump, not
    the estimate. It is None when there is no estimate.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha}")
    warnings: list[str] = []
    x, d = _clean(running, outcome, treatment, warnings)
    fuzzy = d.shape[1] == 2
    below = x < cutoff
    density = density_test(running=x, cutoff=cutoff)
    bins = binned_scatter(running=x, outcome=d[:, 0], cutoff=cutoff,
                          bins_per_side=bins_per_side)
    if density.p < DENSITY_ALPHA:
        warnings.append(WARN_RD_DENSITY_JUMP)
    warnings.extend(density.warnings)
    n_l, n_r = int(below.sum()), int((~below).sum())
    common = {"cutoff": cutoff, "alpha": alpha, "n_l": n_l, "n_r": n_r, "density": density,
              "bins": bins, "design": "fuzzy" if fuzzy else "sharp"}
    bws = _bandwidths(x, d, below, cutoff, bandwidth, warnings)
    if bws is None:
        return _nan_result(warnings=warnings, **common)  # type: ignore[arg-type]
    h, b = bws
    left = _fit_side(x[below], d[below], cutoff, h, b, P_ORDER, Q_ORDER)
    right = _fit_side(x[~below], d[~below], cutoff, h, b, P_ORDER, Q_ORDER)
    if min(left.n_h, right.n_h) < MIN_NEAR_CUTOFF:
        warnings.append(WARN_RD_FEW_NEAR_CUTOFF)
    z = float(sps.norm.ppf(1 - alpha / 2))
    tau, tau_bc, combo, first_stage = _jumps(left, right, fuzzy, z)
    if first_stage is not None and first_stage.weak:
        warnings.append(WARN_RD_WEAK_FIRST_STAGE)
    (v_cl_l, v_rb_l), (v_cl_r, v_rb_r) = left.variances(combo), right.variances(combo)
    se_cl = math.sqrt(v_cl_l + v_cl_r)
    se_rb = math.sqrt(v_rb_l + v_rb_r)
    p_rb = float(2 * sps.norm.sf(abs(tau_bc / se_rb))) if se_rb > 0 else math.nan
    return RDResult(
        estimate=tau, estimate_bias_corrected=tau_bc, se_conventional=se_cl, se_robust=se_rb,
        ci_robust=(tau_bc - z * se_rb, tau_bc + z * se_rb), p_robust=p_rb, bandwidth=h,
        bandwidth_bias=b, n_left=left.n_h, n_right=right.n_h, n_total_left=n_l,
        n_total_right=n_r, cutoff=cutoff, alpha=alpha, density=density, bins=bins,
        assumptions=FUZZY_ASSUMPTIONS if fuzzy else ASSUMPTIONS,
        warnings=tuple(dict.fromkeys(warnings)), first_stage=first_stage,
        design="fuzzy" if fuzzy else "sharp",
        fit=LocalFits(
            left=SideLine(intercept=float(left.conventional[0]), slope=float(left.slope[0])),
            right=SideLine(intercept=float(right.conventional[0]), slope=float(right.slope[0]))),
    )


def _clean(running: np.ndarray, outcome: np.ndarray, treatment: np.ndarray | None,
           warnings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Complete rows sorted by the running variable: x, and d = outcome (and treatment)."""
    x = np.asarray(running, dtype=float).ravel()
    cols = [np.asarray(outcome, dtype=float).ravel()]
    if treatment is not None:
        cols.append(np.asarray(treatment, dtype=float).ravel())
    if any(c.size != x.size for c in cols):
        raise ValueError("running, outcome and treatment must have the same length")
    d = np.column_stack(cols)
    ok = np.isfinite(x) & np.all(np.isfinite(d), axis=1)
    if not ok.all():
        warnings.append(WARN_RD_MISSING_ROWS_DROPPED)
        x, d = x[ok], d[ok]
    order = np.argsort(x, kind="stable")
    return x[order], d[order]


def _bandwidths(x: np.ndarray, d: np.ndarray, below: np.ndarray, cutoff: float,
                bandwidth: float | None, warnings: list[str]) -> tuple[float, float] | None:
    """(h, b): given, the whole range for tiny samples (as rdrobust), or MSE-optimal; None
    (with a warning) when the fits they imply are not identified."""
    x_l, x_r = x[below], x[~below]
    if x_l.size == 0 or x_r.size == 0:
        warnings.append(WARN_RD_NO_DATA_ON_A_SIDE)
        return None
    if min(np.unique(x_l).size, np.unique(x_r).size) < Q_ORDER + 1:
        warnings.append(WARN_RD_TOO_FEW_FOR_BANDWIDTH)
        return None
    if np.ptp(d[below, 0]) == 0 and np.ptp(d[~below, 0]) == 0:
        warnings.append(WARN_RD_CONSTANT_OUTCOME)
        return None
    if bandwidth is not None:
        h = b = float(bandwidth)
    elif x.size < 20:  # rdrobust: too few to select; use the widest distance from the cutoff
        warnings.append(WARN_RD_FEW_NEAR_CUTOFF)
        h = b = max(cutoff - float(x[0]), float(x[-1]) - cutoff)
    else:
        fuzzy = d.shape[1] == 2
        bws = mserd_bandwidths(x_left=x_l, y_left=d[below, 0], x_right=x_r,
                               y_right=d[~below, 0], cutoff=cutoff, p=P_ORDER, q=Q_ORDER,
                               t_left=d[below, 1] if fuzzy else None,
                               t_right=d[~below, 1] if fuzzy else None)
        if bws.mass_points:
            warnings.append(WARN_RD_MASS_POINTS)
        h, b = bws.h, bws.b
    identified = math.isfinite(h) and h > 0 and math.isfinite(b) and b > 0
    for side_x in (x_l, x_r):
        if identified and (
                np.unique(side_x[triangular_weights(side_x, cutoff, h) > 0]).size < P_ORDER + 1
                or np.unique(side_x[triangular_weights(side_x, cutoff, b) > 0]).size
                < Q_ORDER + 1):
            identified = False
    if not identified:
        warnings.append(WARN_RD_TOO_FEW_FOR_BANDWIDTH)
        return None
    return h, b


def _jumps(left: _SideFit, right: _SideFit, fuzzy: bool,
           z: float) -> tuple[float, float, np.ndarray, FirstStage | None]:
    """(tau, tau_bc, delta-method weights, first stage): sharp jump or ratio of jumps."""
    jump = right.conventional - left.conventional
    jump_bc = right.bias_corrected - left.bias_corrected
    if not fuzzy:
        return float(jump[0]), float(jump_bc[0]), np.ones(1), None
    combo = np.array([1 / jump[1], -jump[0] / jump[1] ** 2])
    tau = float(jump[0] / jump[1])
    tau_bc = tau - float(combo @ (jump - jump_bc))
    return tau, tau_bc, combo, _first_stage(left, right, float(jump[1]), float(jump_bc[1]), z)


def _first_stage(left: _SideFit, right: _SideFit, jump: float, jump_bc: float,
                 z: float) -> FirstStage:
    """The treatment's jump at the cutoff, with conventional and robust errors."""
    pick = np.array([0.0, 1.0])
    (c_l, r_l), (c_r, r_r) = left.variances(pick), right.variances(pick)
    se_cl, se_rb = math.sqrt(c_l + c_r), math.sqrt(r_l + r_r)
    return FirstStage(
        estimate=jump, estimate_bias_corrected=jump_bc, se_conventional=se_cl,
        se_robust=se_rb, ci_robust=(jump_bc - z * se_rb, jump_bc + z * se_rb),
        weak=not (se_cl > 0 and (jump / se_cl) ** 2 >= WEAK_FIRST_STAGE_F),
    )
