"""Portfolio pages through HTTP as the demo personas: forms, errors, decisions, spend."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from seedbed.portfolio.models import GateDecision, Innovation, Risk, ServiceArea

pytestmark = pytest.mark.django_db


def _mentors() -> Innovation:
    return Innovation.objects.get(title__startswith="Attendance mentors")


def _family() -> Innovation:
    return Innovation.objects.get(title__startswith="Family group")


def test_lead_records_an_innovation_and_bad_input_keeps_what_was_typed(client_as, demo_world) -> None:
    client = client_as("lead")
    url = reverse("portfolio:innovation_create")
    area = ServiceArea.objects.get(slug="neighbourhoods")
    bad = client.post(url, {"title": "Street tree adoption", "problem": "", "budget": "-5",
                            "service_area": area.pk, "typology": "service"})
    html = bad.content.decode()
    assert bad.status_code == 200 and "There is a problem" in html
    assert "Describe the problem the innovation addresses" in html
    assert 'value="Street tree adoption"' in html
    ok = client.post(url, {
        "title": "Street tree adoption", "problem": "Young trees die in dry summers.",
        "typology": "service", "efficiency_tags": ["new_customers"], "service_area": area.pk,
        "lead_organisation": demo_world["organisations"]["neighbourhoods"].pk, "budget": "2500",
    })
    innovation = Innovation.objects.get(title="Street tree adoption")
    assert ok.status_code == 302 and ok["Location"].endswith(f"/innovations/{innovation.pk}/")
    assert innovation.stage.slug == "latent" and innovation.efficiency_tags == ["new_customers"]
    page = client.get(ok["Location"]).content.decode()
    assert "New customers" in page and "£0 spent of £2,500" in page


def test_gate_without_evidence_shows_the_rule_then_records_the_exception(client_as, demo_world) -> None:
    client = client_as("lead")
    family = _family()
    url = reverse("portfolio:gate_decide", args=[family.pk])
    form = client.get(url).content.decode()
    assert "needs evidence level 3" in form
    post = {"decision": "advance", "reasons": "Coordinators are in post",
            "checklist_done": family.stage.exit_checklist, "reviewers": [demo_world["users"]["panel"].pk]}
    refused = client.post(url, post)
    assert refused.status_code == 200 and "needs evidence level 3" in refused.content.decode()
    family.refresh_from_db()
    assert family.stage.slug == "mobilisation"
    post["exception_reasons"] = "The government's new duty requires family group conferences from April."
    done = client.post(url, post)
    assert done.status_code == 302
    decision = GateDecision.objects.filter(innovation=family).first()
    assert decision.exception and decision.to_stage.slug == "mainstreaming"
    detail = client.get(done["Location"]).content.decode()
    assert "The government&#x27;s new duty" in detail


def test_risk_register_flags_residual_risk_above_appetite(client_as) -> None:
    client = client_as("lead")
    mentors = _mentors()
    response = client.post(reverse("portfolio:risk_add", args=[mentors.pk]), {
        "title": "Mentor leaves mid-year", "likelihood": "4", "impact": "4",
        "residual_likelihood": "4", "residual_impact": "3", "mitigation": ""})
    assert response.status_code == 302
    assert Risk.objects.get(title="Mentor leaves mid-year").residual_score == 12
    page = client.get(response["Location"]).content.decode()
    assert "Above appetite" in page
    worse = client.post(reverse("portfolio:risk_add", args=[mentors.pk]), {
        "title": "Residual worse", "likelihood": "1", "impact": "1",
        "residual_likelihood": "5", "residual_impact": "5"})
    assert "cannot be above" in worse.content.decode()


def test_spend_cannot_go_over_budget(client_as) -> None:
    client = client_as("lead")
    family = _family()
    url = reverse("portfolio:spend_record", args=[family.pk])
    over = client.post(url, {"amount": "100000"})
    assert over.status_code == 400 and "over the budget" in over.content.decode()
    assert client.post(url, {"amount": "abc"}).status_code == 400
    assert client.post(url, {"amount": "5000"}).status_code == 302
    family.refresh_from_db()
    assert family.spend == Decimal("50000")


def test_only_leads_and_admins_decide(client_as) -> None:
    family = _family()
    for role in ("analyst", "panel", "frontline"):
        response = client_as(role).post(reverse("portfolio:gate_decide", args=[family.pk]),
                                        {"decision": "stop", "reasons": "x", "learning": "y"})
        assert response.status_code == 403
    assert client_as("resident").get(reverse("portfolio:index")).status_code == 403
    assert client_as("analyst").post(reverse("portfolio:spend_record", args=[family.pk]),
                                     {"amount": "1"}).status_code == 403


def test_lead_creates_a_custom_lifecycle_whose_evidence_gate_holds(client_as, demo_world) -> None:
    from seedbed.portfolio.models import StageSet

    client = client_as("lead")
    url = reverse("portfolio:stage_set_create")
    bad = client.post(url, {"name": "Youth offer cycle", "stuck_after_days": "90",
                            "stages": "Listen | 0\nTry | seven | Test a small version\nKeep doing | 3"})
    page = bad.content.decode()
    assert bad.status_code == 200 and "Line 2: the evidence level must be a whole number from 0 to 5" in page
    assert "Keep doing | 3" in page  # what was typed is kept
    too_short = client.post(url, {"name": "One step", "stuck_after_days": "90", "stages": "Only stage"})
    assert "A stage set needs at least two stages" in too_short.content.decode()
    response = client.post(url, {"name": "Youth offer cycle", "stuck_after_days": "90", "description": "",
                                 "stages": "Listen\n\nTry |  | Test a small version; Ask young people\nKeep doing | 3"})
    assert response.status_code == 302
    stage_set = StageSet.objects.get(name="Youth offer cycle")
    stages = list(stage_set.stages.order_by("order"))
    assert [(s.name, s.min_evidence_level) for s in stages] == [("Listen", 0), ("Try", 0), ("Keep doing", 3)]
    assert stages[1].exit_checklist == ["Test a small version", "Ask young people"]
    assert stage_set.kind == "custom" and stage_set.stuck_after_days == 90
    assert "Youth offer cycle" in client.get(reverse("portfolio:lifecycles")).content.decode()
    # An innovation on it meets the same evidence gate as the default lifecycle.
    from seedbed.core.errors import ValidationProblem
    from seedbed.portfolio import services
    from seedbed.portfolio.services.lifecycle import ERROR_EVIDENCE

    lead = demo_world["users"]["lead"]
    innovation = services.innovation_create(
        title="Youth panel on the offer", problem="Young people are not asked.", owner=lead,
        lead_organisation=demo_world["organisations"]["childrens-services"], typology="service",
        service_area=ServiceArea.objects.get(slug="childrens-services"), stage_set=stage_set, actor=lead,
    )
    assert innovation.stage.name == "Listen"
    analyst = demo_world["users"]["analyst"]
    services.gate_decide(innovation=innovation, decision="advance", reasons="Heard enough",
                         reviewers=[analyst], checklist_done=[], actor=lead)
    innovation.refresh_from_db()
    assert innovation.stage.name == "Try"
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_EVIDENCE.format(stage="Keep doing", needed=3, level=0))) as refused:
        services.gate_decide(innovation=innovation, decision="advance", reasons="Worked well",
                             reviewers=[analyst], checklist_done=["Test a small version", "Ask young people"],
                             actor=lead)
    assert "needs evidence level 3" in str(refused.value.problems)
    assert client_as("analyst").get(url).status_code == 403


def test_lead_edits_the_record_and_the_audit_names_what_changed(client_as, demo_world) -> None:
    from seedbed.core.models import AuditEntry
    from seedbed.portfolio import services

    innovation = _family()
    lead = demo_world["users"]["lead"]
    services.innovation_spend_record(innovation=innovation, amount=Decimal("500"), actor=lead)
    innovation.refresh_from_db()
    client = client_as("lead")
    url = reverse("portfolio:innovation_edit", args=[innovation.pk])
    page = client.get(url).content.decode()
    assert innovation.title in page and 'name="stage_set"' not in page  # the lifecycle is fixed
    base = {"title": innovation.title, "problem": innovation.problem, "typology": innovation.typology,
            "efficiency_tags": innovation.efficiency_tags, "service_area": innovation.service_area_id,
            "lead_organisation": innovation.lead_organisation_id, "expected_outcomes": "Fewer children in care"}
    low = client.post(url, {**base, "budget": "100"})
    assert low.status_code == 200 and "cannot be less than what has been spent" in low.content.decode()
    innovation.refresh_from_db()
    assert innovation.expected_outcomes != "Fewer children in care"  # nothing saved from a refused form
    provider = demo_world["organisations"]["family-support-cic"]
    residents = demo_world["organisations"]["eastside-residents"]
    assert innovation.involvements.filter(organisation=provider).exists()
    assert not innovation.involvements.filter(organisation=residents).exists()
    response = client.post(url, {**base, "budget": str(innovation.budget + 1000), "title": "Family group conferences",
                                 "expected_cost": "40000", "involved": [provider.pk, residents.pk]})
    assert response.status_code == 302
    innovation.refresh_from_db()
    assert innovation.title == "Family group conferences" and innovation.expected_outcomes == "Fewer children in care"
    assert innovation.involvements.get(organisation=residents).part == "community"
    assert innovation.involvements.get(organisation=provider).part == "provider"
    entry = AuditEntry.objects.filter(action="portfolio.innovation_update").latest("id")
    assert set(entry.data["changed"]) >= {"title", "budget", "expected_outcomes", "expected_cost", "involved"}
    page = html.unescape(client.get(reverse("portfolio:innovation_detail", args=[innovation.pk])).content.decode())
    assert "Cost expected: £40,000 a year" in page and "Eastside Residents' Association (community group)" in page
    assert client_as("analyst").get(url).status_code == 403
