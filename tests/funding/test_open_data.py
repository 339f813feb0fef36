"""Open grants data: 360Giving JSON validated against the standard's required structure,
the 360Giving spreadsheet, and the Local Government Transparency Code grants table."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.urls import reverse

from seedbed.funding import opendata
from seedbed.funding.services.reviews import decision_make
from tests.funding.conftest import micro_call, submitted

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "360giving-required.schema.json").read_text())


@pytest.fixture
def awarded(world):  # type: ignore[no-untyped-def]
    users = world["users"]
    call = micro_call(world)
    org_app = submitted(call, users["provider"], org=world["provider_org"], title="Breakfast club", amount="1200.50")
    person_app = submitted(call, users["resident"], title="Play street", amount="400")
    declined = submitted(call, users["provider"], org=world["provider_org"], title="Not this one")
    for application, outcome in ((org_app, "fund"), (person_app, "fund"), (declined, "decline")):
        decision_make(application=application, outcome=outcome, public_reason="Panel view.", actor=users["lead"])
    return world


def test_360giving_json_validates_against_the_schema(awarded, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("funding:grants_360_json"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    package = json.loads(response.content)
    jsonschema.validate(package, SCHEMA)
    grants = {g["title"]: g for g in package["grants"]}
    assert set(grants) == {"Breakfast club", "Play street"}
    org = grants["Breakfast club"]
    assert org["amountAwarded"] == 1200.5 and org["currency"] == "GBP"
    assert org["recipientOrganization"] == [{"id": "GB-COH-01234567", "name": "Helpful Provider CIC"}]
    assert org["fundingOrganization"] == [{"id": "GB-LAE-TST", "name": "Testshire Council"}]
    person = grants["Play street"]
    assert "recipientOrganization" not in person
    assert person["recipientIndividual"]["name"] == opendata.INDIVIDUAL_NAME
    assert "Resident" not in response.content.decode()


def test_the_schema_rejects_a_grant_missing_a_required_field(awarded) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.selectors import award_list

    package = opendata.grants_json(award_list(published_only=True))
    del package["grants"][0]["awardDate"]
    with pytest.raises(jsonschema.ValidationError, match="'awardDate' is a required property"):
        jsonschema.validate(package, SCHEMA)
    package = opendata.grants_json(award_list(published_only=True))
    package["grants"][0]["fundingOrganization"][0]["id"] = "Testshire"
    with pytest.raises(jsonschema.ValidationError, match="'Testshire' does not match"):
        jsonschema.validate(package, SCHEMA)


def test_360giving_spreadsheet_and_transparency_code_csv(awarded, client) -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("funding:grants_360_csv")).content.decode())))
    assert tuple(rows[0]) == opendata.SPREADSHEET_COLUMNS
    assert {r["Title"] for r in rows} == {"Breakfast club", "Play street"}
    assert all(r["Identifier"].startswith("360G-") and r["Funding Org:Identifier"] == "GB-LAE-TST" for r in rows)
    lgtc = list(csv.DictReader(io.StringIO(client.get(reverse("funding:grants_transparency_csv")).content.decode())))
    assert tuple(lgtc[0]) == opendata.TRANSPARENCY_COLUMNS
    by_title = {r["Summary of the Purpose of the Grant"]: r for r in lgtc}
    assert by_title["Breakfast club"]["Beneficiary Registration Number"] == "GB-COH-01234567"
    assert by_title["Breakfast club"]["Amount"] == "1200.50"
    assert by_title["Play street"]["Beneficiary Name"] == "Individual (name withheld)"
    page = client.get(reverse("funding:open_data")).content.decode()
    assert "Breakfast club" in page and "Not this one" not in page
