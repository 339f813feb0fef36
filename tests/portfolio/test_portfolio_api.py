"""The portfolio API: staff only."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_staff_read_innovations_and_residents_are_refused(client_as) -> None:
    rows = client_as("analyst").get("/api/portfolio/innovations").json()
    assert len(rows) == 7 and {"stage", "evidence_level", "spend"} <= set(rows[0])
    mentors = next(r for r in rows if r["title"].startswith("Attendance"))
    assert mentors["stage"] == "mainstreaming"
    assert client_as("analyst").get(f"/api/portfolio/innovations/{mentors['id']}").json()["id"] == mentors["id"]
    assert client_as("resident").get("/api/portfolio/innovations").status_code == 403
    assert client_as("anonymous").get("/api/portfolio/innovations").status_code == 401
