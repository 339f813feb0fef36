"""A reported evaluation becomes one library case, with its Maryland SMS and Nesta levels and
each downgrade's reason; who may add it, and when."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.urls import reverse

from seedbed.core.errors import AccessDenied, ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.demo import evaluations as demo_evaluations
from seedbed.evaluations.access import access_evaluation_case_create
from seedbed.evaluations.models import Evaluation
from seedbed.evaluations.rules import (
    ERROR_CASE_ALREADY,
    ERROR_CASE_NO_ESTIMATE,
    ERROR_CASE_NOT_REPORTED,
)
from seedbed.evaluations.services import evaluation_case_create
from seedbed.evaluations.views.case import MESSAGE_ADDED
from seedbed.library.models import Case
from tests.evaluations.reported import reported_evaluation

pytestmark = pytest.mark.django_db

FORM = {"summary": "Referrals fell where hubs opened, but the wards were already diverging.",
        "what_was_done": "Family hubs opened ward by ward", "higher_is_better": "no",
        "lessons_worked": "Co-locating health visitors", "lessons_did_not": "",
        "lessons_differently": ""}
ADD = {"summary": FORM["summary"], "what_was_done": FORM["what_was_done"],
       "higher_is_better": False}


def _added() -> Any:
    """Cases added from evaluations other than the demo's own (which has two)."""
    return Case.objects.filter(source=Case.Source.EVALUATION).exclude(
        title__in=[spec["title"] for spec in demo_evaluations.EVALUATIONS])


def _reported(world: dict[str, Any], **kwargs: Any) -> Evaluation:
    return reported_evaluation(world, title=kwargs.pop("title", "Family hubs and referrals"),
                               organisation=world["organisations"]["childrens-services"], **kwargs)


def test_a_reported_evaluation_becomes_one_case_with_its_levels(trial_world) -> None:  # type: ignore[no-untyped-def]
    evaluation = _reported(trial_world)
    case = evaluation_case_create(actor=trial_world["users"]["analyst"], evaluation=evaluation,
                                  lessons_worked="Co-locating health visitors", **ADD)
    assert (case.source, case.design, case.is_published) == (Case.Source.EVALUATION, "did", True)
    assert (case.sms_level, case.evidence_level, case.direction) == (2, 2, "positive")
    assert (case.effect, case.ci_low, case.ci_high, case.higher_is_better) == (-3.2, -5.2, -1.2, False)
    assert case.problem == "Did opening family hubs reduce referrals?"
    assert case.outcome.startswith("Referrals to children's social care per 1,000 children")
    assert case.registry_url == reverse("evaluations:evaluation_detail", args=[evaluation.pk])
    assert case.source_record == evaluation and case.lessons_worked == "Co-locating health visitors"
    assert any(r.startswith("SMS level 3 down to 2: Before the change") for r in case.evidence_reasons)
    assert "unbalanced_panel_units_dropped" in case.evidence_warnings
    entry = AuditEntry.objects.get(action="evaluations.evaluation_case_create")
    assert (entry.object_id, entry.data["case"], entry.data["sms_level"]) == (
        str(evaluation.pk), case.pk, 2)
    assert AuditEntry.objects.filter(action="library.case_create", object_id=str(case.pk)).exists()
    with pytest.raises(ValidationProblem) as again:
        evaluation_case_create(actor=trial_world["users"]["lead"], evaluation=evaluation, **ADD)
    assert again.value.problems == {"__all__": ERROR_CASE_ALREADY}
    assert Case.objects.count() == 1


def test_an_analysis_not_yet_reported_is_not_added(trial_world) -> None:  # type: ignore[no-untyped-def]
    evaluation = _reported(trial_world, report=False)
    with pytest.raises(ValidationProblem) as refused:
        evaluation_case_create(actor=trial_world["users"]["lead"], evaluation=evaluation, **ADD)
    assert refused.value.problems == {"__all__": ERROR_CASE_NOT_REPORTED}
    assert not Case.objects.exists()
    assert not AuditEntry.objects.filter(action="evaluations.evaluation_case_create").exists()


def test_a_registered_evaluation_without_a_result_is_not_added(trial_world) -> None:  # type: ignore[no-untyped-def]
    evaluation = _reported(trial_world)
    evaluation.result.delete()
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.REGISTERED)
    evaluation.refresh_from_db()
    with pytest.raises(ValidationProblem) as refused:
        evaluation_case_create(actor=trial_world["users"]["lead"], evaluation=evaluation, **ADD)
    assert refused.value.problems == {"__all__": ERROR_CASE_NOT_REPORTED}


def test_a_clean_regression_discontinuity_reaches_sms_4_and_nesta_3(trial_world) -> None:  # type: ignore[no-untyped-def]
    payload = {"estimate": 2.5, "ci_robust": [0.5, 4.5], "density_p": 0.6, "n_left": 180,
               "n_right": 160, "warnings": []}
    evaluation = _reported(trial_world, title="Clean", payload=payload)
    Evaluation.objects.filter(pk=evaluation.pk).update(design="rd")
    evaluation.result.design = "rd"
    evaluation.result.save(update_fields=["design"])
    case = evaluation_case_create(actor=trial_world["users"]["lead"], evaluation=evaluation,
                                  **{**ADD, "higher_is_better": True})
    assert (case.design, case.sms_level, case.evidence_level, case.direction) == ("rd", 4, 3, "positive")
    assert (case.n_intervention, case.n_comparison, case.n_total) == (160, 180, 340)


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["frontline", "safety", "provider"])
def test_staff_who_do_not_manage_evaluations_may_not_add_one(trial_world, role) -> None:  # type: ignore[no-untyped-def]
    evaluation = _reported(trial_world)
    with pytest.raises(AccessDenied):
        access_evaluation_case_create(trial_world["users"][role], evaluation.pk)


