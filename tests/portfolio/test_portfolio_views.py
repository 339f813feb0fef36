"""Portfolio pages through HTTP as the demo personas: forms, errors, decisions, spend."""

from __future__ import annotations

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
