"""Power and number of clusters for cluster-parallel trials, and the planning scale of an
outcome shared with the stepped-wedge plans (``seedbed.stats.sw_power``).

Cluster-parallel (two arms, G clusters of m per arm, analysed at the cluster level): the
cluster means have variance sigma^2 DE / m with DE the design effect 1 + ((cv^2 + 1) m - 1) rho
(Kerry & Bland 1998; Eldridge, Ashby & Kerry 2006 for unequal sizes), and the power is that
of the two-sample t-test on the cluster means: noncentral t with 2G - 2 degrees of freedom
and noncentrality theta / sqrt((v_c + v_t) DE / (m G)), where v_a is the person-level
variance in arm a (sigma^2 for a continuous outcome; p_a (1 - p_a) for a binary one).

Binary outcomes are planned on the risk-difference scale by the normal approximation: theta
= p_t - p_c; in a stepped wedge every cluster-period mean has variance sigma^2 / m with
sigma^2 = pbar (1 - pbar), pbar = (p_c + p_t) / 2 (the larger of the two, hence
conservative), and the ICC is on the proportion scale.

Interim looks (group-sequential designs from ``seedbed.stats.boundaries``): the power is the
probability of crossing an efficacy boundary when the Z statistic at full information has
mean theta / sqrt(Var) (Jennison & Turnbull 2000, ch. 2-3; normal scale). For
cluster-parallel trials, analysed by t-tests on few clusters, that mean is reduced to the
value at which one look's normal power equals the noncentral-t power. Individually
randomised and cluster-parallel trials look at equal information fractions k/K (people or
clusters accrue evenly). A stepped-wedge trial looks at the ends of periods, at the
information fractions those periods carry (the inverse variance using the periods so far,
over the inverse variance at the end); the spending function turns these fractions into
boundaries (Lan & DeMets 1983). GLS estimates with known variance components are efficient,
so successive looks have the canonical joint distribution (independent increments;
Scharfstein, Tsiatis & Robins, JASA 1997;92:1342-1350).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as sps
from scipy.optimize import brentq
from scipy.special import nctdtr, ndtr, ndtri, stdtrit

from seedbed.stats.arguments import finite, non_negative, open_unit, positive, whole
from seedbed.stats.boundaries import (
    SPENDING_OBRIEN_FLEMING,
    GroupSequentialDesign,
    group_sequential_design,
    rejection_probability,
)

ERR_ICC = "icc must lie in [0, 1), got {value}"
ERR_SIDES = "sides must be 1 or 2, got {value}"
ERR_PROPORTIONS = "p_control and p_treatment must lie strictly between 0 and 1"
ERR_UNREACHABLE = "the target power is not reached with {limit} clusters; check the inputs"

WARN_FEW_CLUSTERS = "fewer_than_20_clusters_per_arm"
"""Fewer than 20 clusters per arm: use small-sample corrections in the analysis."""
WARN_ZERO_EFFECT = "zero_effect"
"""The effect is zero: no number of clusters reaches the power."""

MAX_CLUSTERS = 100_000


@dataclass(frozen=True)
class Outcome:
    """An effect and person-level variances on the analysis scale (see module docstring)."""

    effect: float  # theta: difference in means, or p_t - p_c
    var_control: float  # person-level variance in the control arm
    var_treatment: float
    var_pooled: float  # the single variance a stepped-wedge plan assumes


def continuous_outcome(*, effect_size: float, sd: float = 1.0) -> Outcome:
    """A continuous outcome: effect in SD units times ``sd`` (raw difference if sd is raw)."""
    d = abs(check_finite("effect_size", effect_size))
    s = positive("sd", sd)
    return Outcome(d * s, s * s, s * s, s * s)


def binary_outcome(*, p_control: float, p_treatment: float) -> Outcome:
    """A binary outcome on the risk-difference scale (normal approximation)."""
    p0 = open_unit("p_control", p_control)
    p1 = open_unit("p_treatment", p_treatment)
    pbar = (p0 + p1) / 2.0
    return Outcome(abs(p1 - p0), p0 * (1 - p0), p1 * (1 - p1), pbar * (1 - pbar))


def check_finite(name: str, value: float) -> float:
    """A finite number (``seedbed.stats.arguments.finite``)."""
    return finite(name, value)


def check_icc(icc: float) -> float:
    """An ICC in [0, 1), finite."""
    rho = check_finite("icc", icc)
    if not 0.0 <= rho < 1.0:
        raise ValueError(ERR_ICC.format(value=icc))
    return rho


def check_sides(sides: int) -> int:
    """1 or 2."""
    if sides not in (1, 2):
        raise ValueError(ERR_SIDES.format(value=sides))
    return int(sides)


def fixed_power(drift: float, alpha: float, sides: int) -> float:
    """Power of one normal test when E[Z] = drift (both tails when two-sided)."""
    z = float(ndtri(1.0 - alpha / sides))
    lower = float(ndtr(-drift - z)) if sides == 2 else 0.0
    return float(ndtr(drift - z)) + lower


def power_at_drift(
    drift: float, alpha: float, sides: int, gsd: GroupSequentialDesign | None
) -> float:
    """Power at E[Z at full information] = drift: one look, or the group-sequential design."""
    if gsd is None:
        return fixed_power(drift, alpha, sides)
    return rejection_probability(design=gsd, drift=drift)


def drift_for_power(
    power: float, alpha: float, sides: int, gsd: GroupSequentialDesign | None
) -> float:
    """The drift at which ``power_at_drift`` equals ``power``."""
    z = float(ndtri(1.0 - alpha / sides) + ndtri(power))
    return float(
        brentq(
            lambda d: power_at_drift(d, alpha, sides, gsd) - power, 0.0, 3.0 * z + 10.0, xtol=1e-12
        )
    )


@dataclass(frozen=True)
class ClusterPlan:
    """The recommended cluster-parallel design (equal arms) and the power it achieves."""

    clusters_per_arm: int | None
    power: float
    design_effect: float
    total_n: float | None  # 2 x clusters per arm x cluster size
    warnings: tuple[str, ...] = ()


def design_effect(*, cluster_size: float, icc: float, cv: float = 0.0) -> float:
    """1 + ((cv^2 + 1) m - 1) ICC (Kerry & Bland 1998; Eldridge et al. 2006)."""
    rho = check_icc(icc)
    m = positive("cluster_size", cluster_size)
    c = non_negative("cv", cv)
    return 1.0 + ((c * c + 1.0) * m - 1.0) * rho


def _cluster_nc(outcome: Outcome, clusters_per_arm: float, m: float, de: float) -> float:
    var_diff = (outcome.var_control + outcome.var_treatment) * de / (m * clusters_per_arm)
    return outcome.effect / math.sqrt(var_diff)


def _t_power(nc: float, df: float, alpha: float, sides: int) -> float:
    crit = float(stdtrit(df, 1.0 - alpha / sides))
    upper = 1.0 - float(nctdtr(df, nc, crit))
    if not math.isfinite(upper):
        upper = float(sps.nct.sf(crit, df, nc))
    lower = float(nctdtr(df, nc, -crit)) if sides == 2 else 0.0
    return upper + (lower if math.isfinite(lower) else 0.0)


def cluster_power(
    *,
    outcome: Outcome,
    clusters_per_arm: int,
    cluster_size: float,
    icc: float,
    cv: float = 0.0,
    alpha: float = 0.05,
    sides: int = 2,
    looks: int = 1,
    spending: str = SPENDING_OBRIEN_FLEMING,
) -> float:
    """Power of a two-arm cluster-parallel trial of G clusters per arm (module docstring).

    One look: the noncentral t on 2G - 2 df. Several looks at equal fractions of the
    clusters: the group-sequential crossing probability on the normal scale, at the drift
    whose one-look normal power equals the noncentral-t power (so the small-sample loss of
    the t-test is carried into the sequential design; checked by simulation).
    """
    g = whole("clusters_per_arm", clusters_per_arm, minimum=2)
    a = open_unit("alpha", alpha)
    sd = check_sides(sides)
    de = design_effect(cluster_size=cluster_size, icc=icc, cv=cv)
    nc = _cluster_nc(outcome, g, float(cluster_size), de)
    k = whole("looks", looks, minimum=1)
    if k == 1:
        return _t_power(nc, 2.0 * g - 2.0, a, sd)
    gsd = group_sequential_design(looks=k, alpha=a, sides=sd, spending=spending)
    return rejection_probability(design=gsd, drift=_t_adjusted_drift(nc, 2.0 * g - 2.0, a, sd))


def _t_adjusted_drift(nc: float, df: float, alpha: float, sides: int) -> float:
    """The normal drift whose one-look power equals the noncentral-t power (few clusters)."""
    p = _t_power(nc, df, alpha, sides)
    return float(ndtri(min(max(p, 1e-12), 1 - 1e-12)) + ndtri(1.0 - alpha / sides))


def cluster_plan(
    *,
    outcome: Outcome,
    cluster_size: float,
    icc: float,
    cv: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 2,
    looks: int = 1,
    spending: str = SPENDING_OBRIEN_FLEMING,
) -> ClusterPlan:
    """The smallest number of clusters per arm (at least 2) reaching ``power``."""
    target = open_unit("power", power)
    m = positive("cluster_size", cluster_size)
    de = design_effect(cluster_size=m, icc=icc, cv=cv)
    kwargs = dict(
        cluster_size=m, icc=icc, cv=cv, alpha=alpha, sides=sides, looks=looks, spending=spending
    )
    if outcome.effect == 0.0:
        p0 = cluster_power(outcome=outcome, clusters_per_arm=2, **kwargs)  # type: ignore[arg-type]
        return ClusterPlan(None, p0, de, None, (WARN_ZERO_EFFECT,))

    def reached(g: int) -> bool:
        return cluster_power(outcome=outcome, clusters_per_arm=g, **kwargs) >= target  # type: ignore[arg-type]

    # the normal-scale answer is a lower bound for the t-based one; step up from it
    gsd = (
        None
        if looks == 1
        else group_sequential_design(looks=looks, alpha=alpha, sides=sides, spending=spending)
    )
    drift = drift_for_power(target, alpha, sides, gsd)
    g = max(
        2,
        math.floor(
            drift**2 * (outcome.var_control + outcome.var_treatment) * de / (m * outcome.effect**2)
        ),
    )
    while g > 2 and reached(g - 1):
        g -= 1
    while not reached(g):
        g += 1
        if g > MAX_CLUSTERS:
            raise ValueError(ERR_UNREACHABLE.format(limit=MAX_CLUSTERS))
    warnings = (WARN_FEW_CLUSTERS,) if g < 20 else ()
    achieved = cluster_power(outcome=outcome, clusters_per_arm=g, **kwargs)  # type: ignore[arg-type]
    return ClusterPlan(g, achieved, de, 2.0 * g * m, warnings)
