"""Power and sample size against statsmodels and the published worked examples."""

from __future__ import annotations

import math

import pytest

from seedbed.stats.boundaries import group_sequential_design
from seedbed.stats.design_effects import (
    WARN_FEW_CLUSTERS,
    WARN_INFINITE_SAMPLE,
    cluster_sample_size,
    design_effect_cluster,
    design_effect_stepped_wedge,
    group_sequential_sample_size,
    stepped_wedge_sample_size,
)
from seedbed.stats.power import (
    WARN_ZERO_EFFECT,
    mde_binary,
    mde_continuous,
    power_binary,
    power_continuous,
    sample_size_binary,
    sample_size_continuous,
)

smp = pytest.importorskip("statsmodels.stats.power")
smprop = pytest.importorskip("statsmodels.stats.proportion")


def _case(ref, text: str):
    return next(c for c in ref["cases"] if text in c["what"])


def test_t_test_worked_example(sample_size_reference) -> None:
    case = _case(sample_size_reference, "two-sample t-test")
    res = sample_size_continuous(effect_size=0.5, alpha=0.05, power=0.8, sides=2)
    assert res.n_per_arm == pytest.approx(case["n_per_arm"], abs=0.005)
    assert res.n_per_arm_rounded == case["rounded_up"]


def test_two_proportions_worked_example(sample_size_reference) -> None:
    case = _case(sample_size_reference, "two proportions")
    res = sample_size_binary(p_control=0.5, p_treatment=0.65, alpha=0.05, power=0.8)
    assert res.n_per_arm == pytest.approx(case["n_per_arm"], abs=0.05)
    assert res.n_per_arm_rounded == case["rounded_up"]


def test_cluster_worked_example(sample_size_reference) -> None:
    case = _case(sample_size_reference, "cluster-randomised")
    n = sample_size_binary(p_control=0.5, p_treatment=0.65).n_per_arm
    res = cluster_sample_size(n_per_arm=n, cluster_size=46, icc=0.05)
    assert res.design_effect == pytest.approx(case["design_effect"], abs=1e-12)
    assert 2 * res.clusters_per_arm == case["clusters"]
    assert res.total_n == case["total_n"]
    assert WARN_FEW_CLUSTERS in res.warnings


def test_stepped_wedge_published_design_effects(sample_size_reference) -> None:
    case = _case(sample_size_reference, "stepped-wedge")
    assert case["values"]
    for row in case["values"]:
        de = design_effect_stepped_wedge(steps=row["k"], cluster_size=row["n"], icc=0.05)
        assert de == pytest.approx(row["de"], abs=5e-4)


@pytest.mark.parametrize(
    ("d", "power", "ratio", "sides"),
    [
        (0.5, 0.8, 1.0, 2),
        (0.2, 0.9, 1.0, 2),
        (0.8, 0.8, 2.0, 2),
        (0.3, 0.9, 1.0, 1),
        (1.5, 0.8, 0.5, 2),
    ],
)
def test_t_test_sample_size_matches_statsmodels(d, power, ratio, sides) -> None:
    alt = "two-sided" if sides == 2 else "larger"
    ref = smp.TTestIndPower().solve_power(
        effect_size=d, alpha=0.05, power=power, ratio=ratio, alternative=alt
    )
    res = sample_size_continuous(effect_size=d, power=power, ratio=ratio, sides=sides)
    assert res.n_per_arm == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize("n", [4, 20, 63.77, 500])
def test_t_test_power_and_mde_match_statsmodels(n) -> None:
    ref_power = smp.TTestIndPower().power(effect_size=0.4, nobs1=n, alpha=0.05)
    assert power_continuous(n_per_arm=n, effect_size=0.4) == pytest.approx(ref_power, rel=1e-9)
    mde = mde_continuous(n_per_arm=n, power=0.8)
    assert power_continuous(n_per_arm=n, effect_size=mde) == pytest.approx(0.8, abs=1e-8)


@pytest.mark.parametrize(("p0", "p1"), [(0.5, 0.65), (0.1, 0.15), (0.9, 0.8), (0.02, 0.05)])
def test_binary_sample_size_matches_statsmodels(p0, p1) -> None:
    ref = smprop.samplesize_proportions_2indep_onetail(p1 - p0, p0, 0.8, alternative="two-sided")
    assert sample_size_binary(p_control=p0, p_treatment=p1).n_per_arm == pytest.approx(
        ref, rel=1e-9
    )


@pytest.mark.parametrize("ratio", [0.5, 2.0, 3.0])
def test_binary_sample_size_with_unequal_allocation_matches_statsmodels(ratio) -> None:
    # statsmodels: group 1 = control (nobs1 returned), group 2 = treatment, ratio = nobs2/nobs1
    ref = smprop.samplesize_proportions_2indep_onetail(
        0.2 - 0.3, 0.3, 0.9, ratio=ratio, alternative="two-sided"
    )
    res = sample_size_binary(p_control=0.2, p_treatment=0.3, power=0.9, ratio=ratio)
    assert res.n_per_arm == pytest.approx(ref, rel=1e-9)


def test_binary_power_and_mde_round_trip() -> None:
    n = sample_size_binary(p_control=0.3, p_treatment=0.4).n_per_arm
    assert power_binary(n_per_arm=n, p_control=0.3, p_treatment=0.4) == pytest.approx(0.8, abs=1e-9)
    assert mde_binary(n_per_arm=n, p_control=0.3) == pytest.approx(0.1, abs=1e-8)


