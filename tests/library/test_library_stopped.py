"""A trial stopped early becomes a library case marked as such: harmful when stopped for
harm (never "null"), filterable in search, and stated in open data and the API.

Regression: the case of a trial stopped for harm was published as "Null (no clear
difference)" at evidence level 3, with the stop nowhere."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from seedbed.library.models import Case, Direction, StoppedFor
from seedbed.library.selectors import STOPPED_ANY, CaseFacets, case_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(trial_world) -> Case:  # type: ignore[no-untyped-def]
    from seedbed.demo.trial_outcomes import stopped_for_harm_trial

    trial = stopped_for_harm_trial(trial_world)
    return Case.objects.get(trial=trial)


def test_the_case_is_harmful_and_stopped_with_the_trials_own_evidence(case) -> None:
    trial = case.trial
    assert case.is_published
    assert (case.direction, case.stopped_for) == (Direction.HARMFUL, StoppedFor.HARM)
    assert case.stopped_on == trial.stopped_at.date()
    assert case.stop_reasons == trial.result.analysis["stopping"]["decision_reasons"]
    assert case.evidence_level == trial.result.evidence_level == 2
    assert any("stopped early for harm" in r for r in case.evidence_reasons)
    assert not any(r.startswith("level 3:") for r in case.evidence_reasons)
    # 24 of 45 on monthly visits and 10 of 45 on fortnightly visits: all shown (none < 10)
    assert "24 of 45 (53%) in the intervention arm" in case.harm_finding
    assert "10 of 45 (22%) in the control arm" in case.harm_finding
    assert trial.result.lessons in case.lessons_did_not and not case.lessons_worked


def test_the_case_page_says_stopped_early_for_harm(case, client) -> None:
    page = " ".join(client.get(reverse("library:case_detail", args=[case.pk])).content.decode().split())
    assert f"Stopped early for harm on {case.stopped_on:%-d %B %Y}" in page
    assert "Harmful (stopped early for harm)" in page
    assert "Null (no clear difference)" not in page
    assert case.stop_reasons[:50] in page and case.harm_finding[:40] in page
    assert "Not level 3: The trial was stopped early for harm" in page


def test_search_filters_by_harmful_and_by_stopped_early(case, client) -> None:
    found = case_search(for_user=None, facets=CaseFacets(direction=Direction.HARMFUL))
    assert list(found.cases) == [case]
    assert list(case_search(for_user=None, facets=CaseFacets(stopped=STOPPED_ANY)).cases) == [case]
    assert list(case_search(for_user=None, facets=CaseFacets(stopped="harm")).cases) == [case]
    assert case_search(for_user=None, facets=CaseFacets(stopped="benefit")).cases == ()
    assert case_search(for_user=None, facets=CaseFacets(direction=Direction.NULL)).cases == ()
    assert ("harm", "Stopped early for harm", 1) in found.counts["stopped"]
    page = " ".join(client.get(reverse("library:index"), {"stopped": "harm"}).content.decode().split())
    assert case.title in page and 'data-stopped="harm"' in page
    assert "Stopped early for harm on" in page


def test_open_data_and_the_api_carry_the_stop(case, client) -> None:
    data = json.loads(client.get(reverse("library:export_json")).content)
    row = next(r for r in data["cases"] if r["id"] == case.pk)
    assert (row["direction"], row["stopped_for"]) == ("harmful", "harm")
    assert row["stopped_on"] == case.stopped_on.isoformat() and row["harm_finding"]
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("library:export_csv")).content.decode())))
    assert next(r for r in rows if r["id"] == str(case.pk))["stopped_for"] == "harm"
    api = client.get("/api/library/cases", {"stopped": "any"}).json()
    assert [(c["id"], c["direction"], c["stopped_for"]) for c in api] == [(case.pk, "harmful", "harm")]


def test_the_portfolio_shows_a_linked_trial_stopped_for_harm(demo_world, client_as) -> None:
    """The demo's stopped trial linked to an innovation: the innovation's page lists its case
    as harmful and stopped, and the portfolio's tests table says it stopped for harm."""
    from seedbed.demo.trial_outcomes import STOPPED_TITLE
    from seedbed.portfolio.models import Innovation
    from seedbed.portfolio.services.innovation import innovation_link_add
    from seedbed.trials.models import Trial

    trial = Trial.objects.get(title=STOPPED_TITLE)
    innovation = Innovation.objects.filter(cases__isnull=True).order_by("pk").first()
    lead = demo_world["users"]["lead"]
    innovation_link_add(innovation=innovation, kind="trial", label=trial.title, target=trial, actor=lead)
    innovation.refresh_from_db()
    assert innovation.evidence_direction == "harmful"
    staff = client_as("lead")
    page = " ".join(staff.get(reverse("portfolio:innovation_detail", args=[innovation.pk]))
                    .content.decode().split())
    assert "harmful (stopped early for harm)" in page and "Stopped early for harm on" in page
    index = " ".join(staff.get(reverse("portfolio:index")).content.decode().split())
    row = index[index.index('id="tests-table"'):]
    row = row[row.index(trial.title):][:300]
    assert "Stopped early for harm (result published)" in row and "Paused for harm" not in row


def test_external_evidence_of_a_trial_stopped_for_harm_is_recorded_as_such(client_as) -> None:
    client = client_as("analyst")
    url = reverse("library:case_create")
    fields = {
        "title": "Scared Straight visits", "summary": "Prison visits for young people.",
        "problem": "Youth offending.", "what_was_done": "Visits to prisons.", "design": "rct",
        "year": "2013", "effect": "0.2", "ci_low": "0.05", "ci_high": "0.35",
        "higher_is_better": "no", "independent_replications": "0", "stopped_for": "harm",
    }
    missing = client.post(url, fields)
    assert missing.status_code == 200 and "Give the date the trial stopped" in missing.content.decode()
    ok = client.post(url, {**fields, "stopped_on": "2012-06-30",
                           "stop_reasons": "More offending among those who visited."})
    assert ok.status_code == 302
    case = Case.objects.get(title="Scared Straight visits")
    assert (case.direction, case.stopped_for, case.stopped_on.isoformat()) == (
        Direction.HARMFUL, "harm", "2012-06-30")
    assert case.evidence_level == 2 and any("stopped early for harm" in r for r in case.evidence_reasons)
