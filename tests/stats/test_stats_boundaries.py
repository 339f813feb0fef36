"""Group-sequential boundaries against the reference table, scipy's multivariate normal and simulation."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

from seedbed.stats.boundaries import (
    ALL_SPENDING,
    ERR_RATES,
    WARN_RATES_NOT_ENDING_AT_ONE,
    alpha_spending,
    group_sequential_design,
    inflation_factor,
    rejection_probability,
)
from seedbed.stats.monitoring import (
    RECOMMEND_CONSIDER_FUTILITY,
    RECOMMEND_CONTINUE,
    RECOMMEND_FINAL_NOT_SIGNIFICANT,
    RECOMMEND_STOP_BENEFIT,
    RECOMMEND_STOP_HARM,
    WARN_MISSING_Z,
    WARN_STOPPED_EARLIER,
    evaluate_looks,
)


def test_critical_z_match_reference_table(group_sequential_reference) -> None:
    ref = group_sequential_reference
    tol = ref["tolerance"]
    checked = 0
    for spending, by_k in ref["critical_z"].items():
        for k, expected in by_k.items():
            design = group_sequential_design(
                looks=int(k), alpha=ref["alpha"], sides=ref["sides"], spending=spending
            )
            np.testing.assert_allclose(design.critical_z, expected, atol=tol)
            checked += 1
    assert checked == 16


def test_cumulative_alpha_matches_reference(group_sequential_reference) -> None:
    ref = group_sequential_reference
    for spending, by_k in ref["cumulative_alpha_spent"].items():
        for k, expected in by_k.items():
            design = group_sequential_design(looks=int(k), alpha=0.05, sides=2, spending=spending)
            np.testing.assert_allclose(design.cumulative_alpha, expected, atol=1e-5)


def _mvn_no_crossing(rates: np.ndarray, bounds: np.ndarray, lower: np.ndarray) -> float:
    cov = np.sqrt(np.minimum.outer(rates, rates) / np.maximum.outer(rates, rates))
    mvn = multivariate_normal(mean=np.zeros(rates.size), cov=cov, abseps=1e-6, releps=1e-6)
    return float(mvn.cdf(bounds, lower_limit=lower, rng=np.random.default_rng(3)))


@pytest.mark.parametrize("spending", ALL_SPENDING)
@pytest.mark.parametrize("sides", [1, 2])
def test_total_alpha_agrees_with_scipy_multivariate_normal(spending: str, sides: int) -> None:
    rates = np.array([0.3, 0.55, 0.8, 1.0])
    design = group_sequential_design(
        looks=4, alpha=0.05, sides=sides, spending=spending, information_rates=rates
    )
    b = np.array(design.critical_z)
    lower = -b if sides == 2 else np.full(4, -np.inf)
    alpha = 1.0 - _mvn_no_crossing(rates, b, lower)
    assert alpha == pytest.approx(0.05, abs=2e-5)
    assert design.cumulative_alpha[-1] == pytest.approx(0.05, abs=1e-6)


def test_spending_functions_at_known_points() -> None:
    z = norm.ppf(1 - 0.025 / 2)
    assert alpha_spending(spending="obrien-fleming", alpha=0.025, t=0.25) == pytest.approx(
        2 * norm.sf(z / 0.5)
    )
    assert alpha_spending(spending="pocock", alpha=0.05, t=1.0) == pytest.approx(0.05)
    assert alpha_spending(spending="obrien-fleming", alpha=0.05, t=0.0) == 0.0


def test_single_look_is_the_fixed_design() -> None:
    assert group_sequential_design(looks=1, sides=2).critical_z[0] == pytest.approx(norm.ppf(0.975))
    one = group_sequential_design(looks=1, alpha=0.025, sides=1, spending="pocock")
    assert one.critical_z[0] == pytest.approx(norm.ppf(0.975))


def test_invalid_rates_are_refused_and_partial_rates_warn() -> None:
    with pytest.raises(ValueError, match=re.escape(ERR_RATES)):
        group_sequential_design(looks=2, information_rates=[0.6, 0.5])
    part = group_sequential_design(looks=2, information_rates=[0.3, 0.6])
    assert WARN_RATES_NOT_ENDING_AT_ONE in part.warnings
    assert part.cumulative_alpha[-1] < 0.05


def test_harm_boundary_is_one_sided_at_its_own_level() -> None:
    design = group_sequential_design(looks=1, harm_alpha=0.1, harm_spending="pocock")
    assert design.harm_z is not None
    assert design.harm_z[0] == pytest.approx(-norm.ppf(0.9))
    multi = group_sequential_design(looks=3, harm_alpha=0.1)
    assert multi.harm_z is not None
    rates = np.array(multi.information_rates)
    upper = -np.array(multi.harm_z)
    harm_alpha = 1.0 - _mvn_no_crossing(rates, upper, np.full(3, -np.inf))
    assert harm_alpha == pytest.approx(0.1, abs=2e-5)


def test_recommendations_per_look() -> None:
    design = group_sequential_design(
        looks=3, spending="obrien-fleming", harm_alpha=0.1, futility_z=0.0
    )
    dec = evaluate_looks(design=design, z_statistics=[0.5, -0.2, 1.0])
    assert [d.recommendation for d in dec] == [
        RECOMMEND_CONTINUE,
        RECOMMEND_CONSIDER_FUTILITY,
        RECOMMEND_FINAL_NOT_SIGNIFICANT,
    ]
    assert dec[0].cumulative_alpha == pytest.approx(design.cumulative_alpha[0])
    assert dec[0].nominal_alpha == pytest.approx(2 * norm.sf(design.critical_z[0]))
    benefit = evaluate_looks(design=design, z_statistics=[4.0, 1.0])
    assert benefit[0].recommendation == RECOMMEND_STOP_BENEFIT
    assert WARN_STOPPED_EARLIER in benefit[1].warnings
    assert design.harm_z is not None
    harm = evaluate_looks(design=design, z_statistics=[design.harm_z[0] - 0.01])
    assert harm[0].recommendation == RECOMMEND_STOP_HARM
    missing = evaluate_looks(design=design, z_statistics=[math.nan])
    assert WARN_MISSING_Z in missing[0].warnings


def test_observed_information_recomputes_spending_boundaries() -> None:
    design = group_sequential_design(looks=3, spending="obrien-fleming")
    dec = evaluate_looks(design=design, z_statistics=[1.0], observed_information_rates=[0.5])
    direct = group_sequential_design(looks=3, information_rates=[0.5, 2 / 3, 1.0])
    assert dec[0].efficacy_z == pytest.approx(direct.critical_z[0])
    assert dec[0].information_rate == 0.5


def _simulate(design, drift: float, n_trials: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    rates = np.array(design.information_rates)
    inc = np.diff(np.concatenate(([0.0], rates)))
    s = np.cumsum(rng.normal(drift * inc, np.sqrt(inc), size=(n_trials, rates.size)), axis=1)
    z = s / np.sqrt(rates)
    b = np.array(design.critical_z)
    hit = z >= b if design.sides == 1 else np.abs(z) >= b
    return float(hit.any(axis=1).mean())


@pytest.mark.slow
@pytest.mark.parametrize("spending", ALL_SPENDING)
@pytest.mark.parametrize("sides", [1, 2])
def test_type_one_error_by_simulation(spending: str, sides: int) -> None:
    design = group_sequential_design(looks=5, alpha=0.05, sides=sides, spending=spending)
    n = 200_000
    rate = _simulate(design, 0.0, n, seed=11)
    assert abs(rate - 0.05) < 4 * math.sqrt(0.05 * 0.95 / n)


@pytest.mark.slow
@pytest.mark.parametrize("spending", ["obrien-fleming", "classic-pocock"])
def test_inflated_sample_size_has_the_power_by_simulation(spending: str) -> None:
    design = group_sequential_design(looks=4, alpha=0.05, sides=2, spending=spending)
    r = inflation_factor(design=design, power=0.9)
    drift = math.sqrt(r) * (norm.ppf(0.975) + norm.ppf(0.9))
    assert rejection_probability(design=design, drift=drift) == pytest.approx(0.9, abs=1e-6)
    n = 100_000
    assert abs(_simulate(design, drift, n, seed=12) - 0.9) < 4 * math.sqrt(0.09 / n)
    assert r > 1.0


def test_observed_information_beyond_the_next_planned_look() -> None:
    design = group_sequential_design(looks=3, spending="pocock")
    dec = evaluate_looks(design=design, z_statistics=[1.0], observed_information_rates=[0.8])
    direct = group_sequential_design(looks=2, spending="pocock", information_rates=[0.8, 1.0])
    assert dec[0].efficacy_z == pytest.approx(direct.critical_z[0])
    assert dec[0].recommendation == RECOMMEND_CONTINUE
    final = evaluate_looks(
        design=design, z_statistics=[1.0, 1.0], observed_information_rates=[0.8, 1.0]
    )
    assert final[1].recommendation == RECOMMEND_FINAL_NOT_SIGNIFICANT


def test_non_increasing_observed_information_falls_back_with_a_warning() -> None:
    from seedbed.stats.monitoring import WARN_OBSERVED_RATES_IGNORED

    design = group_sequential_design(looks=3)
    dec = evaluate_looks(
        design=design, z_statistics=[0.1, 0.2], observed_information_rates=[0.4, 0.4]
    )
    assert WARN_OBSERVED_RATES_IGNORED in dec[0].warnings
    assert dec[0].efficacy_z == pytest.approx(design.critical_z[0])


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"looks": 2.5}, "looks must be"),
        ({"looks": 3, "alpha": float("nan")}, "alpha must lie"),
        ({"looks": 2, "information_rates": [0.5, float("nan")]}, "information rates must"),
        ({"looks": 3, "harm_alpha": float("nan")}, "alpha must lie"),
        ({"looks": 3, "futility_z": float("nan")}, "futility_z must be"),
        ({"looks": 3, "futility_z": [0.1, 0.2]}, "futility_z must be"),
    ],
)
def test_boundaries_refuse_misleading_input(kwargs, problem) -> None:
    from seedbed.stats.boundaries import ERR_ALPHA, ERR_FUTILITY, ERR_LOOKS

    with pytest.raises(ValueError, match=f"^{problem}") as err:
        group_sequential_design(**kwargs)
    assert str(err.value) in (ERR_ALPHA, ERR_FUTILITY, ERR_LOOKS, ERR_RATES)


def test_rejection_probability_refuses_a_nan_drift() -> None:
    from seedbed.stats.boundaries import rejection_probability

    with pytest.raises(ValueError, match="drift"):
        rejection_probability(design=group_sequential_design(looks=2), drift=float("nan"))
