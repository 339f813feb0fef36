"""Group-time average treatment effects ATT(g, t) of Callaway & Sant'Anna (2021), unconditional.

Callaway B, Sant'Anna PHC. Difference-in-differences with multiple time periods. J
Econometrics 2021;225:200-230. Without covariates the outcome-regression, inverse-probability
and doubly-robust estimators coincide: for cohort g (units first treated in period g),
period t and base period b,

    ATT(g, t) = mean_{i in g}(y_it - y_ib) - mean_{i in C}(y_it - y_ib)

with C the never-treated units ("never") or the units not yet treated by period
max(t, b) ("not yet", excluding cohort g). The base period follows R's ``did`` default
("varying"): b = g - 1 (the last period before g) for t >= g, and b = t - 1 (the period just
before t) for the pre-treatment cells t < g, which then measure period-to-period changes;
"universal" uses b = g - 1 throughout (ATT(g, g - 1) = 0).

The influence function of ATT(g, t) for unit i, scaled as in ``did`` (variance = mean(IF^2) /
N, N all units), is

    IF_i = N [ 1{i in g} (dy_i - mu_g) / n_g  -  1{i in C} (dy_i - mu_C) / n_C ],

affine in the unit's outcome path with coefficients that depend on its cohort only, so it is
kept as (a_h, c_h) per cohort h: IF_i = a_h . y_i + c_h. Sums of products of influence
functions over units (or clusters) then come from the cohort moments (``moments``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seedbed.stats.did.moments import NEVER_TREATED, CohortMoments, merge_cohorts, select

CONTROL_NEVER = "never"
CONTROL_NOT_YET = "not-yet"
CONTROLS = (CONTROL_NEVER, CONTROL_NOT_YET)
BASE_VARYING = "varying"
BASE_UNIVERSAL = "universal"
BASE_PERIODS = (BASE_VARYING, BASE_UNIVERSAL)

WARN_TREATED_AFTER_LAST_PERIOD = "treated_after_last_period"
"""Units first treated after the last period were counted as never treated."""
WARN_TREATED_IN_FIRST_PERIOD = "treated_in_first_period_dropped"
"""Units already treated in the first period have no before-period and were left out."""
WARN_NO_NEVER_TREATED = "no_never_treated_units"
"""No unit is never treated: the last cohort serves as comparison; later periods are dropped."""
WARN_CELLS_WITHOUT_COMPARISON = "cells_without_comparison_units"
"""Some group-period effects had no comparison units and were left out."""

ERR_CONTROL = "control must be 'never' or 'not-yet'"
ERR_BASE_PERIOD = "base_period must be 'varying' or 'universal'"


@dataclass(frozen=True, eq=False)
class Cells:
    """ATT(g, t) for every estimable group-time cell, with influence-function coefficients.

    Arrays over cells j: ``group``, ``time``, ``base`` (the base period), ``att``; ``a[j]``
    (cohorts x periods) and ``c[j]`` (cohorts) give IF_i = a[j, h] . y_i + c[j, h] for a
    unit of cohort h. ``moments`` are the cohort moments the cells were estimated from
    (after the cohort rules in ``prepare``); ``n_units`` is N.
    """

    group: np.ndarray
    time: np.ndarray
    base: np.ndarray
    att: np.ndarray
    a: np.ndarray
    c: np.ndarray
    moments: CohortMoments
    n_units: float
    groups: tuple[float, ...]


def prepare(m: CohortMoments, *, control: str) -> tuple[CohortMoments, tuple[float, ...], list[str]]:
    """Apply ``did``'s cohort rules; returns the moments, the cohorts to estimate, warnings.

    Cohorts first treated after the last period become never treated; with no never-treated
    cohort the last cohort is the comparison group and periods from its start are dropped
    (with "never" it is counted as never treated; with "not yet" it stays a not-yet-treated
    comparison and gets no effect of its own); cohorts treated in the first period are dropped.
    """
    warnings: list[str] = []
    if not m.times:
        return m, (), warnings
    late = [c for c in m.cohorts if c > m.times[-1]]
    if late:
        warnings.append(WARN_TREATED_AFTER_LAST_PERIOD)
        m = merge_cohorts(m, into=NEVER_TREATED, sources=late)
    latest = None
    if NEVER_TREATED not in m.cohorts and m.cohorts:
        warnings.append(WARN_NO_NEVER_TREATED)
        latest = max(m.cohorts)
        m = select(m, times=[t for t in m.times if t < latest])
        if control == CONTROL_NEVER:
            m = merge_cohorts(m, into=NEVER_TREATED, sources=[latest])
            latest = None
    if m.times:
        first = [c for c in m.cohorts if c != NEVER_TREATED and c <= m.times[0]]
        if first:
            warnings.append(WARN_TREATED_IN_FIRST_PERIOD)
            m = select(m, cohorts=[c for c in m.cohorts if c not in first])
    groups = tuple(c for c in m.cohorts if c != NEVER_TREATED and c != latest)
    return m, groups, warnings


def group_time_cells(m: CohortMoments, *, groups: tuple[float, ...], control: str,
                     base_period: str) -> tuple[Cells, list[str]]:
    """ATT(g, t) and influence coefficients for every cohort in ``groups`` and period."""
    if control not in CONTROLS:
        raise ValueError(ERR_CONTROL)
    if base_period not in BASE_PERIODS:
        raise ValueError(ERR_BASE_PERIOD)
    times = np.array(m.times)
    cohorts = np.array(m.cohorts)
    n_total = float(m.n.sum())
    rows: list[tuple[float, float, float, float, np.ndarray, np.ndarray]] = []
    warnings: list[str] = []
    first_t = 1 if base_period == BASE_VARYING else 0
    for g in groups:
        hg = int(np.flatnonzero(cohorts == g)[0])
        before = np.flatnonzero(times < g)
        if before.size == 0:
            continue
        pre = int(before[-1])
        for j in range(first_t, len(times)):
            tn = times[j]
            base = pre if (base_period == BASE_UNIVERSAL or g <= tn) else j - 1
            if base == j:  # universal base period: ATT(g, g-1) = 0 by construction
                rows.append((g, tn, times[base], 0.0, np.zeros((len(cohorts), len(times))),
                             np.zeros(len(cohorts))))
                continue
            threshold = times[max(j, base)]
            if control == CONTROL_NEVER:
                ctrl = cohorts == NEVER_TREATED
            else:
                ctrl = (cohorts == NEVER_TREATED) | ((cohorts > threshold) & (cohorts != g))
            cell = _cell(m, hg, ctrl, j, base, n_total)
            if cell is None:
                warnings.append(WARN_CELLS_WITHOUT_COMPARISON)
                continue
            att, a, c = cell
            rows.append((g, tn, times[base], att, a, c))
    h, t = len(cohorts), len(times)
    return Cells(
        group=np.array([r[0] for r in rows], dtype=float),
        time=np.array([r[1] for r in rows], dtype=float),
        base=np.array([r[2] for r in rows], dtype=float),
        att=np.array([r[3] for r in rows], dtype=float),
        a=np.array([r[4] for r in rows]).reshape(len(rows), h, t),
        c=np.array([r[5] for r in rows]).reshape(len(rows), h),
        moments=m, n_units=n_total, groups=groups,
    ), list(dict.fromkeys(warnings))


def _cell(m: CohortMoments, hg: int, ctrl: np.ndarray, j: int, base: int,
          n_total: float) -> tuple[float, np.ndarray, np.ndarray] | None:
    n_g = float(m.n[hg])
    n_c = float(m.n[ctrl].sum())
    if n_g <= 0 or n_c <= 0:
        return None
    ds = m.sums[:, j] - m.sums[:, base]
    mu_g = ds[hg] / n_g
    mu_c = float(ds[ctrl].sum()) / n_c
    a = np.zeros((len(m.cohorts), len(m.times)))
    c = np.zeros(len(m.cohorts))
    a[hg, j] += n_total / n_g
    a[hg, base] -= n_total / n_g
    c[hg] = -n_total * mu_g / n_g
    a[ctrl, j] -= n_total / n_c
    a[ctrl, base] += n_total / n_c
    c[ctrl] = n_total * mu_c / n_c
    return float(mu_g - mu_c), a, c


def influence_gram(m: CohortMoments, a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """sum over units of IF_j IF_k for the influence functions j, k given as (a, c).

    Clustered (when ``m`` has cluster sums): sum over clusters of the products of the
    cluster totals of the influence functions, as ``did`` does for analytic clustered errors.
    """
    if m.cluster_n is not None and m.cluster_sums is not None:
        totals = c @ m.cluster_n.T + np.einsum("jht,kht->jk", a, m.cluster_sums)
        return np.asarray(totals @ totals.T)
    cs = np.einsum("jht,ht->jh", a, m.sums)
    gram = (c * m.n) @ c.T + c @ cs.T + cs @ c.T
    am = np.einsum("jht,hts->jhs", a, m.cross)
    return np.asarray(gram + np.einsum("jhs,khs->jk", am, a))


def influence_variance(m: CohortMoments, a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The diagonal of ``influence_gram`` (sum of IF_j^2) without forming the whole matrix."""
    if m.cluster_n is not None and m.cluster_sums is not None:
        totals = c @ m.cluster_n.T + np.einsum("jht,kht->jk", a, m.cluster_sums)
        return np.asarray((totals**2).sum(axis=1))
    cs = np.einsum("jht,ht->jh", a, m.sums)
    am = np.einsum("jht,hts->jhs", a, m.cross)
    return np.asarray((c * c * m.n).sum(axis=1) + 2 * (c * cs).sum(axis=1)
                      + np.einsum("jhs,jhs->j", am, a))
