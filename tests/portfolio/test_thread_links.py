"""The innovation record links needs, ideas and awards, and an award becomes an innovation."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from seedbed.core.errors import ValidationProblem
from seedbed.portfolio import selectors, services
from seedbed.portfolio.models import Innovation, InnovationLink, ServiceArea
from seedbed.portfolio.services.innovation import ERROR_LINK_DUPLICATE

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
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_LINK_DUPLICATE)):
        services.innovation_create_from_award(award=award, service_area=area, typology="service", actor=lead)
    assert innovation.budget == Decimal(award.amount)


def test_linking_the_same_record_twice_is_refused(demo_world) -> None:
    from seedbed.participation.models import Need

    family = Innovation.objects.get(title__startswith="Family group")
    need = Need.objects.get(title="Waiting months for family support")
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_LINK_DUPLICATE)):
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


def test_linking_a_published_test_brings_its_library_case_and_evidence(demo_world) -> None:
    from seedbed.library.models import Case

    lead = demo_world["users"]["lead"]
    case = Case.objects.filter(trial__isnull=False, status=Case.Status.PUBLISHED).select_related("trial").first()
    assert case is not None, "the demo publishes at least one trial's result as a case"
    trial = case.trial
    InnovationLink.objects.filter(object_id=str(trial.pk), kind="trial").delete()
    Case.objects.filter(pk=case.pk).update(innovation=None)
    innovation = services.innovation_create(
        title="A late home for a finished trial", problem="Linked after its result was published.",
        owner=lead, lead_organisation=trial.organisation, typology="service", actor=lead,
        service_area=ServiceArea.objects.get(slug="childrens-services"),
    )
    assert innovation.evidence_level == 0
    services.innovation_link_add(innovation=innovation, kind="trial", target=trial, label=trial.title, actor=lead)
    case.refresh_from_db()
    innovation.refresh_from_db()
    assert case.innovation_id == innovation.pk
    assert (innovation.evidence_level, innovation.evidence_direction) == (case.level, case.direction)
    assert innovation.evidence_source == f"Library case: {case.title}"


def test_a_lead_links_a_probe_through_the_page(demo_world, client_as) -> None:
    from seedbed.trials.models import Probe

    family = Innovation.objects.get(title__startswith="Family group")
    url = reverse("portfolio:link_add", args=[family.pk])
    lead = client_as("lead")
    latest = Probe.objects.order_by("-pk").first()
    assert latest is not None
    services.innovation_link_add(innovation=family, kind="probe", target=latest, label=latest.title,
                                 actor=demo_world["users"]["lead"])
    page = lead.get(url).content.decode()
    linked = {link.object_id for link in family.links.filter(kind="probe")}
    probe = Probe.objects.exclude(pk__in=[int(i) for i in linked]).order_by("pk").first()
    assert probe is not None and f'value="probe:{probe.pk}"' in page
    assert linked
    for pk in linked:  # what is already linked is not offered again
        assert f'value="probe:{pk}"' not in page
    response = lead.post(url, {"record": f"probe:{probe.pk}"})
    assert response.status_code == 302
    link = family.links.get(kind="probe", object_id=str(probe.pk))
    assert link.url == f"/trials/registry/probes/{probe.pk}/" and probe.title in link.label
    again = lead.post(url, {"record": f"probe:{probe.pk}"})
    assert again.status_code == 200 and "Choose a record from the list" in again.content.decode()
    forged = lead.post(url, {"record": "trial:999999"})
    assert "Choose a record from the list" in forged.content.decode()


def test_every_kind_of_record_is_offered_in_thread_order_with_its_page(demo_world) -> None:
    """Funding and trials register their records with the portfolio (which may not import
    them); needs and ideas come through Voices' selectors. All five kinds are offered, in the
    order of the golden thread, each linking to its own page."""
    family = Innovation.objects.get(title__startswith="Family group")
    groups = selectors.linkable_choices(family)
    assert [group for group, _ in groups] == ["Needs", "Ideas", "Awards", "Probes", "Trials"]
    pages = ("participation:detail", "participation:detail", "funding:award_detail",
             "trials:registry_probe", "trials:registry_trial")
    for (group, options), url_name in zip(groups, pages, strict=True):
        assert options, group
        found = selectors.linkable_get(options[0][0])
        assert found is not None, group
        kind, record, label, url = found
        assert (label, url) == (options[0][1], reverse(url_name, args=[record.pk]))
    assert selectors.linkable_get("award:999999") is None and selectors.linkable_get("unknown:1") is None
