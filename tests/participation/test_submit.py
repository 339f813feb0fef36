"""Reporting needs and proposing ideas through the pages, with every kind of bad input."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils.html import escape

from seedbed.participation.models import Contribution, Kind, Status
from seedbed.participation.services import contributions as svc

pytestmark = pytest.mark.django_db


def _need(**extra: str) -> dict[str, str]:
    data = {
        "title": "Broken street lights on Elm Road",
        "body": "Half the street lights on Elm Road have been out for a month and it feels unsafe.",
        "who_affected": "People walking home at night",
        "how_often": "always",
        "area_name": "Elm Road",
        "latitude": "", "longitude": "",
        "idempotency_key": str(uuid.uuid4()),
        "website": "",
        "action": "submit",
    }
    data.update(extra)
    return data


def test_a_resident_reports_a_need_and_follows_it(client_as) -> None:  # type: ignore[no-untyped-def]
    client = client_as("resident")
    assert client.get(reverse("participation:need_new")).status_code == 200
    response = client.post(reverse("participation:need_new"), _need(latitude="52.41", longitude="-1.965"))
    assert response.status_code == 302
    need = Contribution.objects.get(title="Broken street lights on Elm Road")
    assert need.kind == Kind.NEED and need.status == Status.RECEIVED and need.voice_of == "resident"
    assert need.follows.filter(user__username="resident").exists()
    assert list(need.history.values_list("to_status", flat=True)) == [Status.RECEIVED]
    page = client.get(response["Location"])
    assert "Broken street lights on Elm Road" in page.content.decode()
    assert need.reference in page.content.decode()


def test_provider_and_frontline_voices_are_recorded(client_as) -> None:  # type: ignore[no-untyped-def]
    for persona, voice in (("provider", "provider"), ("frontline", "frontline")):
        client_as(persona).post(reverse("participation:need_new"), _need(title=f"Need from {persona}"))
        need = Contribution.objects.get(title=f"Need from {persona}")
        assert need.voice_of == voice
    assert Contribution.objects.get(title="Need from provider").organisation.slug == "family-support-cic"


def test_the_same_form_sent_twice_makes_one_record(client_as) -> None:  # type: ignore[no-untyped-def]
    client = client_as("resident")
    data = _need(title="Double click need")
    first = client.post(reverse("participation:need_new"), data)
    second = client.post(reverse("participation:need_new"), data)
    assert first["Location"] == second["Location"]
    assert Contribution.objects.filter(title="Double click need").count() == 1


def test_someone_elses_token_is_refused(client_as) -> None:  # type: ignore[no-untyped-def]
    data = _need(title="Token reuse")
    client_as("resident").post(reverse("participation:need_new"), data)
    response = client_as("frontline").post(reverse("participation:need_new"), data)
    assert response.status_code == 200
    assert svc.ERROR_KEY_TAKEN in response.content.decode()
    assert Contribution.objects.filter(title="Token reuse").count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "Enter a short title"),
        ({"title": "   "}, "title", "Enter a short title"),
        ({"body": ""}, "body", "Describe the need"),
        ({"body": "x" * 5001}, "body", "5000 characters or fewer"),
        ({"title": "t" * 151}, "title", "150 characters or fewer"),
        ({"latitude": "52.41"}, "longitude", svc.ERROR_POINT_HALF),
        ({"latitude": "51.5072", "longitude": "-0.1276"}, "latitude", "inside the council"),
        ({"latitude": "north", "longitude": "-1.9"}, "latitude", "Enter a number"),
        ({"how_often": "weekly"}, "how_often", "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_field_error_and_saves_nothing(client_as, change, field, message) -> None:  # type: ignore[no-untyped-def]
    before = Contribution.objects.count()
    response = client_as("resident").post(reverse("participation:need_new"), _need(**change))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert f'href="#id_{field}"' in html
    assert Contribution.objects.count() == before


def test_the_honeypot_refuses_bots(client_as) -> None:  # type: ignore[no-untyped-def]
    response = client_as("resident").post(reverse("participation:need_new"), _need(title="Spam", website="http://spam.example"))
    assert response.status_code == 200
    assert not Contribution.objects.filter(title="Spam").exists()
    assert "Leave the last field empty" in response.content.decode()


def test_html_and_script_are_rendered_inert(client_as) -> None:  # type: ignore[no-untyped-def]
    nasty = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client = client_as("resident")
    response = client.post(reverse("participation:need_new"), _need(title=f"Title {nasty}", body=f"Body {nasty}"))
    need = Contribution.objects.get(title=f"Title {nasty}")
    assert need.body == f"Body {nasty}"  # stored as typed
    for url in (response["Location"], reverse("participation:index")):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_an_idea_answers_a_need_with_tags(client_as) -> None:  # type: ignore[no-untyped-def]
    need = Contribution.objects.get(title="Nothing for teenagers to do in the holidays")
    client = client_as("resident")
    page = client.get(reverse("participation:idea_new") + f"?need={need.pk}").content.decode()
    assert f'<option value="{need.pk}" selected>' in page
    response = client.post(reverse("participation:idea_new"), {
        "title": "Teen-run summer cinema", "body": "Teenagers run an outdoor cinema in the park.",
        "answers_need": str(need.pk), "efficiency_tags": ["new_suppliers", "new_insight"],
        "idempotency_key": str(uuid.uuid4()), "website": "", "action": "submit",
    })
    assert response.status_code == 302
    idea = Contribution.objects.get(title="Teen-run summer cinema")
    assert idea.kind == Kind.IDEA and idea.answers_need == need
    assert idea.efficiency_tags == ["new_suppliers", "new_insight"]
    assert "Teen-run summer cinema" in client.get(reverse("participation:detail", args=[need.pk])).content.decode()


def test_someone_not_signed_in_is_asked_for_an_email_or_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get(reverse("participation:need_new")).content.decode()
    assert 'name="email"' in page and "/sign-in/" in page
    response = client.post(reverse("participation:need_new"), _need())
    assert response.status_code == 200
    assert "Enter your email address, or sign in" in response.content.decode()
    assert not Contribution.objects.filter(title="Broken street lights on Elm Road").exists()


def test_the_index_links_staff_to_themes_and_handlers_to_moderation(client_as) -> None:  # type: ignore[no-untyped-def]
    pages = {role: client_as(role).get(reverse("participation:index")).content.decode()
             for role in ("resident", "analyst", "lead")}
    themes, moderation = reverse("participation:themes"), reverse("participation:moderation")
    assert themes not in pages["resident"] and moderation not in pages["resident"]
    assert themes in pages["analyst"] and moderation not in pages["analyst"]
    assert themes in pages["lead"] and moderation in pages["lead"]


def test_what_became_of_what_i_sent(client_as) -> None:  # type: ignore[no-untyped-def]
    client = client_as("resident")
    page = client.get(reverse("participation:mine")).content.decode()
    mine = Contribution.objects.filter(submitter__username="resident")
    assert mine.exists()
    for contribution in mine:
        assert escape(contribution.title) in page
    assert "Dumped rubbish and mattresses in the alleyways" not in page  # the frontline persona's
    assert client_as("anonymous").get(reverse("participation:mine")).status_code == 302


def test_the_list_filters_by_whose_voice_and_sorts_by_support(client_as) -> None:  # type: ignore[no-untyped-def]
    client = client_as("anonymous")
    providers = client.get(reverse("participation:index"), {"from": "provider", "kind": "need"}).content.decode()
    assert "Bulky waste collection costs too much so people fly-tip" in providers
    assert "Fly-tipping behind the Eastside shops" not in providers  # a resident's
    page = client.get(reverse("participation:index"), {"sort": "supported"}).context["page"]
    counts = [c.support_count for c in page.object_list]
    assert counts, "nothing listed to sort"
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    oldest = client.get(reverse("participation:index"), {"sort": "oldest", "status": "received"}).context["page"]
    created = [c.created_at for c in oldest.object_list]
    assert created, "no received needs or ideas to sort"
    assert created == sorted(created) and all(c.status == "received" for c in oldest.object_list)
    # Words match the area too (only its area names the Bourne estate).
    bourne = client.get(reverse("participation:index"), {"q": "bourne"}).context["page"]
    assert [c.title for c in bourne.object_list] == ["Dumped rubbish and mattresses in the alleyways"]
    assert client.get(reverse("participation:index"), {"sort": "nonsense", "from": "x"}).status_code == 200
