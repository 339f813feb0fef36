"""The library API: public, facets and meaning, drafts hidden."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_cases_by_facet_and_one_case(client_as) -> None:
    client = client_as("anonymous")
    rows = client.get("/api/library/cases", {"direction": "negative"}).json()
    assert [r["title"] for r in rows] == ["Warning letters to parents about school absence"]
    one = client.get(f"/api/library/cases/{rows[0]['id']}").json()
    assert one["evidence_level"] == 3 and one["direction"] == "negative"


def test_drafts_are_refused(client_as, demo_world) -> None:
    from seedbed.library import services

    draft = services.case_create(title="Draft", summary="s", problem="p", what_was_done="w",
                                 design="descriptive", year=2026, actor=demo_world["users"]["analyst"])
    assert client_as("anonymous").get(f"/api/library/cases/{draft.pk}").status_code == 403
    assert "Draft" not in [r["title"] for r in client_as("anonymous").get("/api/library/cases").json()]
