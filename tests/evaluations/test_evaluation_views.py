"""Planning, registering and amending an evaluation through its pages, as the demo personas."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from seedbed.evaluations.models import Evaluation
from seedbed.evaluations.rules import ERROR_REQUIRED
from seedbed.evaluations.services.plan import ERROR_REASON

RD_PLAN = {
    "question": "Did the home-adaptation grant keep people at home longer?",
    "outcome": "Months living independently after assessment",
    "comparison": "People scoring just below the eligibility threshold",
    "period": "Assessments from April 2023 to March 2025",
    "assumptions": "Scores near the threshold are not manipulated",
    "success": "At least three more months at home",
    "outcome_column": "months_at_home", "running_column": "need_score", "cutoff": "60",
}


def test_a_lead_plans_registers_and_amends_an_evaluation(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    lead = client_as("lead")
    response = lead.post(reverse("evaluations:evaluation_create"), {
        "title": "Home adaptations grant", "design": "rd", "question": RD_PLAN["question"],
        "organisation": demo_world["organisations"]["northfield"].pk,
    })
    evaluation = Evaluation.objects.get(title="Home adaptations grant")
    plan_url = reverse("evaluations:plan_edit", args=[evaluation.pk])
    assert response.status_code == 302 and response["Location"] == plan_url

    page = lead.get(plan_url).content.decode()
    assert 'name="running_column"' in page and 'name="cutoff"' in page
    assert 'name="first_treated_column"' not in page and 'name="treated_unit"' not in page

    register_url = reverse("evaluations:evaluation_register", args=[evaluation.pk])
    refused = lead.post(register_url).content.decode()
    assert "There is a problem" in refused
    assert ERROR_REQUIRED.format(label="cutoff") in refused

    assert lead.post(plan_url, RD_PLAN).status_code == 302
    assert lead.post(register_url).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.REGISTERED
    assert lead.get(plan_url).status_code == 302  # frozen: only amendments now

    amend_url = reverse("evaluations:plan_amend", args=[evaluation.pk])
    no_reason = lead.post(amend_url, {**RD_PLAN, "cutoff": "55"}).content.decode()
    assert ERROR_REASON in no_reason
    assert lead.post(amend_url, {**RD_PLAN, "cutoff": "55", "reason": "The threshold was lowered"}).status_code == 302

    public = client_as("anonymous").get(reverse("evaluations:evaluation_detail", args=[evaluation.pk]))
    text = public.content.decode()
    assert public.status_code == 200
    assert "The threshold was lowered" in text and "55.0" in text
    assert [v.content["cutoff"] for v in evaluation.versions.order_by("number")] == [60.0, 55.0]


def test_drafts_are_hidden_from_the_public_list(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    client_as("lead").post(reverse("evaluations:evaluation_create"), {
        "title": "A draft nobody outside sees", "design": "its",
        "organisation": demo_world["organisations"]["northfield"].pk,
    })
    assert "A draft nobody outside sees" in client_as("frontline").get(reverse("evaluations:index")).content.decode()
    assert "A draft nobody outside sees" not in client_as("anonymous").get(reverse("evaluations:index")).content.decode()
    assert "A draft nobody outside sees" not in client_as("provider").get(reverse("evaluations:index")).content.decode()


def test_evaluations_are_reachable_from_every_page_header(client_as, demo_world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Built is not reachable unless people can find it: the header links to the evaluations."""
    from django.urls import reverse

    for role in ("anonymous", "lead"):
        page = client_as(role).get(reverse("core:home")).content.decode()
        assert f'href="{reverse("evaluations:index")}"' in page, role
