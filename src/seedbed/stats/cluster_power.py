"""Power and number of clusters for cluster-parallel and stepped-wedge trials.

Stepped wedge (cross-sectional): Hussey & Hughes, "Design and analysis of stepped wedge
cluster randomized trials", Contemp Clin Trials 2007;28:182-191. The outcome of person k in
cluster i, period j is Y_ijk = mu + beta_j + X_ij theta + alpha_i + e_ijk, with period fixed
effects beta_j, a random cluster intercept alpha_i ~ N(0, tau^2), e_ijk ~ N(0, sigma_e^2) and
X_ij = 1 once cluster i has crossed over. With total variance sigma^2 and ICC rho,
tau^2 = rho sigma^2 and sigma_e^2 = (1 - rho) sigma^2. The cluster-period means have
covariance V_i = s I + tau^2 J (s = sigma_e^2 / m for m people per cluster per period), and
the generalised-least-squares variance of theta-hat is the (theta, theta) element of the
inverse of the information

    F = sum_i Z_i' V_i^{-1} Z_i,   Z_i = [I_T | x_i],
    V_i^{-1} = (1/s) [I - tau^2 / (s + T tau^2) J].

With equal cluster sizes this equals Hussey & Hughes' closed form (their eq. 8)
    Var = I s (s + T tau^2) / [(I U - W) s + (U^2 + I T U - T W - I V) tau^2]
(U = sum X_ij, W = sum_j (sum_i X_ij)^2, V = sum_i (sum_j X_ij)^2). Power is theirs too,
two-sided normal: Phi(theta / sqrt(Var) - z_{1-alpha/2}) + Phi(-theta / sqrt(Var) - z_{1-alpha/2}).
Design: ``steps`` sequences (``clusters_per_step`` clusters each) cross over one step apart,
after ``baseline`` control periods, with ``periods_per_step`` periods per step; the trial
has T = baseline + steps x periods_per_step periods and everyone in the last is exposed.
The number of clusters recommended is the smallest multiple of the steps reaching the power
(information grows linearly in the number of copies of the design, so this is exact).
This reproduces Kristunas, Morris & Gray (Trials 2017;18:72, Table 2): d = 0.2, ICC 0.05,
4 steps, 1 baseline period, 80% power: 44 clusters of 10 per period (power 0.818) or 24
clusters of 20 (power 0.825).

Unequal cluster sizes (mean m, coefficient of variation cv): the sizes are taken as gamma
distributed with that mean and cv (the usual model for cluster sizes; Eldridge, Ashby &
Kerry, Int J Epidemiol 2006;35:1292 define the cv; van Breukelen, Candel & Berger, Stat Med
2007;26:2589 size trials by the expected information over the size distribution), drawn
independently of the sequence a cluster is given. The information about theta is computed
exactly for each of ``SIZE_DRAWS`` draws of all the clusters' sizes (a fixed seed, so the
answer is reproducible), each cluster with its own s_i = sigma_e^2 / m_i in F, and the
variance is one over the mean information. (Replacing the size-dependent weights by their
expectations instead would be optimistic with few clusters: the period effects are shared,
so the information is not linear in the weights.) With cv = 0 it is the equal-size formula.

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
value at which one look's normal power equals the noncentral-t power. Individually randomised and cluster-parallel trials look at equal information
fractions k/K (people or clusters accrue evenly). A stepped-wedge trial looks at the ends of
periods, at the information fractions those periods carry (the inverse variance using the
periods so far, over the inverse variance at the end); the spending function turns these
fractions into boundaries (Lan & DeMets 1983). GLS estimates with known variance components
are efficient, so successive looks have the canonical joint distribution (independent
increments; Scharfstein, Tsiatis & Robins, JASA 1997;92:1342-1350).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps
from scipy.optimize import brentq
from scipy.special import nctdtr, ndtr, ndtri, stdtrit

from seedbed.stats.arguments import non_negative, open_unit, positive, whole
from seedbed.stats.boundaries import (
    SPENDING_OBRIEN_FLEMING,
    GroupSequentialDesign,
    group_sequential_design,
    rejection_probability,
)

ERR_ICC = "icc must lie in [0, 1), got {value}"
ERR_SIDES = "sides must be 1 or 2, got {value}"
ERR_PROPORTIONS = "p_control and p_treatment must lie strictly between 0 and 1"
ERR_TOO_MANY_LOOKS = (
    "a stepped-wedge trial of {periods} periods with {baseline} baseline period(s) can have at "
    "most {most} looks (one at the end of each period after the first crossover)"
)
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
    d = abs(_finite("effect_size", effect_size))
    s = positive("sd", sd)
    return Outcome(d * s, s * s, s * s, s * s)


def binary_outcome(*, p_control: float, p_treatment: float) -> Outcome:
    """A binary outcome on the risk-difference scale (normal approximation)."""
    p0 = open_unit("p_control", p_control)
    p1 = open_unit("p_treatment", p_treatment)
    pbar = (p0 + p1) / 2.0
    return Outcome(abs(p1 - p0), p0 * (1 - p0), p1 * (1 - p1), pbar * (1 - pbar))


def _finite(name: str, value: float) -> float:
    from seedbed.stats.arguments import finite

    return finite(name, value)


def _icc(icc: float) -> float:
    rho = _finite("icc", icc)
    if not 0.0 <= rho < 1.0:
        raise ValueError(ERR_ICC.format(value=icc))
    return rho


def _sides(sides: int) -> int:
    if sides not in (1, 2):
        raise ValueError(ERR_SIDES.format(value=sides))
    return int(sides)


def _fixed_power(drift: float, alpha: float, sides: int) -> float:
    z = float(ndtri(1.0 - alpha / sides))
    lower = float(ndtr(-drift - z)) if sides == 2 else 0.0
    return float(ndtr(drift - z)) + lower


def _power_at_drift(
    drift: float, alpha: float, sides: int, gsd: GroupSequentialDesign | None
) -> float:
    if gsd is None:
        return _fixed_power(drift, alpha, sides)
    return rejection_probability(design=gsd, drift=drift)


def _drift_for_power(
    power: float, alpha: float, sides: int, gsd: GroupSequentialDesign | None
) -> float:
    z = float(ndtri(1.0 - alpha / sides) + ndtri(power))
    return float(
        brentq(
            lambda d: _power_at_drift(d, alpha, sides, gsd) - power, 0.0, 3.0 * z + 10.0, xtol=1e-12
        )
    )


# --- stepped wedge ----------------------------------------------------------------------


def stepped_wedge_matrix(
    *, steps: int, clusters_per_step: int = 1, baseline: int = 1, periods_per_step: int = 1
) -> np.ndarray:
    """The treatment indicator X (clusters x periods) of a standard stepped-wedge design."""
    k = whole("steps", steps, minimum=2)
    g = whole("clusters_per_step", clusters_per_step, minimum=1)
    b = whole("baseline", baseline, minimum=0)
    t = whole("periods_per_step", periods_per_step, minimum=1)
    periods = b + k * t
    start = b + np.arange(k) * t  # first exposed period of each sequence (0-based)
    x = (np.arange(periods)[None, :] >= start[:, None]).astype(float)
    return np.repeat(x, g, axis=0)


SIZE_DRAWS = 400
SIZE_SEED = 20070201


def _theta_information(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Information about theta after the period effects, for rows of per-cluster weights.

    ``a`` and ``b`` (draws x clusters) are each cluster's 1/s and tau^2 / (s (s + T tau^2));
    F = sum_i a_i Z_i'Z_i - b_i (Z_i'1)(Z_i'1)', and the result is its Schur complement
    F_tt - F_tp F_pp^{-1} F_pt for each draw.
    """
    periods = x.shape[1]
    r = x.sum(axis=1)  # exposed periods per cluster
    xx = (x * x).sum(axis=1)
    f_pp = a.sum(axis=1)[:, None, None] * np.eye(periods) - b.sum(axis=1)[:, None, None] * np.ones(
        (periods, periods)
    )
    f_pt = a @ x - (b @ r)[:, None] * np.ones(periods)
    f_tt = a @ xx - b @ (r * r)
    solved = np.linalg.solve(f_pp, f_pt[:, :, None])[:, :, 0]
    return f_tt - (f_pt * solved).sum(axis=1)


