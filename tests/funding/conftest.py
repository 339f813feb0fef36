"""A small funding world built through the services (faster than the whole demo)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest


@pytest.fixture
def world(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return build_world()


def build_world() -> dict[str, Any]:
    from seedbed.accounts.services import membership_grant, organisation_create, person_create
    from seedbed.funding.services.funds import fund_create

    council = organisation_create(name="Testshire Council", slug="testshire", kind="council", org_id="GB-LAE-TST")
    provider_org = organisation_create(name="Helpful Provider CIC", slug="helpful", kind="provider", org_id="GB-COH-01234567")
    people = {}
    for username, org, role in (
        ("lead", council, "innovation_lead"), ("panel", council, "panel_member"), ("panel2", council, "panel_member"),
        ("resident", council, "resident"), ("resident2", council, "resident"), ("provider", provider_org, "frontline"),
        ("analyst", council, "analyst"),
    ):
        user = person_create(username=username, email=f"{username}@example.org", display_name=username.title(),
                             password="a-long-test-password-1")
        membership_grant(user=user, organisation=org, role=role)
        people[username] = user
    fund = fund_create(owner=council, name="Test fund", total=Decimal("10000"), ring_fence_share=Decimal("0.05"),
                       period_start=dt.date(2026, 4, 1), period_end=dt.date(2027, 3, 31),
                       programmes=[("Services", Decimal("200000"), None)], actor=people["lead"])
    return {"council": council, "provider_org": provider_org, "users": people, "fund": fund}


def client_for(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def micro_call(world: dict[str, Any], *, max_amount: str = "5000", individuals: bool = True) -> Any:
    """A published micro-grant call with two questions, two criteria and a two-person panel."""
    from seedbed.funding.services import calls

    lead = world["users"]["lead"]
    call = calls.call_create(fund=world["fund"], kind="micro", title="Small sparks", summary="Try something.",
                             max_amount=Decimal(max_amount), min_amount=Decimal("100"), individuals_may_apply=individuals,
                             eligible_kinds=["provider", "community"], actor=lead)
    calls.question_add(call=call, text="What will you try?", max_words=20, actor=lead)
    calls.question_add(call=call, text="How will you know?", max_words=20, actor=lead)
    calls.criterion_add(call=call, name="Need", weight=3, max_score=5, actor=lead)
    calls.criterion_add(call=call, name="Learning", weight=1, max_score=5, actor=lead)
    calls.panel_member_add(call=call, user=lead, is_chair=True, actor=lead)
    calls.panel_member_add(call=call, user=world["users"]["panel"], actor=lead)
    calls.panel_member_add(call=call, user=world["users"]["panel2"], actor=lead)
    return calls.call_publish(call=call, actor=lead)


def submitted(call: Any, user: Any, *, org: Any = None, title: str = "An idea", amount: str = "1000") -> Any:
    from seedbed.funding.services import applications

    application = applications.application_start(call=call, actor=user, organisation=org, title=title,
                                                 amount=Decimal(amount))
    answers = {q.pk: "We will try a small thing." for q in call.questions.all()}
    applications.application_save(application=application, actor=user, answers=answers)
    return applications.application_submit(application=application, actor=user)
