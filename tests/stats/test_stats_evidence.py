"""The evidence level a trial earns from what happened: WWC attrition, sample ratio
mismatch, achieved power and stopping early, each downgrade with its reason."""

from __future__ import annotations

import math

import pytest
from scipy import stats as sps

from seedbed.stats.evidence import (
    BOUNDARY_CAUTIOUS,
    BOUNDARY_LIBERAL,
    DIRECTION_HARMFUL,
    DIRECTION_NULL,
    DIRECTION_POSITIVE,
    DOWNGRADE_HIGH_ATTRITION,
    DOWNGRADE_LOW_POWER,
    DOWNGRADE_NOT_RANDOMISED,
    DOWNGRADE_SAMPLE_RATIO,
    DOWNGRADE_STOPPED,
    WWC_HANDBOOK,
    achieved_power,
    attrition_wwc,
    trial_evidence,
)

# Points of the published table (WWC Standards Handbook v4.1, Table II.1: highest
# differential attrition, in percentage points, for a sample to maintain low attrition, by
# overall attrition): (overall %, cautious, liberal/"optimistic"); None: no differential is low.
WWC_PUBLISHED = [
    (0, 5.7, 10.0), (5, 6.1, 10.5), (10, 6.3, 10.9), (20, 5.4, 10.0), (30, 4.1, 8.2),
    (40, 2.6, 6.0), (50, 1.0, 3.7), (57, 0.0, 2.1), (58, None, 1.9), (65, None, 0.3),
]


