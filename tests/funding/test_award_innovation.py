"""The golden thread: an award creates the innovation it funds, or joins the innovation that
already holds the need the application answers."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from seedbed.funding.models import Award
from seedbed.portfolio.models import Innovation, InnovationLink
from tests.funding.conftest import client_for, micro_call, submitted


def _area(world: dict[str, Any]) -> Any:
    from seedbed.portfolio.services import service_area_create

    return service_area_create(name="Testshire services", slug="testshire-services", organisation=world["council"],
                               actor=world["users"]["lead"])


def _decide(world: dict[str, Any], call: Any, application: Any, **extra: str) -> Award:
    response = client_for(world["users"]["lead"]).post(
        reverse("funding:decision_make", args=[call.pk, application.pk]),
        {"decision-outcome": "fund", "decision-amount": "", "decision-conditions": "",
         "decision-public_reason": "A clear need and a cheap way to learn.", **extra})
    assert response.status_code == 302
    return Award.objects.get(application=application)


def test_an_award_puts_a_new_innovation_in_the_portfolio(world) -> None:  # type: ignore[no-untyped-def]
    area = _area(world)
    call = micro_call(world)
    application = submitted(call, world["users"]["provider"], org=world["provider_org"], title="Breakfast club",
                            amount="1200")
    award = _decide(world, call, application)
    innovation = Innovation.objects.get(awards=award)
    assert (innovation.title, innovation.budget, innovation.service_area) == ("Breakfast club", Decimal("1200.00"), area)
    assert innovation.lead_organisation == world["council"]
    assert {i.organisation for i in innovation.involvements.all()} == {world["council"], world["provider_org"]}
    page = client_for(world["users"]["lead"]).get(reverse("funding:award_detail", args=[award.pk])).content.decode()
    assert f'Innovation: <a class="govuk-link" href="/portfolio/innovations/{innovation.pk}/">Breakfast club</a>' in page


def test_an_award_joins_the_innovation_that_holds_its_need(world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.participation.services.contributions import contribution_submit
    from seedbed.portfolio.services import innovation_create, innovation_link_add

    area = _area(world)
    lead = world["users"]["lead"]
    need = contribution_submit(actor=world["users"]["resident"], kind="need", title="Nowhere to play",
                               body="Children on our street have nowhere safe to play.", idempotency_key=uuid.uuid4(),
                               refresh_themes=False)
    existing = innovation_create(title="Play streets", problem="Nowhere to play.", owner=lead,
                                 lead_organisation=world["council"], typology="service", service_area=area, actor=lead)
    innovation_link_add(innovation=existing, kind="need", target=need, label=need.title, actor=lead)
    call = micro_call(world)
    application = submitted(call, world["users"]["resident"], title="Play street Saturdays", amount="400")
    application.answers_contribution = need
    application.save(update_fields=["answers_contribution"])
    before = Innovation.objects.count()
    award = _decide(world, call, application)
    assert Innovation.objects.count() == before
    assert list(existing.awards.all()) == [award]
    existing.refresh_from_db()
    assert existing.budget == award.amount  # the award's money is added to the innovation's budget
    link = existing.links.get(kind=InnovationLink.Kind.AWARD)
    assert link.url == f"/funding/awards/{award.pk}/" and link.label.startswith(award.reference)
    page = client_for(lead).get(reverse("funding:award_detail", args=[award.pk])).content.decode()
    assert "Innovation: " in page and ">Play streets</a>" in page


def test_a_new_innovation_links_the_needs_its_call_answers(world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.participation.services.contributions import contribution_submit

    _area(world)
    need = contribution_submit(actor=world["users"]["resident"], kind="need", title="Dark alleyway",
                               body="The alley to the station has no lights.", idempotency_key=uuid.uuid4(),
                               refresh_themes=False)
    call = micro_call(world)
    call.needs.add(need)
    application = submitted(call, world["users"]["provider"], org=world["provider_org"], title="Solar lights")
    award = _decide(world, call, application)
    innovation = Innovation.objects.get(awards=award)
    assert list(innovation.needs.all()) == [need]


def test_the_chair_chooses_where_the_innovation_goes(world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.portfolio.services import service_area_create

    _area(world)
    chosen = service_area_create(name="Adult services", slug="adult-services", actor=world["users"]["lead"])
    call = micro_call(world)
    application = submitted(call, world["users"]["provider"], org=world["provider_org"], title="Lunch club")
    page = client_for(world["users"]["lead"]).get(reverse("funding:call_reviews", args=[call.pk])).content.decode()
    assert f'<option value="{chosen.pk}">Adult services</option>' in page
    award = _decide(world, call, application, **{"decision-service_area": str(chosen.pk), "decision-typology": "process"})
    innovation = Innovation.objects.get(awards=award)
    assert (innovation.service_area, innovation.typology) == (chosen, "process")


def test_an_unknown_service_area_refuses_the_decision(world) -> None:  # type: ignore[no-untyped-def]
    call = micro_call(world)
    application = submitted(call, world["users"]["provider"], org=world["provider_org"])
    response = client_for(world["users"]["lead"]).post(
        reverse("funding:decision_make", args=[call.pk, application.pk]),
        {"decision-outcome": "fund", "decision-public_reason": "Good.", "decision-service_area": "999999"}, follow=True)
    assert "Select a valid choice" in response.content.decode()
    assert not Award.objects.filter(application=application).exists()


def test_without_a_service_area_the_award_waits_for_the_portfolio(world) -> None:  # type: ignore[no-untyped-def]
    call = micro_call(world)
    application = submitted(call, world["users"]["provider"], org=world["provider_org"])
    award = _decide(world, call, application)
    assert not Innovation.objects.exists()
    page = client_for(world["users"]["lead"]).get(reverse("funding:award_detail", args=[award.pk])).content.decode()
    assert "Not yet linked to an innovation" in page


@pytest.mark.django_db
def test_the_demo_has_one_innovation_for_the_breakfast_club_and_pays_a_pb_project(demo_world) -> None:  # type: ignore[no-untyped-def]
    award = Award.objects.get(application__title="Family breakfast club")
    assert Innovation.objects.filter(awards=award).count() == 1
    pb_award = Award.objects.filter(pb_project__isnull=False).order_by("pk").first()
    assert pb_award is not None and pb_award.paid * 2 == pb_award.amount and pb_award.instalments.count() == 2
