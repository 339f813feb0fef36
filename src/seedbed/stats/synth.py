"""Synthetic control: a weighted mix of comparison areas that tracks the treated one.

One area (a council, a team, a ward) starts a new way of working at period T; the donors
never do. A synthetic control is a weighted average of donors, weights on the simplex
(``seedbed.stats.synth_weights``), chosen so that before T it reproduces the treated area's
outcomes (and, optionally, its covariates). After T the gap between the treated area and its
synthetic control estimates the effect (Abadie, Diamond & Hainmueller, "Synthetic control
methods for comparative case studies", JASA 2010;105:493-505; Abadie, J Econ Lit
2021;59:391-425):

    gap_t = y_1t - sum_j w_j y_jt,   ATT = mean of gap_t over periods t >= T,
    pre-period RMSPE = sqrt(mean of gap_t^2 over t < T).

Predictors: without covariates, every pre-period outcome with equal weight (V = I), so the
weights minimise the sum of squared pre-period gaps. With covariates, each covariate's
pre-period mean and the outcome's pre-period mean, each divided by its standard deviation
across units, weighted by V chosen to minimise the pre-period outcome gap (or given).

Inference is by in-space placebos: each donor in turn is treated as if it had been treated,
with the other donors as its pool (the treated area left out), and the ratio
R = post-period RMSPE / pre-period RMSPE is computed for every unit. The permutation p-value
is the share of units (treated included) whose R is at least the treated area's, so with J
donors it cannot be below 1 / (J + 1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from seedbed.stats.synth_weights import (
    choose_v,
    rmspe,
    scale_predictors,
    simplex_least_squares,
    weights_for_v,
)

WARN_SYNTH_POOR_PRE_FIT = "synth_poor_pre_fit"
"""Pre-period RMSPE above POOR_FIT_SHARE of the outcome's spread: the synthetic does not track."""
WARN_SYNTH_FEW_DONORS = "synth_few_donors"
"""So few donors that the smallest attainable placebo p-value exceeds 0.05."""
WARN_SYNTH_CONCENTRATED_WEIGHTS = "synth_weights_concentrated"
"""One donor carries CONCENTRATED_WEIGHT or more of the weight."""
WARN_SYNTH_DONORS_DROPPED = "synth_donors_dropped_incomplete"
"""Donors without an outcome in every period were left out."""
WARN_SYNTH_NOT_ESTIMABLE = "synth_not_estimable"
WARN_SYNTH_PLACEBO_EXACT_FIT = "synth_placebo_exact_fit_excluded"
"""A placebo's pre-period gaps are all (numerically) zero, so its RMSPE ratio is undefined
and it is left out of the placebo p-value."""
WARN_SYNTH_OUTSIDE_DONORS = "synth_treated_outside_donor_range"
"""In at least half the pre-periods the treated outcome lies above every donor's or below
every donor's: no weighted mix (weights on the simplex) can reach it."""
WARN_SYNTH_DUPLICATE_DONORS = "synth_duplicate_donors"
"""Two donors have the same outcome in every period (a unit entered twice?)."""
EXACT_FIT_REL = 1e-9
"""A pre-period RMSPE at most this share of the outcomes' scale (largest absolute pre-period
outcome) counts as an exact fit."""
"""No donors, no pre-period, no post-period or an incomplete treated series: no estimate."""

ERR_DUPLICATE_CELL = "unit {unit!r} has more than one row for period {time!r}"
ERR_UNKNOWN_TREATED = "the treated unit {unit!r} is not in the data"
ERR_LENGTHS = "units, times and outcomes must have the same length"
ERR_COVARIATE_LENGTH = "covariate {name!r} must have one value per row"

Values = Sequence[Any] | np.ndarray
"""A column of values: a list, a NumPy array or a pandas Series."""

POOR_FIT_SHARE = 0.2
POOR_FIT_OWN_SHARE = 0.5
"""Pre-period RMSPE above this share of the treated series' own standard deviation (before
the start) also counts as a poor fit: the synthetic explains under 75% of its variation."""
OUTSIDE_SHARE = 0.5
CONCENTRATED_WEIGHT = 0.8
PLACEBO_ALPHA = 0.05

