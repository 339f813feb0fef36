"""Library search by facet and by meaning, against a labelled query set on the demo cases."""

from __future__ import annotations

import pytest
from django.urls import reverse

from seedbed.demo import evaluations as demo_evaluations
from seedbed.library import selectors
from seedbed.library.selectors import CaseFacets
from seedbed.text import backend_resolve

pytestmark = pytest.mark.django_db

MENTORS = "Attendance mentors in eight primary schools"
LETTERS = "Warning letters to parents about school absence"
WASTE = "Text reminders for bulky waste collections"
PROBE = "Family group conferencing probe with twelve families"
VIDEO = "Video check-ins after leaving hospital"
BREAKFAST = "Free school breakfast clubs and attendance (external evaluation)"
# Made from the trials demo's published trial and probe by case_create_from_trial/_probe.
CARE_LEAVERS = "Peer mentoring for care leavers"
HUB = "Drop-in family hub hours"
VISITS = "Monthly instead of fortnightly visits"  # stopped early for harm
WEDGE = "Family hubs, school by school"  # stepped wedge

# query -> the cases a reader would expect first (any order), and cases that must not match.
LABELLED = [
    ("what has been tried on school absence?", {MENTORS, LETTERS, BREAKFAST}, {WASTE, VIDEO}),
    ("pupils missing lessons", {MENTORS, LETTERS, BREAKFAST}, {WASTE}),
    ("keeping children out of care by involving relatives", {PROBE}, {WASTE}),
    ("older people discharged from hospital", {VIDEO}, {WASTE, LETTERS}),
    ("rubbish not collected from residents' homes", {WASTE}, {VIDEO}),
]
# Queries that share no content word with their cases: only a semantic backend finds them.
SEMANTIC_ONLY = {"pupils missing lessons", "keeping children out of care by involving relatives",
                 "rubbish not collected from residents' homes", "older people discharged from hospital"}


def _titles(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.title for c in result.cases]


def test_every_facet_filters_as_counted_by_hand(demo_world) -> None:
    lead = demo_world["users"]["lead"]
    everything = selectors.case_search(for_user=lead)
    assert len(everything.cases) == 12
    assert dict((v, n) for v, _, n in everything.counts["direction"]) == {
        "positive": 7, "null": 3, "negative": 1, "harmful": 1}
    assert everything.counts["stopped"] == [("harm", "Stopped early for harm", 1)]
    cases = {
        CaseFacets(service_area="childrens-services"): {MENTORS, LETTERS, PROBE, BREAKFAST, CARE_LEAVERS, HUB,
                                                        VISITS, WEDGE, demo_evaluations.DID_TITLE},
        CaseFacets(direction="harmful"): {VISITS},
        CaseFacets(stopped="any"): {VISITS},
        CaseFacets(stopped="harm", direction="harmful"): {VISITS},
        CaseFacets(stopped="futility"): set(),
        CaseFacets(design="stepped_wedge"): {WEDGE},
        CaseFacets(level="2"): {VISITS, VIDEO, demo_evaluations.DID_TITLE},
        CaseFacets(direction="negative"): {LETTERS},
        CaseFacets(direction="null"): {WASTE, CARE_LEAVERS, HUB},
        CaseFacets(design="rct"): {MENTORS, LETTERS, CARE_LEAVERS, VISITS},
        CaseFacets(level="3"): {MENTORS, LETTERS, WASTE, CARE_LEAVERS, WEDGE,
                               demo_evaluations.RD_TITLE},
        CaseFacets(level="4"): {BREAKFAST},
        CaseFacets(level="1"): {PROBE, HUB},
        CaseFacets(year="2024"): {LETTERS},
        CaseFacets(typology="process"): {VIDEO, WASTE},
        CaseFacets(stage_reached="Mainstreaming"): {MENTORS},
        CaseFacets(service_area="childrens-services", direction="positive", design="probe"): {PROBE},
    }
    for facets, expected in cases.items():
        assert set(_titles(selectors.case_search(for_user=lead, facets=facets))) == expected, facets


@pytest.mark.parametrize(("query", "expected", "excluded"), LABELLED)
def test_labelled_queries_find_cases_by_meaning(demo_world, query, expected, excluded) -> None:  # type: ignore[no-untyped-def]
    if backend_resolve() != "minilm" and query in SEMANTIC_ONLY:
        pytest.skip("needs the MiniLM text backend (semantic, not lexical)")
    result = selectors.case_search(for_user=demo_world["users"]["resident"], query=query)
    titles = _titles(result)
    top = titles[: len(expected)]
    assert set(top) == expected, (query, titles, result.scores)
    assert not set(titles) & excluded, (query, titles)


def test_search_and_facets_combine_through_the_page(client) -> None:  # type: ignore[no-untyped-def]
    from seedbed.demo.build import demo_load

    demo_load()
    response = client.get(reverse("library:index"), {"q": "what has been tried on school absence?",
                                                      "direction": "negative"})
    html = response.content.decode()
    assert response.status_code == 200
    assert LETTERS in html and MENTORS not in html and "1 case about" in html


def test_drafts_are_not_public(client_as, demo_world) -> None:
    from seedbed.library import services

    draft = services.case_create(title="Unpublished draft on absence", summary="s", problem="p",
                                 what_was_done="w", design="descriptive", year=2026,
                                 actor=demo_world["users"]["analyst"])
    assert draft.title not in client_as("anonymous").get(reverse("library:index")).content.decode()
    assert client_as("resident").get(reverse("library:case_detail", args=[draft.pk])).status_code == 403
    assert client_as("analyst").get(reverse("library:case_detail", args=[draft.pk])).status_code == 200
    assert draft.title not in [c.title for c in selectors.case_search(for_user=None).cases]
