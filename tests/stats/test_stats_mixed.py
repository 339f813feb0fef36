"""The random-intercept mixed model (``seedbed.stats.mixed``) against statsmodels MixedLM
(REML), a dense GLS computation, the cluster-level t-test, and by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from seedbed.stats.mixed import (
    DF_BETWEEN_WITHIN,
    DF_SATTERTHWAITE,
    ERR_DF_METHOD,
    ERR_NEGATIVE_N,
    WARN_COLLINEAR,
    WARN_FEW_CLUSTERS,
    WARN_NO_BETWEEN_DF,
    WARN_ZERO_VARIANCE,
    WARN_ZERO_WITHIN_VARIANCE,
    ClusterMoments,
    fit_random_intercept,
    moments_from_cells,
)


def _wedge_rows(seed: int, clusters: int = 12, periods: int = 5, effect: float = 0.5,
                tau: float = 1.0, sigma: float = 2.0) -> dict[str, np.ndarray]:
    """Unequal cell sizes (3 to 8 per cluster-period), staggered crossover, a time trend."""
    rng = np.random.default_rng(seed)
    out: dict[str, list[float]] = {"cluster": [], "period": [], "treated": [], "y": []}
    for c in range(clusters):
        u = rng.normal(0, tau)
        step = 1 + c % (periods - 1)
        for t in range(periods):
            for _ in range(int(rng.integers(3, 9))):
                tr = int(t >= step)
                out["cluster"].append(c)
                out["period"].append(t)
                out["treated"].append(tr)
                out["y"].append(10 + u + 0.3 * t + effect * tr + rng.normal(0, sigma))
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def _cells(rows: dict[str, np.ndarray], periods: int) -> tuple[ClusterMoments, list[str]]:
    key = rows["cluster"] * 1000 + rows["period"] * 10 + rows["treated"]
    uniq, inv = np.unique(key, return_inverse=True)
    n = np.bincount(inv).astype(float)
    sy = np.bincount(inv, weights=rows["y"])
    syy = np.bincount(inv, weights=rows["y"] ** 2)
    cluster, period, treated = uniq // 1000, (uniq // 10) % 100, uniq % 10
    design = np.c_[np.ones(len(uniq)), treated, np.eye(periods)[period.astype(int)][:, 1:]]
    starts = np.flatnonzero(np.r_[True, np.diff(cluster) != 0])
    names = ["Intercept", "treated", *[f"period[{p}]" for p in range(1, periods)]]
    return moments_from_cells(design=design, n=n, sy=sy, syy=syy, starts=starts), names


def _sm_reml(fit, ratio: float) -> float:  # type: ignore[no-untyped-def]
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    params = MixedLMParams.from_components(fit.fe_params.to_numpy(), cov_re=np.array([[ratio]]))
    return float(fit.model.loglike(params, profile_fe=True))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stepped_wedge_matches_statsmodels_mixedlm_reml(seed: int) -> None:
    pd = pytest.importorskip("pandas")
    smf = pytest.importorskip("statsmodels.formula.api")
    rows = _wedge_rows(seed)
    moments, names = _cells(rows, 5)
    mine = fit_random_intercept(moments=moments, names=names)
    frame = pd.DataFrame(rows)
    ref = smf.mixedlm("y ~ treated + C(period)", frame, groups=frame["cluster"]).fit(
        reml=True)
    assert mine.coef[1] == pytest.approx(ref.params["treated"], rel=1e-5, abs=1e-6)
    for p in range(1, 5):
        assert mine.coef[1 + p] == pytest.approx(ref.params[f"C(period)[T.{p}.0]"], rel=1e-5)
    assert mine.residual_variance == pytest.approx(ref.scale, rel=1e-5)
    assert mine.cluster_variance == pytest.approx(float(ref.cov_re.iloc[0, 0]), rel=1e-3)
    # statsmodels' own REML log-likelihood is at least as high at our estimates as at its own
    assert _sm_reml(ref, mine.cluster_variance / mine.residual_variance) >= ref.llf - 1e-9
    # statsmodels' standard errors invert the joint observed Hessian (fixed and variance
    # parameters), ours are the GLS (X'V^-1 X)^-1 at the REML estimates: close, not equal
    assert mine.se[1] == pytest.approx(ref.bse["treated"], rel=3e-2)
    # the GLS covariance from the row-level data, with statsmodels' variance components
    x = np.c_[np.ones(len(rows["y"])), rows["treated"],
              np.eye(5)[rows["period"].astype(int)][:, 1:]]
    same = rows["cluster"][:, None] == rows["cluster"][None, :]
    v = ref.scale * np.eye(len(x)) + float(ref.cov_re.iloc[0, 0]) * same
    gls = np.linalg.inv(x.T @ np.linalg.solve(v, x))
    assert mine.se[1] == pytest.approx(math.sqrt(gls[1, 1]), rel=1e-4)
    assert mine.n == len(rows["y"]) and mine.n_clusters == 12 and not mine.warnings


def _parallel(sizes: list[int], arms: list[int], seed: int) -> tuple[ClusterMoments, list]:
    rng = np.random.default_rng(seed)
    ys = [rng.normal(0.5 * a + rng.normal(0, 0.7), 1.0, size=n) for n, a in zip(sizes, arms,
                                                                                strict=True)]
    n = np.array(sizes, dtype=float)
    design = np.c_[np.ones(len(sizes)), np.array(arms, dtype=float)]
    sy = np.array([y.sum() for y in ys])
    syy = np.array([(y * y).sum() for y in ys])
    return moments_from_cells(design=design, n=n, sy=sy, syy=syy,
                              starts=np.arange(len(sizes))), ys


def test_balanced_cluster_parallel_is_the_cluster_level_t_test() -> None:
    """Equal cluster sizes: REML GLS = difference of cluster means, its SE and df G - 2 are
    those of the two-sample t-test on cluster means; Satterthwaite gives G - 2 exactly."""
    arms = [0, 1] * 5
    moments, ys = _parallel([8] * 10, arms, seed=4)
    means = np.array([y.mean() for y in ys])
    arm = np.array(arms)
    ref = sps.ttest_ind(means[arm == 1], means[arm == 0])
    for method in (DF_SATTERTHWAITE, DF_BETWEEN_WITHIN):
        fit = fit_random_intercept(moments=moments, names=["Intercept", "arm"], df_method=method)
        assert fit.cluster_variance > 0
        assert fit.coef[1] == pytest.approx(means[arm == 1].mean() - means[arm == 0].mean())
        assert fit.coef[1] / fit.se[1] == pytest.approx(ref.statistic, rel=1e-6)
        assert fit.p[1] == pytest.approx(ref.pvalue, rel=1e-6)
        assert fit.df[1] == pytest.approx(8.0, rel=1e-8)


def test_unbalanced_cluster_parallel_uses_g_minus_two_and_matches_statsmodels() -> None:
    pd = pytest.importorskip("pandas")
    smf = pytest.importorskip("statsmodels.formula.api")
    sizes = [5, 12, 7, 20, 9, 4, 15, 6, 11, 8, 3, 14]
    arms = [0, 1] * 6
    moments, ys = _parallel(sizes, arms, seed=8)
    fit = fit_random_intercept(moments=moments, names=["Intercept", "arm"],
                               df_method=DF_BETWEEN_WITHIN)
    assert fit.df[1] == 10.0
    frame = pd.DataFrame({"y": np.concatenate(ys),
                          "arm": np.repeat(arms, sizes), "g": np.repeat(range(12), sizes)})
    ref = smf.mixedlm("y ~ arm", frame, groups=frame["g"]).fit(reml=True)
    assert fit.coef[1] == pytest.approx(ref.params["arm"], rel=1e-5)
    assert fit.cluster_variance == pytest.approx(float(ref.cov_re.iloc[0, 0]), rel=1e-3)
    assert _sm_reml(ref, fit.cluster_variance / fit.residual_variance) >= ref.llf - 1e-9
    assert fit.residual_variance == pytest.approx(ref.scale, rel=1e-5)
    lo, hi = fit.ci[1]
    q = sps.t.ppf(0.975, 10)
    assert (hi - lo) / 2 == pytest.approx(q * fit.se[1])


def test_one_cluster_per_arm_is_nan_with_a_warning() -> None:
    moments, _ = _parallel([30, 30], [0, 1], seed=1)
    for method in (DF_SATTERTHWAITE, DF_BETWEEN_WITHIN):
        fit = fit_random_intercept(moments=moments, names=["Intercept", "arm"], df_method=method)
        assert math.isnan(fit.se[1]) and math.isnan(fit.p[1]) and math.isnan(fit.ci[1][0])
        assert WARN_NO_BETWEEN_DF in fit.warnings or WARN_COLLINEAR in fit.warnings


def test_degenerate_inputs_give_nan_and_warnings() -> None:
    moments, _ = _parallel([10], [0], seed=1)
    one = fit_random_intercept(moments=moments, names=["Intercept", "arm"])
    assert WARN_FEW_CLUSTERS in one.warnings and math.isnan(one.coef[1])
    n = np.full(6, 5.0)
    design = np.c_[np.ones(6), [0, 0, 0, 1, 1, 1]]
    flat = moments_from_cells(design=design, n=n, sy=n * 3.0, syy=n * 9.0, starts=np.arange(6))
    fit = fit_random_intercept(moments=flat, names=["Intercept", "arm"])
    assert WARN_ZERO_VARIANCE in fit.warnings and math.isnan(fit.p[1])
    means = np.array([1.0, 2.0, 3.0, 2.0, 4.0, 5.0])
    within0 = moments_from_cells(design=design, n=n, sy=n * means, syy=n * means**2,
                                 starts=np.arange(6))
    fit = fit_random_intercept(moments=within0, names=["Intercept", "arm"])
    assert WARN_ZERO_WITHIN_VARIANCE in fit.warnings and math.isnan(fit.p[1])


@pytest.mark.parametrize("level", [0.0, 7.3, 1e4])
def test_exact_fit_with_cluster_effects_is_zero_variance(level: float) -> None:
    # regression: y = cluster effect + period trend + 0.5 treated with no noise gave
    # effect 0.5, SE 8e-7, p = 0 on 779 df (the check used the OLS residual without the
    # cluster effects, and "within" included the period trend)
    rows = _wedge_rows(5)
    rows["y"] = level + 0.3 * rows["cluster"] + 0.1 * rows["period"] + 0.5 * rows["treated"]
    moments, names = _cells(rows, 5)
    fit = fit_random_intercept(moments=moments, names=names)
    assert WARN_ZERO_VARIANCE in fit.warnings
    assert all(math.isnan(v) for v in (*fit.se, *fit.p, *np.ravel(fit.ci)))


def test_constant_outcome_with_a_large_level_is_zero_variance() -> None:
    # rounding in the centred sums of squares must not pass for variance
    rows = _wedge_rows(6)
    rows["y"] = np.full(rows["y"].shape, 7.3)
    moments, names = _cells(rows, 5)
    fit = fit_random_intercept(moments=moments, names=names)
    assert WARN_ZERO_VARIANCE in fit.warnings and math.isnan(fit.p[1])


def test_small_residual_variance_is_still_estimated() -> None:
    # sigma 1e-3 against a cluster SD of 1: a real (tiny) residual, fitted as statsmodels does
    rows = _wedge_rows(7, sigma=1e-3)
    moments, names = _cells(rows, 5)
    fit = fit_random_intercept(moments=moments, names=names)
    assert WARN_ZERO_VARIANCE not in fit.warnings
    assert fit.residual_variance == pytest.approx(1e-6, rel=0.2)
    assert 0 < fit.se[1] < 1e-3


def test_no_treated_untreated_contrast_is_nan() -> None:
    rows = _wedge_rows(5)
    rows["treated"][:] = 0.0
    moments, names = _cells(rows, 5)
    fit = fit_random_intercept(moments=moments, names=names)
    assert WARN_COLLINEAR in fit.warnings
    assert math.isnan(fit.coef[1]) and math.isnan(fit.p[1])
    assert math.isfinite(fit.coef[2])


def test_bad_arguments_are_refused() -> None:
    moments, _ = _parallel([5, 6, 7, 8], [0, 1, 0, 1], seed=1)
    with pytest.raises(ValueError, match=ERR_DF_METHOD):
        fit_random_intercept(moments=moments, names=["Intercept", "arm"], df_method="kr")
    bad = ClusterMoments(n=-moments.n, xtx=moments.xtx, x1=moments.x1, xty=moments.xty,
                         sy=moments.sy, yty=moments.yty)
    with pytest.raises(ValueError, match=ERR_NEGATIVE_N):
        fit_random_intercept(moments=bad, names=["Intercept", "arm"])


def planned_power(*, clusters: int, steps: int, m: int, icc: float, effect: float,
                  alpha: float = 0.05) -> float:
    """Hussey & Hughes (2007): Var(theta) from the GLS information of cluster-period means
    with V = sigma2/m I + tau2 J (total variance 1), power = Phi(theta/se - z_{1-a/2})."""
    t = steps + 1
    v = (1 - icc) / m * np.eye(t) + icc * np.ones((t, t))
    vi = np.linalg.inv(v)
    info = np.zeros((t + 1, t + 1))
    for s in range(1, steps + 1):
        x = np.c_[np.ones(t), (np.arange(t) >= s).astype(float), np.eye(t)[:, 1:]]
        info += clusters // steps * x.T @ vi @ x
    se = math.sqrt(np.linalg.inv(info)[1, 1])
    return float(sps.norm.cdf(effect / se - sps.norm.ppf(1 - alpha / 2)))


@pytest.mark.slow
def test_stepped_wedge_simulation_coverage_and_planned_power() -> None:
    """2,000 simulated stepped-wedge trials (24 clusters in 4 steps, 10 per cluster-period,
    ICC 0.05, a time trend), drawn as cell sufficient statistics: cell sum ~ N(m mu, m s2),
    within-cell SS ~ s2 chi2(m - 1). Power within 3 points of the Hussey & Hughes plan and
    95% interval coverage within Monte Carlo error; and no effect -> type I error ~ 5%."""
    g, steps, m, icc, effect, reps = 24, 4, 10, 0.05, 0.2646, 2000
    plan = planned_power(clusters=g, steps=steps, m=m, icc=icc, effect=effect)
    assert plan == pytest.approx(0.80, abs=0.005)
    t = steps + 1
    start = np.repeat(np.arange(1, steps + 1), g // steps)
    treated = (np.arange(t)[None, :] >= start[:, None]).astype(float)
    d = np.zeros((g, t, t + 1))
    d[:, :, 0], d[:, :, 1], d[:, :, 2:] = 1.0, treated, np.eye(t)[None, :, 1:]
    xtx, x1 = m * np.einsum("gti,gtj->gij", d, d), m * d.sum(axis=1)
    names = ["Intercept", "treated", *[f"p{j}" for j in range(1, t)]]
    rng = np.random.default_rng(2024)
    for theta, target in ((effect, plan), (0.0, 0.05)):
        hits = cover = 0
        for _ in range(reps):
            mu = rng.normal(0, math.sqrt(icc), g)[:, None] + 0.1 * np.arange(t) + theta * treated
            sy = m * mu + rng.normal(0, math.sqrt((1 - icc) * m), (g, t))
            syy = (1 - icc) * rng.chisquare(m - 1, (g, t)) + sy**2 / m
            fit = fit_random_intercept(
                moments=ClusterMoments(n=np.full(g, float(m * t)), xtx=xtx, x1=x1,
                                       xty=np.einsum("gti,gt->gi", d, sy), sy=sy.sum(axis=1),
                                       yty=syy.sum(axis=1)), names=names)
            hits += fit.p[1] < 0.05
            cover += fit.ci[1][0] <= theta <= fit.ci[1][1]
        assert hits / reps == pytest.approx(target, abs=0.03 if theta else 0.015)
        assert cover / reps == pytest.approx(0.95, abs=0.015)


@pytest.mark.slow
def test_cluster_parallel_between_within_df_keeps_type_one_error() -> None:
    """2,000 simulated null cluster-parallel trials with 10 clusters of unequal size (4 to
    30; ICC 0.1): on G - 2 df the mixed model's type I error stays near 5% (Li & Redden
    2015). Drawn as cluster sufficient statistics, as in the stepped-wedge simulation."""
    rng = np.random.default_rng(77)
    g, icc, reps = 10, 0.1, 2000
    arm = np.arange(g) % 2
    design = np.c_[np.ones(g), arm.astype(float)]
    rejected = 0
    for _ in range(reps):
        n = rng.integers(4, 31, g).astype(float)
        sy = n * rng.normal(0, math.sqrt(icc), g) + rng.normal(0, 1, g) * np.sqrt(n * (1 - icc))
        syy = (1 - icc) * rng.chisquare(n - 1) + sy**2 / n
        fit = fit_random_intercept(
            moments=moments_from_cells(design=design, n=n, sy=sy, syy=syy,
                                       starts=np.arange(g)),
            names=["Intercept", "arm"], df_method=DF_BETWEEN_WITHIN)
        rejected += fit.p[1] < 0.05
    assert rejected / reps == pytest.approx(0.05, abs=0.015)