def gls_variance(
    *, x: np.ndarray, sigma2: float, icc: float, cluster_size: float, cv: float = 0.0
) -> float:
    """Variance of the GLS treatment effect (Hussey & Hughes model; see module docstring).

    ``x`` is the clusters x periods 0/1 exposure matrix, ``sigma2`` the total person-level
    variance, ``cluster_size`` the mean number of people per cluster per period.
    Returns inf when the design carries no information about the effect.
    """
    rho = _icc(icc)
    m = positive("cluster_size", cluster_size)
    c = non_negative("cv", cv)
    var = positive("sigma2", sigma2)
    xm = np.asarray(x, dtype=float)
    n_clusters, periods = xm.shape
    tau2 = rho * var
    s_unit = (1.0 - rho) * var
    if c == 0.0:
        sizes = np.full((1, n_clusters), m)
    else:
        shape = 1.0 / (c * c)
        rng = np.random.default_rng(SIZE_SEED)
        sizes = rng.gamma(shape, m / shape, size=(SIZE_DRAWS, n_clusters))
    a = sizes / s_unit
    b = tau2 * sizes * sizes / (s_unit * (s_unit + periods * tau2 * sizes))
    try:
        info = float(np.mean(_theta_information(xm, a, b)))
    except np.linalg.LinAlgError:
        return math.inf
    v = 1.0 / info if info > 1e-12 * float(a.mean()) else math.inf
    return v if v > 0 and math.isfinite(v) else math.inf


