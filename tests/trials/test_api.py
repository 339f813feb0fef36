"""The trials API: registry (public), enrolment and safety events (frontline of the trial's
organisation only), idempotency keys, and problems reported as 422."""

from __future__ import annotations

import pytest
from django.test import Client

from seedbed.accounts.services import api_token_issue
from seedbed.stats.allocation import allocation_sequence
from seedbed.stats.randomisation import commitment_hash
from seedbed.trials.models import Allocation, SafetyEvent, Trial
from seedbed.trials.services.allocation import ERROR_KEY_REUSED

pytestmark = pytest.mark.django_db


def _token(world, username: str) -> dict:
    _, token = api_token_issue(user=world["users"][username], name="test", scopes=("read", "write"))
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _running() -> Trial:
    return Trial.objects.get(title="Weekly family-support calls")


def test_registry_is_public_and_hides_the_seed_until_published(demo_world) -> None:
    entries = {e["title"]: e for e in Client().get("/api/trials/").json()}
    running = entries["Weekly family-support calls"]
    assert running["seed"] is None and len(running["seed_commitment"]) == 64
    assert entries["Peer mentoring for care leavers"]["seed"] == "northfield-demo-mentoring"
    one = Client().get(f"/api/trials/{_running().pk}").json()
    assert one["protocol_hash"] == running["protocol_hash"]
    # With the revealed seed anyone can check the commitment and reproduce every allocation.
    finished = entries["Peer mentoring for care leavers"]
    assert commitment_hash(seed=finished["seed"], protocol_hash=finished["protocol_hash"]) == (
        finished["seed_commitment"])
    trial = Trial.objects.get(pk=finished["id"])
    taken = list(Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("position"))
    again = allocation_sequence(arms=["control", "intervention"], seed=finished["seed"],
                                length=len(taken), block_sizes=finished["block_sizes"])
    assert [a.arm for a in taken] == [e.arm for e in again.by_stratum[""][: len(taken)]]


def test_only_frontline_of_the_organisation_enrol(demo_world) -> None:
    url = f"/api/trials/{_running().pk}/enrolments"
    for i, (username, status) in enumerate(
        [("frontline", 201), ("provider", 403), ("resident", 403), ("lead", 403), ("safety", 403)]
    ):
        response = Client().post(url, {"unit_ref": f"NEW-1{i}", "stratum": "under 5"},
                                 content_type="application/json", **_token(demo_world, username))
        assert response.status_code == status, username
        if status == 201:
            assert response.json()["arm"] in ("control", "intervention")
    assert Client().post(url, {"unit_ref": "X"}, content_type="application/json").status_code == 401


