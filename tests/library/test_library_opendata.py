"""Open data: JSON and CSV agree, CSVW metadata describes the CSV, JSON-LD on case pages."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from seedbed.library.models import Case

pytestmark = pytest.mark.django_db


def test_json_and_csv_hold_the_same_published_cases(client_as) -> None:
    client = client_as("anonymous")
    data = json.loads(client.get(reverse("library:export_json")).content)
    response = client.get(reverse("library:export_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    published = Case.objects.filter(status="published").count()
    assert len(data["cases"]) == len(rows) == published == 12  # with the demo's two new trials and two evaluations
    by_id = {r["id"]: r for r in rows}
    for case in data["cases"]:
        row = by_id[str(case["id"])]
        assert row["title"] == case["title"] and int(row["evidence_level"]) == case["evidence_level"]
    video = next(c for c in data["cases"] if c["title"].startswith("Video"))
    assert video["n_intervention"] is None and video["n_total"] is None  # 6 people: suppressed
    mentors = next(c for c in data["cases"] if c["title"].startswith("Attendance"))
    assert mentors["cost_per_outcome"] == "615.38" and mentors["ci_low"] == 1.2


def test_csvw_metadata_describes_every_csv_column(client_as) -> None:
    client = client_as("anonymous")
    meta = client.get(reverse("library:export_metadata")).json()
    header = client.get(reverse("library:export_csv")).content.decode().splitlines()[0].split(",")
    assert meta["@context"] == "http://www.w3.org/ns/csvw"
    assert meta["url"].endswith(reverse("library:export_csv"))
    assert [c["name"] for c in meta["tableSchema"]["columns"]] == header
    assert meta["tableSchema"]["primaryKey"] == "id"


def test_case_page_carries_schema_org_dataset_with_the_csp_nonce(client_as) -> None:
    case = Case.objects.get(title__startswith="Warning letters")
    response = client_as("anonymous").get(reverse("library:case_detail", args=[case.pk]))
    html = response.content.decode()
    match = re.search(r'<script type="application/ld\+json" nonce="([^"]+)">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD script with a nonce"
    assert match.group(1) and match.group(1) in response.get("Content-Security-Policy", match.group(1))
    data = json.loads(match.group(2))
    assert data["@type"] == "Dataset" and data["name"] == case.title
    assert data["distribution"][0]["encodingFormat"] == "text/csv"
    assert "Evidence level 3" in html and "Negative" in html


def test_drafts_are_left_out_of_open_data(client_as, demo_world) -> None:
    from seedbed.library import services

    services.case_create(title="Draft only", summary="s", problem="p", what_was_done="w",
                         design="descriptive", year=2026, actor=demo_world["users"]["analyst"])
    assert "Draft only" not in client_as("anonymous").get(reverse("library:export_json")).content.decode()