@dataclass(frozen=True)
class SteppedWedgePlan:
    """The recommended stepped-wedge design and the power it achieves."""

    clusters: int | None
    clusters_per_step: int | None
    power: float
    variance: float  # of the effect estimate at the recommended design
    periods: int
    total_n: float | None  # clusters x cluster size x periods (people measured)
    information_rates: tuple[float, ...] | None  # looks, when any
    warnings: tuple[str, ...] = ()


def stepped_wedge_look_rates(
    *,
    steps: int,
    looks: int,
    baseline: int = 1,
    periods_per_step: int = 1,
    icc: float = 0.05,
    cluster_size: float = 10.0,
    cv: float = 0.0,
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """(periods after which to look, information fractions) for ``looks`` evenly spread looks.

    Look k is at the end of period ceil(first + k (T - first) / K) (1-based), where
    ``first`` is the last period before anyone is exposed; the fractions are the inverse GLS
    variance of the data so far over that at the end (see module docstring).
    """
    x = stepped_wedge_matrix(steps=steps, baseline=baseline, periods_per_step=periods_per_step)
    k = whole("looks", looks, minimum=1)
    periods = x.shape[1]
    first = whole("baseline", baseline, minimum=0)
    most = periods - first
    if k > most:
        raise ValueError(ERR_TOO_MANY_LOOKS.format(periods=periods, baseline=first, most=most))
    ends = tuple(first + math.ceil(j * most / k) for j in range(1, k + 1))
    full = gls_variance(x=x, sigma2=1.0, icc=icc, cluster_size=cluster_size, cv=cv)
    rates = tuple(
        full / gls_variance(x=x[:, :p], sigma2=1.0, icc=icc, cluster_size=cluster_size, cv=cv)
        for p in ends
    )
    return ends, rates


def stepped_wedge_plan(
    *,
    outcome: Outcome,
    icc: float,
    steps: int,
    cluster_size: float,
    baseline: int = 1,
    periods_per_step: int = 1,
    cv: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 2,
    looks: int = 1,
    spending: str = SPENDING_OBRIEN_FLEMING,
) -> SteppedWedgePlan:
    """The smallest multiple of ``steps`` clusters reaching ``power`` (module docstring)."""
    a = open_unit("alpha", alpha)
    target = open_unit("power", power)
    sd = _sides(sides)
    x1 = stepped_wedge_matrix(steps=steps, baseline=baseline, periods_per_step=periods_per_step)
    periods = x1.shape[1]
    v1 = gls_variance(x=x1, sigma2=outcome.var_pooled, icc=icc, cluster_size=cluster_size, cv=cv)
    gsd, rates = _sw_design(
        steps, baseline, periods_per_step, icc, cluster_size, cv, looks, a, sd, spending
    )
    if outcome.effect == 0.0:
        null_power = _power_at_drift(0.0, a, sd, gsd)
        return SteppedWedgePlan(
            None, None, null_power, v1, periods, None, rates, (WARN_ZERO_EFFECT,)
        )
    drift = _drift_for_power(target, a, sd, gsd)
    if not math.isfinite(v1):
        raise ValueError(ERR_UNREACHABLE.format(limit=MAX_CLUSTERS))
    # equal sizes: the information of g copies is g times that of one; unequal sizes: the
    # information per copy grows with g, so one copy's answer is an upper bound to bisect from
    g = max(1, math.ceil(drift * drift * v1 / outcome.effect**2 - 1e-9))
    if g * steps > MAX_CLUSTERS:
        raise ValueError(ERR_UNREACHABLE.format(limit=MAX_CLUSTERS))

    def variance(copies: int) -> float:
        if cv == 0.0:
            return v1 / copies
        x = stepped_wedge_matrix(
            steps=steps,
            clusters_per_step=copies,
            baseline=baseline,
            periods_per_step=periods_per_step,
        )
        return gls_variance(
            x=x, sigma2=outcome.var_pooled, icc=icc, cluster_size=cluster_size, cv=cv
        )

    if cv != 0.0:
        lo, hi = 0, g  # power(hi) reaches the target; find the smallest that does
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _power_at_drift(outcome.effect / math.sqrt(variance(mid)), a, sd, gsd) >= target:
                hi = mid
            else:
                lo = mid
        g = hi
    v = variance(g)
    achieved = _power_at_drift(outcome.effect / math.sqrt(v), a, sd, gsd)
    return SteppedWedgePlan(
        clusters=g * steps,
        clusters_per_step=g,
        power=achieved,
        variance=v,
        periods=periods,
        total_n=g * steps * float(cluster_size) * periods,
        information_rates=rates,
    )


def _sw_design(
    steps: int,
    baseline: int,
    periods_per_step: int,
    icc: float,
    cluster_size: float,
    cv: float,
    looks: int,
    alpha: float,
    sides: int,
    spending: str,
) -> tuple[GroupSequentialDesign | None, tuple[float, ...] | None]:
    k = whole("looks", looks, minimum=1)
    if k == 1:
        return None, None
    _, rates = stepped_wedge_look_rates(
        steps=steps,
        looks=k,
        baseline=baseline,
        periods_per_step=periods_per_step,
        icc=icc,
        cluster_size=cluster_size,
        cv=cv,
    )
    gsd = group_sequential_design(
        looks=k, alpha=alpha, sides=sides, spending=spending, information_rates=rates
    )
    return gsd, rates


def stepped_wedge_power(
    *,
    outcome: Outcome,
    icc: float,
    steps: int,
    clusters_per_step: int,
    cluster_size: float,
    baseline: int = 1,
    periods_per_step: int = 1,
    cv: float = 0.0,
    alpha: float = 0.05,
    sides: int = 2,
    looks: int = 1,
    spending: str = SPENDING_OBRIEN_FLEMING,
) -> float:
    """Power of a given stepped-wedge design (Hussey & Hughes; module docstring)."""
    a = open_unit("alpha", alpha)
    sd = _sides(sides)
    x = stepped_wedge_matrix(
        steps=steps,
        clusters_per_step=clusters_per_step,
        baseline=baseline,
        periods_per_step=periods_per_step,
    )
    v = gls_variance(x=x, sigma2=outcome.var_pooled, icc=icc, cluster_size=cluster_size, cv=cv)
    gsd, _ = _sw_design(
        steps, baseline, periods_per_step, icc, cluster_size, cv, looks, a, sd, spending
    )
    drift = outcome.effect / math.sqrt(v) if math.isfinite(v) else 0.0
    return _power_at_drift(drift, a, sd, gsd)


# --- cluster-parallel -------------------------------------------------------------------


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
    rho = _icc(icc)
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
    sd = _sides(sides)
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
    drift = _drift_for_power(target, alpha, sides, gsd)
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
