"""Reading a result in plain words (pure rules, no database): the headline estimates of each
design, p-values as printed, the checks of the assumptions, and a synthetic control's donors."""

from __future__ import annotations

import pytest

from seedbed.evaluations.rules import (
    NO_INTERVAL,
    READ_EXCLUDES_ZERO,
    READ_INCLUDES_ZERO,
    donor_weights,
    p_text,
    result_checks,
    result_estimates,
)
from seedbed.library.rules import evaluation_evidence
from tests.evaluations.payloads import payload


def test_p_values_read_as_pages_print_them() -> None:
    assert p_text(0.0312) == "p = 0.031"
    assert p_text(0.0004) == "p < 0.001"
    assert p_text(None) == "no p-value"
    assert p_text(0.125, name="placebo p") == "placebo p = 0.125"


def test_difference_in_differences_reads_the_att_with_its_interval() -> None:
    data = payload("did")
    (att,) = result_estimates("did", data, outcome="referrals")
    assert "ATT" in att.label and "referrals" in att.label
    low, high = data["ci"]
    assert att.interval.startswith("95% confidence interval")
    assert att.reading == (READ_INCLUDES_ZERO if low <= 0 <= high else READ_EXCLUDES_ZERO)
    assert any("Pre-trend test" in text for text in result_checks("did", data))


def test_an_interval_either_side_of_zero_reads_as_consistent_with_no_effect() -> None:
    data = {**payload("did"), "ci": [-1.0, 2.0], "p": 0.4}
    assert result_estimates("did", data, outcome="x")[0].reading == READ_INCLUDES_ZERO
    data = {**data, "ci": [0.5, 2.0], "p": 0.01, "alpha": 0.1}
    estimate = result_estimates("did", data, outcome="x")[0]
    assert estimate.reading == READ_EXCLUDES_ZERO and estimate.interval.startswith("90%")


def test_a_missing_interval_says_so_rather_than_printing_none() -> None:
    data = {**payload("rd"), "ci_robust": [None, None], "p_robust": None, "estimate": None}
    estimate = result_estimates("rd", data, outcome="x")[0]
    assert estimate.interval == NO_INTERVAL and estimate.p == "no p-value"
    assert "None" not in estimate.figure + estimate.interval + estimate.p


def test_interrupted_time_series_reads_level_and_slope() -> None:
    level, slope = result_estimates("its", payload("its"), outcome="visits")
    assert "level" in level.label and "slope" in slope.label
    assert any("Autocorrelation" in text for text in result_checks("its", payload("its")))


def test_synthetic_control_reads_the_gap_and_the_placebo_p_without_an_interval() -> None:
    data = payload("synth")
    (gap,) = result_estimates("synth", data, outcome="rate")
    assert "Northfield" in gap.label and gap.p.startswith("placebo p")
    assert "no confidence interval" in gap.interval
    rows = donor_weights(data)
    assert rows and all(w.endswith("%") for _, w in rows)
    assert [float(w[:-1]) for _, w in rows] == sorted((float(w[:-1]) for _, w in rows), reverse=True)


def test_donors_with_no_weight_are_left_out() -> None:
    assert donor_weights({"weights": {"A": 0.7, "B": 0.3, "C": 0.0, "D": None}}) == [
        ("A", "70.0%"), ("B", "30.0%")]


@pytest.mark.parametrize("fuzzy", [False, True])
def test_regression_discontinuity_reads_the_jump_and_the_density_check(fuzzy: bool) -> None:
    data = {**payload("rd"), "design": "fuzzy" if fuzzy else "sharp"}
    (jump,) = result_estimates("rd", data, outcome="months at home")
    assert ("fuzzy design" in jump.label) == fuzzy
    assert "robust confidence interval" in jump.interval
    assert any("Density check" in text for text in result_checks("rd", data))


@pytest.mark.parametrize(("alpha", "fails"), [(0.10, True), (0.05, False)])
def test_the_pre_trend_check_reads_at_the_analysis_level_as_the_library_case_does(
        alpha: float, fails: bool) -> None:
    data = payload("did") | {"alpha": alpha, "pretrend_p": 0.07, "warnings": []}
    (check,) = [c for c in result_checks("did", data) if c.startswith("Pre-trend test")]
    assert f"p = 0.070. A small p-value (below {alpha:g}) casts doubt" in check
    evidence = evaluation_evidence(design="did", payload=data, warnings=[],
                                   higher_is_better=False)
    assert ("pretrend" in evidence.failed_checks) is fails
    if fails:
        assert any(f"below {alpha:g}" in r for r in evidence.evidence.reasons)
