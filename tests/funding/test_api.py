"""The funding JSON API through its gatekeepers."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from django.test import Client

from seedbed.funding.models import Award
from seedbed.funding.services.reviews import decision_make
from tests.funding.conftest import client_for, micro_call, submitted
from tests.funding.test_pb import make_round


def test_award_api_follows_the_award_gatekeeper(world) -> None:  # type: ignore[no-untyped-def]
    users = world["users"]
    application = submitted(micro_call(world), users["resident"], title="Play street", amount="400")
    decision_make(application=application, outcome="fund", public_reason="Yes.", actor=users["lead"])
    award = Award.objects.get()
    url = f"/api/funding/awards/{award.pk}"
    assert Client().get(url).status_code == 401
    assert client_for(users["resident2"]).get(url).status_code == 403
    body = client_for(users["analyst"]).get(url).json()
    assert body["amount"] == "400.00" and body["recipient"] == f"Individual applicant ({application.reference})"
    package = Client().get("/api/funding/grants").json()
    schema = json.loads((Path(__file__).parent / "fixtures" / "360giving-required.schema.json").read_text())
    jsonschema.validate(package, schema)


def test_pb_result_api(world) -> None:  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from seedbed.funding.services import pb

    world["fund"].total = Decimal("100000")
    world["fund"].save()
    pb_round, projects = make_round(world, rule="greedy")
    assert Client().get(f"/api/funding/pb/{pb_round.pk}/result").json()["counted"] is False
    pb.pb_vote(pb_round=pb_round, actor=world["users"]["resident"], choices={projects[0].pk: 1})
    result = pb.pb_count(pb_round=pb_round, actor=world["users"]["lead"])
    body = Client().get(f"/api/funding/pb/{pb_round.pk}/result").json()
    assert body["selected"] == result.selected and body["explanations"] == result.explanations
    assert Client().get("/api/funding/pb/999999/result").status_code == 403
