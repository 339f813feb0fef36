"""The innovation record links needs, ideas and awards, and an award becomes an innovation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from seedbed.core.errors import ValidationProblem
from seedbed.portfolio import services
from seedbed.portfolio.models import Innovation, InnovationLink, ServiceArea

pytestmark = pytest.mark.django_db


def test_demo_innovations_link_their_needs_and_award(demo_world, client_as) -> None:
    carers = Innovation.objects.get(title="Peer support for unpaid carers")
    assert [n.title for n in carers.needs.all()] == ["No break for unpaid carers"]
    page = client_as("analyst").get(reverse("portfolio:innovation_detail", args=[carers.pk])).content.decode()
    assert "Need: No break for unpaid carers" in page
    breakfast = Innovation.objects.get(title="Family breakfast club")
    assert breakfast.awards.count() == 1 and breakfast.budget == Decimal("3000")
    page = client_as("analyst").get(reverse("portfolio:innovation_detail", args=[breakfast.pk])).content.decode()
    assert f'href="/funding/awards/{breakfast.awards.get().pk}/">AWD-' in page


def test_an_award_becomes_an_innovation_once(demo_world) -> None:
    from seedbed.funding.models import Award

    lead = demo_world["users"]["lead"]
    area = ServiceArea.objects.get(slug="childrens-services")
    Innovation.objects.get(title="Family breakfast club").delete()  # the demo's; make it afresh
    award = Award.objects.get(application__title="Family breakfast club")
    innovation = services.innovation_create_from_award(award=award, service_area=area, typology="service",
                                                       actor=lead)
    assert innovation.title == award.application.title and innovation.budget == award.amount
    assert innovation.stage.slug == "latent" and list(innovation.awards.all()) == [award]
    assert innovation.links.get().kind == InnovationLink.Kind.AWARD
    assert {i.part for i in innovation.involvements.all()} >= {"commissioner"}
    with pytest.raises(ValidationProblem):
        services.innovation_create_from_award(award=award, service_area=area, typology="service", actor=lead)
    assert innovation.budget == Decimal(award.amount)


def test_linking_the_same_record_twice_is_refused(demo_world) -> None:
    from seedbed.participation.models import Need

    family = Innovation.objects.get(title__startswith="Family group")
    need = Need.objects.get(title="Waiting months for family support")
    with pytest.raises(ValidationProblem):
        services.innovation_link_add(innovation=family, kind="need", target=need, label="again",
                                     actor=demo_world["users"]["lead"])


def test_a_linked_trial_brings_its_risks_into_the_register(demo_world, client_as) -> None:
    from seedbed.trials.models import Trial

    trial = Trial.objects.get(title="Peer mentoring for care leavers")
    family = Innovation.objects.get(title__startswith="Family group")
    services.innovation_link_add(innovation=family, kind="trial", target=trial, label=trial.title,
                                 actor=demo_world["users"]["lead"])
    assert list(family.trials.all()) == [trial]
    before = family.risks.count()
    url = reverse("portfolio:risks_roll_up", args=[family.pk])
    assert client_as("analyst").post(url).status_code == 403
    assert client_as("lead").post(url).status_code == 302
    rolled = family.risks.filter(source_label__startswith="Trial: ")
    assert rolled.count() == trial.risks.count() == family.risks.count() - before > 0
    assert {r.title for r in rolled} == {str(item) for item in trial.risks.all()}
    client_as("lead").post(url)  # once each
    assert family.risks.count() - before == trial.risks.count()
    page = client_as("lead").get(reverse("portfolio:index")).content.decode()
    assert "Peer mentoring for care leavers" in page  # in the tests-running table
