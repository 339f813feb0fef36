"""Cluster-parallel and stepped-wedge planning against independent computations.

The stepped-wedge checks build the full covariance matrix of all cluster-period means and the
full fixed-effects design (period dummies plus treatment), and invert them with numpy: the
generalised-least-squares variance of Hussey & Hughes (2007) computed from first principles,
not from the information sums the engine uses. The published closed form (their eq. 8) is a
second, separate check. Cluster-parallel power is checked against statsmodels.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from seedbed.stats.arguments import ERR_NOT_FINITE
from seedbed.stats.cluster_power import (
    binary_outcome,
    cluster_plan,
    cluster_power,
    continuous_outcome,
)
from seedbed.stats.power_curves import power_curve
from seedbed.stats.sw_power import (
    ERR_TOO_MANY_LOOKS,
    gls_variance,
    stepped_wedge_look_rates,
    stepped_wedge_plan,
    stepped_wedge_power,
)

smp = pytest.importorskip("statsmodels.stats.power")


def _exposure(steps: int, per_step: int, baseline: int, t: int) -> np.ndarray:
    rows = []
    for s in range(steps):
        first = baseline + s * t
        rows += [[1.0 if j >= first else 0.0 for j in range(baseline + steps * t)]] * per_step
    return np.array(rows)


def _full_gls_variance(x: np.ndarray, sigma2: float, icc: float, sizes) -> float:
    """Var(theta-hat) from the full (I T x I T) covariance of cluster-period means."""
    n_clusters, periods = x.shape
    tau2, se2 = icc * sigma2, (1 - icc) * sigma2
    sizes = np.broadcast_to(np.asarray(sizes, dtype=float), (n_clusters,))
    cov = np.zeros((n_clusters * periods, n_clusters * periods))
    for i in range(n_clusters):
        block = tau2 * np.ones((periods, periods)) + se2 / sizes[i] * np.eye(periods)
        cov[i * periods : (i + 1) * periods, i * periods : (i + 1) * periods] = block
    design = np.hstack([np.tile(np.eye(periods), (n_clusters, 1)), x.reshape(-1, 1)])
    info = design.T @ np.linalg.solve(cov, design)
    return float(np.linalg.inv(info)[-1, -1])


def _closed_form(x: np.ndarray, sigma2: float, icc: float, m: float) -> float:
    """Hussey & Hughes (2007) eq. 8."""
    n_clusters, periods = x.shape
    s2, tau2 = (1 - icc) * sigma2 / m, icc * sigma2
    u, w, v = x.sum(), (x.sum(0) ** 2).sum(), (x.sum(1) ** 2).sum()
    den = (n_clusters * u - w) * s2 + (
        u * u + n_clusters * periods * u - periods * w - n_clusters * v
    ) * tau2
    return n_clusters * s2 * (s2 + periods * tau2) / den


def _normal_power(theta: float, var: float, alpha: float = 0.05) -> float:
    z = norm.ppf(1 - alpha / 2)
    return float(norm.cdf(theta / math.sqrt(var) - z) + norm.cdf(-theta / math.sqrt(var) - z))


@pytest.mark.parametrize(("m", "clusters"), [(10, 44), (20, 24)])
def test_kristunas_table_2(sample_size_reference, m, clusters) -> None:
    ref = next(c for c in sample_size_reference["cases"] if "target power" in c["what"])
    row = next(r for r in ref["values"] if r["n_per_cluster_per_period"] == m)
    plan = stepped_wedge_plan(
        outcome=continuous_outcome(effect_size=0.2), icc=0.05, steps=4, cluster_size=m, baseline=1
    )
    assert plan.clusters == row["clusters"] == clusters
    assert plan.clusters_per_step == clusters // 4
    independent = _normal_power(
        0.2, _full_gls_variance(_exposure(4, clusters // 4, 1, 1), 1.0, 0.05, m)
    )
    assert plan.power == pytest.approx(independent, abs=0.005)
    assert plan.power == pytest.approx(row["power"], abs=0.005)
    # the smallest multiple of the steps: one fewer cluster per step falls short
    fewer = _normal_power(
        0.2, _full_gls_variance(_exposure(4, clusters // 4 - 1, 1, 1), 1.0, 0.05, m)
    )
    assert fewer < 0.8 <= independent


def test_twelve_clusters_have_about_a_third_of_the_power() -> None:
    """The old answer (12 clusters of 10) has power near 0.32 (issue 12)."""
    p = stepped_wedge_power(
        outcome=continuous_outcome(effect_size=0.2),
        icc=0.05,
        steps=4,
        clusters_per_step=3,
        cluster_size=10,
    )
    assert p == pytest.approx(
        _normal_power(0.2, _full_gls_variance(_exposure(4, 3, 1, 1), 1, 0.05, 10)), abs=1e-9
    )
    assert p == pytest.approx(0.32, abs=0.01)


@pytest.mark.parametrize(
    ("steps", "per_step", "baseline", "t", "m", "icc", "d"),
    [
        (3, 2, 1, 1, 15, 0.1, 0.3),
        (5, 1, 0, 1, 8, 0.01, 0.4),
        (6, 3, 2, 1, 5, 0.2, 0.5),
        (2, 4, 1, 2, 30, 0.05, 0.25),
        (4, 2, 1, 3, 12, 0.33, 0.4),
        (8, 1, 1, 1, 50, 0.0, 0.2),
    ],
)
def test_stepped_wedge_power_matches_full_gls(steps, per_step, baseline, t, m, icc, d) -> None:
    x = _exposure(steps, per_step, baseline, t)
    full = _full_gls_variance(x, 1.0, icc, m)
    assert full == pytest.approx(_closed_form(x, 1.0, icc, m), rel=1e-9)
    p = stepped_wedge_power(
        outcome=continuous_outcome(effect_size=d),
        icc=icc,
        steps=steps,
        clusters_per_step=per_step,
        cluster_size=m,
        baseline=baseline,
        periods_per_step=t,
    )
    assert p == pytest.approx(_normal_power(d, full), abs=1e-6)


def test_stepped_wedge_binary_uses_the_average_proportion() -> None:
    # normal approximation on the risk-difference scale, sigma^2 = pbar (1 - pbar)
    plan = stepped_wedge_plan(
        outcome=binary_outcome(p_control=0.3, p_treatment=0.4), icc=0.05, steps=4, cluster_size=20
    )
    pbar = 0.35
    x = _exposure(4, plan.clusters_per_step, 1, 1)
    assert plan.power == pytest.approx(
        _normal_power(0.1, _full_gls_variance(x, pbar * (1 - pbar), 0.05, 20)), abs=1e-6
    )
    short = _exposure(4, plan.clusters_per_step - 1, 1, 1)
    assert (
        _normal_power(0.1, _full_gls_variance(short, pbar * (1 - pbar), 0.05, 20))
        < 0.8
        <= plan.power
    )


def test_unequal_cluster_sizes_use_the_expected_information() -> None:
    """1 / E[information] over gamma sizes (mean 10, cv 0.7), against a Monte Carlo average of
    the exact information of designs with drawn sizes."""
    rng = np.random.default_rng(20260512)
    x = _exposure(4, 3, 1, 1)
    shape = 1 / 0.7**2
    infos = [
        1 / _full_gls_variance(x, 1.0, 0.1, rng.gamma(shape, 10 / shape, size=12))
        for _ in range(400)
    ]
    expected_var = 1 / float(np.mean(infos))

    v = gls_variance(x=x, sigma2=1.0, icc=0.1, cluster_size=10, cv=0.7)
    assert v == pytest.approx(expected_var, rel=0.01)
    assert v > gls_variance(x=x, sigma2=1.0, icc=0.1, cluster_size=10)


def test_stepped_wedge_look_fractions_use_the_periods_so_far() -> None:
    ends, rates = stepped_wedge_look_rates(steps=4, looks=2, baseline=1, icc=0.05, cluster_size=10)
    assert ends == (3, 5)
    x = _exposure(4, 1, 1, 1)
    full = _full_gls_variance(x, 1, 0.05, 10)
    assert rates[0] == pytest.approx(full / _full_gls_variance(x[:, :3], 1, 0.05, 10), rel=1e-9)
    assert rates[1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="can have at most 4 looks") as err:
        stepped_wedge_look_rates(steps=4, looks=5, baseline=1)
    assert str(err.value) == ERR_TOO_MANY_LOOKS.format(periods=5, baseline=1, most=4)


@pytest.mark.parametrize(
    ("outcome", "m", "icc", "cv"),
    [
        (continuous_outcome(effect_size=0.3), 20, 0.05, 0.0),
        (continuous_outcome(effect_size=0.5), 8, 0.2, 0.4),
        (binary_outcome(p_control=0.5, p_treatment=0.65), 46, 0.05, 0.0),
        (binary_outcome(p_control=0.1, p_treatment=0.2), 30, 0.02, 0.6),
    ],
)
def test_cluster_parallel_power_matches_statsmodels(outcome, m, icc, cv) -> None:
    plan = cluster_plan(outcome=outcome, cluster_size=m, icc=icc, cv=cv)
    de = 1 + ((cv * cv + 1) * m - 1) * icc
    pooled_sd = math.sqrt((outcome.var_control + outcome.var_treatment) / 2 * de / m)
    es = outcome.effect / pooled_sd
    g = plan.clusters_per_arm
    ref = smp.TTestIndPower().power(effect_size=es, nobs1=g, alpha=0.05)
    assert plan.power == pytest.approx(ref, abs=1e-6)
    assert smp.TTestIndPower().power(effect_size=es, nobs1=g - 1, alpha=0.05) < 0.8 <= ref


def test_sedgwick_trial_needs_thirteen_practices_per_arm_for_a_cluster_level_t_test() -> None:
    """Sedgwick's 12 per arm (design effect 3.25) gives the cluster-level t-test power 0.77."""
    o = binary_outcome(p_control=0.5, p_treatment=0.65)
    assert cluster_power(outcome=o, clusters_per_arm=12, cluster_size=46, icc=0.05) < 0.78
    assert cluster_plan(outcome=o, cluster_size=46, icc=0.05).clusters_per_arm == 13