def test_the_page_refuses_each_role_that_may_not_add_and_changes_nothing(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    evaluation = reported_evaluation(demo_world, title="Walk: hubs",
                                     organisation=demo_world["organisations"]["northfield"])
    url = reverse("evaluations:case_create", args=[evaluation.pk])
    for role in ("resident", "frontline", "panel", "safety", "provider"):
        assert client_as(role).post(url, FORM).status_code == 403, role
    response = client_as("anonymous").post(url, FORM)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    assert not _added().exists()


def test_a_foreign_or_missing_id_is_refused(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    lead = client_as("lead")
    for bad in (2_000_000_000, 0):
        response = lead.post(reverse("evaluations:case_create", args=[bad]), FORM)
        assert response.status_code in (403, 404)
    assert not _added().exists()


# --- the pages --------------------------------------------------------------------------------


def test_the_lead_adds_it_in_the_browser_and_the_case_page_says_why(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    evaluation = reported_evaluation(demo_world, title="Hubs, in the browser",
                                     organisation=demo_world["organisations"]["northfield"])
    lead = client_as("lead")
    detail = lead.get(reverse("evaluations:evaluation_detail", args=[evaluation.pk])).content.decode()
    assert 'id="evaluation-add-to-library"' in detail
    url = reverse("evaluations:case_create", args=[evaluation.pk])
    page = " ".join(lead.get(url).content.decode().split())
    assert "Level 2 of 5" in page and "SMS level 3 down to 2: Before the change" in page
    missing = lead.post(url, {**FORM, "summary": "", "higher_is_better": ""})
    assert missing.status_code == 200 and not _added().exists()
    assert "Enter a summary in plain language" in missing.content.decode()
    assert "Choose whether a higher or a lower outcome is better" in missing.content.decode()
    response = lead.post(url, FORM, follow=True)
    case = _added().get()
    assert response.redirect_chain[-1][0] == reverse("library:case_detail", args=[case.pk])
    html = " ".join(response.content.decode().split())
    assert MESSAGE_ADDED in html
    assert "Maryland Scientific Methods Scale, level 2 of 5" in html and "Evidence level 2" in html
    assert "joint pre-trend test p = 0.012, below 0.05" in html
    assert "Difference-in-differences" in html and "Positive" in html
    detail = lead.get(reverse("evaluations:evaluation_detail", args=[evaluation.pk])).content.decode()
    assert 'id="evaluation-library-case"' in detail and 'id="evaluation-add-to-library"' not in detail
    again = " ".join(lead.get(url).content.decode().split())
    assert f"{ERROR_CASE_ALREADY}:" in again and 'name="summary"' not in again


def test_the_page_explains_why_an_unreported_evaluation_cannot_be_added(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    evaluation = reported_evaluation(demo_world, title="Hubs, analysed only", report=False,
                                     organisation=demo_world["organisations"]["northfield"])
    lead = client_as("lead")
    url = reverse("evaluations:case_create", args=[evaluation.pk])
    assert f"{ERROR_CASE_NOT_REPORTED}." in lead.get(url).content.decode()
    response = lead.post(url, FORM)
    assert response.status_code == 200 and ERROR_CASE_NOT_REPORTED in response.content.decode()
    assert not _added().exists()
    detail = lead.get(reverse("evaluations:evaluation_detail", args=[evaluation.pk])).content.decode()
    assert 'id="evaluation-add-to-library"' not in detail


NO_ESTIMATE = {"estimate": None, "ci_robust": [None, None], "n_left": 0, "n_right": 0,
               "warnings": ["rd_no_data_on_a_side"]}


def test_an_analysis_that_estimated_nothing_is_not_added(trial_world) -> None:  # type: ignore[no-untyped-def]
    evaluation = _reported(trial_world, title="Nothing estimated", payload=NO_ESTIMATE)
    with pytest.raises(ValidationProblem) as refused:
        evaluation_case_create(actor=trial_world["users"]["lead"], evaluation=evaluation, **ADD)
    assert refused.value.problems == {"__all__": ERROR_CASE_NO_ESTIMATE}
    assert not Case.objects.exists()


def test_the_pages_offer_no_case_and_no_level_for_an_analysis_that_estimated_nothing(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    evaluation = reported_evaluation(demo_world, title="Hubs, nothing estimated", payload=NO_ESTIMATE,
                                     organisation=demo_world["organisations"]["northfield"])
    lead = client_as("lead")
    detail = lead.get(reverse("evaluations:evaluation_detail", args=[evaluation.pk])).content.decode()
    assert 'id="evaluation-add-to-library"' not in detail
    page = " ".join(html.unescape(lead.get(reverse("evaluations:case_create", args=[evaluation.pk]))
                                  .content.decode()).split())
    assert f"{ERROR_CASE_NO_ESTIMATE}." in page
    assert 'id="case-levels"' not in page and "of 5" not in page
