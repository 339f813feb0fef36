"""A Voices theme becomes a challenge: "Turn into a challenge" opens the call form filled
from the theme, and a lead publishes it in one step."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse

from seedbed.funding.models import Call
from seedbed.funding.services.calls import STANDARD_CRITERIA
from tests.funding.conftest import client_for

NEEDS = (
    ("Buses stop too early", "The last bus from town leaves at seven, so evening shift workers walk home."),
    ("No bus after seven", "There is no bus after seven in the evening from the town centre to Eastside."),
    ("Evening buses cancelled", "Evening buses to Eastside were cancelled and workers walk home late."),
    ("Potholes on Mill Lane", "Deep potholes on Mill Lane damage bicycles and wheelchairs."),
    ("Library closes at lunchtime", "The library shuts for lunch so pupils cannot study there."),
    ("Overflowing litter bins", "Litter bins in the park overflow every weekend."),
)


@pytest.fixture
def theme(world: dict[str, Any]) -> Any:
    from seedbed.participation.services.contributions import contribution_submit
    from seedbed.participation.services.themes import themes_refresh

    for title, body in NEEDS:
        contribution_submit(actor=world["users"]["resident"], kind="need", title=title, body=body,
                            idempotency_key=uuid.uuid4(), refresh_themes=False)
    run = themes_refresh(actor=None, backend="tfidf")
    found = next(t for t in run.themes.all() if t.members.filter(title="No bus after seven").exists())
    assert found.members.count() >= 2
    return found


def test_turn_into_a_challenge_opens_the_form_filled_from_the_theme(world, theme) -> None:  # type: ignore[no-untyped-def]
    lead = client_for(world["users"]["lead"])
    response = lead.get(f"/funding/?theme={theme.pk}")
    assert response.status_code == 302 and response["Location"] == f"{reverse('funding:call_create')}?theme={theme.pk}"
    form = lead.get(response["Location"]).content.decode()
    assert f'value="Challenge: {theme.label}"' in form
    assert f'<option value="{theme.pk}" selected>' in form
    for need in theme.members.all():
        assert f'<option value="{need.pk}" selected>' in form
    assert '<option value="challenge" selected>' in form and "Publish it now?" in form
    # Everyone else just sees the funding page.
    assert client_for(world["users"]["resident"]).get(f"/funding/?theme={theme.pk}").status_code == 200


def test_a_lead_publishes_the_challenge_in_one_step(world, theme) -> None:  # type: ignore[no-untyped-def]
    lead = client_for(world["users"]["lead"])
    needs = list(theme.members.order_by("pk"))
    response = lead.post(f"{reverse('funding:call_create')}?theme={theme.pk}", {
        "fund": world["fund"].pk, "kind": "challenge", "title": f"Challenge: {theme.label}",
        "summary": "Show us how people could get home in the evening.", "min_amount": "0", "max_amount": "8000",
        "individuals_may_apply": "no", "needs": [n.pk for n in needs], "theme": theme.pk, "publish_now": "yes"})
    call = Call.objects.get(title=f"Challenge: {theme.label}")
    assert response.status_code == 302 and response["Location"] == reverse("funding:call_manage", args=[call.pk])
    assert call.status == Call.Status.OPEN and call.theme == theme and call.kind == Call.Kind.CHALLENGE
    assert set(call.needs.all()) == set(needs)
    assert call.questions.count() == 2 and [c.name for c in call.criteria.all()] == [n for n, _ in STANDARD_CRITERIA]
    for need in needs:
        need.refresh_from_db()
        assert need.status == "taken_forward" and need.outcome_url == reverse("funding:call_detail", args=[call.pk])
    assert client_for(world["users"]["resident"]).get(reverse("funding:call_detail", args=[call.pk])).status_code == 200


def test_a_theme_challenge_with_problems_is_not_published(world, theme) -> None:  # type: ignore[no-untyped-def]
    lead = client_for(world["users"]["lead"])
    response = lead.post(f"{reverse('funding:call_create')}?theme={theme.pk}", {
        "fund": world["fund"].pk, "kind": "challenge", "title": "Evening buses", "summary": "",
        "min_amount": "0", "max_amount": "", "individuals_may_apply": "no", "theme": theme.pk, "publish_now": "yes"})
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert not Call.objects.filter(title="Evening buses").exists()


def test_an_unknown_theme_gives_the_ordinary_form(world) -> None:  # type: ignore[no-untyped-def]
    page = client_for(world["users"]["lead"]).get(f"{reverse('funding:call_create')}?theme=999999")
    assert page.status_code == 200 and "Publish it now?" not in page.content.decode()