def test_power_curve_mde_round_trips_through_statsmodels() -> None:
    curve = power_curve(design="individual", sizes=(20, 64, 200), effect_size=0.5)
    assert curve.points
    for p in curve.points:
        assert p.mde == pytest.approx(
            smp.TTestIndPower().solve_power(nobs1=p.size, power=0.8, alpha=0.05), rel=1e-5
        )
        assert p.power == pytest.approx(
            smp.TTestIndPower().power(effect_size=0.5, nobs1=p.size, alpha=0.05), rel=1e-9
        )


def test_stepped_wedge_curve_is_monotone_and_crosses_at_the_plan() -> None:
    o = continuous_outcome(effect_size=0.2)
    curve = power_curve(
        design="stepped-wedge",
        sizes=(12, 24, 40, 44, 60),
        effect_size=0.2,
        icc=0.05,
        cluster_size=10,
        steps=4,
    )
    powers = [p.power for p in curve.points]
    mdes = [p.mde for p in curve.points]
    assert powers == sorted(powers) and mdes == sorted(mdes, reverse=True)
    at = {p.size: p for p in curve.points}
    assert at[40].power < 0.8 <= at[44].power and at[44].mde <= 0.2 < at[40].mde
    # at the MDE the independent full-GLS power is the target
    x = _exposure(4, 11, 1, 1)
    assert _normal_power(at[44].mde, _full_gls_variance(x, 1, 0.05, 10)) == pytest.approx(
        0.8, abs=1e-6
    )
    assert stepped_wedge_plan(outcome=o, icc=0.05, steps=4, cluster_size=10).clusters == 44


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: continuous_outcome(effect_size=math.nan), "effect_size"),
        (lambda: continuous_outcome(effect_size=0.2, sd=-1), "sd"),
        (lambda: binary_outcome(p_control=0.2, p_treatment=1.2), "p_treatment"),
        (
            lambda: stepped_wedge_plan(
                outcome=continuous_outcome(effect_size=0.2), icc=0.05, steps=2.5, cluster_size=10
            ),
            "steps",
        ),
        (
            lambda: stepped_wedge_plan(
                outcome=continuous_outcome(effect_size=0.2), icc=math.inf, steps=4, cluster_size=10
            ),
            "icc",
        ),
        (
            lambda: stepped_wedge_plan(
                outcome=continuous_outcome(effect_size=0.2), icc=0.05, steps=4, cluster_size=-3
            ),
            "cluster_size",
        ),
        (
            lambda: stepped_wedge_plan(
                outcome=continuous_outcome(effect_size=0.2),
                icc=0.05,
                steps=4,
                cluster_size=10,
                cv=-1,
            ),
            "cv",
        ),
        (
            lambda: stepped_wedge_plan(
                outcome=continuous_outcome(effect_size=0.2),
                icc=0.05,
                steps=4,
                cluster_size=10,
                baseline=-1,
            ),
            "baseline",
        ),
        (
            lambda: cluster_power(
                outcome=continuous_outcome(effect_size=0.2),
                clusters_per_arm=-5,
                cluster_size=10,
                icc=0.05,
            ),
            "clusters_per_arm",
        ),
        (
            lambda: cluster_plan(
                outcome=continuous_outcome(effect_size=0.2),
                cluster_size=10,
                icc=0.05,
                power=math.nan,
            ),
            "power",
        ),
    ],
)
def test_bad_planning_input_is_refused_by_name(call, name) -> None:
    with pytest.raises(ValueError, match=f"^{name} ") as err:
        call()
    assert str(err.value).startswith(name)


