"""Cluster inference, data quality, multiplicity and subgroups against statsmodels and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from seedbed.stats.cluster import (
    METHOD_CR1,
    WARN_EMPTY_CLUSTER,
    WARN_FEW_CLUSTERS_PER_ARM,
    WARN_ONE_CLUSTER_PER_ARM,
    compare_clusters,
    icc_anova,
)
from seedbed.stats.multiplicity import METHOD_BH, METHOD_HOLM, WARN_MISSING_P, adjust_p_values
from seedbed.stats.quality import (
    WARN_IMBALANCE,
    WARN_NO_UNITS,
    WARN_SRM,
    WARN_UNDEFINED_SMD,
    baseline_balance,
    sample_ratio_mismatch,
)
from seedbed.stats.subgroups import (
    LABEL_EXPLORATORY,
    LABEL_PRESPECIFIED,
    WARN_EXPLORATORY,
    WARN_ONE_LEVEL,
    subgroup_means,
    subgroup_proportions,
)
from seedbed.stats.summaries import MeanSummary, ProportionSummary

sm = pytest.importorskip("statsmodels.api")
multitest = pytest.importorskip("statsmodels.stats.multitest")
meta = pytest.importorskip("statsmodels.stats.meta_analysis")
ws = pytest.importorskip("statsmodels.stats.weightstats")


def _summ(a: np.ndarray) -> MeanSummary:
    return MeanSummary(a.size, float(a.sum()), float((a * a).sum()))


def _cluster_trial(seed: int, per_arm: int):
    rng = np.random.default_rng(seed)
    data = {0: [], 1: []}
    for arm in (0, 1):
        for _ in range(per_arm):
            m = rng.integers(5, 30)
            data[arm].append(rng.normal(0.3 * arm + rng.normal(0, 0.5), 1.0, m))
    return data


def test_cluster_level_analysis_matches_t_test_on_cluster_means() -> None:
    data = _cluster_trial(1, 8)
    res = compare_clusters(
        control=[_summ(a) for a in data[0]], treatment=[_summ(a) for a in data[1]]
    )
    ref = sps.ttest_ind([a.mean() for a in data[1]], [a.mean() for a in data[0]])
    assert res.p == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.df == 14
    assert WARN_FEW_CLUSTERS_PER_ARM in res.warnings


def test_cr1_matches_statsmodels_cluster_robust_se() -> None:
    data = _cluster_trial(2, 25)
    y = np.concatenate(data[0] + data[1])
    arm = np.concatenate([np.zeros(a.size) for a in data[0]] + [np.ones(a.size) for a in data[1]])
    groups = np.concatenate([np.full(a.size, i) for i, a in enumerate(data[0] + data[1])])
    ref = sm.OLS(y, np.column_stack([np.ones(y.size), arm])).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    res = compare_clusters(
        control=[_summ(a) for a in data[0]],
        treatment=[_summ(a) for a in data[1]],
        method=METHOD_CR1,
    )
    assert res.effect == pytest.approx(ref.params[1], rel=1e-9)
    assert res.se == pytest.approx(ref.bse[1], rel=1e-8)
    assert res.df == 48  # between-within df, G - 2
    assert res.p == pytest.approx(2 * sps.t.sf(abs(ref.tvalues[1]), 48), rel=1e-7)
    assert WARN_FEW_CLUSTERS_PER_ARM not in res.warnings


def test_one_cluster_per_arm_gives_warnings_not_errors() -> None:
    c = [MeanSummary(10, 10.0, 20.0)]
    t = [MeanSummary(12, 15.0, 30.0), MeanSummary(0, 0.0, 0.0)]
    for method in ("cluster-level", METHOD_CR1):
        res = compare_clusters(control=c, treatment=t, method=method)
        assert WARN_ONE_CLUSTER_PER_ARM in res.warnings
        assert WARN_EMPTY_CLUSTER in res.warnings
        assert math.isnan(res.p)


def test_icc_anova_recovers_the_simulated_icc() -> None:
    rng = np.random.default_rng(4)
    sizes = rng.integers(10, 40, 300)
    clusters = [rng.normal(rng.normal(0, math.sqrt(0.1)), math.sqrt(0.9), m) for m in sizes]
    icc = icc_anova(clusters=[_summ(a) for a in clusters])
    assert abs(icc - 0.1) < 0.03
    assert math.isnan(icc_anova(clusters=[_summ(clusters[0])]))


def test_srm_matches_scipy_chisquare() -> None:
    res = sample_ratio_mismatch(counts=[5000, 5400])
    ref = sps.chisquare([5000, 5400])
    assert res.p == pytest.approx(ref.pvalue, rel=1e-12)
    assert res.mismatch and WARN_SRM in res.warnings
    ok = sample_ratio_mismatch(counts=[1010, 2000], ratio=[1, 2])
    ref2 = sps.chisquare([1010, 2000], f_exp=[1003.333333333, 2006.666666667])
    assert ok.p == pytest.approx(ref2.pvalue, rel=1e-8) and not ok.mismatch
    assert WARN_NO_UNITS in sample_ratio_mismatch(counts=[0, 0]).warnings


def test_baseline_balance_standardised_differences() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(50, 10, 200), rng.normal(53, 10, 200)
    res = baseline_balance(
        characteristics={
            "age": (_summ(a), _summ(b)),
            "female": (ProportionSummary(200, 100), ProportionSummary(200, 104)),
            "constant": (MeanSummary(3, 3.0, 3.0), MeanSummary(3, 3.0, 3.0)),
        }
    )
    age = res.rows[0]
    expected = (b.mean() - a.mean()) / math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    assert age.smd == pytest.approx(expected, rel=1e-10)
    assert age.imbalanced and WARN_IMBALANCE in res.warnings
    assert not res.rows[1].imbalanced
    assert WARN_UNDEFINED_SMD in res.warnings


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("ours", "theirs"), [(METHOD_HOLM, "holm"), (METHOD_BH, "fdr_bh")])
def test_multiplicity_matches_statsmodels(seed, ours, theirs) -> None:
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.01, 3), rng.uniform(0, 1, 9), [0.5, 0.5]])
    res = adjust_p_values(p_values=p, method=ours, alpha=0.05)
    rej, padj, _, _ = multitest.multipletests(p, alpha=0.05, method=theirs)
    np.testing.assert_allclose(res.p_adjusted, padj, rtol=1e-12)
    assert list(res.rejected) == list(rej)


def test_multiplicity_with_missing_p_values() -> None:
    res = adjust_p_values(p_values=[0.01, math.nan, 0.04], method=METHOD_HOLM)
    assert WARN_MISSING_P in res.warnings
    assert math.isnan(res.p_adjusted[1])
    assert res.p_adjusted[0] == pytest.approx(0.02) and res.p_adjusted[2] == pytest.approx(0.04)


def test_subgroup_interaction_matches_cochran_q() -> None:
    rng = np.random.default_rng(6)
    levels = {}
    for name, shift in (("most deprived", 0.6), ("middle", 0.3), ("least deprived", 0.0)):
        c, t = rng.normal(0, 1, 120), rng.normal(shift, 1, 130)
        levels[name] = (_summ(c), _summ(t))
    res = subgroup_means(variable="deprivation", levels=levels, prespecified=True)
    eff = np.array([r.effect for r in res.effects.values()])
    var = np.array([r.se**2 for r in res.effects.values()])
    ref = meta.combine_effects(eff, var, method_re="chi2")
    assert res.interaction_chi_square == pytest.approx(ref.q, rel=1e-10)
    assert res.interaction_df == 2
    assert res.label == LABEL_PRESPECIFIED
    two = subgroup_proportions(
        variable="disability",
        levels={
            "yes": (ProportionSummary(80, 20), ProportionSummary(85, 35)),
            "no": (ProportionSummary(400, 100), ProportionSummary(390, 110)),
        },
        prespecified=False,
    )
    e = [r.effect for r in two.effects.values()]
    s = [r.se for r in two.effects.values()]
    z = (e[0] - e[1]) / math.hypot(*s)
    assert two.interaction_p == pytest.approx(2 * sps.norm.sf(abs(z)), rel=1e-10)
    assert two.label == LABEL_EXPLORATORY and WARN_EXPLORATORY in two.warnings
    single = subgroup_means(variable="x", levels={"a": levels["middle"]}, prespecified=True)
    assert WARN_ONE_LEVEL in single.warnings and math.isnan(single.interaction_p)


@pytest.mark.slow
def test_cluster_level_type_one_error_with_few_clusters_by_simulation() -> None:
    rng = np.random.default_rng(8)
    sims, per_arm, alpha = 4000, 6, 0.05
    rejections = 0
    for _ in range(sims):
        arms = []
        for _arm in range(2):
            clusters = []
            for _c in range(per_arm):
                m = int(rng.integers(15, 25))
                y = rng.normal(rng.normal(0, math.sqrt(0.1)), math.sqrt(0.9), m)
                clusters.append(_summ(y))
            arms.append(clusters)
        res = compare_clusters(control=arms[0], treatment=arms[1], alpha=alpha)
        rejections += res.p < alpha
    rate = rejections / sims
    assert abs(rate - alpha) < 4 * math.sqrt(alpha * (1 - alpha) / sims)
