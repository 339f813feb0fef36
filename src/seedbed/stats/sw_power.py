"""Power and number of clusters for stepped-wedge trials (cross-sectional).

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

Outcomes (continuous, or binary by the normal approximation) and interim looks are as in
``seedbed.stats.cluster_power``: a stepped-wedge trial looks at the ends of periods, at the
information fractions those periods carry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from seedbed.stats.arguments import non_negative, open_unit, positive, whole
from seedbed.stats.boundaries import (
    SPENDING_OBRIEN_FLEMING,
    GroupSequentialDesign,
    group_sequential_design,
)
from seedbed.stats.cluster_power import (
    ERR_UNREACHABLE,
    MAX_CLUSTERS,
    WARN_ZERO_EFFECT,
    Outcome,
    check_icc,
    check_sides,
    drift_for_power,
    power_at_drift,
)

ERR_TOO_MANY_LOOKS = (
    "a stepped-wedge trial of {periods} periods with {baseline} baseline period(s) can have at "
    "most {most} looks (one at the end of each period after the first crossover)"
)


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
    rho = check_icc(icc)
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
    sd = check_sides(sides)
    x1 = stepped_wedge_matrix(steps=steps, baseline=baseline, periods_per_step=periods_per_step)
    periods = x1.shape[1]
    v1 = gls_variance(x=x1, sigma2=outcome.var_pooled, icc=icc, cluster_size=cluster_size, cv=cv)
    gsd, rates = _sw_design(
        steps, baseline, periods_per_step, icc, cluster_size, cv, looks, a, sd, spending
    )
    if outcome.effect == 0.0:
        null_power = power_at_drift(0.0, a, sd, gsd)
        return SteppedWedgePlan(
            None, None, null_power, v1, periods, None, rates, (WARN_ZERO_EFFECT,)
        )
    drift = drift_for_power(target, a, sd, gsd)
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
            if power_at_drift(outcome.effect / math.sqrt(variance(mid)), a, sd, gsd) >= target:
                hi = mid
            else:
                lo = mid
        g = hi
    v = variance(g)
    achieved = power_at_drift(outcome.effect / math.sqrt(v), a, sd, gsd)
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
    sd = check_sides(sides)
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
    return power_at_drift(drift, a, sd, gsd)
