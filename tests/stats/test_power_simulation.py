"""Every planning formula checked by simulation: simulate the design, analyse each trial as
planned, count how often it detects the effect (power) or a null effect (type I error).

For each design (individual, cluster-parallel and stepped-wedge; continuous and binary) and
each of a fixed analysis and three group-sequential looks (O'Brien-Fleming-type spending,
the registered default, from ``seedbed.stats.boundaries``), ``SIMS`` trials are simulated
with a fixed seed, and:
- the empirical power is within 3 percentage points of the power the plan reports for the
  simulated design;
- the empirical type I error is within 3 Monte Carlo standard errors of alpha.

Analyses, as planned:
- individual: the two-sample t-test (continuous), the pooled two-proportion z-test (binary);
- cluster-parallel: the two-sample t-test on cluster means or cluster proportions, 2G - 2 df
  (binary clusters are beta-binomial, whose cluster-proportion variance is exactly
  p (1 - p) (1 + (m - 1) ICC) / m, the variance the plan assumes);
- stepped wedge: generalised least squares with period fixed effects and the random
  cluster intercept, with the variance components known (what Hussey & Hughes plan for),
  weights built here from the full covariance matrix of the cluster-period means. The
  cluster-period means are drawn from their exact normal distribution. A binary stepped
  wedge is simulated as binomial counts with cluster-period risks p_c + theta X + u_i
  (u_i normal with variance ICC pbar (1 - pbar), risks clipped to [0.001, 0.999]), whose
  true variances differ from cell to cell, while the analysis and the plan use the single
  approximate variance pbar (1 - pbar) (the normal approximation of the plan; under the
  null pbar = p_c). The simulation therefore tests that approximation honestly.
- group-sequential: at each look the statistic of the data so far is compared with the
  boundary for the information fractions actually reached (Lan-DeMets spending); for
  t-tests the look's p-value is compared with the nominal level of that look.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from seedbed.stats.boundaries import (
    GroupSequentialDesign,
    group_sequential_design,
    inflation_factor,
)
from seedbed.stats.cluster_power import (
    binary_outcome,
    cluster_plan,
    cluster_power,
    continuous_outcome,
)
from seedbed.stats.power import (
    power_binary,
    power_continuous,
    sample_size_binary,
    sample_size_continuous,
)
from seedbed.stats.power_curves import power_curve
from seedbed.stats.sw_power import (
    stepped_wedge_look_rates,
    stepped_wedge_plan,
    stepped_wedge_power,
)

pytestmark = pytest.mark.slow

SIMS = 4000
ALPHA = 0.05
LOOKS = 3
POWER_TOLERANCE = 0.03


def _check_power(rejections: np.ndarray, planned: float) -> None:
    assert abs(rejections.mean() - planned) <= POWER_TOLERANCE, (rejections.mean(), planned)


def _check_type_one(rejections: np.ndarray) -> None:
    se = math.sqrt(ALPHA * (1 - ALPHA) / rejections.size)
    assert abs(rejections.mean() - ALPHA) <= 3 * se, rejections.mean()


def _design(rates: list[float]) -> GroupSequentialDesign:
    return group_sequential_design(looks=len(rates), alpha=ALPHA, information_rates=rates)


def _sequential_p(p_by_look: np.ndarray, design: GroupSequentialDesign) -> np.ndarray:
    """Reject when any look's two-sided p-value is at or below that look's nominal level."""
    return (p_by_look <= np.asarray(design.nominal_alpha)[None, :]).any(axis=1)


def _sequential_z(z_by_look: np.ndarray, design: GroupSequentialDesign) -> np.ndarray:
    return (np.abs(z_by_look) >= np.asarray(design.critical_z)[None, :]).any(axis=1)


def _t_p(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two-sided p of the pooled two-sample t-test along the last axis (equal sizes)."""
    n = a.shape[-1]
    diff = b.mean(-1) - a.mean(-1)
    pooled = (a.var(-1, ddof=1) + b.var(-1, ddof=1)) / 2
    t = diff / np.sqrt(pooled * 2 / n)
    return 2 * sps.t.sf(np.abs(t), 2 * n - 2)


def _pooled_z(x0: np.ndarray, x1: np.ndarray, n: int) -> np.ndarray:
    p0, p1 = x0 / n, x1 / n
    pbar = (x0 + x1) / (2 * n)
    se = np.sqrt(pbar * (1 - pbar) * 2 / n)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, (p1 - p0) / se, 0.0)
    return z


# --- individually randomised ----------------------------------------------------------


