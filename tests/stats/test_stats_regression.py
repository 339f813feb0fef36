"""OLS from moments against statsmodels OLS (classical and cluster-robust), plus degenerate input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from seedbed.stats.regression import (
    COV_CLASSICAL,
    COV_CR1,
    WARN_FEW_CLUSTERS_PER_ARM,
    WARN_N_NOT_GREATER_THAN_K,
    WARN_NO_DATA,
    WARN_ONE_CLUSTER,
    WARN_SINGULAR_DESIGN,
    WARN_TOO_FEW_CLUSTERS_FOR_CR1,
    WARN_UNSUPPORTED_COV_TYPE,
    WARN_ZERO_VARIANCE,
    moment_block,
    moment_blocks_by_cluster,
    ols_from_moments,
)

sm = pytest.importorskip("statsmodels.api")

REL = 1e-8


def _cluster_data(seed: int, n_clusters: int = 30, per: int = 12):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(per // 2, per * 2, size=n_clusters)
    groups = np.repeat(np.arange(n_clusters), sizes)
    arm = np.repeat(np.arange(n_clusters) % 2, sizes)
    u = np.repeat(rng.normal(0, 1, n_clusters), sizes)
    pre = rng.normal(0, 1, groups.size)
    y = 1.0 + 0.4 * arm + 0.7 * pre + u + rng.normal(0, 2, groups.size)
    x = np.column_stack([np.ones(groups.size), arm, pre])
    return x, y, groups, arm


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_classical_matches_statsmodels(seed: int) -> None:
    x, y, _, _ = _cluster_data(seed)
    ref = sm.OLS(y, x).fit()
    res = ols_from_moments(
        blocks=[moment_block(x=x, y=y)], names=["const", "arm", "pre"], cov_type=COV_CLASSICAL
    )
    np.testing.assert_allclose(res.coef, ref.params, rtol=REL)
    np.testing.assert_allclose(res.se, ref.bse, rtol=REL)
    np.testing.assert_allclose(res.p, ref.pvalues, rtol=1e-6)
    np.testing.assert_allclose(res.ci, ref.conf_int(alpha=0.05), rtol=REL)
    assert res.df == ref.df_resid
    assert res.n_clusters is None
    assert res.warnings == ()


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_cr1_matches_statsmodels_cluster(seed: int) -> None:
    x, y, groups, arm = _cluster_data(seed, n_clusters=44)
    ref = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    blocks = moment_blocks_by_cluster(x=x, y=y, clusters=groups)
    arms = [str(a) for a in np.arange(44) % 2]
    res = ols_from_moments(
        blocks=blocks, names=["const", "arm", "pre"], cov_type=COV_CR1, cluster_arms=arms
    )
    np.testing.assert_allclose(res.coef, ref.params, rtol=REL)
    np.testing.assert_allclose(res.se, ref.bse, rtol=REL)
    # with the arms of the clusters known: the between-within df G - 2 (Seedbed's one df rule
    # for cluster-parallel comparisons) instead of statsmodels' default G - 1
    assert res.df == 42
    np.testing.assert_allclose(res.p, 2 * sps.t.sf(np.abs(ref.tvalues), 42), rtol=1e-6)
    q = sps.t.ppf(0.975, 42)
    np.testing.assert_allclose(res.ci, np.c_[ref.params - q * ref.bse, ref.params + q * ref.bse],
                               rtol=REL)
    assert res.n_clusters == 44
    assert res.n == y.size
    assert WARN_FEW_CLUSTERS_PER_ARM not in res.warnings
    generic = ols_from_moments(blocks=blocks, names=["const", "arm", "pre"], cov_type=COV_CR1)
    assert generic.df == 43  # no arms: a generic clustered regression, statsmodels' G - 1
    np.testing.assert_allclose(generic.p, ref.pvalues, rtol=1e-6)
    np.testing.assert_allclose(generic.ci, ref.conf_int(alpha=0.05), rtol=REL)


def test_few_clusters_per_arm_warns() -> None:
    x, y, groups, _ = _cluster_data(7, n_clusters=10)
    blocks = moment_blocks_by_cluster(x=x, y=y, clusters=groups)
    res = ols_from_moments(
        blocks=blocks,
        names=["const", "arm", "pre"],
        cov_type=COV_CR1,
        cluster_arms=["a", "b"] * 5,
    )
    assert WARN_FEW_CLUSTERS_PER_ARM in res.warnings
    assert all(math.isfinite(s) for s in res.se)


def test_collinear_columns_use_pinv_and_warn() -> None:
    x, y, _, _ = _cluster_data(8)
    xc = np.column_stack([x, 2.0 * x[:, 1]])
    ref = sm.OLS(y, xc).fit()
    res = ols_from_moments(blocks=[moment_block(x=xc, y=y)], names=["c", "a", "p", "a2"])
    assert WARN_SINGULAR_DESIGN in res.warnings
    np.testing.assert_allclose(res.coef, ref.params, rtol=1e-6)
    np.testing.assert_allclose(res.se, ref.bse, rtol=1e-6)
    assert res.df == ref.df_resid


def test_one_cluster_and_n_le_k_are_warnings_not_errors() -> None:
    x = np.column_stack([np.ones(3), [0.0, 1.0, 1.0], [1.0, 2.0, 4.0]])
    y = np.array([1.0, 2.0, 3.5])
    one = ols_from_moments(blocks=[moment_block(x=x, y=y)], names=["c", "a", "p"], cov_type="CR1")
    assert WARN_ONE_CLUSTER in one.warnings
    assert WARN_N_NOT_GREATER_THAN_K in one.warnings
    assert all(math.isnan(s) for s in one.se)
    empty = ols_from_moments(blocks=[], names=["c"])
    assert WARN_NO_DATA in empty.warnings


def test_hc1_is_refused_with_a_warning() -> None:
    x, y, _, _ = _cluster_data(9)
    res = ols_from_moments(blocks=[moment_block(x=x, y=y)], names=["c", "a", "p"], cov_type="HC1")
    assert WARN_UNSUPPORTED_COV_TYPE in res.warnings
    assert res.cov_type == COV_CLASSICAL


def test_zero_variance_outcome_gives_nan_inference_not_p_zero() -> None:
    # regression: RSS clipped to 0 gave SE 0, t = b / 0 and p = 0 ("positive" finding)
    x, _, groups, _ = _cluster_data(10)
    for level in (3.0, 7.3):
        y = np.full(x.shape[0], level)
        for cov, blocks in ((COV_CLASSICAL, [moment_block(x=x, y=y)]),
                            (COV_CR1, moment_blocks_by_cluster(x=x, y=y, clusters=groups))):
            res = ols_from_moments(blocks=blocks, names=["c", "a", "p"], cov_type=cov)
            assert res.coef[0] == pytest.approx(level)
            assert res.coef[1] == pytest.approx(0.0, abs=1e-9)
            assert WARN_ZERO_VARIANCE in res.warnings
            assert all(math.isnan(v) for v in (*res.se, *res.p, *np.ravel(res.ci)))


def test_exact_fit_gives_nan_inference_with_the_true_coefficients() -> None:
    x, _, groups, _ = _cluster_data(11)
    y = 1.0 + 0.5 * x[:, 1] + 0.2 * x[:, 2]  # no residual at all
    for cov, blocks in ((COV_CLASSICAL, [moment_block(x=x, y=y)]),
                        (COV_CR1, moment_blocks_by_cluster(x=x, y=y, clusters=groups))):
        res = ols_from_moments(blocks=blocks, names=["c", "a", "p"], cov_type=cov)
        np.testing.assert_allclose(res.coef, [1.0, 0.5, 0.2], atol=1e-9)
        assert WARN_ZERO_VARIANCE in res.warnings
        assert all(math.isnan(v) for v in (*res.se, *res.p))


def test_small_but_real_variance_is_not_called_zero() -> None:
    # a large level with a small spread (sd / mean = 1e-5) still matches statsmodels
    x, y, _, _ = _cluster_data(12)
    y = 1e5 + y
    res = ols_from_moments(blocks=[moment_block(x=x, y=y)], names=["c", "a", "p"])
    ref = sm.OLS(y, x).fit()
    assert WARN_ZERO_VARIANCE not in res.warnings
    np.testing.assert_allclose(res.se, ref.bse, rtol=1e-5)


def test_cr1_with_two_crossing_clusters_gives_nan_not_se_zero() -> None:
    # Two clusters that both contain treated and control rows (a stepped wedge cut down to
    # two schools): the CR1 meat has rank G - 1 = 1, and the treatment's CR1 variance is
    # exactly zero, which statsmodels also reports (SE ~ 0, p ~ 0): false certainty.
    rng = np.random.default_rng(13)
    groups = np.repeat([0, 1], 50)
    period = np.tile(np.repeat(np.arange(5), 10), 2)
    treated = np.r_[period[:50] >= 2, period[50:] >= 4].astype(float)
    y = 0.3 * treated + 0.1 * period + rng.normal(0, 1, 100)
    x = np.column_stack([np.ones(100), treated, *(period == j for j in range(1, 5))]).astype(float)
    ref = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups})
    assert ref.bse[1] < 1e-6 * sm.OLS(y, x).fit().bse[1]  # the degenerate variance
    res = ols_from_moments(blocks=moment_blocks_by_cluster(x=x, y=y, clusters=groups),
                           names=["c", "t", "p1", "p2", "p3", "p4"], cov_type=COV_CR1)
    assert res.coef[1] == pytest.approx(ref.params[1])
    assert WARN_TOO_FEW_CLUSTERS_FOR_CR1 in res.warnings
    assert math.isnan(res.se[1]) and math.isnan(res.p[1]) and math.isnan(res.ci[1][0])


def test_cr1_with_enough_crossing_clusters_is_untouched() -> None:
    rng = np.random.default_rng(14)
    groups = np.repeat(np.arange(12), 20)
    treated = (np.tile(np.arange(20), 12) >= np.repeat(np.arange(12), 20) + 4).astype(float)
    y = 0.3 * treated + np.repeat(rng.normal(0, 0.5, 12), 20) + rng.normal(0, 1, 240)
    x = np.column_stack([np.ones(240), treated])
    ref = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups})
    res = ols_from_moments(blocks=moment_blocks_by_cluster(x=x, y=y, clusters=groups),
                           names=["c", "t"], cov_type=COV_CR1)
    assert WARN_TOO_FEW_CLUSTERS_FOR_CR1 not in res.warnings
    np.testing.assert_allclose(res.se, ref.bse, rtol=1e-8)