ASSUMPTIONS = (
    "No donor area was affected by the new way of working, directly or by spill-over.",
    "Before the start, the weighted mix of donors follows the treated area closely; after the "
    "start it shows what would have happened to the treated area without the change.",
    "Nothing else that affects the outcome changed in the treated area, and not in the "
    "donors, at the same time.",
    "People did not change their behaviour before the start in anticipation of it.",
)


@dataclass(frozen=True)
class SeriesPoint:
    """One period: the treated area, its synthetic control and the gap between them."""

    time: float
    treated: float
    synthetic: float
    gap: float
    post: bool


@dataclass(frozen=True)
class Placebo:
    """A donor treated as if it were the treated area: its gaps and RMSPE ratio."""

    unit: str
    gaps: tuple[float, ...]
    pre_rmspe: float
    post_rmspe: float
    ratio: float


@dataclass(frozen=True)
class SynthResult:
    """Weights, effect, fit, placebo inference and plot data of a synthetic control."""

    treated: str
    start: float
    weights: dict[str, float]
    predictor_weights: dict[str, float]
    att: float
    pre_rmspe: float
    post_rmspe: float
    ratio: float
    placebo_p: float
    min_attainable_p: float
    series: tuple[SeriesPoint, ...]
    placebos: tuple[Placebo, ...]
    n_pre: int
    n_post: int
    assumptions: tuple[str, ...]
    warnings: tuple[str, ...]
    method: str = ("Synthetic control (Abadie, Diamond & Hainmueller 2010), in-space placebo "
                   "test on the post/pre RMSPE ratio")


@dataclass(frozen=True)
class _Panel:
    units: list[str]
    times: np.ndarray
    y: np.ndarray  # periods x units
    cov: dict[str, np.ndarray]  # name -> periods x units (NaN where missing)