def _planned_individual(n: int, looks: int, **effect: float) -> float:
    """The plan's power for n per arm with group-sequential looks (the engine's curve)."""
    return (
        power_curve(design="individual", sizes=(n,), alpha=ALPHA, looks=looks, **effect)
        .points[0]
        .power
    )  # type: ignore[arg-type]


@pytest.mark.parametrize("effect", [0.4, 0.0])
@pytest.mark.parametrize("looks", [1, LOOKS])
def test_individual_continuous(effect: float, looks: int) -> None:
    rng = np.random.default_rng(1001 + looks)
    n = sample_size_continuous(effect_size=0.4, alpha=ALPHA).n_per_arm_rounded
    assert n is not None
    if looks == 1:
        planned = power_continuous(n_per_arm=n, effect_size=0.4, alpha=ALPHA)
        a = rng.normal(0, 1, (SIMS, n))
        b = rng.normal(effect, 1, (SIMS, n))
        reject = _t_p(a, b) <= ALPHA
    else:
        r = inflation_factor(design=group_sequential_design(looks=looks, alpha=ALPHA))
        n = math.ceil(n * r / looks) * looks
        ends = [n * k // looks for k in range(1, looks + 1)]
        design = _design([e / n for e in ends])
        planned = _planned_individual(n, looks, effect_size=0.4)
        a = rng.normal(0, 1, (SIMS, n))
        b = rng.normal(effect, 1, (SIMS, n))
        p = np.stack([_t_p(a[:, :e], b[:, :e]) for e in ends], axis=1)
        reject = _sequential_p(p, design)
    if effect:
        _check_power(reject, planned)
    else:
        _check_type_one(reject)


@pytest.mark.parametrize("p1", [0.4, 0.3])
@pytest.mark.parametrize("looks", [1, LOOKS])
def test_individual_binary(p1: float, looks: int) -> None:
    rng = np.random.default_rng(2002 + looks)
    p0 = 0.3
    n = sample_size_binary(p_control=p0, p_treatment=0.4, alpha=ALPHA).n_per_arm_rounded
    assert n is not None
    if looks == 1:
        planned = power_binary(n_per_arm=n, p_control=p0, p_treatment=0.4, alpha=ALPHA)
        z = _pooled_z(rng.binomial(n, p0, SIMS), rng.binomial(n, p1, SIMS), n)
        reject = np.abs(z) >= sps.norm.isf(ALPHA / 2)
    else:
        r = inflation_factor(design=group_sequential_design(looks=looks, alpha=ALPHA))
        n = math.ceil(n * r / looks) * looks
        step = n // looks
        design = _design([k / looks for k in range(1, looks + 1)])
        planned = _planned_individual(n, looks, p_control=p0, p_treatment=0.4)
        x0 = rng.binomial(step, p0, (SIMS, looks)).cumsum(axis=1)
        x1 = rng.binomial(step, p1, (SIMS, looks)).cumsum(axis=1)
        z = np.stack([_pooled_z(x0[:, k], x1[:, k], step * (k + 1)) for k in range(looks)], 1)
        reject = _sequential_z(z, design)
    if p1 != p0:
        _check_power(reject, planned)
    else:
        _check_type_one(reject)


# --- cluster-parallel ---------------------------------------------------------------


def _cluster_means(rng, g: int, m: int, icc: float, mean: float) -> np.ndarray:
    """SIMS x g cluster means of m people: cluster effect plus the mean of m individuals."""
    u = rng.normal(0, math.sqrt(icc), (SIMS, g))
    people = rng.normal(0, math.sqrt(1 - icc), (SIMS, g, m))
    return mean + u + people.mean(axis=2)


def _cluster_proportions(rng, g: int, m: int, icc: float, p: float) -> np.ndarray:
    """Beta-binomial: cluster risk ~ Beta with mean p and ICC 1 / (a + b + 1)."""
    total = 1 / icc - 1
    risk = rng.beta(p * total, (1 - p) * total, (SIMS, g))
    return rng.binomial(m, risk) / m


@pytest.mark.parametrize("effect", [0.5, 0.0])
@pytest.mark.parametrize("looks", [1, LOOKS])
def test_cluster_continuous(effect: float, looks: int) -> None:
    rng = np.random.default_rng(3003 + looks)
    m, icc = 10, 0.1
    o = continuous_outcome(effect_size=0.5)
    g = cluster_plan(outcome=o, cluster_size=m, icc=icc, alpha=ALPHA, looks=looks).clusters_per_arm
    assert g is not None
    a = _cluster_means(rng, g, m, icc, 0.0)
    b = _cluster_means(rng, g, m, icc, effect)
    if looks == 1:
        planned = cluster_power(outcome=o, clusters_per_arm=g, cluster_size=m, icc=icc, alpha=ALPHA)
        reject = _t_p(a, b) <= ALPHA
    else:
        ends = [round(g * k / looks) for k in range(1, looks + 1)]
        design = _design([e / g for e in ends])
        planned = cluster_power(
            outcome=o, clusters_per_arm=g, cluster_size=m, icc=icc, alpha=ALPHA, looks=looks
        )
        p = np.stack([_t_p(a[:, :e], b[:, :e]) for e in ends], axis=1)
        reject = _sequential_p(p, design)
    if effect:
        _check_power(reject, planned)
    else:
        _check_type_one(reject)


@pytest.mark.parametrize("p1", [0.45, 0.3])
@pytest.mark.parametrize("looks", [1, LOOKS])
def test_cluster_binary(p1: float, looks: int) -> None:
    rng = np.random.default_rng(4004 + looks)
    m, icc, p0 = 25, 0.05, 0.3
    o = binary_outcome(p_control=p0, p_treatment=0.45)
    g = cluster_plan(outcome=o, cluster_size=m, icc=icc, alpha=ALPHA, looks=looks).clusters_per_arm
    assert g is not None
    a = _cluster_proportions(rng, g, m, icc, p0)
    b = _cluster_proportions(rng, g, m, icc, p1)
    if looks == 1:
        planned = cluster_power(outcome=o, clusters_per_arm=g, cluster_size=m, icc=icc, alpha=ALPHA)
        reject = _t_p(a, b) <= ALPHA
    else:
        ends = [round(g * k / looks) for k in range(1, looks + 1)]
        design = _design([e / g for e in ends])
        planned = cluster_power(
            outcome=o, clusters_per_arm=g, cluster_size=m, icc=icc, alpha=ALPHA, looks=looks
        )
        p = np.stack([_t_p(a[:, :e], b[:, :e]) for e in ends], axis=1)
        reject = _sequential_p(p, design)
    if p1 != p0:
        _check_power(reject, planned)
    else:
        _check_type_one(reject)


# --- stepped wedge ------------------------------------------------------------------


def _exposure(steps: int, per_step: int, baseline: int = 1) -> np.ndarray:
    periods = baseline + steps
    rows = [[1.0 if j >= baseline + s else 0.0 for j in range(periods)] for s in range(steps)]
    return np.repeat(np.array(rows), per_step, axis=0)


def _gls_weights(x: np.ndarray, s2: float, tau2: float) -> tuple[np.ndarray, float]:
    """theta-hat = sum(w * Y) over cluster-period means, and its variance (full matrices)."""
    n_clusters, periods = x.shape
    cov = np.kron(np.eye(n_clusters), tau2 * np.ones((periods, periods)) + s2 * np.eye(periods))
    design = np.hstack([np.tile(np.eye(periods), (n_clusters, 1)), x.reshape(-1, 1)])
    vinv_d = np.linalg.solve(cov, design)
    info_inv = np.linalg.inv(design.T @ vinv_d)
    w = (info_inv @ vinv_d.T)[-1]
    return w.reshape(n_clusters, periods), float(info_inv[-1, -1])


def _sw_z(y: np.ndarray, x: np.ndarray, s2: float, tau2: float, periods: int) -> np.ndarray:
    w, var = _gls_weights(x[:, :periods], s2, tau2)
    return np.einsum("sij,ij->s", y[:, :, :periods], w) / math.sqrt(var)


@pytest.mark.parametrize("effect", [0.3, 0.0])
@pytest.mark.parametrize("looks", [1, LOOKS])
def test_stepped_wedge_continuous(effect: float, looks: int) -> None:
    rng = np.random.default_rng(5005 + looks)
    steps, m, icc = 4, 10, 0.1
    plan = stepped_wedge_plan(
        outcome=continuous_outcome(effect_size=0.3),
        icc=icc,
        steps=steps,
        cluster_size=m,
        alpha=ALPHA,
        looks=looks,
    )
    x = _exposure(steps, plan.clusters_per_step)
    s2, tau2 = (1 - icc) / m, icc
    trend = np.array([0.0, 0.2, 0.1, 0.4, 0.3])  # period effects, estimated away
    y = (
        trend
        + effect * x
        + rng.normal(0, math.sqrt(tau2), (SIMS, x.shape[0], 1))
        + rng.normal(0, math.sqrt(s2), (SIMS, *x.shape))
    )
    if looks == 1:
        reject = np.abs(_sw_z(y, x, s2, tau2, x.shape[1])) >= sps.norm.isf(ALPHA / 2)
    else:
        ends, _ = stepped_wedge_look_rates(steps=steps, looks=looks, icc=icc, cluster_size=m)
        full = _gls_weights(x, s2, tau2)[1]
        rates = [full / _gls_weights(x[:, :e], s2, tau2)[1] for e in ends]
        design = _design(rates)
        z = np.stack([_sw_z(y, x, s2, tau2, e) for e in ends], axis=1)
        reject = _sequential_z(z, design)
    if effect:
        _check_power(reject, plan.power)
    else:
        _check_type_one(reject)


@pytest.mark.parametrize("p1", [0.4, 0.3])
@pytest.mark.parametrize("looks", [1, LOOKS])
def test_stepped_wedge_binary(p1: float, looks: int) -> None:
    rng = np.random.default_rng(6006 + looks)
    steps, m, icc, p0 = 4, 20, 0.05, 0.3
    plan = stepped_wedge_plan(
        outcome=binary_outcome(p_control=p0, p_treatment=0.4),
        icc=icc,
        steps=steps,
        cluster_size=m,
        alpha=ALPHA,
        looks=looks,
    )
    x = _exposure(steps, plan.clusters_per_step)
    pbar = (p0 + p1) / 2
    var = pbar * (1 - pbar)  # the plan's single variance (p_c (1 - p_c) under the null)
    s2, tau2 = (1 - icc) * var / m, icc * var
    risk = p0 + (p1 - p0) * x + rng.normal(0, math.sqrt(tau2), (SIMS, x.shape[0], 1))
    y = rng.binomial(m, np.clip(risk, 0.001, 0.999)) / m
    if looks == 1:
        reject = np.abs(_sw_z(y, x, s2, tau2, x.shape[1])) >= sps.norm.isf(ALPHA / 2)
    else:
        ends, _ = stepped_wedge_look_rates(steps=steps, looks=looks, icc=icc, cluster_size=m)
        full = _gls_weights(x, s2, tau2)[1]
        design = _design([full / _gls_weights(x[:, :e], s2, tau2)[1] for e in ends])
        z = np.stack([_sw_z(y, x, s2, tau2, e) for e in ends], axis=1)
        reject = _sequential_z(z, design)
    if p1 != p0:
        _check_power(reject, plan.power)
    else:
        _check_type_one(reject)


@pytest.mark.parametrize("effect", [0.3, 0.0])
def test_stepped_wedge_unequal_cluster_sizes(effect: float) -> None:
    """Cluster sizes drawn afresh for every trial (gamma, mean 5, cv 1, as the plan assumes);
    each trial analysed by GLS with its own sizes, the inverse of each cluster's covariance
    block taken numerically. Here unequal sizes cost about 3 points of power, and the
    simulation must side with the plan that allows for them."""
    rng = np.random.default_rng(7007)
    steps, m, icc, cv = 4, 5, 0.02, 1.0
    o = continuous_outcome(effect_size=0.3)
    plan = stepped_wedge_plan(outcome=o, icc=icc, steps=steps, cluster_size=m, cv=cv, alpha=ALPHA)
    equal_sizes = stepped_wedge_power(
        outcome=o,
        icc=icc,
        steps=steps,
        cluster_size=m,
        clusters_per_step=plan.clusters_per_step,
        alpha=ALPHA,
    )
    assert equal_sizes - plan.power > 0.025
    x = _exposure(steps, plan.clusters_per_step)
    n_clusters, periods = x.shape
    shape = 1 / cv**2
    sizes = rng.gamma(shape, m / shape, (SIMS, n_clusters))
    s2 = (1 - icc) / sizes  # variance of each cluster-period mean
    blocks = icc * np.ones((periods, periods)) + s2[..., None, None] * np.eye(periods)
    vinv = np.linalg.inv(blocks)  # SIMS x clusters x T x T
    design = np.concatenate(
        [np.broadcast_to(np.eye(periods), (n_clusters, periods, periods)), x[:, :, None]], axis=2
    )  # clusters x T x (T + 1)
    y = (
        effect * x
        + rng.normal(0, math.sqrt(icc), (SIMS, n_clusters, 1))
        + rng.normal(0, np.sqrt(s2)[..., None], (SIMS, n_clusters, periods))
    )
    info = np.einsum("ctp,sctu,cuq->spq", design, vinv, design)
    score = np.einsum("ctp,sctu,scu->sp", design, vinv, y)
    cov = np.linalg.inv(info)
    theta = np.einsum("sq,sq->s", cov[:, -1, :], score)
    z = theta / np.sqrt(cov[:, -1, -1])
    reject = np.abs(z) >= sps.norm.isf(ALPHA / 2)
    if effect:
        _check_power(reject, plan.power)
        assert abs(reject.mean() - plan.power) < abs(reject.mean() - equal_sizes)
    else:
        _check_type_one(reject)
