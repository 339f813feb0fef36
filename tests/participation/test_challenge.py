"""Ideas answering an open challenge (a funding call of the challenge kind)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from seedbed.core.errors import ValidationProblem
from seedbed.participation import opendata, selectors
from seedbed.participation.models import Contribution
from seedbed.participation.services import contribution_submit
from seedbed.participation.services import contributions as svc

pytestmark = pytest.mark.django_db


def _calls(world: dict[str, Any]) -> dict[str, Any]:
    """An open challenge, a draft challenge and an open micro-grant call, through the
    funding services."""
    from seedbed.funding.models import Call
    from seedbed.funding.services import calls
    from seedbed.funding.services.funds import fund_create

    lead = world["users"]["lead"]
    fund = fund_create(
        owner=world["organisations"]["northfield"], name="Test fund", total=Decimal("10000"),
        ring_fence_share=Decimal("0.03"), period_start=dt.date(2026, 4, 1),
        period_end=dt.date(2027, 3, 31), actor=lead,
        programmes=(("Neighbourhoods", Decimal("300000"), world["organisations"]["neighbourhoods"]),),
    )
    made = {}
    for name, kind, publish in (("open", Call.Kind.CHALLENGE, True), ("draft", Call.Kind.CHALLENGE, False),
                                ("micro", Call.Kind.MICRO, True)):
        call = calls.call_create(fund=fund, kind=kind, title=f"Challenge {name}: quieter streets",
                                 summary="Show us how.", max_amount=Decimal("5000"), actor=lead)
        if publish:
            calls.question_add(call=call, text="What would you do?", max_words=200, actor=lead)
            calls.criterion_add(call=call, name="Answers it", weight=1, actor=lead)
            calls.call_publish(call=call, actor=lead)
        made[name] = call
    return made


def test_an_idea_answers_an_open_challenge(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    found = _calls(demo_world)
    challenge = found["open"]
    client = client_as("resident")
    form = client.get(reverse("participation:idea_new") + f"?challenge={challenge.pk}").content.decode()
    assert f'<option value="{challenge.pk}" selected>' in form
    # Only open challenges are offered.
    assert found["draft"].title not in form and found["micro"].title not in form
    response = client.post(reverse("participation:idea_new"), {
        "title": "Play streets on Sundays", "body": "Close the street to cars on Sunday afternoons.",
        "answers_call": str(challenge.pk), "idempotency_key": str(uuid.uuid4()), "website": "",
        "action": "submit",
    })
    assert response.status_code == 302
    idea = Contribution.objects.get(title="Play streets on Sundays")
    assert idea.answers_call == challenge
    page = client.get(response["Location"]).content.decode()
    assert "Answers the challenge" in page
    assert f'href="{reverse("funding:call_detail", args=[challenge.pk])}">{challenge.title}</a>' in page
    assert list(selectors.ideas_answering(challenge)) == [idea]
    assert selectors.ideas_answering(found["draft"]).count() == 0
    row = next(r for r in opendata.open_rows() if r["reference"] == idea.reference)
    assert row["answers_challenge"] == f"{challenge.pk}: {challenge.title}"
    # The challenge's own page lists the ideas answering it, and invites more.
    call_page = client.get(reverse("funding:call_detail", args=[challenge.pk])).content.decode()
    assert f'{idea.reference}: {idea.title}</a> – 0 supports' in call_page
    assert reverse("participation:idea_new") + f"?challenge={challenge.pk}" in call_page


def test_only_an_open_challenge_can_be_answered(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    found = _calls(demo_world)
    client = client_as("resident")
    for name in ("draft", "micro"):
        response = client.post(reverse("participation:idea_new"), {
            "title": f"Idea for {name}", "body": "Something.", "answers_call": str(found[name].pk),
            "idempotency_key": str(uuid.uuid4()), "website": "", "action": "submit",
        })
        assert response.status_code == 200
        assert "Choose an open challenge from the list" in response.content.decode()
    assert not Contribution.objects.filter(title__startswith="Idea for").exists()
    # The service checks it as well (for callers other than the form).
    with pytest.raises(ValidationProblem, match=re.escape(svc.ERROR_CHALLENGE)) as problem:
        contribution_submit(actor=demo_world["users"]["resident"], kind="idea", title="T", body="B",
                            answers_call=found["draft"], idempotency_key=uuid.uuid4())
    assert problem.value.problems == {"answers_call": svc.ERROR_CHALLENGE}
