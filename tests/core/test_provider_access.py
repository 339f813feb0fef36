"""A provider (or community group) is external, not council staff (docs/access.md).

The demo provider worker holds the frontline role in Northfield Family Support CIC, a provider
organisation. They see what concerns their own organisation (its applications, awards,
payments and page) and what the public sees; never another recipient's money, fund ledgers,
the portfolio, draft library cases or residents' names. Partner bodies count as council staff.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from seedbed.core.access import (
    DENIED_STAFF,
    access_staff_area,
    council_staff_users,
    has_role,
    is_council_staff,
)
from seedbed.core.errors import AccessDenied
from seedbed.funding.access import access_award

pytestmark = pytest.mark.django_db


def _award(title: str) -> Any:
    from seedbed.funding.models import Award

    return Award.objects.get(application__title=title)


def _pb_award() -> Any:
    from seedbed.funding.models import Award

    return Award.objects.filter(pb_project__isnull=False).order_by("pk").first()


def _person(demo_world: dict[str, Any], username: str, organisation_slug: str, role: str) -> Any:
    from seedbed.accounts.services import membership_grant, person_create

    user = person_create(username=username, email=f"{username}@example.org", display_name=username.title(),
                         password="a-long-test-password-1")
    membership_grant(user=user, organisation=demo_world["organisations"][organisation_slug], role=role)
    return user


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- money: own awards yes, another recipient's no -------------------------------------------


def test_provider_sees_its_own_award_and_payment(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    own = _award("Family breakfast club")
    assert own.application.organisation.slug == "family-support-cic"
    provider = client_as("provider")
    page = provider.get(reverse("funding:award_detail", args=[own.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert own.reference in html and "£1,500.00" in html  # the payment made on its own award
    assert provider.get(reverse("funding:award_letter", args=[own.pk])).status_code == 200
    body = provider.get(f"/api/funding/awards/{own.pk}").json()
    assert body["reference"] == own.reference and body["paid"] == "1500.00"


def test_a_colleague_in_the_provider_sees_the_organisations_award(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    colleague = _person(demo_world, "colleague", "family-support-cic", "frontline")
    own = _award("Family breakfast club")
    assert own.application.applicant_id != colleague.pk
    client = _client(colleague)
    assert client.get(reverse("funding:award_detail", args=[own.pk])).status_code == 200
    listed = client.get(reverse("funding:my_applications")).content.decode()
    assert "Family breakfast club" in listed and "Street play Saturdays" not in listed


def test_provider_does_not_see_another_recipients_award_payments_or_clawbacks(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.services import awards

    other = _award("Street play Saturdays")  # a resident's grant
    lead = demo_world["users"]["lead"]
    awards.award_respond(award=other, accept=True, actor=demo_world["users"]["resident"])
    awards.payment_record(award=other, amount=Decimal("1500"), paid_on=dt.date(2026, 7, 1), actor=lead)
    awards.clawback_record(award=other, amount=Decimal("200"), reason="Two sessions did not run.", actor=lead)
    provider = client_as("provider")
    for url in (reverse("funding:award_detail", args=[other.pk]), reverse("funding:award_letter", args=[other.pk]),
                reverse("funding:award_detail", args=[_pb_award().pk])):
        response = provider.get(url)
        assert response.status_code == 403, url
        assert "Two sessions did not run" not in response.content.decode()
    for award in (other, _pb_award()):
        assert provider.get(f"/api/funding/awards/{award.pk}").status_code == 403
    with pytest.raises(AccessDenied, match="This application is not yours"):
        access_award(demo_world["users"]["provider"], other.pk)
    # The recipient and council staff still see it.
    assert client_as("resident").get(reverse("funding:award_detail", args=[other.pk])).status_code == 200
    assert "Two sessions did not run" in client_as("frontline").get(
        reverse("funding:award_detail", args=[other.pk])).content.decode()


def test_provider_sees_no_fund_ledger(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.models import Fund

    provider = client_as("provider")
    assert provider.get(reverse("funding:fund_list")).status_code == 403
    assert provider.get(reverse("funding:fund_detail", args=[Fund.objects.get().pk])).status_code == 403


def test_pb_results_list_awards_for_council_staff_only(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.models import PbRound

    url = reverse("funding:pb_results", args=[PbRound.objects.get().pk])
    reference = _pb_award().reference
    assert reference in client_as("frontline").get(url).content.decode()
    assert reference not in client_as("provider").get(url).content.decode()


def test_award_page_links_the_portfolio_for_council_staff_only(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.portfolio.models import Innovation
    from seedbed.portfolio.services.innovation import innovation_link_add

    own = _award("Family breakfast club")
    innovation = Innovation.objects.order_by("pk").first()
    innovation_link_add(innovation=innovation, kind="award", label=own.reference, target=own,
                        actor=demo_world["users"]["lead"])
    link = reverse("portfolio:innovation_detail", args=[innovation.pk])
    provider_page = client_as("provider").get(reverse("funding:award_detail", args=[own.pk])).content.decode()
    assert innovation.title in provider_page and link not in provider_page
    assert link in client_as("lead").get(reverse("funding:award_detail", args=[own.pk])).content.decode()


# --- organisations and people ---------------------------------------------------------------


def test_provider_sees_its_own_organisation_page_only(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    provider = client_as("provider")
    organisations = demo_world["organisations"]
    assert provider.get(reverse("accounts:organisations")).status_code == 403
    assert provider.get("/api/organisations").status_code == 403
    own = provider.get(reverse("accounts:organisation_detail", args=[organisations["family-support-cic"].pk]))
    assert own.status_code == 200 and "Demo provider worker" in own.content.decode()
    for slug in ("northfield", "childrens-services", "eastside-residents", "northfield-health"):
        assert provider.get(reverse("accounts:organisation_detail", args=[organisations[slug].pk])).status_code == 403
    navigation = provider.get(reverse("core:home")).content.decode().split("<main")[0]
    assert "Organisations" not in navigation
    assert reverse("accounts:organisation_detail", args=[organisations["family-support-cic"].pk]) in navigation


def test_residents_names_are_listed_to_council_staff_only(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    _person(demo_world, "neighbour", "northfield", "resident")
    url = reverse("accounts:organisation_detail", args=[demo_world["organisations"]["northfield"].pk])
    assert "Neighbour" in client_as("lead").get(url).content.decode()
    as_resident = client_as("resident").get(url).content.decode().split("People and roles")[1]
    assert "Neighbour" not in as_resident and "Demo resident" not in as_resident
    assert "Demo innovation lead" in as_resident and "Residents are not listed" in as_resident


# --- the portfolio, themes and the library's drafts -----------------------------------------


def test_provider_sees_no_portfolio_page_or_api(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.portfolio.models import Innovation

    provider = client_as("provider")
    innovation = Innovation.objects.order_by("pk").first()
    for url in (reverse("portfolio:index"), reverse("portfolio:lifecycles"), reverse("portfolio:appetite"),
                reverse("portfolio:innovation_detail", args=[innovation.pk])):
        assert provider.get(url).status_code == 403, url
    assert provider.get("/api/portfolio/innovations").status_code == 403
    assert provider.get(f"/api/portfolio/innovations/{innovation.pk}").status_code == 403
    assert client_as("analyst").get("/api/portfolio/innovations").status_code == 200


def test_provider_sees_no_themes_across_needs(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    assert client_as("provider").get(reverse("participation:themes")).status_code == 403
    assert reverse("participation:themes") not in client_as("provider").get(
        reverse("participation:index")).content.decode()


def test_provider_sees_no_draft_library_case(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.library import services

    draft = services.case_create(title="Unpublished mentoring pilot", summary="s", problem="p", what_was_done="w",
                                 design="descriptive", year=2026, actor=demo_world["users"]["lead"])
    provider = client_as("provider")
    assert provider.get(reverse("library:case_detail", args=[draft.pk])).status_code == 403
    assert "Unpublished mentoring pilot" not in provider.get(reverse("library:index")).content.decode()
    assert provider.get(f"/api/library/cases/{draft.pk}").status_code == 403
    assert "Unpublished mentoring pilot" not in [r["title"] for r in provider.get("/api/library/cases").json()]
    assert client_as("analyst").get(reverse("library:case_detail", args=[draft.pk])).status_code == 200


# --- the rule itself --------------------------------------------------------------------------


OUTSIDE_URLS = ("funding:fund_create", "core:audit", "trials:workspace", "library:case_create",
                 "portfolio:innovation_create", "funding:fund_list", "accounts:organisations")


def test_a_role_held_in_a_provider_or_community_group_gives_no_council_right(demo_world) -> None:  # type: ignore[no-untyped-def]
    for slug in ("family-support-cic", "eastside-residents"):
        for role in ("frontline", "innovation_lead", "panel_member", "analyst", "administrator", "safety_lead"):
            person = _person(demo_world, f"outsider-{slug}-{role}", slug, role)
            assert not is_council_staff(person), (slug, role)
            assert not has_role(person, role), (slug, role)
            assert has_role(person, role, organisation=demo_world["organisations"][slug])
            with pytest.raises(AccessDenied, match="This page is for council staff and partners") as refused:
                access_staff_area(person)
            assert str(refused.value) == DENIED_STAFF
            client = _client(person)
            for name in OUTSIDE_URLS:
                assert client.get(reverse(name)).status_code == 403, (slug, role, name)
            assert not council_staff_users().filter(pk=person.pk).exists()


def test_staff_of_the_council_its_services_and_partner_bodies_are_council_staff(demo_world) -> None:  # type: ignore[no-untyped-def]
    for slug in ("northfield", "childrens-services", "northfield-health"):
        person = _person(demo_world, f"insider-{slug}", slug, "analyst")
        assert is_council_staff(person) and has_role(person, "analyst"), slug
        client = _client(person)
        assert client.get(reverse("funding:fund_list")).status_code == 200, slug
        assert client.get(reverse("trials:workspace")).status_code == 200, slug
        assert council_staff_users().filter(pk=person.pk).exists(), slug


def test_someone_in_both_the_council_and_a_provider_is_council_staff(demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.accounts.models import User
    from seedbed.accounts.services import membership_grant

    provider = demo_world["users"]["provider"]
    assert not is_council_staff(provider)
    membership_grant(user=provider, organisation=demo_world["organisations"]["childrens-services"], role="frontline")
    assert is_council_staff(User.objects.get(pk=provider.pk))  # a fresh object: roles are cached


# --- people a manager may name --------------------------------------------------------------


def test_a_provider_cannot_be_named_ballot_officer(demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.core.errors import ValidationProblem
    from seedbed.funding.forms import PbOfficerForm
    from seedbed.funding.models import PbRound
    from seedbed.funding.services.pb_voting import ERROR_OFFICER_NOT_STAFF, pb_officer_assign

    provider, lead = demo_world["users"]["provider"], demo_world["users"]["lead"]
    pb_round = PbRound.objects.get()
    form = PbOfficerForm(manager=lead)
    form.prepare()
    choices = form.fields["user"].queryset  # type: ignore[attr-defined]
    assert provider not in choices and demo_world["users"]["analyst"] in choices
    with pytest.raises(ValidationProblem, match="Only council staff and partners can be ballot officers") as refused:
        pb_officer_assign(pb_round=pb_round, user=provider, actor=lead)
    assert refused.value.problems == {"user": ERROR_OFFICER_NOT_STAFF}


def test_a_provider_safety_lead_role_cannot_be_named_a_trials_safety_lead(demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.core.errors import ValidationProblem
    from seedbed.trials.models import Trial
    from seedbed.trials.selectors import safety_lead_choices
    from seedbed.trials.services.safeguards import ERROR_NOT_SAFETY_LEAD, safety_lead_set

    outsider = _person(demo_world, "provider-safety", "family-support-cic", "safety_lead")
    assert outsider not in safety_lead_choices() and demo_world["users"]["safety"] in safety_lead_choices()
    draft = Trial.objects.get(title="Family group conferences before care proceedings")
    with pytest.raises(ValidationProblem, match="holds the safety lead role in the council or a partner body") as refused:
        safety_lead_set(actor=demo_world["users"]["lead"], safety_lead=outsider, trial=draft)
    assert refused.value.problems == {"safety_lead": ERROR_NOT_SAFETY_LEAD}


def test_a_community_group_member_speaks_as_a_resident_not_as_frontline_staff(demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.participation.models import VoiceOf
    from seedbed.participation.selectors import voice_of_for

    member = _person(demo_world, "group-volunteer", "eastside-residents", "frontline")
    assert voice_of_for(member) == (VoiceOf.RESIDENT, None)
    assert voice_of_for(demo_world["users"]["frontline"])[0] == VoiceOf.FRONTLINE
    assert voice_of_for(demo_world["users"]["provider"]) == (VoiceOf.PROVIDER, demo_world["organisations"]["family-support-cic"])


def test_a_provider_is_not_offered_as_a_risk_owner(demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.trials.selectors import risk_owner_choices

    owners = set(risk_owner_choices())
    assert demo_world["users"]["lead"] in owners and demo_world["users"]["safety"] in owners
    assert demo_world["users"]["provider"] not in owners
    assert demo_world["users"]["resident"] not in owners
