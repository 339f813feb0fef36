"""Staggered adoption difference-in-differences: Callaway & Sant'Anna (2021) in one call.

``did_staggered`` takes one row per unit and period (or, through ``did_staggered_moments``,
the cohort moments a database returned) and gives the group-time effects ATT(g, t), the
group, simple, calendar and event-study aggregations, the joint pre-trend test, event-study
plot data, the assumptions the estimate rests on, and warnings. Methods and formulae are in
``seedbed.stats.did.grouptime`` and ``seedbed.stats.did.aggregate``; results agree with R's
``did`` package (``att_gt`` with ``est_method = "reg"`` and no covariates, analytic errors,
``bstrap = FALSE``, then ``aggte``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from seedbed.stats.did import aggregate as agg
from seedbed.stats.did.aggregate import Estimate, Labelled, PreTrendTest
from seedbed.stats.did.grouptime import (
    BASE_PERIODS,
    BASE_VARYING,
    CONTROL_NEVER,
    CONTROL_NOT_YET,
    CONTROLS,
    ERR_BASE_PERIOD,
    ERR_CONTROL,
    Cells,
    group_time_cells,
    prepare,
)
from seedbed.stats.did.moments import NEVER_TREATED, CohortMoments, cohort_moments

WARN_DID_FEW_CLUSTERS = "did_fewer_than_20_clusters"
"""Fewer than 20 clusters (units when not clustered) among the treated or the comparison units."""
WARN_PRETREND_FAILED = "pretrend_test_failed"
"""The joint pre-trend test rejects parallel trends before treatment (p below alpha)."""
WARN_NO_PRETREND_TEST = "no_pretrend_test"
"""No pre-treatment group-time effect could be tested (too few periods before treatment)."""
WARN_NO_TREATED_GROUPS = "no_treated_groups"
"""No cohort has both a period before treatment and comparison units: nothing to estimate."""
WARN_DID_UNEVEN_PERIODS = "did_uneven_periods"
"""The gaps between consecutive periods differ (a period missing, months coded YYYYMM)."""

MIN_CLUSTERS = 20

ASSUMPTIONS_STAGGERED: tuple[str, ...] = (
    "Parallel trends: had they not been treated, the treated units' average outcome would "
    "have changed in step with the comparison units' (those never treated, or not yet "
    "treated).",
    "No anticipation: units did not change their outcome before they were treated.",
    "Once a unit is treated it stays treated, and the period each unit was first treated is "
    "recorded correctly.",
    "No spillovers: treating one unit did not change the outcomes of the comparison units.",
    "Units (or clusters, when given) are independent of each other and numerous enough for "
    "the normal approximation behind the intervals.",
)

METHOD = (
    "Callaway & Sant'Anna (2021) group-time ATT, unconditional; analytic influence-function "
    "standard errors clustered by {level}"
)


@dataclass(frozen=True)
class GroupTime:
    """One group-time effect: cohort ``group`` (first treated), period ``time``, base period."""

    group: float
    time: float
    base: float
    event_time: float
    post: bool
    att: float
    se: float
    ci: tuple[float, float]
    p: float


@dataclass(frozen=True)
class StaggeredResult:
    """Staggered difference-in-differences: effects, aggregations, pre-trend test, warnings.

    ``att`` (with ``se``, ``ci``, ``p``) is the group aggregation's overall effect.
    ``event_study`` holds theta(e) for every event time e = t - g counted in observed
    periods, not in the periods' numbers (so months coded YYYYMM work; e < 0: pre-treatment
    placebo effects, the points of the event-study plot).
    """

    att: float
    se: float
    ci: tuple[float, float]
    p: float
    simple: Estimate | None
    dynamic: Estimate | None
    calendar: Estimate | None
    by_group: tuple[Labelled, ...]
    event_study: tuple[Labelled, ...]
    by_time: tuple[Labelled, ...]
    group_time: tuple[GroupTime, ...]
    pretrend: PreTrendTest | None
    n_units: int
    n_clusters: int | None
    periods: tuple[float, ...]
    groups: tuple[float, ...]
    control: str
    base_period: str
    alpha: float
    method: str
    assumptions: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def pretrend_p(self) -> float:
        return self.pretrend.p if self.pretrend is not None else math.nan


def did_staggered(
    *,
    unit: Sequence[object] | np.ndarray,
    time: Sequence[float] | np.ndarray,
    outcome: Sequence[float] | np.ndarray,
    first_treated: Sequence[object] | np.ndarray,
    cluster: Sequence[object] | np.ndarray | None = None,
    control: str = CONTROL_NEVER,
    base_period: str = BASE_VARYING,
    alpha: float = 0.05,
) -> StaggeredResult:
    """Callaway & Sant'Anna DiD from one row per unit and period.

    ``first_treated`` is the period a unit is first treated (0, NaN, None or "" for never
    treated); ``control`` is "never" or "not-yet"; ``base_period`` "varying" (``did``'s
    default) or "universal". Errors are clustered by unit, or by ``cluster`` when given
    (each unit in one cluster). A balanced panel is used (see ``cohort_moments``).
    """
    if control not in CONTROLS:
        raise ValueError(ERR_CONTROL)
    moments = cohort_moments(unit=unit, time=time, outcome=outcome,
                             first_treated=first_treated, cluster=cluster)
    return did_staggered_moments(moments=moments, control=control, base_period=base_period,
                                 alpha=alpha)


def did_staggered_moments(
    *, moments: CohortMoments, control: str = CONTROL_NEVER, base_period: str = BASE_VARYING,
    alpha: float = 0.05,
) -> StaggeredResult:
    """Callaway & Sant'Anna DiD from cohort moments (see ``did_staggered``)."""
    if control not in CONTROLS:
        raise ValueError(ERR_CONTROL)
    if base_period not in BASE_PERIODS:
        raise ValueError(ERR_BASE_PERIOD)
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must lie strictly between 0 and 1")
    warnings = list(moments.warnings)
    if uneven_periods(moments.times):
        warnings.append(WARN_DID_UNEVEN_PERIODS)
    m, groups, more = prepare(moments, control=control)
    warnings += more
    cells, more = group_time_cells(m, groups=groups, control=control, base_period=base_period)
    warnings += more
    warnings += _cluster_warnings(m, groups)
    clusters = None if m.cluster_n is None else int(m.cluster_n.shape[0])
    level = "unit" if clusters is None else "cluster"
    base: dict[str, Any] = {"n_units": int(m.n.sum()), "n_clusters": clusters, "periods": m.times,
            "control": control, "base_period": base_period, "alpha": alpha,
            "method": METHOD.format(level=level), "assumptions": ASSUMPTIONS_STAGGERED}
    if not np.any(cells.time >= cells.group):
        warnings.append(WARN_NO_TREATED_GROUPS)
        nan = math.nan
        return StaggeredResult(att=nan, se=nan, ci=(nan, nan), p=nan, simple=None,
                               dynamic=None, calendar=None, by_group=(), event_study=(),
                               by_time=(), group_time=(), pretrend=None, groups=(),
                               warnings=tuple(dict.fromkeys(warnings)), **base)
    return _assemble(cells, alpha, warnings, base)