@pytest.mark.parametrize(("overall", "cautious", "liberal"), WWC_PUBLISHED)
def test_attrition_boundaries_match_the_published_wwc_table(overall, cautious, liberal) -> None:
    n = 1000
    analysed_total = n * (100 - overall) // 100  # exactly `overall` per cent lost
    for boundary, limit in ((BOUNDARY_CAUTIOUS, cautious), (BOUNDARY_LIBERAL, liberal)):
        a = attrition_wwc(randomised=[n // 2, n // 2],
                          analysed=[analysed_total // 2, analysed_total - analysed_total // 2],
                          boundary=boundary)
        assert a.overall == pytest.approx(overall / 100)
        if limit is None:
            assert a.max_differential is None and a.high
        else:
            assert a.max_differential == pytest.approx(limit / 100)


def test_attrition_examples_classified_as_the_wwc_standard_does() -> None:
    # 8% overall, 3 points differential: low attrition even under the cautious boundary.
    low = attrition_wwc(randomised=[100, 100], analysed=[94, 90])
    assert (round(low.overall, 2), round(low.differential, 2), low.high) == (0.08, 0.04, False)
    # 30% overall, 6 points differential: high if cautious (4.1), low if liberal (8.2).
    arms = {"randomised": [100, 100], "analysed": [73, 67]}
    assert attrition_wwc(**arms, boundary=BOUNDARY_CAUTIOUS).high
    assert not attrition_wwc(**arms, boundary=BOUNDARY_LIBERAL).high
    # 10% overall with 6.3 points differential is on the boundary: still low.
    edge = attrition_wwc(randomised=[1000, 1000], analysed=[931, 869])
    assert edge.differential == pytest.approx(0.062) and not edge.high
    beyond = attrition_wwc(randomised=[1000, 1000], analysed=[933, 867])
    assert beyond.differential == pytest.approx(0.066) and beyond.high


def test_between_two_rows_the_stricter_boundary_is_used() -> None:
    # 19.5% overall lies between the rows for 19 (5.5) and 20 (5.4) per cent.
    a = attrition_wwc(randomised=[1000, 1000], analysed=[805, 805])
    assert a.overall == pytest.approx(0.195) and a.max_differential == pytest.approx(0.054)


def test_sample_ratio_mismatch_agrees_with_scipy_chisquare() -> None:
    for counts, ratio in (([130, 70], None), ([60, 40], None), ([210, 90], [2, 1])):
        found = trial_evidence(effect=0.2, ci=(0.1, 0.3), allocated=counts, planned_ratio=ratio)
        expected = [sum(counts) * r / sum(ratio or [1, 1]) for r in (ratio or [1, 1])]
        assert found.sample_ratio_p == pytest.approx(sps.chisquare(counts, expected).pvalue, rel=1e-9)
    flagged = trial_evidence(effect=0.2, ci=(0.1, 0.3), allocated=[130, 70])
    assert [d.code for d in flagged.downgrades] == [DOWNGRADE_SAMPLE_RATIO]
    assert flagged.level == 2
    assert trial_evidence(effect=0.2, ci=(0.1, 0.3), allocated=[210, 90],
                          planned_ratio=[2, 1]).downgrades == ()


def test_achieved_power_agrees_with_statsmodels() -> None:
    from statsmodels.stats.power import TTestIndPower

    for n_c, n_t, d in ((40, 45, 0.3), (120, 118, 0.4), (15, 15, 0.8)):
        expected = TTestIndPower().power(effect_size=d, nobs1=n_c, ratio=n_t / n_c, alpha=0.05)
        assert achieved_power(analysed=[n_c, n_t], effect_size=d) == pytest.approx(expected, abs=1e-6)
    # cluster trials: the analysed numbers divided by the design effect
    expected = TTestIndPower().power(effect_size=0.3, nobs1=100, ratio=1.0, alpha=0.05)
    assert achieved_power(analysed=[200, 200], effect_size=0.3, design_effect=2.0) == \
        pytest.approx(expected, abs=1e-6)


def test_a_clean_trial_keeps_level_three_and_each_failure_downgrades_with_its_reason() -> None:
    clean = trial_evidence(effect=0.4, ci=(0.1, 0.7), allocated=[200, 200],
                           analysed=[190, 188], effect_size=0.3)
    assert (clean.level, clean.direction, clean.downgrades) == (3, DIRECTION_POSITIVE, ())
    assert clean.achieved_power > 0.8
    attrition = trial_evidence(effect=0.4, ci=(0.1, 0.7), allocated=[200, 200],
                               analysed=[190, 150], effect_size=0.3)
    assert [d.code for d in attrition.downgrades] == [DOWNGRADE_HIGH_ATTRITION]
    assert attrition.level == 2 and WWC_HANDBOOK in attrition.downgrades[0].text
    text = attrition.downgrades[0].text
    assert "15.0%" in text and "20.0 percentage points" in text and "boundary of 5.9" in text
    weak = trial_evidence(effect=0.1, ci=(-0.5, 0.7), allocated=[20, 20], analysed=[20, 20],
                          effect_size=0.3)
    assert [d.code for d in weak.downgrades] == [DOWNGRADE_LOW_POWER] and weak.level == 2
    assert f"{weak.achieved_power:.0%}" in weak.downgrades[0].text
    observational = trial_evidence(effect=0.4, ci=(0.1, 0.7), randomised=False)
    assert [d.code for d in observational.downgrades] == [DOWNGRADE_NOT_RANDOMISED]


@pytest.mark.parametrize("reason", ["harm", "benefit", "futility", "other"])
def test_a_trial_stopped_early_is_downgraded_and_one_stopped_for_harm_is_harmful(reason) -> None:
    found = trial_evidence(effect=0.05, ci=(-0.3, 0.4), allocated=[200, 200],
                           analysed=[196, 195], effect_size=0.3, stopped_for=reason)
    assert found.level == 2 and found.downgrades[-1].code == DOWNGRADE_STOPPED[reason]
    assert found.primary_direction == DIRECTION_NULL
    assert found.direction == (DIRECTION_HARMFUL if reason == "harm" else DIRECTION_NULL)
    assert any("level 3 not reached" in r for r in found.reasons)


def test_bad_input_is_refused_naming_the_argument() -> None:
    with pytest.raises(ValueError, match="analysed"):
        attrition_wwc(randomised=[10, 10], analysed=[-1, 10])
    with pytest.raises(ValueError, match="arm 2"):
        attrition_wwc(randomised=[10, 10], analysed=[10, 11])
    with pytest.raises(ValueError, match="attrition_boundary"):
        attrition_wwc(randomised=[10, 10], analysed=[10, 10], boundary="optimistic!")
    with pytest.raises(ValueError, match="stopped_for"):
        trial_evidence(effect=0.1, ci=(0.0, 0.2), stopped_for="boredom")
    with pytest.raises(ValueError, match="design_effect"):
        achieved_power(analysed=[10, 10], effect_size=0.3, design_effect=math.nan)


def test_empty_arms_give_no_attrition_verdict_rather_than_a_crash() -> None:
    a = attrition_wwc(randomised=[0, 10], analysed=[0, 10])
    assert math.isnan(a.differential) and not a.high


def _hussey_hughes_power(clusters: int, steps: int, m: float, icc: float, d: float,
                         alpha: float = 0.05) -> float:
    """Hussey & Hughes (Contemp Clin Trials 2007;28:182), eq. 8, written out here from the
    paper: Var = I s (s + T tau2) / [(I U - W) s + (U^2 + I T U - T W - I V) tau2]."""
    from scipy.stats import norm

    per_step = clusters // steps
    periods = steps + 1
    x = [[1 if t >= 1 + k else 0 for t in range(periods)] for k in range(steps) for _ in range(per_step)]
    n_i = len(x)
    u = sum(map(sum, x))
    w = sum(sum(row[t] for row in x) ** 2 for t in range(periods))
    v = sum(sum(row) ** 2 for row in x)
    tau2, s = icc, (1 - icc) / m
    var = n_i * s * (s + periods * tau2) / (
        (n_i * u - w) * s + (u * u + n_i * periods * u - periods * w - n_i * v) * tau2)
    z = norm.ppf(1 - alpha / 2)
    return float(norm.cdf(d / math.sqrt(var) - z) + norm.cdf(-d / math.sqrt(var) - z))


@pytest.mark.parametrize(("clusters", "steps", "m", "icc", "d"), [
    (8, 4, 10, 0.05, 0.3), (44, 4, 10, 0.05, 0.2), (12, 3, 25, 0.1, 0.25),
])
def test_stepped_wedge_achieved_power_is_hussey_and_hughes(clusters, steps, m, icc, d) -> None:
    from seedbed.stats.evidence import achieved_power_stepped_wedge

    mine = achieved_power_stepped_wedge(clusters=clusters, steps=steps,
                                        people_per_cluster_period=m, icc=icc, effect_size=d)
    assert mine == pytest.approx(_hussey_hughes_power(clusters, steps, m, icc, d), abs=1e-6)


def test_stepped_wedge_power_feeds_the_level() -> None:
    weak = trial_evidence(effect=0.1, ci=(-0.2, 0.4), power=0.3)
    assert [d.code for d in weak.downgrades] == [DOWNGRADE_LOW_POWER] and weak.achieved_power == 0.3


def test_stepped_wedge_achieved_power_reproduces_kristunas_table_2() -> None:
    """Kristunas, Morris & Gray, Trials 2017;18:72, Table 2: 44 clusters of 10, 4 steps,
    ICC 0.05, d = 0.2 give about 82% power (0.818)."""
    from seedbed.stats.evidence import achieved_power_stepped_wedge

    power = achieved_power_stepped_wedge(clusters=44, steps=4, people_per_cluster_period=10,
                                         icc=0.05, effect_size=0.2)
    assert power == pytest.approx(0.818, abs=0.005)
