"""Sharp regression discontinuity (seedbed.stats.rd) against rdrobust, the reference
implementation by the method's authors (a test-only dependency), on generated data and on the
U.S. Senate data set rdrobust ships; simulation checks of interval coverage and of the density
(manipulation) test; degenerate input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from seedbed.stats.rd import (
    ASSUMPTIONS,
    WARN_RD_CONSTANT_OUTCOME,
    WARN_RD_DENSITY_JUMP,
    WARN_RD_FEW_NEAR_CUTOFF,
    WARN_RD_MASS_POINTS,
    WARN_RD_MISSING_ROWS_DROPPED,
    WARN_RD_NO_DATA_ON_A_SIDE,
    WARN_RD_TOO_FEW_FOR_BANDWIDTH,
    WARN_RD_WEAK_FIRST_STAGE,
    rd_estimate,
)
from seedbed.stats.rd_density import WARN_DENSITY_NOT_TESTED, density_test
from seedbed.stats.warnings import WARNING_TEXT

POINT = 1e-6  # point estimates and bandwidths
SE = 1e-6  # standard errors (the acceptance bound is 2%; they agree far more closely)


def _rdrobust(y: np.ndarray, x: np.ndarray, c: float):
    rdrobust = pytest.importorskip("rdrobust").rdrobust
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rdrobust(y, x, c=c)


def _data(kind: str, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        x = rng.uniform(-1, 1, 1000)
        y = 0.5 + 0.8 * x - 0.6 * x**2 + 0.3 * (x >= 0) + rng.normal(0, 0.3, x.size)
        return x, y, 0.0
    if kind == "skewed_score":  # an exam score with its pass mark at 60
        x = 100 * rng.beta(2, 2.5, 2500)
        y = 20 + 0.15 * x + 0.002 * (x - 60) ** 2 - 2.0 * (x >= 60) + rng.normal(0, 3, x.size)
        return x, y, 60.0
    if kind == "heteroskedastic":  # deprivation score, grant above 0.3; noise grows with x
        x = rng.normal(0.2, 0.5, 800)
        y = np.sin(2 * x) + 0.5 * (x >= 0.3) + rng.normal(0, 0.2 + 0.4 * np.abs(x), x.size)
        return x, y, 0.3
    if kind == "mass_points":  # age in whole months around a 65-year threshold
        x = np.round(rng.uniform(55, 75, 1500) * 12) / 12
        y = 3 + 0.05 * x + 0.8 * (x >= 65) + rng.normal(0, 1, x.size)
        return x, y, 65.0
    raise AssertionError(kind)


@pytest.mark.parametrize("kind,seed", [("uniform", 1), ("uniform", 2), ("skewed_score", 3),
                                       ("heteroskedastic", 4), ("mass_points", 5)])
def test_sharp_rd_matches_rdrobust(kind: str, seed: int) -> None:
    x, y, c = _data(kind, seed)
    ref = _rdrobust(y, x, c)
    res = rd_estimate(running=x, outcome=y, cutoff=c)
    assert res.bandwidth == pytest.approx(ref.bws.iloc[0, 0], rel=POINT)
    assert res.bandwidth_bias == pytest.approx(ref.bws.iloc[1, 0], rel=POINT)
    assert res.estimate == pytest.approx(ref.coef.iloc[0, 0], rel=POINT, abs=POINT)
    assert res.estimate_bias_corrected == pytest.approx(ref.coef.iloc[2, 0], rel=POINT, abs=POINT)
    assert res.se_conventional == pytest.approx(ref.se.iloc[0, 0], rel=SE)
    assert res.se_robust == pytest.approx(ref.se.iloc[2, 0], rel=SE)
    np.testing.assert_allclose(res.ci_robust, ref.ci.iloc[2].to_numpy(), rtol=POINT)
    assert res.p_robust == pytest.approx(ref.pv.iloc[2, 0], rel=1e-5)
    assert (res.n_left, res.n_right) == tuple(int(n) for n in ref.N_h)
    assert (res.n_total_left, res.n_total_right) == tuple(int(n) for n in ref.N)
    assert (WARN_RD_MASS_POINTS in res.warnings) == (kind == "mass_points")


def test_senate_data_matches_rdrobust_and_the_published_estimate() -> None:
    datasets = pytest.importorskip("rdrobust.datasets")
    senate = datasets.rdrobust_RDsenate()
    x, y = senate["margin"].to_numpy(float), senate["vote"].to_numpy(float)
    ref = _rdrobust(y, x, 0.0)
    res = rd_estimate(running=x, outcome=y, cutoff=0.0)
    assert res.estimate == pytest.approx(ref.coef.iloc[0, 0], rel=POINT)
    assert res.estimate_bias_corrected == pytest.approx(ref.coef.iloc[2, 0], rel=POINT)
    assert res.se_robust == pytest.approx(ref.se.iloc[2, 0], rel=SE)
    assert res.bandwidth == pytest.approx(ref.bws.iloc[0, 0], rel=POINT)
    # Calonico, Cattaneo, Farrell & Titiunik (Stata J 2017), table for the senate data:
    # 7.414 (h = 17.754), robust 95% CI [4.094, 10.919], 360 and 323 effective observations
    assert round(res.estimate, 3) == 7.414
    assert round(res.bandwidth, 3) == 17.754
    assert [round(v, 3) for v in res.ci_robust] == [4.094, 10.919]
    assert (res.n_left, res.n_right) == (360, 323)
    assert WARN_RD_MISSING_ROWS_DROPPED in res.warnings  # rows without a later vote
    assert WARN_RD_DENSITY_JUMP not in res.warnings


def test_a_fixed_bandwidth_matches_rdrobust() -> None:
    x, y, c = _data("uniform", 7)
    rdrobust = pytest.importorskip("rdrobust").rdrobust
    ref = rdrobust(y, x, c=c, h=0.3)
    res = rd_estimate(running=x, outcome=y, cutoff=c, bandwidth=0.3)
    assert res.estimate == pytest.approx(ref.coef.iloc[0, 0], rel=POINT)
    assert res.se_robust == pytest.approx(ref.se.iloc[2, 0], rel=SE)


def test_result_names_its_assumptions_and_every_warning_has_a_sentence() -> None:
    x, y, c = _data("uniform", 8)
    res = rd_estimate(running=x, outcome=y, cutoff=c)
    assert res.assumptions == ASSUMPTIONS and len(ASSUMPTIONS) >= 3
    for code in (WARN_RD_DENSITY_JUMP, WARN_RD_FEW_NEAR_CUTOFF, WARN_RD_MASS_POINTS,
                 WARN_RD_MISSING_ROWS_DROPPED, WARN_RD_NO_DATA_ON_A_SIDE,
                 WARN_RD_TOO_FEW_FOR_BANDWIDTH, WARN_DENSITY_NOT_TESTED):
        assert code in WARNING_TEXT
    assert res.bins and {b.side for b in res.bins} == {"left", "right"}
    assert sum(b.n for b in res.bins) == x.size
    assert all(b.x_mean < c for b in res.bins if b.side == "left")
    assert all(b.x_mean >= c for b in res.bins if b.side == "right")


def _fuzzy(seed: int, one_sided: bool = False, jump: float = 0.6,
           n: int = 2000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Take-up jumps from 0.2 (or 0: one-sided compliance) to 0.2 + ``jump`` at 0."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    chance = np.where(x >= 0, 0.2 + jump, 0.0 if one_sided else 0.2) + 0.1 * x
    t = (rng.uniform(size=n) < np.clip(chance, 0, 1)).astype(float)
    y = 0.5 + 0.8 * x + 1.5 * t + rng.normal(0, 0.5, n)
    return x, y, t


@pytest.mark.parametrize("seed,one_sided", [(21, False), (22, False), (23, True)])
def test_fuzzy_rd_matches_rdrobust(seed: int, one_sided: bool) -> None:
    x, y, t = _fuzzy(seed, one_sided)
    rdrobust = pytest.importorskip("rdrobust").rdrobust
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = rdrobust(y, x, fuzzy=t)
    res = rd_estimate(running=x, outcome=y, treatment=t)
    assert res.design == "fuzzy" and res.first_stage is not None
    assert res.bandwidth == pytest.approx(ref.bws.iloc[0, 0], rel=POINT)
    assert res.estimate == pytest.approx(ref.coef.iloc[0, 0], rel=POINT)
    assert res.estimate_bias_corrected == pytest.approx(ref.coef.iloc[2, 0], rel=POINT)
    assert res.se_conventional == pytest.approx(ref.se.iloc[0, 0], rel=SE)
    assert res.se_robust == pytest.approx(ref.se.iloc[2, 0], rel=SE)
    assert res.first_stage.estimate == pytest.approx(ref.tau_T.iloc[0, 0], rel=POINT)
    assert res.first_stage.se_robust == pytest.approx(ref.se_T.iloc[2, 0], rel=SE)
    assert WARN_RD_WEAK_FIRST_STAGE not in res.warnings


@pytest.mark.parametrize("kind,seed", [("uniform", 41), ("skewed_score", 42),
                                       ("heteroskedastic", 43)])
def test_sharp_local_fits_match_rdrobust_and_their_gap_is_the_estimate(kind: str,
                                                                       seed: int) -> None:
    x, y, c = _data(kind, seed)
    ref = _rdrobust(y, x, c)
    res = rd_estimate(running=x, outcome=y, cutoff=c)
    assert res.fit is not None
    for line, beta in ((res.fit.left, ref.beta_p_l), (res.fit.right, ref.beta_p_r)):
        coef = np.asarray(beta, dtype=float).reshape(2, -1)[:, 0]
        assert line.intercept == pytest.approx(coef[0], rel=POINT, abs=POINT)
        assert line.slope == pytest.approx(coef[1], rel=POINT, abs=POINT)
    gap = res.fit.right.intercept - res.fit.left.intercept
    assert gap == pytest.approx(res.estimate, rel=1e-12, abs=1e-12)


def test_fuzzy_local_fits_are_the_outcomes_and_their_gap_is_its_jump() -> None:
    x, y, t = _fuzzy(25, False)
    rdrobust = pytest.importorskip("rdrobust").rdrobust
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = rdrobust(y, x, fuzzy=t)
    res = rd_estimate(running=x, outcome=y, treatment=t)
    assert res.fit is not None and res.first_stage is not None
    for line, beta in ((res.fit.left, ref.beta_p_l), (res.fit.right, ref.beta_p_r)):
        coef = np.asarray(beta, dtype=float)[:, 0]  # column 0: the outcome, 1: take-up
        assert line.intercept == pytest.approx(coef[0], rel=POINT, abs=POINT)
        assert line.slope == pytest.approx(coef[1], rel=POINT, abs=POINT)
    gap = res.fit.right.intercept - res.fit.left.intercept
    assert gap == pytest.approx(res.estimate * res.first_stage.estimate, rel=1e-9)
    assert gap != pytest.approx(res.estimate, rel=1e-3)


def test_fuzzy_rd_with_a_weak_first_stage_warns() -> None:
    x, y, t = _fuzzy(24, jump=0.03, n=600)
    res = rd_estimate(running=x, outcome=y, treatment=t)
    assert WARN_RD_WEAK_FIRST_STAGE in res.warnings
    assert WARN_RD_WEAK_FIRST_STAGE in WARNING_TEXT


# --- degenerate input -------------------------------------------------------------------

def test_no_observations_on_one_side_gives_nan_with_a_warning() -> None:
    x = np.linspace(0.1, 1, 50)
    res = rd_estimate(running=x, outcome=x, cutoff=0.0)
    assert math.isnan(res.estimate) and math.isnan(res.se_robust) and res.fit is None
    assert WARN_RD_NO_DATA_ON_A_SIDE in res.warnings


def test_too_few_distinct_scores_gives_nan_with_a_warning() -> None:
    x = np.array([-1.0] * 30 + [-0.5] * 30 + [0.5] * 30 + [1.0] * 30)
    res = rd_estimate(running=x, outcome=np.arange(x.size, dtype=float), cutoff=0.0)
    assert math.isnan(res.estimate)
    assert WARN_RD_TOO_FEW_FOR_BANDWIDTH in res.warnings


def test_a_constant_outcome_is_named_as_the_reason() -> None:
    x = np.random.default_rng(5).uniform(-1, 1, 200)
    res = rd_estimate(running=x, outcome=np.ones_like(x), cutoff=0.0)
    assert math.isnan(res.estimate)
    assert WARN_RD_CONSTANT_OUTCOME in res.warnings and WARN_RD_CONSTANT_OUTCOME in WARNING_TEXT
    assert WARN_RD_FEW_NEAR_CUTOFF not in res.warnings
    assert WARN_RD_TOO_FEW_FOR_BANDWIDTH not in res.warnings


def test_very_small_sample_uses_the_whole_range_and_warns() -> None:
    rng = np.random.default_rng(9)
    x = rng.uniform(-1, 1, 16)
    y = x + (x >= 0) + rng.normal(0, 0.1, x.size)
    res = rd_estimate(running=x, outcome=y, cutoff=0.0)
    assert WARN_RD_FEW_NEAR_CUTOFF in res.warnings
    assert res.bandwidth == pytest.approx(max(-x.min(), x.max()))
    ref = _rdrobust(y, x, 0.0)
    assert res.estimate == pytest.approx(ref.coef.iloc[0, 0], rel=POINT)


def test_missing_values_are_dropped_with_a_warning() -> None:
    x, y, c = _data("uniform", 10)
    y = y.copy()
    y[:5] = np.nan
    res = rd_estimate(running=x, outcome=y, cutoff=c)
    clean = rd_estimate(running=x[5:], outcome=y[5:], cutoff=c)
    assert WARN_RD_MISSING_ROWS_DROPPED in res.warnings
    assert res.estimate == clean.estimate


def test_impossible_alpha_is_refused() -> None:
    with pytest.raises(ValueError, match="alpha"):
        rd_estimate(running=np.arange(30.0), outcome=np.arange(30.0), cutoff=10, alpha=1.5)


# --- the density (manipulation) test ------------------------------------------------------

def test_density_test_rejects_when_people_move_over_the_cutoff() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(0, 1, 2000)
    moved = (x < 0) & (x > -0.3) & (rng.uniform(size=x.size) < 0.4)
    x[moved] = -x[moved]
    y = x + rng.normal(0, 1, x.size)
    assert density_test(running=x, cutoff=0.0).p < 0.001
    assert WARN_RD_DENSITY_JUMP in rd_estimate(running=x, outcome=y, cutoff=0.0).warnings


def test_density_test_of_a_tiny_sample_is_not_run() -> None:
    res = density_test(running=np.array([-1.0, 1.0, 2.0]), cutoff=0.0)
    assert math.isnan(res.p) and WARN_DENSITY_NOT_TESTED in res.warnings
    x = np.linspace(-1, 1, 16)
    assert WARN_DENSITY_NOT_TESTED in rd_estimate(running=x, outcome=x, cutoff=0.05).warnings


def test_density_test_size_under_no_manipulation() -> None:
    rng = np.random.default_rng(12)
    p = [density_test(running=rng.normal(0, 1, 1000), cutoff=0.25).p for _ in range(300)]
    rejected = float(np.mean(np.array(p) < 0.05))
    assert 0.01 <= rejected <= 0.11


@pytest.mark.slow
def test_robust_interval_covers_the_true_jump_near_nominal_rate() -> None:
    rng = np.random.default_rng(13)
    reps, covered = 300, 0
    for _ in range(reps):
        x = rng.uniform(-1, 1, 500)
        y = 0.5 + 0.8 * x - 0.6 * x**2 + 0.4 * (x >= 0) + rng.normal(0, 0.3, x.size)
        lo, hi = rd_estimate(running=x, outcome=y, cutoff=0.0).ci_robust
        covered += lo <= 0.4 <= hi
    # 95% nominal; with 300 replications the simulation's own standard error is 1.3 points
    assert 0.90 <= covered / reps <= 0.985
