"""Interrupted time series (seedbed.stats.its) against statsmodels.

The same design matrix fitted by statsmodels OLS with ``cov_type="HAC"`` (Bartlett kernel,
the same lag, ``use_correction=True``), and its Breusch-Godfrey test; point estimates to
1e-6, standard errors to 2%. Intervals and p-values use the simulated distribution of the
t-statistic (not t on n - k df): its critical value is checked against statsmodels fits of
independently generated AR(1) series, and the intervals' coverage by simulation. Plus
degenerate input.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats as sps

from seedbed.stats.its import (
    ERR_DUPLICATE_TIME,
    LAG_RULE,
    WARN_ITS_AUTOCORRELATION,
    WARN_ITS_AUTOCORRELATION_UNCHECKED,
    WARN_ITS_EXACT_FIT,
    WARN_ITS_FEW_POINTS,
    WARN_ITS_MISSING_ROWS,
    WARN_ITS_NO_SEGMENT,
    ITSResult,
    its_segmented,
    newey_west_lag,
)
from seedbed.stats.warnings import WARNING_TEXT

EST_TOL = 1e-6
SE_REL_TOL = 0.02


def series(seed: int, n: int = 60, start: int = 36, phi: float = 0.5,
           level: float = -4.0, slope: float = -0.3, seasonal: bool = False
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monthly counts around a trend, with AR(1) noise and an optional seasonal pattern."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, n + 1, dtype=float)
    e = np.zeros(n)
    for i in range(n):
        e[i] = (phi * e[i - 1] if i else 0.0) + rng.normal(0, 1.5)
    month = (t.astype(int) - 1) % 12
    y = 50 + 0.2 * t + e + (t >= start) * (level + slope * (t - start))
    if seasonal:
        y = y + 3 * np.sin(2 * np.pi * month / 12)
    return t, y, month


def _oracle(x: np.ndarray, y: np.ndarray, lag: int) -> tuple[Any, float]:
    sm = pytest.importorskip("statsmodels.api")
    fit = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": lag, "use_correction": True},
                           use_t=True)
    from statsmodels.stats.diagnostic import acorr_breusch_godfrey

    return fit, acorr_breusch_godfrey(fit, nlags=max(lag, 1), result_object=False)[1]


def _design(t: np.ndarray, start: float, month: np.ndarray | None = None) -> np.ndarray:
    post = t >= start
    t0 = t[post][0]
    cols = [np.ones_like(t), t, post.astype(float), np.where(post, t - t0, 0.0)]
    if month is not None:
        cols += [(month == m).astype(float) for m in sorted(set(month.tolist()))[1:]]
    return np.column_stack(cols)


def _check(res: ITSResult, fit: Any, bg_p: float) -> None:
    assert res.level_change == pytest.approx(fit.params[2], abs=EST_TOL)
    assert res.slope_change == pytest.approx(fit.params[3], abs=EST_TOL)
    assert res.se_level == pytest.approx(fit.bse[2], rel=SE_REL_TOL)
    assert res.se_slope == pytest.approx(fit.bse[3], rel=SE_REL_TOL)
    assert res.ci_level[0] == pytest.approx(fit.params[2] - res.critical_level * fit.bse[2],
                                            rel=SE_REL_TOL)
    assert res.ci_slope[1] == pytest.approx(fit.params[3] + res.critical_slope * fit.bse[3],
                                            rel=SE_REL_TOL)
    # never narrower than the t(n - k) interval the method replaces
    assert res.critical_level >= sps.t.ppf(0.975, fit.df_resid)
    assert res.autocorrelation_p == pytest.approx(bg_p, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_single_series_matches_statsmodels_hac(seed: int) -> None:
    t, y, _ = series(seed)
    res = its_segmented(time=t, outcome=y, start=36)
    assert res.lag == newey_west_lag(60) == 3 and res.lag_rule == LAG_RULE
    fit, bg = _oracle(_design(t, 36), y, res.lag)
    _check(res, fit, bg)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_seasons_and_a_given_lag_match_statsmodels(seed: int) -> None:
    t, y, month = series(seed, n=72, start=40, seasonal=True)
    res = its_segmented(time=t, outcome=y, start=39.5, season=month, lags=6)
    assert res.first_post_time == 40 and res.lag == 6
    fit, bg = _oracle(_design(t, 39.5, month), y, 6)
    _check(res, fit, bg)


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_comparison_series_is_the_difference_in_changes(seed: int) -> None:
    t, y, _ = series(seed)
    _, comp, _ = series(seed + 100, level=0.0, slope=0.0)
    res = its_segmented(time=t, outcome=y, start=36, comparison=comp)
    fit, bg = _oracle(_design(t, 36), y - comp, res.lag)
    _check(res, fit, bg)
    # the difference model equals the fully interacted model on both series stacked
    sm = pytest.importorskip("statsmodels.api")
    x = _design(t, 36)
    z = np.r_[np.ones_like(t), np.zeros_like(t)][:, None]
    stacked = np.column_stack([np.r_[x, x], z * np.r_[x, x]])
    params = sm.OLS(np.r_[y, comp], stacked).fit().params
    assert res.level_change == pytest.approx(params[6], abs=EST_TOL)
    assert res.slope_change == pytest.approx(params[7], abs=EST_TOL)


def test_series_points_give_the_plot() -> None:
    t, y, _ = series(10)
    res = its_segmented(time=t[::-1], outcome=y[::-1], start=36)  # any row order
    assert [p.time for p in res.series] == t.tolist()
    before = [p for p in res.series if not p.post]
    assert before
    assert all(p.fitted == pytest.approx(p.counterfactual) for p in before)
    first = next(p for p in res.series if p.post)
    assert first.fitted - first.counterfactual == pytest.approx(res.level_change)


def test_autocorrelation_and_short_series_are_warned_in_plain_words() -> None:
    t, y, _ = series(11, n=20, start=15, phi=0.95)
    res = its_segmented(time=t, outcome=y, start=15)
    assert WARN_ITS_FEW_POINTS in res.warnings
    t, y, _ = series(12, n=120, start=60, phi=0.9)
    res = its_segmented(time=t, outcome=y, start=60)
    assert WARN_ITS_AUTOCORRELATION in res.warnings
    assert all(code in WARNING_TEXT for code in res.warnings)


def test_degenerate_series_give_nan_not_errors() -> None:
    t, y, _ = series(13)
    res = its_segmented(time=t, outcome=y, start=100)
    assert math.isnan(res.level_change) and WARN_ITS_NO_SEGMENT in res.warnings
    y2 = y.copy()
    y2[5] = np.nan
    res = its_segmented(time=t, outcome=y2, start=36)
    assert WARN_ITS_MISSING_ROWS in res.warnings and res.n == 59
    with pytest.raises(ValueError, match=ERR_DUPLICATE_TIME.split("{")[0]):
        its_segmented(time=np.r_[t, 5.0], outcome=np.r_[y, 1.0], start=36)


def test_level_change_intervals_cover_the_truth() -> None:
    """200 simulated series (n = 80, AR(1) noise, phi = 0.3): the 95% Newey-West interval of
    the level change should cover the true -4 about 95% of the time (0.92 to 0.99)."""
    hits = 0
    for rep in range(200):
        t, y, _ = series(1000 + rep, n=80, start=40, phi=0.3)
        res = its_segmented(time=t, outcome=y, start=40)
        hits += res.ci_level[0] <= -4.0 <= res.ci_level[1]
    assert 0.92 <= hits / 200 <= 0.99


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    e = np.empty(n)
    e[0] = rng.normal(0, 1 / math.sqrt(1 - phi**2))
    for i in range(1, n):
        e[i] = phi * e[i - 1] + rng.normal()
    return e


@pytest.mark.slow
@pytest.mark.parametrize(("n", "phi"), [(36, 0.0), (36, 0.5), (48, 0.0), (48, 0.5),
                                        (120, 0.5)])
def test_intervals_cover_in_council_length_series(n: int, phi: float) -> None:
    """400 series each (seed fixed): level and slope intervals cover the truth at least 92%
    of the time with AR(1) noise up to 0.5 (t on n - k df covered 75-87%)."""
    rng = np.random.default_rng(1400 + n + int(10 * phi))
    t = np.arange(1, n + 1, dtype=float)
    start = n // 2 + 1
    hits_level = hits_slope = 0
    for _ in range(400):
        y = 10 + 0.2 * t + (t >= start) * (-2 - 0.1 * (t - start)) + _ar1(rng, n, phi)
        res = its_segmented(time=t, outcome=y, start=start)
        hits_level += res.ci_level[0] <= -2 <= res.ci_level[1]
        hits_slope += res.ci_slope[0] <= -0.1 <= res.ci_slope[1]
    assert 0.92 <= hits_level / 400 <= 0.99
    assert 0.92 <= hits_slope / 400 <= 0.99


@pytest.mark.slow
def test_critical_value_and_p_match_statsmodels_fits_of_ar1_series() -> None:
    """The stated reference distribution, rebuilt independently: 1000 AR(1) series with the
    stated rho, each fitted by statsmodels with the same design and lag; the 95% quantile
    of |t| and the share beyond the observed |t| agree to Monte Carlo error."""
    sm = pytest.importorskip("statsmodels.api")
    t, y, _ = series(21, n=48, start=25, phi=0.4)
    res = its_segmented(time=t, outcome=y, start=25)
    assert "AR(1)" in res.reference and 0 < res.reference_rho < 0.95
    x = _design(t, 25)
    rng = np.random.default_rng(77)
    stats = []
    for _ in range(1000):
        fit = sm.OLS(_ar1(rng, 48, res.reference_rho), x).fit(
            cov_type="HAC", cov_kwds={"maxlags": res.lag, "use_correction": True})
        stats.append(abs(fit.tvalues[2]))
    assert res.critical_level == pytest.approx(np.quantile(stats, 0.95), rel=0.06)
    observed = abs(res.level_change / res.se_level)
    assert res.p_level == pytest.approx(np.mean(np.array(stats) >= observed), abs=0.03)


def test_a_lag_too_long_is_refused_or_its_unchecked_autocorrelation_warned() -> None:
    t, y, _ = series(22, n=40, start=21)
    with pytest.raises(ValueError, match=r"lags \(100\) must be fewer than the 40 periods"):
        its_segmented(time=t, outcome=y, start=21, lags=100)
    res = its_segmented(time=t, outcome=y, start=21, lags=39)
    assert math.isnan(res.autocorrelation_p)
    assert WARN_ITS_AUTOCORRELATION_UNCHECKED in res.warnings
    assert WARN_ITS_AUTOCORRELATION_UNCHECKED in WARNING_TEXT


def test_unevenly_spaced_periods_are_refused_naming_the_gap() -> None:
    """Months coded YYYYMM jump from 202112 to 202201: a straight trend in those numbers
    bends the fit, so they are refused with the gap named; so is an absent period."""
    months = np.array([y * 100 + m for y in (2021, 2022) for m in range(1, 13)], dtype=float)
    y = np.arange(24, dtype=float)
    with pytest.raises(ValueError, match="202112 is followed by 202201, a gap of 89 where "
                                         "the usual gap is 1"):
        its_segmented(time=months, outcome=y, start=202207)
    t = np.r_[np.arange(1, 12), np.arange(13, 30)].astype(float)
    with pytest.raises(ValueError, match="11 is followed by 13, a gap of 2"):
        its_segmented(time=t, outcome=np.arange(t.size, dtype=float), start=20)
    res = its_segmented(time=np.arange(1, 25.0), outcome=y, start=13)  # 1..24 is accepted
    assert res.n == 24


def test_the_lag_rule_counts_the_periods_used_not_the_rows() -> None:
    """100 rows, the first and last without an outcome: the rule gives floor(4 (98/100)^(2/9))
    = 3 (100 rows would give 4), and the errors match statsmodels on the 98 periods used."""
    t, y, _ = series(41, n=100, start=50)
    y = y.copy()
    y[[0, 99]] = np.nan
    res = its_segmented(time=t, outcome=y, start=50)
    assert (res.n, res.lag) == (98, 3) and math.floor(4 * (100 / 100) ** (2 / 9)) == 4
    used = np.isfinite(y)
    fit, bg_p = _oracle(_design(t[used], 50), y[used], 3)
    _check(res, fit, bg_p)
    assert WARN_ITS_MISSING_ROWS in res.warnings


@pytest.mark.parametrize("outcome", [np.full(48, 5.0), 3.0 + 0.5 * np.arange(48.0)])
def test_an_outcome_on_straight_lines_gives_no_estimate_rather_than_rounding_noise(
        outcome: np.ndarray) -> None:
    res = its_segmented(time=np.arange(1.0, 49.0), outcome=outcome, start=25.0)
    assert WARN_ITS_EXACT_FIT in res.warnings and WARN_ITS_EXACT_FIT in WARNING_TEXT
    assert math.isnan(res.level_change) and math.isnan(res.p_level)