def test_not_finite_message_is_the_module_constant() -> None:
    with pytest.raises(ValueError, match="effect_size must be a finite number") as err:
        continuous_outcome(effect_size=math.nan)
    assert str(err.value) == ERR_NOT_FINITE.format(name="effect_size", value=math.nan)


@settings(max_examples=40, deadline=None)
@given(
    d=st.floats(0.1, 0.8),
    icc=st.floats(0.0, 0.3),
    m=st.integers(2, 40),
    steps=st.integers(2, 6),
    baseline=st.integers(0, 2),
)
def test_stepped_wedge_plan_is_the_smallest_multiple_of_the_steps(d, icc, m, steps, baseline):
    o = continuous_outcome(effect_size=d)
    plan = stepped_wedge_plan(outcome=o, icc=icc, steps=steps, cluster_size=m, baseline=baseline)
    assert plan.clusters == plan.clusters_per_step * steps and plan.power >= 0.8
    if plan.clusters_per_step > 1:
        x = _exposure(steps, plan.clusters_per_step - 1, baseline, 1)
        assert _normal_power(d, _closed_form(x, 1.0, icc, m)) < 0.8


@settings(max_examples=40, deadline=None)
@given(d=st.floats(0.15, 1.0), icc=st.floats(0.0, 0.3), m=st.integers(1, 50))
def test_cluster_power_rises_with_clusters_and_the_plan_is_minimal(d, icc, m):
    o = continuous_outcome(effect_size=d)
    plan = cluster_plan(outcome=o, cluster_size=m, icc=icc)
    g = plan.clusters_per_arm
    assert plan.power >= 0.8
    powers = [cluster_power(outcome=o, clusters_per_arm=k, cluster_size=m, icc=icc)
              for k in range(2, g + 2)]
    assert powers == sorted(powers)
    assert g == 2 or powers[g - 3] < 0.8
