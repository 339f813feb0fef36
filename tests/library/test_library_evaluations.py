"""Evaluations in the library: the Maryland SMS and Nesta levels from the engine's output, one
level off per failed check with its reason, and the case written, shown, filtered and exported.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import pytest
from django.urls import reverse

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.library.models import Case
from seedbed.library.rules import DOWNGRADE_QUASI_TEXT, SMS_BASE, evaluation_evidence
from seedbed.library.selectors import CaseFacets, case_for_record, case_search
from seedbed.library.services import EvaluationFinding, case_create_from_evaluation
from seedbed.library.services.case import ERROR_ALREADY, ERROR_NO_ESTIMATE

DID = {"att": -3.0, "ci": [-5.0, -1.0], "pretrend_p": 0.40, "alpha": 0.05, "warnings": []}
ITS = {"level_change": -12.0, "ci_level": [-20.0, -4.0], "comparison": False,
       "autocorrelation_p": 0.3, "n_pre": 24, "n_post": 24, "warnings": []}
CITS = {**ITS, "comparison": True}
SYNTH = {"att": 4.0, "placebo_p": 0.02, "pre_rmspe": 0.4, "warnings": []}
RD = {"estimate": 2.5, "ci_robust": [0.5, 4.5], "density_p": 0.6, "n_left": 180, "n_right": 160,
      "warnings": []}


def _with(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**payload, **changes}


# design, payload, higher_is_better -> case design, SMS level, Nesta level, direction, failed checks
RULES = [
    ("did", DID, False, "did", 3, 3, "positive", ()),
    ("did", _with(DID, pretrend_p=0.01), False, "did", 2, 2, "positive", ("pretrend",)),
    ("did", _with(DID, pretrend_p=None, warnings=["pretrend_test_failed"]), False, "did", 2, 2,
     "positive", ("pretrend",)),
    ("did", _with(DID, warnings=["did_fewer_than_20_clusters"]), False, "did", 2, 2, "positive",
     ("few_clusters",)),
    ("did", _with(DID, two_by_two={"warnings": ["did_fewer_than_20_clusters"]}), False, "did", 2,
     2, "positive", ("few_clusters",)),
    ("did", _with(DID, pretrend_p=0.001, warnings=["pretrend_test_failed",
                                                   "did_fewer_than_20_clusters"]),
     False, "did", 1, 2, "positive", ("pretrend", "few_clusters")),
    ("did", _with(DID, ci=[-5.0, 1.0]), False, "did", 3, 3, "null", ()),
    ("its", ITS, False, "its", 2, 2, "positive", ()),
    ("its", _with(ITS, warnings=["its_fewer_than_8_points_per_segment"], n_pre=6), False, "its",
     1, 2, "positive", ("few_periods",)),
    ("its", _with(ITS, warnings=["its_autocorrelation", "its_fewer_than_8_points_per_segment"]),
     False, "its", 1, 2, "positive", ("autocorrelation", "few_periods")),
    ("its", CITS, False, "its_comparison", 3, 3, "positive", ()),
    ("its", _with(CITS, warnings=["its_autocorrelation"], autocorrelation_p=0.004), False,
     "its_comparison", 2, 2, "positive", ("autocorrelation",)),
    ("its", _with(CITS, warnings=["its_autocorrelation_not_checked"]), False, "its_comparison",
     2, 2, "positive", ("autocorrelation",)),
    ("its", CITS, True, "its_comparison", 3, 3, "negative", ()),
    ("synth", SYNTH, True, "synth", 3, 3, "positive", ()),
    ("synth", _with(SYNTH, placebo_p=0.30), True, "synth", 3, 3, "null", ()),
    ("synth", _with(SYNTH, placebo_p=None), True, "synth", 3, 2, "not measured", ()),
    ("synth", _with(SYNTH, warnings=["synth_poor_pre_fit"], pre_rmspe=3.2), True, "synth", 2, 2,
     "positive", ("poor_fit",)),
    ("synth", _with(SYNTH, warnings=["synth_treated_outside_donor_range"]), True, "synth", 2, 2,
     "positive", ("outside_donors",)),
    ("synth", _with(SYNTH, warnings=["synth_poor_pre_fit", "synth_treated_outside_donor_range"]),
     True, "synth", 1, 2, "positive", ("poor_fit", "outside_donors")),
    ("rd", RD, True, "rd", 4, 3, "positive", ()),
    ("rd", _with(RD, density_p=0.01), True, "rd", 3, 2, "positive", ("density",)),
    ("rd", _with(RD, density={"warnings": ["rd_density_jump_at_cutoff"]}, density_p=None), True,
     "rd", 3, 2, "positive", ("density",)),
    ("rd", _with(RD, warnings=["rd_few_observations_near_cutoff"], n_left=12), True, "rd", 3, 2,
     "positive", ("few_near_cutoff",)),
    ("rd", _with(RD, warnings=["rd_weak_first_stage"]), True, "rd", 3, 2, "positive",
     ("weak_first_stage",)),
    ("rd", _with(RD, density_p=0.02, warnings=["rd_few_observations_near_cutoff"]), True, "rd",
     2, 2, "positive", ("density", "few_near_cutoff")),
]


@pytest.mark.parametrize(("design", "payload", "higher_is_better", "case_design", "sms", "nesta",
                          "direction", "failed"), RULES)
def test_levels_per_design_and_each_failed_check(design, payload, higher_is_better, case_design,  # type: ignore[no-untyped-def]
                                                 sms, nesta, direction, failed) -> None:
    found = evaluation_evidence(design=design, payload=payload, warnings=[],
                                higher_is_better=higher_is_better)
    assert (found.design, found.sms_level, found.evidence.level, found.evidence.direction,
            found.failed_checks) == (case_design, sms, nesta, direction, failed)
    reasons = found.evidence.reasons
    base_level = SMS_BASE[case_design][0]
    assert reasons.count(f"SMS level {base_level}: {SMS_BASE[case_design][1]}") == 1
    downgrades = [r for r in reasons if " down to " in r or r.startswith("SMS level 1, the lowest")]
    assert len(downgrades) == len(failed), "one stated reason per failed check"
    for check, reason in zip(failed, downgrades, strict=True):
        words = DOWNGRADE_QUASI_TEXT[check].split("(")[0].split("{")[0].strip()
        assert words in reason
    if nesta == 3:
        assert "level 3: effect estimated against a non-random comparison group" in reasons
    elif case_design != "its":
        assert any(r.startswith("not level 3:") for r in reasons)


def test_each_downgrade_names_its_numbers() -> None:
    did = evaluation_evidence(design="did", payload=_with(DID, pretrend_p=0.012), warnings=[],
                              higher_is_better=False)
    assert "SMS level 3 down to 2: Before the change" in did.evidence.reasons[-1]
    assert "joint pre-trend test p = 0.012, below 0.05" in did.evidence.reasons[-1]
    rd = evaluation_evidence(design="rd", payload=_with(RD, density_p=0.003, n_left=12, warnings=[
        "rd_few_observations_near_cutoff"]), warnings=[], higher_is_better=True)
    assert "density test p = 0.003, below 0.05" in rd.evidence.reasons[-2]
    assert "SMS level 3 down to 2" in rd.evidence.reasons[-1] and "(12 below, 160 at or above)" in rd.evidence.reasons[-1]
    its = evaluation_evidence(design="its", payload=_with(ITS, n_pre=6, n_post=5, warnings=[
        "its_autocorrelation", "its_fewer_than_8_points_per_segment"]), warnings=[],
        higher_is_better=True)
    assert "Breusch-Godfrey test p = 0.3" in its.evidence.reasons[-2]
    assert its.evidence.reasons[-1].startswith("SMS level 1, the lowest: There were fewer than 8 periods before (6) or after (5)")


def test_warnings_that_cost_no_level_are_kept_as_cautions() -> None:
    found = evaluation_evidence(
        design="did", payload=_with(DID, warnings=["pretrend_test_failed", "unbalanced_panel_units_dropped"]),
        warnings=["no_never_treated_units"], higher_is_better=False)
    assert found.evidence.warnings == ("no_never_treated_units", "unbalanced_panel_units_dropped")
    clean = evaluation_evidence(design="rd", payload=_with(RD, warnings=["rd_mass_points"]),
                                warnings=[], higher_is_better=True)
    assert clean.evidence.warnings == ("non_random_comparison_group", "rd_mass_points")


def test_no_number_means_no_finding() -> None:
    found = evaluation_evidence(design="did", payload=_with(DID, att=None, ci=[None, None]),
                                warnings=[], higher_is_better=True)
    assert (found.effect, found.evidence.direction, found.evidence.level) == (None, "not measured", 2)
    infinite = evaluation_evidence(design="rd", payload=_with(RD, ci_robust=[-math.inf, 1.0]),
                                   warnings=[], higher_is_better=True)
    assert infinite.ci is None and infinite.evidence.direction == "not measured"
    with pytest.raises(ValueError):
        evaluation_evidence(design="rct", payload={}, warnings=[], higher_is_better=True)


# --- the case ---------------------------------------------------------------------------------


def _finding(record: Any, **changes: Any) -> EvaluationFinding:
    values: dict[str, Any] = {
        "record": record, "title": "Family hubs and referrals",
        "question": "Did opening family hubs reduce referrals to children's social care?",
        "what_was_done": "Family hubs opened ward by ward from 2023",
        "summary": "Referrals fell where hubs opened, but the wards were already diverging.",
        "design": "did", "outcome": "Referrals per 1,000 children each quarter",
        "payload": _with(DID, pretrend_p=0.01), "warnings": ("pretrend_test_failed",),
        "higher_is_better": False, "year": 2026, "registry_url": "/evaluations/1/",
    }
    values.update(changes)
    return EvaluationFinding(**values)


@pytest.mark.django_db
def test_an_evaluation_becomes_one_published_case_with_both_levels(trial_world) -> None:  # type: ignore[no-untyped-def]
    # Any record stands in for the evaluation: the library keeps only its type and id.
    record, analyst = trial_world["organisations"]["childrens-services"], trial_world["users"]["analyst"]
    case = case_create_from_evaluation(finding=_finding(record), actor=analyst)
    assert (case.source, case.design, case.sms_level, case.evidence_level, case.direction) == (
        Case.Source.EVALUATION, "did", 2, 2, "positive")
    assert case.is_published and case.effect == -3.0 and (case.ci_low, case.ci_high) == (-5.0, -1.0)
    assert case.outcome == "Referrals per 1,000 children each quarter (average effect where the change was made)"
    assert any("SMS level 3 down to 2" in r for r in case.evidence_reasons)
    assert case_for_record(record=record) == case
    actions = list(AuditEntry.objects.filter(object_type="library.case", object_id=str(case.pk)).order_by("pk")
                   .values_list("action", "data"))
    assert [a for a, _ in actions] == ["library.case_create", "library.case_publish"]
    assert (actions[0][1]["design"], actions[0][1]["sms_level"]) == ("did", 2)
    with pytest.raises(ValidationProblem) as refused:
        case_create_from_evaluation(finding=_finding(record), actor=analyst)
    assert refused.value.problems == {"__all__": ERROR_ALREADY.format(kind="evaluation")}
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_a_synthetic_control_has_an_effect_without_an_interval(trial_world) -> None:  # type: ignore[no-untyped-def]
    record = trial_world["organisations"]["family-support-cic"]
    case = case_create_from_evaluation(finding=_finding(
        record, design="synth", payload=SYNTH, warnings=(), higher_is_better=True,
        outcome="x" * 400), actor=trial_world["users"]["lead"])
    assert (case.effect, case.ci_low, case.sms_level, case.evidence_level, case.direction) == (
        4.0, None, 3, 3, "positive")
    assert len(case.outcome) <= 300 and case.outcome.endswith("(average gap after the start, treated area minus its synthetic control)")


@pytest.mark.django_db
def test_no_estimate_no_case(trial_world) -> None:  # type: ignore[no-untyped-def]
    record = trial_world["organisations"]["childrens-services"]
    with pytest.raises(ValidationProblem) as refused:
        case_create_from_evaluation(finding=_finding(record, payload=_with(DID, att=None)),
                                    actor=trial_world["users"]["lead"])
    assert refused.value.problems == {"__all__": ERROR_NO_ESTIMATE}
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_regression_discontinuity_counts_pass_disclosure_control(trial_world) -> None:  # type: ignore[no-untyped-def]
    record = trial_world["organisations"]["childrens-services"]
    case = case_create_from_evaluation(finding=_finding(
        record, design="rd", payload=_with(RD, n_left=7, warnings=["rd_few_observations_near_cutoff"]),
        warnings=(), higher_is_better=True), actor=trial_world["users"]["lead"])
    assert (case.n_intervention, case.n_comparison, case.numbers_suppressed) == (None, None, True)
    assert (case.sms_level, case.evidence_level) == (3, 2)


@pytest.mark.django_db
def test_the_case_page_shows_the_levels_and_each_reason_in_words(client, demo_world) -> None:  # type: ignore[no-untyped-def]
    record = demo_world["organisations"]["northfield"]
    case = case_create_from_evaluation(finding=_finding(record), actor=demo_world["users"]["analyst"])
    html = " ".join(client.get(reverse("library:case_detail", args=[case.pk])).content.decode().split())
    assert "Maryland SMS level 2" in html and "Evidence level 2" in html
    assert "Maryland Scientific Methods Scale, level 2 of 5 (5 is a randomised trial)." in html
    assert "Nesta Standards of Evidence, level 2 of 5." in html
    assert "Difference-in-differences" in html
    assert ("SMS level 3 down to 2: Before the change, the units that changed and their comparison "
            "units were already moving apart (joint pre-trend test p = 0.01, below 0.05)") in html
    assert "Not level 3: the comparison did not pass the design&#x27;s own checks (below)" in html
    assert "(95% interval -5.00 to -1.00); lower is better." in html


@pytest.mark.django_db
def test_levels_are_a_facet_and_are_in_the_api_and_open_data(client, demo_world) -> None:  # type: ignore[no-untyped-def]
    record = demo_world["organisations"]["northfield"]
    case = case_create_from_evaluation(finding=_finding(record), actor=demo_world["users"]["analyst"])
    # The demo's own evaluation cases carry levels too: compare with what they add.
    demo_level_2 = set(Case.objects.filter(sms_level=2).exclude(pk=case.pk)
                       .values_list("pk", flat=True))
    found = [c.pk for c in case_search(for_user=None, facets=CaseFacets(sms_level="2")).cases]
    assert case.pk in found and set(found) == demo_level_2 | {case.pk}
    assert all(c.sms_level == 4 for c in
               case_search(for_user=None, facets=CaseFacets(sms_level="4")).cases)
    assert case.pk not in [c.pk for c in
                           case_search(for_user=None, facets=CaseFacets(sms_level="4")).cases]
    assert ("2", "SMS level 2", len(demo_level_2) + 1) in case_search(for_user=None).counts["sms_level"]
    page = client.get(reverse("library:index"), {"sms_level": "2"}).content.decode()
    assert f'data-case="{case.pk}"' in page and "Maryland SMS level 2" in page
    rows = {r["id"]: r for r in client.get("/api/library/cases", {"sms_level": "2"}).json()}
    assert set(rows) == demo_level_2 | {case.pk}
    assert {r["sms_level"] for r in rows.values()} == {2}
    assert rows[case.pk]["evidence_reasons"] == case.evidence_reasons
    exported = list(csv.DictReader(io.StringIO(client.get(reverse("library:export_csv")).content.decode())))
    row = next(r for r in exported if r["id"] == str(case.pk))
    assert row["sms_level"] == "2" and row["evidence_reasons"].split(" | ") == case.evidence_reasons
    older_case = Case.objects.filter(sms_level__isnull=True, status="published").first()
    assert older_case is not None
    older = next(r for r in exported if r["id"] == str(older_case.pk))
    assert older["sms_level"] == ""
    meta = client.get(reverse("library:export_metadata")).json()
    column = next(c for c in meta["tableSchema"]["columns"] if c["name"] == "evidence_reasons")
    assert column["separator"] == " | "