def test_idempotency_key_replays_and_refuses_reuse(demo_world) -> None:
    trial = _running()
    url = f"/api/trials/{trial.pk}/enrolments"
    auth = _token(demo_world, "frontline")
    first = Client().post(url, {"unit_ref": "NEW-2", "stratum": "5 to 17"},
                          content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1", **auth)
    again = Client().post(url, {"unit_ref": "NEW-2", "stratum": "5 to 17"},
                          content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1", **auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["arm"] == again.json()["arm"] and again.json()["replayed"]
    other = Client().post(url, {"unit_ref": "NEW-3", "stratum": "5 to 17"},
                          content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1", **auth)
    assert other.status_code == 422
    assert other.json()["problems"] == {"idempotency_key": ERROR_KEY_REUSED}
    twice = Client().post(url, {"unit_ref": "NEW-2", "stratum": "5 to 17"},
                          content_type="application/json", **auth)
    assert twice.status_code == 422 and "unit_ref" in twice.json()["problems"]
    assert Allocation.objects.filter(trial=trial, unit_ref="NEW-2").count() == 1
    bad = Client().post(url, {"unit_ref": "NEW-4", "stratum": "adults"},
                        content_type="application/json", **auth)
    assert bad.status_code == 422 and "stratum" in bad.json()["problems"]


def test_safety_event_by_api_hides_the_arm(demo_world) -> None:
    trial = _running()
    harm = trial.harm_outcomes.get()
    url = f"/api/trials/{trial.pk}/safety-events"
    body = {"unit_ref": "EH-1001", "harm_outcome_id": harm.pk, "severity": "moderate",
            "description": "Short stay with relatives", "occurred_on": "2026-10-01"}
    auth = _token(demo_world, "frontline")
    first = Client().post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="e1", **auth)
    again = Client().post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="e1", **auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert "arm" not in first.json()
    assert SafetyEvent.objects.filter(idempotency_key="e1").count() == 1
    unknown = Client().post(url, {**body, "unit_ref": "NOBODY"}, content_type="application/json", **auth)
    assert unknown.status_code == 422 and "unit_ref" in unknown.json()["problems"]
    refused = Client().post(url, body, content_type="application/json", **_token(demo_world, "provider"))
    assert refused.status_code == 403


def test_a_colleague_reusing_an_enrolment_key_learns_no_arm(demo_world) -> None:
    """Replaying a key returns the arm to the person who enrolled the unit only: a colleague
    who sees the unit listed and reuses its key is told it is enrolled, not which arm."""
    from seedbed.accounts.services import membership_grant, person_create
    from seedbed.core.errors import ValidationProblem
    from seedbed.trials.services.allocation import ERROR_ALREADY, allocation_draw

    trial = _running()
    frontline = demo_world["users"]["frontline"]
    first = allocation_draw(actor=frontline, trial=trial, unit_ref="EH-9002", stratum="5 to 17",
                            idempotency_key="EH-9002")
    colleague = person_create(username="colleague", email="colleague@example.org",
                              display_name="A colleague", password="x" * 20)
    membership_grant(user=colleague, organisation=first.organisation, role="frontline")
    try:
        allocation_draw(actor=colleague, trial=trial, unit_ref="EH-9002", stratum="5 to 17",
                        idempotency_key="EH-9002")
    except ValidationProblem as refused:
        assert refused.problems == {"unit_ref": ERROR_ALREADY}
    else:
        pytest.fail("the colleague's replay returned the allocation")
    again = allocation_draw(actor=frontline, trial=trial, unit_ref="EH-9002", stratum="5 to 17",
                            idempotency_key="EH-9002")
    assert again.replayed and again.arm == first.arm  # type: ignore[attr-defined]


def test_a_colleague_reusing_a_safety_event_key_reads_nothing(demo_world) -> None:
    """Replaying a safety event's key returns the event to its reporter only."""
    import datetime as dt

    from seedbed.accounts.services import membership_grant, person_create
    from seedbed.core.errors import ValidationProblem
    from seedbed.trials.services.monitoring import ERROR_KEY_REUSED as ERROR_EVENT_KEY_REUSED
    from seedbed.trials.services.monitoring import safety_event_record

    trial = _running()
    harm = trial.harm_outcomes.get()
    frontline = demo_world["users"]["frontline"]
    event = dict(trial=trial, unit_ref="EH-1001", harm_outcome=harm, severity="moderate",
                 description="Short stay with relatives", occurred_on=dt.date(2026, 10, 1),
                 idempotency_key="ev-1")
    first = safety_event_record(actor=frontline, **event)  # type: ignore[arg-type]
    colleague = person_create(username="colleague2", email="colleague2@example.org",
                              display_name="A colleague", password="x" * 20)
    membership_grant(user=colleague, organisation=trial.organisation, role="frontline")
    with pytest.raises(ValidationProblem, match=ERROR_EVENT_KEY_REUSED) as refused:
        safety_event_record(actor=colleague, **event)  # type: ignore[arg-type]
    assert refused.value.problems == {"idempotency_key": ERROR_EVENT_KEY_REUSED}
    again = safety_event_record(actor=frontline, **event)  # type: ignore[arg-type]
    assert again.pk == first.pk and again.replayed  # type: ignore[attr-defined]
