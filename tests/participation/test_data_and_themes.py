"""Similar needs while typing, themes on the demo data, open data and personal data."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from django.urls import reverse

from seedbed.core.models import AuditEntry
from seedbed.participation.models import Contribution, Theme
from seedbed.participation.opendata import COLUMNS
from seedbed.participation.services import themes_refresh

pytestmark = pytest.mark.django_db

# A labelled sample (the demo needs, by topic): statements about the same topic must land in
# the same theme, and different topics in different themes.
LABELLED = {
    "rubbish": ["Fly-tipping behind the Eastside shops", "Dumped rubbish and mattresses in the alleyways",
                "Rats and fly-tipping near the recycling point"],
    "school roads": ["No safe place to cross near Northfield Primary", "Speeding cars outside the school gates",
                     "Children crossing a busy road to get to school"],
    "home care": ["Home care visits are rushed and late", "Late home care visits because of travel between calls",
                  "Mum's carers are rushed and arrive late"],
    "carers' breaks": ["No break for unpaid carers", "Respite care for carers is impossible to get",
                       "I need a break from caring for my mother"],
    "teenagers": ["Nothing for teenagers to do in the holidays", "Bring back the youth club",
                  "Teenagers have nothing to do and nowhere to go"],
    "family support": ["Waiting months for family support", "Early help waiting lists are too long",
                       "Families wait too long for a family support worker"],
}


@pytest.mark.parametrize("backend", ["tfidf", "minilm"])
def test_themes_on_the_demo_needs_are_sensible(demo_world, client_as, backend) -> None:  # type: ignore[no-untyped-def]
    run = themes_refresh(actor=None, backend=backend)
    theme_of = {}
    assert Theme.objects.filter(run=run).exists(), "the run found no themes"
    for theme in Theme.objects.filter(run=run):
        for title in theme.members.values_list("title", flat=True):
            theme_of[title] = theme.pk
    found = {topic: {theme_of.get(t) for t in titles} for topic, titles in LABELLED.items()}
    for topic, themes in found.items():
        assert len(themes) == 1 and None not in themes, f"{topic} split or unthemed: {themes}"
    assert len({next(iter(t)) for t in found.values()}) == len(LABELLED), "two topics share a theme"
    labels = {t.label for t in Theme.objects.filter(run=run)}
    assert any("tipping" in label or "rubbish" in label or "dumped" in label for label in labels)
    if backend == "tfidf":
        page = client_as("analyst").get(reverse("participation:themes")).content.decode()
        theme = Theme.objects.filter(run=run).first()
        assert f"/funding/?theme={theme.pk}" in page and "Turn into a challenge" in page
        assert client_as("resident").get(reverse("participation:themes")).status_code == 403
        assert client_as("analyst").post(reverse("participation:themes_refresh")).status_code == 403
        assert client_as("lead").post(reverse("participation:themes_refresh")).status_code == 302


def test_similar_needs_while_typing_and_without_javascript(client_as) -> None:  # type: ignore[no-untyped-def]
    api = client_as("anonymous").get(reverse("api:voices_similar"),
                                     {"text": "people keep dumping mattresses and rubbish, fly-tipping", "kind": "need"})
    assert api.status_code == 200
    titles = [item["title"] for item in api.json()]
    assert titles and set(titles[:3]) & set(LABELLED["rubbish"])
    assert all(item["support_url"].endswith("#support") for item in api.json())
    merged = Contribution.objects.get(title="Rubbish dumped behind the shops at Eastside again")
    assert merged.pk not in [item["id"] for item in api.json()], "merged duplicates are not offered"
    assert client_as("anonymous").get(reverse("api:voices_similar")).json() == []
    # Without JavaScript: the "check for similar needs" button shows them, keeping what was typed.
    response = client_as("resident").post(reverse("participation:need_new"), {
        "title": "Teenagers bored in the summer holidays", "body": "No youth club, nothing to do.",
        "idempotency_key": str(uuid.uuid4()), "action": "check",
    })
    html = response.content.decode()
    assert response.status_code == 200 and "Similar needs already sent" in html
    assert "Support this instead" in html and "Nothing for teenagers to do in the holidays" in html
    assert 'value="Teenagers bored in the summer holidays"' in html
    assert not Contribution.objects.filter(title="Teenagers bored in the summer holidays").exists()
    assert 'aria-live="polite"' in html and "participation/similar.js" in html


def test_open_data_has_no_personal_data(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    need = Contribution.objects.get(title="Fly-tipping behind the Eastside shops")
    need.latitude, need.longitude = "52.412345", "-1.965432"
    need.save()
    hidden = Contribution.objects.get(title="Bring back the youth club")
    hidden.hidden = True
    hidden.save()
    client = client_as("anonymous")
    text = client.get(reverse("participation:export_csv")).content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [c[0] for c in COLUMNS] == list(rows[0].keys())
    by_ref = {r["reference"]: r for r in rows}
    assert by_ref[need.reference]["latitude"] == "52.412" and by_ref[need.reference]["longitude"] == "-1.965"
    assert hidden.reference not in by_ref
    merged = Contribution.objects.get(title="Rubbish dumped behind the shops at Eastside again")
    assert by_ref[merged.reference]["merged_into"] == need.reference
    assert demo_world["users"], "no personas to look for"
    for persona in demo_world["users"].values():
        assert persona.display_name not in text and persona.email not in text
    items = client.get(reverse("participation:export_json")).json()["items"]
    assert {i["reference"] for i in items} == set(by_ref)
    meta = json.loads(client.get(reverse("participation:export_csv_metadata")).content)
    assert meta["@context"] == "http://www.w3.org/ns/csvw"
    assert meta["url"].endswith("/voices/open-data/voices.csv")
    assert [c["name"] for c in meta["tableSchema"]["columns"]] == [c[0] for c in COLUMNS]
    assert client.get(reverse("participation:open_data")).status_code == 200


def test_a_resident_downloads_their_data_and_closes_their_account(client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    client = client_as("resident")
    assert client_as("anonymous").get(reverse("participation:your_data_download")).status_code == 302
    data = json.loads(client.get(reverse("participation:your_data_download")).content)
    assert data["person"]["username"] == "resident"
    mine = {c["title"] for c in data["contributions"]}
    assert "Fly-tipping behind the Eastside shops" in mine
    assert any(c["body"].startswith("A crossing patrol") for c in data["comments"])
    refused = client.post(reverse("participation:your_data"), {})
    assert "Confirm that you want to close your account" in refused.content.decode()
    response = client.post(reverse("participation:your_data"), {"confirm": "on"})
    assert response.status_code == 302
    user = type(demo_world["users"]["resident"]).objects.get(pk=demo_world["users"]["resident"].pk)
    assert not user.is_active and user.email == "" and "resident" not in user.username
    assert not user.has_usable_password()
    need = Contribution.objects.get(title="Fly-tipping behind the Eastside shops")
    assert need.submitter == user, "contributions stay, pseudonymised"
    page = client_as("anonymous").get(reverse("participation:detail", args=[
        Contribution.objects.get(title="No safe place to cross near Northfield Primary").pk])).content.decode()
    assert "Demo resident" not in page and "Former participant" in page
    assert client.get(reverse("participation:notifications")).status_code == 302  # signed out
    assert {"participation.personal_data_download", "participation.account_erase"} <= set(
        AuditEntry.objects.values_list("action", flat=True))
