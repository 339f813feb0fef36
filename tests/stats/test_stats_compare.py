"""Comparisons from summary statistics against statsmodels and scipy, plus coverage by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as sps

from seedbed.stats.adjustment import compare_means_adjusted
from seedbed.stats.bayes import WARN_NO_STANDARD_ERROR, normal_posterior
from seedbed.stats.compare import (
    WARN_SMALL_COUNTS,
    WARN_ZERO_CONTROL,
    WARN_ZERO_EVENTS,
    compare_means,
    compare_proportions,
    compare_ratios,
)
from seedbed.stats.exact import WARN_ZERO_CELL, fisher_exact_test
from seedbed.stats.sequential_ci import sequential_comparison
from seedbed.stats.summaries import (
    WARN_EMPTY_ARM,
    WARN_SMALL_SAMPLE,
    WARN_ZERO_VARIANCE,
    MeanSummary,
    PairedSummary,
    ProportionSummary,
)

sm = pytest.importorskip("statsmodels.api")
ws = pytest.importorskip("statsmodels.stats.weightstats")
prop = pytest.importorskip("statsmodels.stats.proportion")


def _mean(a: np.ndarray) -> MeanSummary:
    return MeanSummary(a.size, float(a.sum()), float((a * a).sum()))


def _paired(y: np.ndarray, x: np.ndarray) -> PairedSummary:
    return PairedSummary(y.size, y.sum(), (y * y).sum(), x.sum(), (x * x).sum(), (x * y).sum())


@pytest.mark.parametrize("seed", range(5))
def test_welch_matches_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    c = rng.normal(10, 2, rng.integers(5, 80))
    t = rng.normal(10.5, 4, rng.integers(5, 80))
    res = compare_means(control=_mean(c), treatment=_mean(t), alpha=0.1)
    stat, p, df = ws.ttest_ind(t, c, usevar="unequal")
    ci = ws.CompareMeans(ws.DescrStatsW(t), ws.DescrStatsW(c)).tconfint_diff(
        alpha=0.1, usevar="unequal"
    )
    assert res.effect == pytest.approx(t.mean() - c.mean(), rel=1e-10)
    assert res.effect / res.se == pytest.approx(stat, rel=1e-9)
    assert res.p == pytest.approx(p, rel=1e-8)
    assert res.df == pytest.approx(df, rel=1e-9)
    np.testing.assert_allclose(res.ci, ci, rtol=1e-9)


@pytest.mark.parametrize(
    ("xc", "nc", "xt", "nt"), [(40, 200, 60, 210), (5, 30, 12, 31), (480, 1000, 520, 1000)]
)
def test_proportions_match_statsmodels_wald(xc, nc, xt, nt) -> None:
    res = compare_proportions(
        control=ProportionSummary(nc, xc), treatment=ProportionSummary(nt, xt)
    )
    ref = prop.test_proportions_2indep(xt, nt, xc, nc, method="wald", compare="diff")
    ci = prop.confint_proportions_2indep(xt, nt, xc, nc, method="wald", compare="diff")
    assert res.p == pytest.approx(ref.pvalue, rel=1e-9)
    np.testing.assert_allclose(res.ci, ci, rtol=1e-9)


def test_ratio_metric_with_unit_denominator_is_a_mean() -> None:
    rng = np.random.default_rng(3)
    c, t = rng.normal(5, 1, 300), rng.normal(5.2, 1.5, 280)
    ratio = compare_ratios(
        control=_paired(c, np.ones_like(c)), treatment=_paired(t, np.ones_like(t))
    )
    welch = compare_means(control=_mean(c), treatment=_mean(t))
    assert ratio.effect == pytest.approx(welch.effect, rel=1e-10)
    assert ratio.se == pytest.approx(welch.se, rel=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_ancova_matches_statsmodels_ols(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 150
    arm = (rng.random(n) < 0.5).astype(float)
    x = rng.normal(0, 1, n)
    y = 2 + 0.3 * arm + 0.8 * x + rng.normal(0, 1, n)
    ref = sm.OLS(y, np.column_stack([np.ones(n), arm, x])).fit()
    c, t = arm == 0, arm == 1
    res = compare_means_adjusted(control=_paired(y[c], x[c]), treatment=_paired(y[t], x[t]))
    assert res.comparison.effect == pytest.approx(ref.params[1], rel=1e-9)
    assert res.comparison.se == pytest.approx(ref.bse[1], rel=1e-9)
    assert res.comparison.p == pytest.approx(ref.pvalues[1], rel=1e-7)
    assert res.slope == pytest.approx(ref.params[2], rel=1e-9)
    assert 0.2 < res.variance_reduction < 0.6


@pytest.mark.parametrize(
    ("a", "n1", "c", "n2"), [(1, 10, 7, 10), (0, 5, 5, 5), (3, 40, 9, 38), (12, 15, 2, 14)]
)
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_fisher_matches_scipy(a, n1, c, n2, alternative) -> None:
    res = fisher_exact_test(
        control=ProportionSummary(n2, c),
        treatment=ProportionSummary(n1, a),
        alternative=alternative,
    )
    ref = sps.fisher_exact([[a, n1 - a], [c, n2 - c]], alternative=alternative)
    assert res.p == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.odds_ratio == pytest.approx(ref.statistic, rel=1e-12)


def test_degenerate_inputs_give_warnings() -> None:
    one = compare_means(control=MeanSummary(1, 2.0, 4.0), treatment=MeanSummary(5, 5.0, 7.0))
    assert WARN_SMALL_SAMPLE in one.warnings and math.isnan(one.se)
    flat = compare_means(control=MeanSummary(4, 8.0, 16.0), treatment=MeanSummary(4, 8.0, 16.0))
    assert WARN_ZERO_VARIANCE in flat.warnings and math.isnan(flat.p)
    empty = compare_means(control=MeanSummary(0, 0.0, 0.0), treatment=MeanSummary(3, 3.0, 5.0))
    assert WARN_EMPTY_ARM in empty.warnings
    zero = compare_proportions(control=ProportionSummary(20, 0), treatment=ProportionSummary(20, 0))
    assert {WARN_ZERO_EVENTS, WARN_SMALL_COUNTS} <= set(zero.warnings)
    rel = compare_proportions(
        control=ProportionSummary(20, 0), treatment=ProportionSummary(20, 3), difference="relative"
    )
    assert WARN_ZERO_CONTROL in rel.warnings and math.isnan(rel.effect)
    fisher = fisher_exact_test(control=ProportionSummary(20, 0), treatment=ProportionSummary(20, 0))
    assert WARN_ZERO_CELL in fisher.warnings and fisher.p == 1.0
    assert (
        WARN_EMPTY_ARM
        in fisher_exact_test(
            control=ProportionSummary(0, 0), treatment=ProportionSummary(3, 1)
        ).warnings
    )
    post = normal_posterior(effect=1.0, se=math.nan, prior_sd=2.0)
    assert WARN_NO_STANDARD_ERROR in post.warnings and post.mean == 0.0


def test_posterior_matches_numerical_integration() -> None:
    e, se, m0, s0 = 0.8, 0.5, 0.0, 1.0

    def joint(th: float) -> float:
        return sps.norm.pdf(th, m0, s0) * sps.norm.pdf(e, th, se)

    z = integrate.quad(joint, -10, 10)[0]
    mean = integrate.quad(lambda th: th * joint(th), -10, 10)[0] / z
    p_benefit = integrate.quad(joint, 0.2, 10)[0] / z
    post = normal_posterior(effect=e, se=se, prior_mean=m0, prior_sd=s0, minimal_benefit=0.2)
    assert post.mean == pytest.approx(mean, rel=1e-8)
    assert post.p_benefit == pytest.approx(p_benefit, rel=1e-7)
    flat = normal_posterior(effect=e, se=se, harm_threshold=0.1)
    assert flat.p_harm == pytest.approx(sps.norm.cdf((-0.1 - e) / se))
    lower = normal_posterior(effect=e, se=se, higher_is_better=False)
    assert lower.p_harm == pytest.approx(sps.norm.cdf(e / se))


def test_confidence_sequence_is_wider_than_the_fixed_interval() -> None:
    fixed = compare_means(
        control=MeanSummary(500, 500.0, 1500.0), treatment=MeanSummary(500, 600.0, 1700.0)
    )
    seq = sequential_comparison(comparison=fixed, n=1000, tuning=1000)
    assert seq.ci[0] < fixed.ci[0] and seq.ci[1] > fixed.ci[1]
    assert seq.p >= fixed.p


@pytest.mark.slow
def test_relative_lift_and_ratio_intervals_cover_by_simulation() -> None:
    rng = np.random.default_rng(21)
    sims, n = 4000, 400
    hits_lift = hits_ratio = 0
    for _ in range(sims):
        c = rng.exponential(2.0, n)
        t = rng.exponential(2.4, n)
        lift = compare_means(control=_mean(c), treatment=_mean(t), difference="relative")
        hits_lift += lift.ci[0] <= 0.2 <= lift.ci[1]
        xc, xt = rng.poisson(3, n) + 1.0, rng.poisson(3, n) + 1.0
        yc, yt = xc * 2 + rng.normal(0, 2, n), xt * 2.5 + rng.normal(0, 2, n)
        ratio = compare_ratios(control=_paired(yc, xc), treatment=_paired(yt, xt))
        hits_ratio += ratio.ci[0] <= 0.5 <= ratio.ci[1]
    band = 4 * math.sqrt(0.05 * 0.95 / sims)
    assert abs(hits_lift / sims - 0.95) < band
    assert abs(hits_ratio / sims - 0.95) < band


@pytest.mark.slow
def test_confidence_sequence_time_uniform_coverage_by_simulation() -> None:
    rng = np.random.default_rng(22)
    sims, horizon = 2000, 2000
    looks = np.unique(np.geomspace(100, horizon, 40).astype(int))
    misses = 0
    for _ in range(sims):
        c = rng.normal(0, 1, horizon // 2)
        t = rng.normal(0.1, 2, horizon // 2)
        cs1, cs2 = np.cumsum(c), np.cumsum(c * c)
        ts1, ts2 = np.cumsum(t), np.cumsum(t * t)
        for m in looks // 2:
            comp = compare_means(
                control=MeanSummary(int(m), cs1[m - 1], cs2[m - 1]),
                treatment=MeanSummary(int(m), ts1[m - 1], ts2[m - 1]),
            )
            seq = sequential_comparison(comparison=comp, n=2 * int(m), tuning=1000)
            if not seq.ci[0] <= 0.1 <= seq.ci[1]:
                misses += 1
                break
    assert misses / sims <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / sims)


# --- relative lift on the Welch df; inputs that cannot mislead (issue 12) -----------------


def test_relative_lift_uses_the_welch_df_of_the_absolute_difference() -> None:
    """Regression: the relative lift of two means used a normal interval while the absolute
    difference used Welch's t. The df now comes from scipy's Welch test on the raw data, the
    delta-method SE from a numerical gradient of m_t / m_c."""
    rng = np.random.default_rng(31)
    xc, xt = rng.normal(10, 2, 9), rng.normal(12, 6, 7)
    c = MeanSummary(len(xc), float(xc.sum()), float((xc**2).sum()))
    t = MeanSummary(len(xt), float(xt.sum()), float((xt**2).sum()))
    welch = sps.ttest_ind(xt, xc, equal_var=False)
    absolute = compare_means(control=c, treatment=t)
    relative = compare_means(control=c, treatment=t, difference="relative")
    assert absolute.df == pytest.approx(welch.df, rel=1e-12)
    assert relative.df == pytest.approx(welch.df, rel=1e-12)
    mc, mt = xc.mean(), xt.mean()
    var_c, var_t = xc.var(ddof=1) / len(xc), xt.var(ddof=1) / len(xt)
    h = 1e-6
    d_t = ((mt + h) / mc - (mt - h) / mc) / (2 * h)
    d_c = (mt / (mc + h) - mt / (mc - h)) / (2 * h)
    se = math.sqrt(d_t**2 * var_t + d_c**2 * var_c)
    assert relative.effect == pytest.approx(mt / mc - 1, rel=1e-12)
    assert relative.se == pytest.approx(se, rel=1e-6)
    q = sps.t.ppf(0.975, welch.df)
    assert relative.ci == pytest.approx((relative.effect - q * se, relative.effect + q * se),
                                        rel=1e-6)
    assert relative.p == pytest.approx(2 * sps.t.sf(abs(relative.effect) / se, welch.df),
                                       rel=1e-5)


@pytest.mark.parametrize(("build", "field"), [
    (lambda: ProportionSummary(10, 2.5), "successes"),
    (lambda: ProportionSummary(10, -1), "successes"),
    (lambda: ProportionSummary(-5, 0), "n"),
    (lambda: ProportionSummary(10, 11), "successes"),
    (lambda: ProportionSummary(10, float("nan")), "successes"),
    (lambda: MeanSummary(10, float("nan"), 5.0), "sum"),
    (lambda: MeanSummary(10, 3.0, float("inf")), "sum_squares"),
    (lambda: MeanSummary(10, 3.0, -1.0), "sum_squares"),
    (lambda: MeanSummary(-5, 3.0, 5.0), "n"),
    (lambda: MeanSummary(2.5, 3.0, 5.0), "n"),  # type: ignore[arg-type]
    # regression: sum of squares below sum^2 / n (a negative variance) gave a p-value
    (lambda: MeanSummary(10, 50.0, 100.0), "sum_squares"),
    (lambda: MeanSummary(2, -3.0, 4.0), "sum_squares"),
    (lambda: PairedSummary(5, 1.0, 1.0, float("nan"), 1.0, 1.0), "sum_x"),
])
def test_summaries_refuse_values_that_cannot_be_data(build, field) -> None:
    """Regression: 2.5 successes was truncated to 2 and sum=nan gave all-NaN results."""
    with pytest.raises(ValueError, match=f"^{field}"):
        build()


def test_sums_of_real_data_with_rounding_are_accepted() -> None:
    # constant data: sum_squares equals sum^2 / n up to rounding in the sums
    x = np.full(7, 0.1)
    arm = MeanSummary(7, float(x.sum()), float((x * x).sum()))
    assert arm.variance == pytest.approx(0.0, abs=1e-15)
    assert MeanSummary(10, 50.0, 250.0).variance == 0.0


def test_whole_valued_floats_are_accepted_as_counts() -> None:
    arm = ProportionSummary(10.0, 3.0)  # type: ignore[arg-type]
    assert arm.n == 10 and arm.successes == 3 and isinstance(arm.successes, int)


@pytest.mark.parametrize("alpha", [0.0, 1.0, float("nan"), -0.1])
def test_alpha_outside_zero_one_is_refused(alpha: float) -> None:
    from seedbed.stats.compare import ERR_ALPHA

    arm = ProportionSummary(10, 3)
    with pytest.raises(ValueError, match=ERR_ALPHA.split("{")[0]):
        compare_proportions(control=arm, treatment=arm, alpha=alpha)
