"""The API skeleton: schema, health, authentication by token or session, gatekeepers."""

from __future__ import annotations

from django.test import Client

from seedbed.accounts.services import api_token_issue


def test_schema_and_docs(db) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Seedbed API"
    assert "/api/health" in schema["paths"]
    assert client.get("/api/docs").status_code == 200


def test_me_needs_authentication(db) -> None:  # type: ignore[no-untyped-def]
    assert Client().get("/api/me").status_code == 401
    assert Client().get("/api/me", HTTP_AUTHORIZATION="Bearer sbd_not-a-token").status_code == 401


def test_me_with_a_token(demo_world) -> None:  # type: ignore[no-untyped-def]
    _, token = api_token_issue(user=demo_world["users"]["safety"], name="test")
    data = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert data["username"] == "safety"
    assert {"organisation": "Children's Services", "role": "safety_lead"}.items() <= data["roles"][0].items()


def test_organisations_for_staff_only(demo_world, client_as) -> None:  # type: ignore[no-untyped-def]
    assert client_as("resident").get("/api/organisations").status_code == 403
    names = {o["name"] for o in client_as("lead").get("/api/organisations").json()}
    assert "Northfield Council" in names


def test_revoked_token_is_refused(demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.accounts.services import api_token_revoke

    user = demo_world["users"]["analyst"]
    record, token = api_token_issue(user=user, name="old")
    api_token_revoke(token=record, actor=user)
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