def _assemble(cells: Cells, alpha: float, warnings: list[str], base: dict[str, Any]
              ) -> StaggeredResult:
    g_labels, g_items, g_all = agg.by_group(cells)
    periods = np.asarray(base["periods"], dtype=float)
    e_labels, e_items, e_all = agg.by_event_time(cells, periods)
    e_cells = agg.event_times(periods, cells.time, cells.group)
    t_labels, t_items, t_all = agg.by_calendar_time(cells)
    simple = agg.simple(cells)
    pairs = [(k, x) for k, x in (("group", g_all), ("simple", simple), ("dynamic", e_all),
                                  ("calendar", t_all)) if x is not None]
    overall = [x for _, x in pairs]
    est = agg.estimates(cells, overall + g_items + e_items + t_items, alpha)
    heads, rest = est[: len(overall)], est[len(overall):]
    named = {k: e for (k, _), e in zip(pairs, heads, strict=True)}
    groups_est, rest = rest[: len(g_items)], rest[len(g_items):]
    events_est, times_est = rest[: len(e_items)], rest[len(e_items):]
    cell_est = agg.estimates(cells, agg.cell_items(cells, np.arange(cells.att.size)), alpha)
    pretrend = agg.pretrend_test(cells)
    if pretrend is None:
        warnings.append(WARN_NO_PRETREND_TEST)
    elif pretrend.p < alpha:
        warnings.append(WARN_PRETREND_FAILED)
    head = named["group"]
    return StaggeredResult(
        att=head.estimate, se=head.se, ci=head.ci, p=head.p,
        simple=named.get("simple"), dynamic=named.get("dynamic"),
        calendar=named.get("calendar"),
        by_group=_labelled(g_labels, groups_est), event_study=_labelled(e_labels, events_est),
        by_time=_labelled(t_labels, times_est),
        group_time=tuple(
            GroupTime(group=float(g), time=float(t), base=float(b), event_time=float(k),
                      post=bool(t >= g), att=e.estimate, se=e.se, ci=e.ci, p=e.p)
            for g, t, b, k, e in zip(cells.group, cells.time, cells.base, e_cells, cell_est,
                                     strict=True)
        ),
        pretrend=pretrend, groups=cells.groups, warnings=tuple(dict.fromkeys(warnings)),
        **base,
    )


def uneven_periods(times: Sequence[float]) -> bool:
    """Whether the gaps between consecutive periods differ (relative tolerance 1e-9).

    Event time already counts periods in order (e = 0, 1, 2 ...), so the estimates are
    right; the warning says that one period is not always the same length of time.
    """
    gaps = np.diff(np.sort(np.asarray(times, dtype=float)))
    if gaps.size < 2:
        return False
    return bool(np.ptp(gaps) > 1e-9 * max(1.0, float(np.max(np.abs(gaps)))))


def _labelled(labels: list[float], est: list[Estimate]) -> tuple[Labelled, ...]:
    return tuple(Labelled(float(v), e.estimate, e.se, e.ci, e.p)
                 for v, e in zip(labels, est, strict=True))


def _cluster_warnings(m: CohortMoments, groups: tuple[float, ...]) -> list[str]:
    treated = np.array([c in groups for c in m.cohorts], dtype=bool)
    comparison = ~treated
    if m.cluster_n is not None:
        n_treated = int((m.cluster_n[:, treated].sum(axis=1) > 0).sum())
        n_comparison = int((m.cluster_n[:, comparison].sum(axis=1) > 0).sum())
    else:
        n_treated = int(m.n[treated].sum())
        n_comparison = int(m.n[comparison].sum())
    if treated.any() and min(n_treated, n_comparison) < MIN_CLUSTERS:
        return [WARN_DID_FEW_CLUSTERS]
    return []


__all__ = [
    "ASSUMPTIONS_STAGGERED",
    "CONTROL_NEVER",
    "CONTROL_NOT_YET",
    "NEVER_TREATED",
    "WARN_DID_FEW_CLUSTERS",
    "WARN_NO_PRETREND_TEST",
    "WARN_NO_TREATED_GROUPS",
    "WARN_DID_UNEVEN_PERIODS",
    "WARN_PRETREND_FAILED",
    "GroupTime",
    "StaggeredResult",
    "did_staggered",
    "did_staggered_moments",
]
