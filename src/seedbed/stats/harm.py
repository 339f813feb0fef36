"""Harm statistics for interim safety looks, one per design, each counting people.

Every function returns a ``HarmStatistic`` whose Z follows the engine's convention: Z > 0
favours the intervention, Z < 0 means more harm under the intervention (or in exposed
periods). The Z is compared with a one-sided harm boundary (``seedbed.stats.monitoring``).

1. Individually randomised (``harm_risk_z``): the share of people with at least one event,
   compared by the pooled two-proportion score test (Agresti, *Categorical Data Analysis*,
   3rd ed. 2013, section 3.1.3; statsmodels ``proportions_ztest``):

       Z = (p_c - p_i) / sqrt(pbar (1 - pbar) (1/n_c + 1/n_i)),  pbar = (x_c + x_i)/(n_c + n_i)

2. Cluster randomised (``cluster_harm_z``): a cluster-level analysis (Hayes & Moulton,
   *Cluster Randomised Trials*, 2nd ed. 2017, section 9.2.1): each cluster's risk (people
   with an event / people enrolled in it) is one observation, and the arms' mean risks are
   compared by the unweighted two-sample t-test with c_c + c_i - 2 degrees of freedom:

       t = (mean_c - mean_i) / (s_pooled sqrt(1/c_c + 1/c_i))

   The t is turned into the Z with the same one-sided tail probability,
   Z = Phi^-1(F_t(t; df)), so that it can be compared with a normal-scale boundary.

3. Stepped wedge (``stepped_wedge_harm_z``): events per person-time, exposed against
   unexposed periods. Person-time and events are tabulated by cluster x period; a Poisson
   log-linear model with a fixed effect for each cluster and each period (Hussey & Hughes'
   mean model for a rate: within-cluster comparison, adjusted for secular trend) is fitted
   without the exposure term, and exposure is tested by the score (Rao) test:

       log mu_cp = log T_cp + a_c + g_p (+ b x_cp)
       U = sum x_cp (y_cp - mu_cp),   I = x' W x - x' W D (D' W D)^- D' W x,  W = diag(mu)
       Z = -U / sqrt(I)

   (McCullagh & Nelder, *Generalized Linear Models*, 2nd ed. 1989, sections 4.4 and 6.2;
   the same statistic as statsmodels ``GLM(..., family=Poisson(), offset=log T)
   .fit().score_test(exog_extra=x)``.) The null model is fitted by iterative proportional
   scaling, which converges to the Poisson maximum likelihood for a two-way main-effects
   model. Events within a cluster-period are taken as Poisson: over-dispersion beyond the
   cluster and period effects is not modelled, which makes the test somewhat liberal; for
   harm monitoring that errs on the side of pausing.

Degenerate input (an empty arm, one cluster per arm, no events, no exposed or no unexposed
person-time) gives Z = NaN or 0 with a warning code, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri
from scipy.stats import t as student_t

METHOD_RISK = "people with at least one event, pooled two-proportion score test"
METHOD_CLUSTER = "per-cluster risk of an event, cluster-level two-sample t-test"
METHOD_STEPPED = (
    "events per person-time, exposed against unexposed periods, Poisson score test with "
    "cluster and period fixed effects"
)

WARN_EMPTY_ARM = "no_people_in_an_arm"
"""An arm (or condition) has nobody enrolled yet: no comparison is possible."""
WARN_NO_EVENTS = "no_events_yet"
"""No events in either arm: Z is 0 (no evidence of harm)."""
WARN_ONE_CLUSTER = "fewer_than_two_clusters_in_an_arm"
"""A cluster-level test needs at least two clusters with people in each arm."""
WARN_NO_CONTRAST = "no_exposed_and_unexposed_person_time"
"""No cluster or period has both exposed and unexposed person-time with events."""
WARN_BAD_INPUT = "invalid_counts"
"""Counts or person-time were negative, non-finite or inconsistent; no statistic."""

ERR_LENGTHS = "cluster, period, exposed, events and person_time must have the same length"


@dataclass(frozen=True)
class HarmStatistic:
    """A harm comparison at one look (Z < 0: more harm under the intervention)."""

    z: float
    method: str
    estimate: float  # risk difference, mean-risk difference or rate ratio (see ``measure``)
    measure: str
    df: float | None = None
    warnings: tuple[str, ...] = ()


def _valid_count(*values: float) -> bool:
    return all(math.isfinite(v) and v >= 0 for v in values)


def harm_risk_z(
    *, events_control: int, n_control: int, events_intervention: int, n_intervention: int
) -> HarmStatistic:
    """People with at least one event out of people enrolled, per arm (method 1 above).

    ``estimate`` is the risk difference p_i - p_c (positive: more harm under intervention).
    """
    if not _valid_count(events_control, n_control, events_intervention, n_intervention) or (
        events_control > n_control or events_intervention > n_intervention
    ):
        return HarmStatistic(math.nan, METHOD_RISK, math.nan, "risk difference",
                             warnings=(WARN_BAD_INPUT,))
    if n_control == 0 or n_intervention == 0:
        return HarmStatistic(math.nan, METHOD_RISK, math.nan, "risk difference",
                             warnings=(WARN_EMPTY_ARM,))
    p_c, p_i = events_control / n_control, events_intervention / n_intervention
    pbar = (events_control + events_intervention) / (n_control + n_intervention)
    var = pbar * (1 - pbar) * (1 / n_control + 1 / n_intervention)
    if var <= 0:
        warn = (WARN_NO_EVENTS,) if pbar == 0 else ()
        return HarmStatistic(0.0, METHOD_RISK, p_i - p_c, "risk difference", warnings=warn)
    return HarmStatistic((p_c - p_i) / math.sqrt(var), METHOD_RISK, p_i - p_c, "risk difference")


def cluster_harm_z(
    *, control_risks: Sequence[float], intervention_risks: Sequence[float]
) -> HarmStatistic:
    """Cluster-level comparison of per-cluster risks (method 2 above).

    Each value is one cluster's share of people with an event (clusters with nobody enrolled
    are left out by the caller). ``estimate`` is mean_i - mean_c.
    """
    c = np.asarray(control_risks, dtype=float)
    i = np.asarray(intervention_risks, dtype=float)
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(i))) or np.any(c < 0) or np.any(i < 0):
        return HarmStatistic(math.nan, METHOD_CLUSTER, math.nan, "difference in mean cluster risk",
                             warnings=(WARN_BAD_INPUT,))
    if c.size < 2 or i.size < 2:
        return HarmStatistic(math.nan, METHOD_CLUSTER, math.nan, "difference in mean cluster risk",
                             warnings=(WARN_ONE_CLUSTER,))
    df = float(c.size + i.size - 2)
    diff = float(i.mean() - c.mean())
    pooled = (((c - c.mean()) ** 2).sum() + ((i - i.mean()) ** 2).sum()) / df
    se = math.sqrt(pooled * (1 / c.size + 1 / i.size))
    if se <= 0:
        if diff == 0:
            warn = (WARN_NO_EVENTS,) if not (c.any() or i.any()) else ()
            return HarmStatistic(0.0, METHOD_CLUSTER, 0.0, "difference in mean cluster risk",
                                 df=df, warnings=warn)
        return HarmStatistic(-math.copysign(math.inf, diff), METHOD_CLUSTER, diff,
                             "difference in mean cluster risk", df=df)
    t_stat = -diff / se
    z = float(ndtri(student_t.cdf(t_stat, df)))
    return HarmStatistic(z, METHOD_CLUSTER, diff, "difference in mean cluster risk", df=df)


def _null_fit(y: np.ndarray, t: np.ndarray, ci: np.ndarray, pi: np.ndarray,
              n_c: int, n_p: int) -> np.ndarray:
    """Poisson ML fitted means under log mu = log T + a_cluster + g_period (no exposure)."""
    a = np.ones(n_c)
    g = np.ones(n_p)
    yc = np.bincount(ci, weights=y, minlength=n_c)
    yp = np.bincount(pi, weights=y, minlength=n_p)
    mu = t * a[ci] * g[pi]
    for _ in range(1000):
        denom_c = np.bincount(ci, weights=t * g[pi], minlength=n_c)
        a = np.divide(yc, denom_c, out=np.zeros(n_c), where=denom_c > 0)
        denom_p = np.bincount(pi, weights=t * a[ci], minlength=n_p)
        g = np.divide(yp, denom_p, out=np.zeros(n_p), where=denom_p > 0)
        new = t * a[ci] * g[pi]
        if np.max(np.abs(new - mu)) < 1e-11 * max(1.0, float(y.sum())):
            mu = new
            break
        mu = new
    return mu


def stepped_wedge_harm_z(
    *, cluster: Sequence[str], period: Sequence[int], exposed: Sequence[int],
    events: Sequence[float], person_time: Sequence[float],
) -> HarmStatistic:
    """Exposed against unexposed event rates in a stepped-wedge trial (method 3 above).

    One row per cluster-period cell (cells may repeat; they are summed): events counted in
    the cell, person-time at risk (any unit, e.g. person-days) and whether the cluster was
    exposed in that period. Within a cluster-period exposure is constant, as in the design.
    ``estimate`` is the crude exposed/unexposed rate ratio (for display; the test adjusts).
    """
    n = len(cluster)
    if not (len(period) == len(exposed) == len(events) == len(person_time) == n):
        raise ValueError(ERR_LENGTHS)
    y = np.asarray(events, dtype=float)
    t = np.asarray(person_time, dtype=float)
    x = np.asarray(exposed, dtype=float)
    if n == 0 or not (np.all(np.isfinite(y)) and np.all(np.isfinite(t))) or np.any(y < 0) \
            or np.any(t < 0) or np.any((t == 0) & (y > 0)):
        return HarmStatistic(math.nan, METHOD_STEPPED, math.nan, "rate ratio",
                             warnings=(WARN_BAD_INPUT,))
    t_exp, t_unexp = float(t[x == 1].sum()), float(t[x == 0].sum())
    if t_exp == 0 or t_unexp == 0:
        return HarmStatistic(math.nan, METHOD_STEPPED, math.nan, "rate ratio",
                             warnings=(WARN_EMPTY_ARM,))
    y_exp, y_unexp = float(y[x == 1].sum()), float(y[x == 0].sum())
    crude = (y_exp / t_exp) / (y_unexp / t_unexp) if y_unexp > 0 else math.nan
    if y.sum() == 0:
        return HarmStatistic(0.0, METHOD_STEPPED, math.nan, "rate ratio",
                             warnings=(WARN_NO_EVENTS,))
    c_labels, ci = np.unique(np.asarray([str(v) for v in cluster]), return_inverse=True)
    p_labels, pi = np.unique(np.asarray(period, dtype=np.int64), return_inverse=True)
    mu = _null_fit(y, t, ci, pi, len(c_labels), len(p_labels))
    score = float((x * (y - mu)).sum())
    keep = mu > 0
    w = np.sqrt(mu[keep])
    design = np.zeros((int(keep.sum()), len(c_labels) + len(p_labels)))
    rows = np.arange(int(keep.sum()))
    design[rows, ci[keep]] = 1.0
    design[rows, len(c_labels) + pi[keep]] = 1.0
    coef, *_ = np.linalg.lstsq(design * w[:, None], x[keep] * w, rcond=None)
    resid = x[keep] - design @ coef
    info = float((mu[keep] * resid**2).sum())
    if info <= 1e-12 * max(1.0, float(mu.sum())):
        return HarmStatistic(math.nan, METHOD_STEPPED, crude, "rate ratio",
                             warnings=(WARN_NO_CONTRAST,))
    return HarmStatistic(-score / math.sqrt(info), METHOD_STEPPED, crude, "rate ratio")
