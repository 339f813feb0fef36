"""Aggregations of ATT(g, t) and the joint pre-trend test, as R's ``did`` (``aggte``, ``att_gt``).

Every aggregate is a weighted average of group-time effects, theta = sum_j w_j ATT(g_j, t_j),
with weights proportional to the cohort shares p_g = n_g / N (Callaway & Sant'Anna 2021,
section 3.1):

- simple: all post-treatment cells (t >= g);
- group: theta(g) = the mean of cohort g's post-treatment cells; overall sum_g p_g theta(g) /
  sum_g p_g (the summary Callaway & Sant'Anna recommend);
- calendar: theta(t) over cohorts treated by t; overall their mean;
- event study (dynamic): theta(e) over cells with e = t - g counted in observed periods, pre-treatment e < 0 included;
  overall the mean of theta(e) for e >= 0.

The influence function of an aggregate is the same average of the cells' influence functions
plus, where the weights are estimated cohort shares, the term for estimating them (``did``'s
``wif``): for unit i and kept cells j with P = sum_j p_j,

    wif_i = sum_j ATT_j (1{G_i = g_j} - p_j) / P  -  [sum_j (1{G_i = g_j} - p_j)] sum_j p_j ATT_j / P^2.

Standard errors are sqrt(sum_i IF_i^2) / N (clustered: sqrt(sum_k (sum_{i in k} IF_i)^2) / N);
intervals and p-values use the normal distribution, as ``did``'s analytic errors do.

Pre-trend test (``did``'s Wald pre-test): the pre-treatment cells (t < g) with positive
variance, W = ATT_pre' V^-1 ATT_pre with V their covariance, referred to chi-squared with as
many df as cells; not given when V is singular (reciprocal condition number <= machine eps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from seedbed.stats.did.grouptime import Cells, influence_gram, influence_variance


@dataclass(frozen=True)
class Estimate:
    """An estimate with its standard error, interval and two-sided p-value (normal)."""

    estimate: float
    se: float
    ci: tuple[float, float]
    p: float


@dataclass(frozen=True)
class Labelled:
    """An aggregate for one cohort, period or event time (``label``)."""

    label: float
    estimate: float
    se: float
    ci: tuple[float, float]
    p: float


@dataclass(frozen=True)
class PreTrendTest:
    """The joint Wald test that every pre-treatment ATT(g, t) is zero."""

    statistic: float
    df: int
    p: float


@dataclass(frozen=True, eq=False)
class Combination:
    """An aggregate and its influence function (a, c) by cohort."""

    att: float
    a: np.ndarray
    c: np.ndarray


def _shares(cells: Cells) -> np.ndarray:
    return np.asarray(cells.moments.n, dtype=float) / cells.n_units


def _cohort_index(cells: Cells, groups: np.ndarray) -> np.ndarray:
    cohorts = np.array(cells.moments.cohorts)
    return np.array([int(np.flatnonzero(cohorts == g)[0]) for g in groups], dtype=int)


def _wif(shares: np.ndarray, idx: np.ndarray, att: np.ndarray) -> np.ndarray:
    """The weight-estimation term, per cohort, for kept items of cohorts ``idx`` (formula above)."""
    p = shares[idx]
    total = p.sum()
    ind = np.zeros((len(shares), len(idx)))
    ind[idx, np.arange(len(idx))] = 1.0
    dev = ind - p[None, :]
    return np.asarray(dev @ att / total - dev.sum(axis=1) * float(p @ att) / total**2)


def combine(items: list[Combination], weights: np.ndarray, wif: np.ndarray | None = None
            ) -> Combination:
    """sum_j w_j item_j, plus a cohort-level weight-estimation term."""
    att = float(sum(w * it.att for w, it in zip(weights, items, strict=True)))
    a = sum((w * it.a for w, it in zip(weights, items, strict=True)), np.zeros_like(items[0].a))
    c = sum((w * it.c for w, it in zip(weights, items, strict=True)), np.zeros_like(items[0].c))
    if wif is not None:
        c = c + wif
    return Combination(att=att, a=a, c=c)


def cell_items(cells: Cells, idx: np.ndarray) -> list[Combination]:
    return [Combination(att=float(cells.att[j]), a=cells.a[j], c=cells.c[j]) for j in idx]


def weighted(cells: Cells, idx: np.ndarray) -> Combination:
    """The cohort-share weighted average of cells ``idx`` with the weight-estimation term."""
    shares = _shares(cells)
    hidx = _cohort_index(cells, cells.group[idx])
    p = shares[hidx]
    return combine(cell_items(cells, idx), p / p.sum(), _wif(shares, hidx, cells.att[idx]))


def estimates(cells: Cells, combos: list[Combination], alpha: float) -> list[Estimate]:
    """Standard errors, normal intervals and p-values for several aggregates at once."""
    if not combos:
        return []
    a = np.stack([c.a for c in combos])
    c = np.stack([c.c for c in combos])
    var = influence_variance(cells.moments, a, c) / cells.n_units**2
    out = []
    q = float(sps.norm.ppf(1 - alpha / 2))
    for combo, v in zip(combos, var, strict=True):
        se = math.sqrt(v) if v > 0 and math.isfinite(v) else math.nan
        # a variance this small relative to the estimate's scale is rounding error
        if math.isfinite(se) and se <= 1e-10 * max(1.0, abs(combo.att)):
            se = math.nan
        z = combo.att / se if math.isfinite(se) else math.nan
        p = float(2 * sps.norm.sf(abs(z))) if math.isfinite(z) else math.nan
        out.append(Estimate(combo.att, se, (combo.att - q * se, combo.att + q * se), p))
    return out


def by_group(cells: Cells) -> tuple[list[float], list[Combination], Combination | None]:
    """theta(g) for each cohort with post-treatment cells, and the overall group average."""
    labels, items = [], []
    for g in cells.groups:
        idx = np.flatnonzero((cells.group == g) & (cells.time >= g))
        if idx.size:
            labels.append(g)
            items.append(combine(cell_items(cells, idx), np.full(idx.size, 1.0 / idx.size)))
    if not items:
        return labels, items, None
    shares = _shares(cells)
    hidx = _cohort_index(cells, np.array(labels))
    p = shares[hidx]
    overall = combine(items, p / p.sum(),
                      _wif(shares, hidx, np.array([it.att for it in items])))
    return labels, items, overall


def simple(cells: Cells) -> Combination | None:
    idx = np.flatnonzero(cells.time >= cells.group)
    return weighted(cells, idx) if idx.size else None


def event_times(periods: np.ndarray, time: np.ndarray, group: np.ndarray) -> np.ndarray:
    """e counted in periods of the panel, not in the periods' numbers: the position of t
    among the observed periods less the position of the first observed period on or after
    g (so months coded YYYYMM or years in tenths give e = 0, 1, 2, ...)."""
    p = np.asarray(periods, dtype=float)
    return (np.searchsorted(p, time, side="left")
            - np.searchsorted(p, group, side="left")).astype(float)


def by_event_time(cells: Cells, periods: np.ndarray
                  ) -> tuple[list[float], list[Combination], Combination | None]:
    e = event_times(periods, cells.time, cells.group)
    labels = sorted(set(e.tolist()))
    items = [weighted(cells, np.flatnonzero(e == v)) for v in labels]
    post = [it for v, it in zip(labels, items, strict=True) if v >= 0]
    overall = combine(post, np.full(len(post), 1.0 / len(post))) if post else None
    return labels, items, overall


def by_calendar_time(cells: Cells) -> tuple[list[float], list[Combination], Combination | None]:
    labels, items = [], []
    if cells.group.size:
        for t in sorted(set(cells.time.tolist())):
            idx = np.flatnonzero((cells.time == t) & (cells.group <= t))
            if t >= cells.group.min() and idx.size:
                labels.append(t)
                items.append(weighted(cells, idx))
    overall = combine(items, np.full(len(items), 1.0 / len(items))) if items else None
    return labels, items, overall


def pretrend_test(cells: Cells) -> PreTrendTest | None:
    """The joint Wald pre-trend test (module docstring), or None when it cannot be formed."""
    pre = np.flatnonzero(cells.group > cells.time)
    if pre.size == 0:
        return None
    gram = influence_gram(cells.moments, cells.a[pre], cells.c[pre]) / cells.n_units**2
    var = np.diag(gram)
    keep = np.flatnonzero(np.isfinite(var) & (var > 0))
    if keep.size == 0:
        return None
    v = gram[np.ix_(keep, keep)]
    att = cells.att[pre][keep]
    if not np.all(np.isfinite(v)) or 1.0 / np.linalg.cond(v, p=1) <= np.finfo(float).eps:
        return None
    w = float(att @ np.linalg.solve(v, att))
    return PreTrendTest(statistic=w, df=int(keep.size), p=float(sps.chi2.sf(w, keep.size)))
