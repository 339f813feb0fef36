"""Per-cohort sufficient statistics of a panel: all the staggered DiD estimator needs.

The Callaway & Sant'Anna estimator without covariates, its influence functions and every
aggregation are linear in each unit's outcome path y_i = (y_i1, ..., y_iT) with coefficients
that depend only on the unit's cohort (the period it was first treated). So the estimates and
their unit-clustered variances need, per cohort h, only

    n_h      the number of units,
    S_h      sum_i y_i            (a T-vector),
    M_h      sum_i y_i y_i'       (a T x T matrix),

and, for errors clustered above the unit, per cluster k and cohort h the count n_kh and the sum
s_kh of y_i. A database can return these (G x T x T numbers) instead of the rows; here they are
built from row-level arrays (one row per unit and period).

Outcomes are centred by each period's mean before the moments are formed: the estimator is
unchanged by adding a constant to every unit's outcome in a period, and centring keeps the
expansions of squares away from cancellation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NEVER_TREATED = 0.0
"""The cohort label of units never treated during the panel (first-treated 0 or empty)."""

WARN_UNBALANCED_PANEL = "unbalanced_panel_units_dropped"
"""Some units lack an outcome in some period; they were left out (a balanced panel is used)."""
WARN_MISSING_OUTCOME_ROWS = "missing_outcome_rows_dropped"
"""Rows without an outcome were left out (their units then drop out of the balanced panel)."""

ERR_LENGTHS = "unit, time, outcome and first_treated must have the same length"
ERR_FIRST_TREATED_VARIES = (
    'unit "{unit}" has more than one first-treated period ({first} and {other}); it must be '
    "the same in every row of a unit"
)
ERR_CLUSTER_VARIES = 'unit "{unit}" is in more than one cluster ({first} and {other})'
ERR_DUPLICATE_UNIT_TIME = 'unit "{unit}" has more than one row for period {time}'
ERR_TIME_NOT_FINITE = "every period must be a finite number"


@dataclass(frozen=True, eq=False)
class CohortMoments:
    """Sufficient statistics of a balanced panel, by cohort (first-treated period).

    ``cohorts`` holds the first-treated period of each cohort, 0.0 for never treated, in
    increasing order; ``times`` the periods in increasing order. ``sums[h, t]`` and
    ``cross[h, t, s]`` are sums over the units of cohort h of y_it and y_it y_is. When errors
    are clustered above the unit, ``cluster_n[k, h]`` and ``cluster_sums[k, h, t]`` hold the
    count and outcome sums of cluster k's units in cohort h.
    """

    times: tuple[float, ...]
    cohorts: tuple[float, ...]
    n: np.ndarray
    sums: np.ndarray
    cross: np.ndarray
    cluster_n: np.ndarray | None = None
    cluster_sums: np.ndarray | None = None
    units_dropped: int = 0
    rows_dropped: int = 0

    @property
    def warnings(self) -> tuple[str, ...]:
        out = []
        if self.rows_dropped:
            out.append(WARN_MISSING_OUTCOME_ROWS)
        if self.units_dropped:
            out.append(WARN_UNBALANCED_PANEL)
        return tuple(out)


def _first_treated_values(values: Sequence[object]) -> np.ndarray:
    out = np.empty(len(values), dtype=float)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, str) and not v.strip()):
            out[i] = NEVER_TREATED
            continue
        f = float(v)  # type: ignore[arg-type]
        out[i] = NEVER_TREATED if math.isnan(f) else f
    return out


def _per_unit(codes: np.ndarray, values: np.ndarray, units: np.ndarray, message: str) -> np.ndarray:
    """The one value each unit carries in every row (ValueError naming a unit if not)."""
    _, first = np.unique(codes, return_index=True)
    value = values[first]
    differ = np.flatnonzero(values != value[codes])
    if differ.size:
        row = int(differ[0])
        raise ValueError(message.format(unit=units[codes[row]], first=value[codes[row]],
                                        other=values[row]))
    return value


def cohort_moments(
    *,
    unit: Sequence[object] | np.ndarray,
    time: Sequence[float] | np.ndarray,
    outcome: Sequence[float] | np.ndarray,
    first_treated: Sequence[object] | np.ndarray,
    cluster: Sequence[object] | np.ndarray | None = None,
) -> CohortMoments:
    """Cohort moments from row-level data (one row per unit and period).

    ``first_treated`` is the first period a unit is treated; 0, None, NaN or "" mean never
    treated. It (and ``cluster``) must be constant within a unit; a unit must not have two
    rows for one period (ValueError naming the unit). Rows with a missing (NaN) outcome are
    dropped, and so is every unit then missing a period (a balanced panel, as R's ``did``
    builds with ``panel = TRUE``); both are reported through warnings on the result.
    """
    y = np.asarray(outcome, dtype=float)
    t = np.asarray(time, dtype=float)
    u = np.asarray(unit, dtype=object)
    g = _first_treated_values(list(first_treated))
    if not (len(y) == len(t) == len(u) == len(g)) or (
        cluster is not None and len(cluster) != len(y)
    ):
        raise ValueError(ERR_LENGTHS)
    if not np.all(np.isfinite(t)):
        raise ValueError(ERR_TIME_NOT_FINITE)
    units, ucode = np.unique(u.astype(str), return_inverse=True)
    n_units = len(units)
    g_unit = _per_unit(ucode, g, units, ERR_FIRST_TREATED_VARIES)
    c_unit = None
    if cluster is not None:
        labels = _per_unit(ucode, np.asarray(cluster, dtype=object).astype(str), units,
                           ERR_CLUSTER_VARIES)
        c_unit = np.unique(labels, return_inverse=True)[1]
    keep = np.isfinite(y)
    rows_dropped = int((~keep).sum())
    times, tcode = np.unique(t, return_inverse=True)
    key = ucode.astype(np.int64) * len(times) + tcode
    counts = np.bincount(key, minlength=n_units * len(times))
    dup = np.flatnonzero(counts > 1)
    if dup.size:
        k = int(dup[0])
        raise ValueError(ERR_DUPLICATE_UNIT_TIME.format(unit=units[k // len(times)],
                                                        time=_num(times[k % len(times)])))
    wide = np.full((n_units, len(times)), np.nan)
    wide[ucode[keep], tcode[keep]] = y[keep]
    complete = np.all(np.isfinite(wide), axis=1)
    units_dropped = int((~complete).sum())
    wide = wide[complete]
    g_unit = g_unit[complete]
    return moments_from_wide(wide=wide, first_treated=g_unit, times=times,
                             cluster=None if c_unit is None else c_unit[complete],
                             units_dropped=units_dropped, rows_dropped=rows_dropped)


def moments_from_wide(*, wide: np.ndarray, first_treated: np.ndarray,
                      times: Sequence[float] | np.ndarray, cluster: np.ndarray | None = None,
                      units_dropped: int = 0, rows_dropped: int = 0) -> CohortMoments:
    """Cohort moments from a balanced units x periods matrix of outcomes (no missing values),
    each unit's first-treated period (0 for never) and, optionally, its cluster as an
    integer code. Outcomes are centred by period first (module docstring)."""
    if wide.size:
        wide = wide - wide.mean(axis=0)
    cohorts, hcode = np.unique(first_treated, return_inverse=True)
    h = len(cohorts)
    n = np.bincount(hcode, minlength=h).astype(float)
    sums = np.zeros((h, len(times)))
    cross = np.zeros((h, len(times), len(times)))
    for j in range(h):
        block = wide[hcode == j]
        sums[j] = block.sum(axis=0)
        cross[j] = block.T @ block
    cluster_n = cluster_sums = None
    if cluster is not None:
        kcode = np.asarray(cluster, dtype=np.int64)
        k = int(kcode.max()) + 1 if kcode.size else 0
        cluster_n = np.zeros((k, h))
        np.add.at(cluster_n, (kcode, hcode), 1.0)
        cluster_sums = np.zeros((k, h, len(times)))
        np.add.at(cluster_sums, (kcode, hcode), wide)
        used = cluster_n.sum(axis=1) > 0
        cluster_n, cluster_sums = cluster_n[used], cluster_sums[used]
    return CohortMoments(
        times=tuple(float(v) for v in times), cohorts=tuple(float(v) for v in cohorts), n=n,
        sums=sums, cross=cross, cluster_n=cluster_n, cluster_sums=cluster_sums,
        units_dropped=units_dropped, rows_dropped=rows_dropped,
    )


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def merge_cohorts(m: CohortMoments, *, into: float, sources: Sequence[float]) -> CohortMoments:
    """``m`` with the cohorts ``sources`` counted as cohort ``into`` (moments add up)."""
    label = [into if c in sources else c for c in m.cohorts]
    new = sorted(set(label))
    index = np.array([new.index(c) for c in label])

    def fold(a: np.ndarray | None, axis: int) -> np.ndarray | None:
        if a is None:
            return None
        shape = list(a.shape)
        shape[axis] = len(new)
        out = np.zeros(shape)
        np.add.at(np.moveaxis(out, axis, 0), index, np.moveaxis(a, axis, 0))
        return out

    return CohortMoments(
        times=m.times, cohorts=tuple(new), n=fold(m.n, 0), sums=fold(m.sums, 0),  # type: ignore[arg-type]
        cross=fold(m.cross, 0), cluster_n=fold(m.cluster_n, 1),  # type: ignore[arg-type]
        cluster_sums=fold(m.cluster_sums, 1), units_dropped=m.units_dropped,
        rows_dropped=m.rows_dropped,
    )


def select(m: CohortMoments, *, cohorts: Sequence[float] | None = None,
           times: Sequence[float] | None = None) -> CohortMoments:
    """``m`` restricted to some cohorts and/or periods."""
    hk = [i for i, c in enumerate(m.cohorts) if cohorts is None or c in cohorts]
    tk = [i for i, t in enumerate(m.times) if times is None or t in times]
    h, t = np.array(hk, dtype=int), np.array(tk, dtype=int)
    return CohortMoments(
        times=tuple(m.times[i] for i in tk), cohorts=tuple(m.cohorts[i] for i in hk),
        n=m.n[h], sums=m.sums[np.ix_(h, t)], cross=m.cross[np.ix_(h, t, t)],
        cluster_n=None if m.cluster_n is None else m.cluster_n[:, h],
        cluster_sums=None if m.cluster_sums is None else m.cluster_sums[:, h][:, :, t],
        units_dropped=m.units_dropped, rows_dropped=m.rows_dropped,
    )