def _panel(units: Values, times: Values, outcomes: Values,
           covariates: Mapping[str, Values]) -> _Panel:
    labels = [str(u) for u in units]
    t = np.asarray(times, dtype=float)
    y = np.asarray(outcomes, dtype=float)
    if not (len(labels) == t.size == y.size):
        raise ValueError(ERR_LENGTHS)
    unit_list = list(dict.fromkeys(labels))
    unit_index = {u: i for i, u in enumerate(unit_list)}
    time_list = np.unique(t[np.isfinite(t)])
    col = np.array([unit_index[u] for u in labels], dtype=np.int64)
    row = np.searchsorted(time_list, t)
    seen = np.zeros((time_list.size, len(unit_list)), dtype=bool)
    wide = np.full(seen.shape, math.nan)
    covs = {name: np.full(seen.shape, math.nan) for name in covariates}
    cov_values = {}
    for name, values in covariates.items():
        arr = np.asarray(values, dtype=float)
        if arr.size != t.size:
            raise ValueError(ERR_COVARIATE_LENGTH.format(name=name))
        cov_values[name] = arr
    for i in range(t.size):
        if not math.isfinite(t[i]):
            continue
        r, c = row[i], col[i]
        if seen[r, c]:
            raise ValueError(ERR_DUPLICATE_CELL.format(unit=labels[i], time=_num(t[i])))
        seen[r, c] = True
        wide[r, c] = y[i]
        for name, arr in cov_values.items():
            covs[name][r, c] = arr[i]
    return _Panel(unit_list, time_list, wide, covs)


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def _fit(
    y1: np.ndarray, y0: np.ndarray, pre: np.ndarray, cov1: list[np.ndarray],
    cov0: list[np.ndarray], v_given: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """(w, v) for treated outcomes ``y1`` (periods) and donor outcomes ``y0`` (periods x J)."""
    if not cov1:
        return simplex_least_squares(y0[pre], y1[pre]), np.ones(0)
    x1 = np.array([float(np.mean(c[pre])) for c in cov1] + [float(np.mean(y1[pre]))])
    x0 = np.vstack([np.mean(c[pre], axis=0) for c in cov0] + [np.mean(y0[pre], axis=0)])
    x1s, x0s = scale_predictors(x1, x0)
    if v_given is not None:
        v = np.asarray(v_given, dtype=float)
        return weights_for_v(x1s, x0s, v), v / v.sum()
    v, w = choose_v(x1=x1s, x0=x0s, z1=y1[pre], z0=y0[pre])
    return w, v


def _not_estimable(treated: str, start: float, warnings: list[str], n_pre: int,
                   n_post: int) -> SynthResult:
    nan = math.nan
    return SynthResult(
        treated=treated, start=start, weights={}, predictor_weights={}, att=nan,
        pre_rmspe=nan, post_rmspe=nan, ratio=nan, placebo_p=nan, min_attainable_p=nan,
        series=(), placebos=(), n_pre=n_pre, n_post=n_post, assumptions=ASSUMPTIONS,
        warnings=tuple(dict.fromkeys([*warnings, WARN_SYNTH_NOT_ESTIMABLE])),
    )


def synth_estimate(
    *, units: Values, times: Values, outcomes: Values, treated: object, start: float,
    covariates: Mapping[str, Values] | None = None, predictor_weights: Values | None = None,
    placebos: bool = True,
) -> SynthResult:
    """Synthetic control for ``treated`` from period ``start`` on (module docstring).

    Long data: one row per unit and period (``units``, ``times``, ``outcomes``, and each
    covariate). Periods at or after ``start`` are post-treatment. Donors lacking an outcome in
    any period are dropped with a warning. ``predictor_weights`` (with covariates: one per
    covariate, then one for the outcome's pre-period mean) fixes V instead of choosing it.
    Raises ``ValueError`` for a duplicated unit-period or an unknown treated unit.
    """
    covariates = dict(covariates or {})
    panel = _panel(units, times, outcomes, covariates)
    name = str(treated)
    if name not in panel.units:
        raise ValueError(ERR_UNKNOWN_TREATED.format(unit=name))
    warnings: list[str] = []
    complete = np.all(np.isfinite(panel.y), axis=0)
    for c in panel.cov.values():
        complete &= np.all(np.isfinite(c), axis=0)
    ti = panel.units.index(name)
    donors = [j for j in range(len(panel.units)) if j != ti and complete[j]]
    if len(donors) < len(panel.units) - 1:
        warnings.append(WARN_SYNTH_DONORS_DROPPED)
    pre = panel.times < start
    n_pre, n_post = int(pre.sum()), int((~pre).sum())
    if not complete[ti] or not donors or n_pre == 0 or n_post == 0:
        return _not_estimable(name, start, warnings, n_pre, n_post)
    design = _Design(panel, pre, list(panel.cov.values()),
                     None if predictor_weights is None else np.asarray(predictor_weights, float))
    w, v, gaps = design.fit(ti, donors)
    pre_fit, post_fit = rmspe(gaps[pre]), rmspe(gaps[~pre])
    tol = EXACT_FIT_REL * float(np.max(np.abs(panel.y[pre][:, [ti, *donors]])))
    ratio = post_fit / pre_fit if pre_fit > tol else math.inf
    placebo_list = _placebo_runs(design, donors, tol) if placebos and len(donors) >= 2 else []
    if any(math.isnan(p.ratio) for p in placebo_list):
        warnings.append(WARN_SYNTH_PLACEBO_EXACT_FIT)
    if _has_duplicates(panel.y[:, donors], tol):
        warnings.append(WARN_SYNTH_DUPLICATE_DONORS)
    ratios = [ratio] + [p.ratio for p in placebo_list if not math.isnan(p.ratio)]
    p_value = (sum(r >= ratio * (1 - 1e-12) for r in ratios) / len(ratios)
               if len(ratios) > 1 else math.nan)
    min_p = 1 / (len(donors) + 1)
    warnings += _fit_warnings(panel.y[pre][:, [ti, *donors]], pre_fit, min_p, w)
    series = tuple(
        SeriesPoint(float(t), float(panel.y[r, ti]), float(panel.y[r, ti] - gaps[r]),
                    float(gaps[r]), bool(not pre[r]))
        for r, t in enumerate(panel.times)
    )
    v_names = [*covariates, "outcome (pre-period mean)"] if covariates else []
    return SynthResult(
        treated=name, start=float(start),
        weights={panel.units[j]: float(wj) for j, wj in zip(donors, w, strict=True)},
        predictor_weights=dict(zip(v_names, (float(x) for x in v), strict=True)),
        att=float(np.mean(gaps[~pre])), pre_rmspe=pre_fit, post_rmspe=post_fit, ratio=ratio,
        placebo_p=float(p_value), min_attainable_p=min_p, series=series,
        placebos=tuple(placebo_list), n_pre=n_pre, n_post=n_post, assumptions=ASSUMPTIONS,
        warnings=tuple(dict.fromkeys(warnings)),
    )


@dataclass(frozen=True)
class _Design:
    panel: _Panel
    pre: np.ndarray
    cov: list[np.ndarray]
    v_given: np.ndarray | None

    def fit(self, target: int, pool: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(w, v, gaps) of unit ``target`` against the donors in ``pool``."""
        y = self.panel.y
        w, v = _fit(y[:, target], y[:, pool], self.pre, [c[:, target] for c in self.cov],
                    [c[:, pool] for c in self.cov], self.v_given)
        return w, v, y[:, target] - y[:, pool] @ w


def _has_duplicates(y: np.ndarray, tol: float) -> bool:
    """Whether two columns (donors) differ by at most ``tol`` in every period."""
    return any(float(np.max(np.abs(y[:, i] - y[:, j]))) <= tol
               for i in range(y.shape[1]) for j in range(i + 1, y.shape[1]))


def _placebo_runs(design: _Design, donors: list[int], tol: float) -> list[Placebo]:
    """Each donor treated as if it had changed, the other donors as its pool; the ratio is
    NaN (undefined) when its pre-period RMSPE is at most ``tol`` (an exact fit)."""
    out = []
    pre = design.pre
    for j in donors:
        _, _, g = design.fit(j, [k for k in donors if k != j])
        a, b = rmspe(g[pre]), rmspe(g[~pre])
        out.append(Placebo(design.panel.units[j], tuple(float(x) for x in g), a, b,
                           b / a if a > tol else math.nan))
    return out


def _fit_warnings(pre_outcomes: np.ndarray, pre_fit: float, min_p: float,
                  w: np.ndarray) -> list[str]:
    """Poor pre-period fit (against the spread of every unit's pre-period outcomes, or of
    the treated series' own; ``pre_outcomes`` has the treated unit first), a treated series
    outside the donors' range, too few donors for a placebo p below 0.05, and weight
    concentrated on one donor."""
    out = []
    spread = float(np.std(pre_outcomes, ddof=1)) if pre_outcomes.size > 1 else math.nan
    own = (float(np.std(pre_outcomes[:, 0], ddof=1)) if pre_outcomes.shape[0] > 1
           else math.nan)
    if (math.isfinite(spread) and pre_fit > POOR_FIT_SHARE * spread) or (
            math.isfinite(own) and pre_fit > POOR_FIT_OWN_SHARE * own):
        out.append(WARN_SYNTH_POOR_PRE_FIT)
    treated, donors = pre_outcomes[:, 0], pre_outcomes[:, 1:]
    outside = (treated > donors.max(axis=1)) | (treated < donors.min(axis=1))
    if donors.size and float(outside.mean()) >= OUTSIDE_SHARE:
        out.append(WARN_SYNTH_OUTSIDE_DONORS)
    if min_p > PLACEBO_ALPHA:
        out.append(WARN_SYNTH_FEW_DONORS)
    if float(w.max()) >= CONCENTRATED_WEIGHT:
        out.append(WARN_SYNTH_CONCENTRATED_WEIGHTS)
    return out