def test_degenerate_effects_warn() -> None:
    zero = sample_size_continuous(effect_size=0.0)
    assert WARN_ZERO_EFFECT in zero.warnings and math.isinf(zero.n_per_arm)
    same = sample_size_binary(p_control=0.2, p_treatment=0.2)
    assert WARN_ZERO_EFFECT in same.warnings and same.n_per_arm_rounded is None
    clus = cluster_sample_size(n_per_arm=math.inf, cluster_size=10, icc=0.1)
    assert WARN_INFINITE_SAMPLE in clus.warnings
    assert math.isnan(mde_continuous(n_per_arm=1))
    with pytest.raises(ValueError, match="proportions must lie strictly between 0 and 1"):
        sample_size_binary(p_control=0.0, p_treatment=0.2)


def test_unequal_cluster_sizes_increase_the_design_effect() -> None:
    assert design_effect_cluster(cluster_size=20, icc=0.05, cv=0.0) == pytest.approx(1.95)
    assert design_effect_cluster(cluster_size=20, icc=0.05, cv=0.5) == pytest.approx(
        1 + (1.25 * 20 - 1) * 0.05
    )


def test_stepped_wedge_clusters_are_a_multiple_of_steps() -> None:
    res = stepped_wedge_sample_size(n_per_arm=64, steps=4, cluster_size=10, icc=0.05)
    assert res.clusters is not None and res.clusters % 4 == 0
    # Woertman's total is divided by the cluster size, not by cluster size x measurements
    assert res.clusters * 10 >= res.total_n > (res.clusters - 4) * 10


@pytest.mark.parametrize(("m", "clusters"), [(10, 44), (20, 24)])
def test_woertman_conversion_reproduces_kristunas_table_2(sample_size_reference, m, clusters):
    """Kristunas, Morris & Gray (Trials 2017) Table 2: d = 0.2, ICC 0.05, 4 steps."""
    ref = next(c for c in sample_size_reference["cases"] if "target power" in c["what"])
    row = next(r for r in ref["values"] if r["n_per_cluster_per_period"] == m)
    n = sample_size_continuous(effect_size=0.2).n_per_arm
    res = stepped_wedge_sample_size(n_per_arm=n, steps=4, cluster_size=m, icc=0.05)
    assert res.clusters == row["clusters"] == clusters


def test_group_sequential_inflation() -> None:
    design = group_sequential_design(looks=5, spending="classic-obrien-fleming")
    r, n_max = group_sequential_sample_size(n_per_arm=100.0, design=design, power=0.8)
    # Jennison & Turnbull (2000) Table 2.4: R = 1.028 for K = 5, alpha 0.05, power 0.8
    assert r == pytest.approx(1.028, abs=5e-4)
    assert n_max == pytest.approx(100 * r)
    pocock = group_sequential_design(looks=5, spending="classic-pocock")
    # Jennison & Turnbull (2000) Table 2.2: R = 1.228 for K = 5
    r_p, _ = group_sequential_sample_size(n_per_arm=100.0, design=pocock, power=0.8)
    assert r_p == pytest.approx(1.228, abs=5e-4)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: sample_size_continuous(effect_size=math.nan), "effect_size"),
        (lambda: sample_size_continuous(effect_size=math.inf), "effect_size"),
        (lambda: sample_size_continuous(difference=1.0, sd=-10.0), "sd"),
        (lambda: sample_size_continuous(difference=math.nan, sd=1.0), "difference"),
        (lambda: power_continuous(n_per_arm=-5, effect_size=0.3), "n_per_arm"),
        (lambda: power_continuous(n_per_arm=math.nan, effect_size=0.3), "n_per_arm"),
        (lambda: power_continuous(n_per_arm=50, effect_size=math.nan), "effect_size"),
        (lambda: mde_continuous(n_per_arm=-5), "n_per_arm"),
        (lambda: power_binary(n_per_arm=-5, p_control=0.2, p_treatment=0.3), "n_per_arm"),
        (lambda: mde_binary(n_per_arm=math.inf, p_control=0.2), "n_per_arm"),
        (lambda: cluster_sample_size(n_per_arm=-1, cluster_size=10, icc=0.1), "n_per_arm"),
        (lambda: cluster_sample_size(n_per_arm=10, cluster_size=2.5, icc=0.1), "cluster_size"),
        (lambda: design_effect_cluster(cluster_size=10, icc=math.nan), "icc"),
        (lambda: design_effect_stepped_wedge(steps=4.5, cluster_size=10, icc=0.05), "steps"),
        (lambda: group_sequential_sample_size(n_per_arm=math.nan, design=group_sequential_design(looks=2)), "n_per_arm"),
    ],
)
def test_planning_functions_refuse_misleading_input(call, name) -> None:
    """Issue 12: NaN answered n = 2, a negative SD was accepted, n = -5 gave a null power."""
    with pytest.raises(ValueError, match=f"^{name} ") as err:
        call()
    assert str(err.value).startswith(name)


def test_nonsense_proportions_and_ratios_are_refused() -> None:
    from seedbed.stats.power import ERR_PROPORTION, ERR_RATIO

    with pytest.raises(ValueError, match=ERR_PROPORTION):
        sample_size_binary(p_control=math.nan, p_treatment=0.2)
    with pytest.raises(ValueError, match=ERR_RATIO):
        sample_size_continuous(effect_size=0.3, ratio=math.nan)
