"""A challenge's public page and the call form show only the Voices needs the public may see:
a need hidden by moderation, or held until its sender confirms their email, stays out."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.test import Client
from django.urls import reverse

from tests.funding.conftest import client_for


def _need(world: dict[str, Any], title: str, *, held: bool = False) -> Any:
    from seedbed.participation.services.contributions import contribution_submit

    actor = None if held else world["users"]["resident"]
    email = "someone@example.org" if held else ""
    return contribution_submit(actor=actor, kind="need", title=title, email=email,
                               body=f"{title}: people have told us about this more than once.",
                               idempotency_key=uuid.uuid4(), refresh_themes=False)


def test_a_hidden_need_is_not_shown_on_the_public_challenge_page(world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.services import calls
    from seedbed.participation.services import contribution_hide

    lead = world["users"]["lead"]
    shown = _need(world, "Streetlights off on Elm Road")
    hidden = _need(world, "Graffiti naming a neighbour")
    call = calls.call_create(fund=world["fund"], kind="challenge", title="Safer streets", summary="Ideas welcome.",
                             max_amount=Decimal("5000"), needs=[shown, hidden], actor=lead)
    calls.question_add(call=call, text="What will you try?", max_words=20, actor=lead)
    calls.criterion_add(call=call, name="Need", weight=1, max_score=5, actor=lead)
    calls.call_publish(call=call, actor=lead)
    contribution_hide(contribution=hidden, reason="It names a private person.", actor=lead)

    page = Client().get(reverse("funding:call_detail", args=[call.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert shown.title in body and shown.reference in body
    assert hidden.title not in body and f"{hidden.reference}:" not in body
    assert reverse("participation:detail", args=[hidden.pk]) not in body


def test_a_held_need_is_not_offered_in_the_call_form(world) -> None:  # type: ignore[no-untyped-def]
    shown = _need(world, "Streetlights off on Elm Road")
    held = _need(world, "Bins not collected on Ash Close", held=True)
    assert held.held and not shown.held

    form = client_for(world["users"]["lead"]).get(reverse("funding:call_create")).content.decode()
    assert shown.title in form
    assert held.title not in form
