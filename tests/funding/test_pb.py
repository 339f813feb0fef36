"""Participatory budgeting: ballots, one vote per verified resident (also under concurrent
requests), paper ballots (the register of numbers and officers: test_pb_paper.py), the rule fixed before voting, one count, results with the engine's
explanations, and a Pabulib export that re-imports to the same count."""

from __future__ import annotations

import re
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from seedbed import pb as engine
from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.funding import rules
from seedbed.funding.models import PbBallot, PbElector, PbOfficer, PbRound, PbVoterMark
from seedbed.funding.services import pb, pb_voting
from tests.funding.conftest import build_world, client_for

PROJECTS = (("Benches", "6000", True), ("Youth club", "9000", True), ("Crossing", "12000", True),
            ("Fridge", "3000", True), ("Pool", "19000", False))


def make_round(world, *, ballot_kind: str = "approval", rule: str = "mes-add1-fill", open_voting: bool = True):  # type: ignore[no-untyped-def]
    lead = world["users"]["lead"]
    pb_round = pb.pb_round_create(fund=world["fund"], title="Eastside budget", summary="Choose.", budget=Decimal("20000"),
                                  ballot_kind=ballot_kind, min_choices=1, max_choices=3, points=10, actor=lead)
    projects = []
    for title, cost, feasible in PROJECTS:
        project = pb.pb_project_add(pb_round=pb_round, title=title, description=f"{title} for Eastside.", cost=Decimal(cost), actor=lead)
        pb.pb_project_check(project=project, feasible=feasible, note="Checked.", actor=lead)
        if feasible:
            projects.append(project)
    if open_voting:
        pb.pb_voting_open(pb_round=pb_round, rule=rule, actor=lead)
    for username, reference in (("resident", "TS-1"), ("resident2", "TS-2")):  # matched to the council's register
        if not PbElector.objects.filter(user=world["users"][username]).exists():
            pb_voting.pb_elector_record(user=world["users"][username], register_reference=reference, actor=lead)
    return pb_round, projects


def paper_ballots(pb_round, projects, picks, *, officer, manager):  # type: ignore[no-untyped-def]
    """Key in paper ballots as a ballot officer the manager assigned, each on a number the
    manager issued and naming a different voter on the register. Returns the ballots."""
    if not PbOfficer.objects.filter(round=pb_round, user=officer, withdrawn_at__isnull=True).exists():
        pb_voting.pb_officer_assign(pb_round=pb_round, user=officer, actor=manager)
    numbers = pb_voting.pb_ballot_numbers_issue(pb_round=pb_round, count=len(picks), actor=manager)
    start = PbVoterMark.objects.filter(round=pb_round).count()
    return [pb.pb_paper_ballot(pb_round=pb_round, ballot_number=issued.number, register_reference=f"PV-{start + n}",
                               choices={projects[i].pk: 1 for i in pick}, actor=officer)
            for n, (issued, pick) in enumerate(zip(numbers, picks, strict=True))]


@pytest.fixture
def big_world(db):  # type: ignore[no-untyped-def]
    world = build_world()
    world["fund"].total = Decimal("100000")
    world["fund"].save()
    return world


def test_ballot_rules(big_world) -> None:  # type: ignore[no-untyped-def]
    pb_round, projects = make_round(big_world)
    resident = big_world["users"]["resident"]
    with pytest.raises(ValidationProblem, match=re.escape(pb.ERROR_CHOICES.format(low=1, high=3))):
        pb.pb_vote(pb_round=pb_round, actor=resident, choices={p.pk: 1 for p in projects})  # 4 > max 3
    with pytest.raises(ValidationProblem, match=re.escape(pb.ERROR_NOT_VERIFIED)):
        pb.pb_vote(pb_round=pb_round, actor=big_world["users"]["analyst"], choices={projects[0].pk: 1})  # not a resident
    pb.pb_vote(pb_round=pb_round, actor=resident, choices={projects[0].pk: 1})
    with pytest.raises(ValidationProblem, match=re.escape(pb.ERROR_ALREADY_VOTED)) as excinfo:
        pb.pb_vote(pb_round=pb_round, actor=resident, choices={projects[1].pk: 1})
    assert excinfo.value.problems == {"__all__": pb.ERROR_ALREADY_VOTED}
    (ballot,) = paper_ballots(pb_round, projects, [(1,)], officer=big_world["users"]["panel"],
                              manager=big_world["users"]["lead"])
    with pytest.raises(ValidationProblem, match=re.escape(pb_voting.ERROR_NUMBER_USED.format(number=rules.number_display(ballot.paper_number.number)))):
        pb.pb_paper_ballot(pb_round=pb_round, ballot_number=ballot.paper_number.number, register_reference="PV-99",
                           choices={projects[1].pk: 1}, actor=big_world["users"]["panel"])
    assert PbBallot.objects.filter(round=pb_round).count() == 2


def test_knapsack_and_cumulative_ballots(big_world) -> None:  # type: ignore[no-untyped-def]
    knapsack, projects = make_round(big_world, ballot_kind="knapsack", rule="greedy")
    resident = big_world["users"]["resident"]
    with pytest.raises(ValidationProblem, match=re.escape(pb.ERROR_KNAPSACK.format(cost=Decimal("30000.00"), budget=Decimal("20000.00")))) as excinfo:
        pb.pb_vote(pb_round=knapsack, actor=resident, choices={p.pk: 1 for p in projects})  # 30,000 > 20,000
    assert "more than the budget" in excinfo.value.problems["choices"]
    pb.pb_vote(pb_round=knapsack, actor=resident, choices={projects[0].pk: 1, projects[1].pk: 1})
    cumulative, cprojects = make_round(big_world, ballot_kind="cumulative", rule="mes-add1")
    with pytest.raises(ValidationProblem, match=re.escape(pb.ERROR_POINTS.format(points=10))):
        pb.pb_vote(pb_round=cumulative, actor=resident, choices={cprojects[0].pk: 8, cprojects[1].pk: 3})
    pb.pb_vote(pb_round=cumulative, actor=resident, choices={cprojects[0].pk: 7, cprojects[1].pk: 3})
    result = pb.pb_count(pb_round=cumulative, actor=big_world["users"]["lead"])
    assert engine.parse(result.pabulib).vote_type == "cumulative"


def test_the_rule_is_fixed_before_voting_and_phragmen_needs_approval(big_world) -> None:  # type: ignore[no-untyped-def]
    pb_round, _ = make_round(big_world, ballot_kind="cumulative", open_voting=False)
    with pytest.raises(ValidationProblem, match=re.escape(pb.ERROR_PHRAGMEN_POINTS)):
        pb.pb_voting_open(pb_round=pb_round, rule="phragmen", actor=big_world["users"]["lead"])
    pb.pb_voting_open(pb_round=pb_round, rule="greedy", actor=big_world["users"]["lead"])
    with pytest.raises(ValidationProblem, match=re.escape(pb.ERROR_NOT_SETUP)):
        pb.pb_voting_open(pb_round=pb_round, rule="mes-add1", actor=big_world["users"]["lead"])
    assert AuditEntry.objects.get(action="funding.pb_voting_open").data["rule"] == "greedy"


@pytest.mark.parametrize("rule", ["greedy", "mes-add1", "mes-add1-fill", "phragmen"])
def test_count_once_explained_and_pabulib_export_recounts_the_same(big_world, rule) -> None:  # type: ignore[no-untyped-def]
    pb_round, projects = make_round(big_world, rule=rule)
    lead = big_world["users"]["lead"]
    picks = ((0, 3), (0, 1), (1, 3), (2,), (2, 0), (1,), (3, 0), (2, 3), (1, 2), (0, 3, 1), (2,))
    paper_ballots(pb_round, projects, picks, officer=big_world["users"]["panel"], manager=lead)
    result = pb.pb_count(pb_round=pb_round, actor=lead)
    with pytest.raises(ValidationProblem, match=re.escape(pb.ERROR_ALREADY_COUNTED)) as excinfo:
        pb.pb_count(pb_round=pb_round, actor=lead)
    assert excinfo.value.problems == {"__all__": pb.ERROR_ALREADY_COUNTED}
    assert set(result.explanations) == {p.code for p in projects}
    assert all(note["reason"] for note in result.explanations.values())
    assert result.cost <= pb_round.budget
    again = engine.count(engine.parse(result.pabulib), rule=rule)
    assert list(again.selected) == result.selected
    audit = AuditEntry.objects.get(action="funding.pb_result")
    assert audit.data["selected"] == result.selected and audit.data["rule"] == rule
    # The results page shows the engine's reasons; the export downloads the same text.
    page = client_for(big_world["users"]["resident"]).get(reverse("funding:pb_results", args=[pb_round.pk])).content.decode()
    for note in result.explanations.values():
        assert note["reason"].split(":")[0][:30].replace("'", "&#x27;") in page
    export = client_for(big_world["users"]["resident"]).get(reverse("funding:pb_export", args=[pb_round.pk]))
    assert export.content.decode() == result.pabulib
    assert "attachment" in export["Content-Disposition"]
    pb_round.refresh_from_db()
    big_world["fund"].refresh_from_db()
    assert pb_round.status == PbRound.Status.COUNTED
    assert big_world["fund"].committed == result.cost  # the unspent budget went back to the fund


def test_voting_through_the_pages(big_world) -> None:  # type: ignore[no-untyped-def]
    pb_round, projects = make_round(big_world)
    client = client_for(big_world["users"]["resident"])
    url = reverse("funding:pb_vote", args=[pb_round.pk])
    response = client.post(url, {"projects": []})
    assert response.status_code == 400 and "Choose at least one project" in response.content.decode()
    response = client.post(url, {"projects": [str(projects[0].pk), str(projects[3].pk)]})
    assert response.status_code == 302
    assert "already voted" in client.get(url).content.decode()
    assert client_for(big_world["users"]["analyst"]).get(url).status_code == 403
    pb_voting.pb_officer_assign(pb_round=pb_round, user=big_world["users"]["analyst"], actor=big_world["users"]["lead"])
    (issued,) = pb_voting.pb_ballot_numbers_issue(pb_round=pb_round, count=1, actor=big_world["users"]["lead"])
    paper = client_for(big_world["users"]["analyst"]).post(
        reverse("funding:pb_paper", args=[pb_round.pk]),
        {"ballot_number": str(issued), "register_reference": "PV-1", "projects": [str(projects[1].pk)]})
    assert paper.status_code == 302
    assert pb_round.ballots.count() == 2
    assert client_for(big_world["users"]["resident"]).get(reverse("funding:pb_export", args=[pb_round.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_double_voting_is_impossible_under_concurrent_requests() -> None:
    world = build_world()
    world["fund"].total = Decimal("100000")
    world["fund"].save()
    pb_round, projects = make_round(world)
    resident = world["users"]["resident"]
    results: list[object] = []
    barrier = threading.Barrier(6)

    def vote() -> None:
        try:
            barrier.wait()
            results.append(pb.pb_vote(pb_round=pb_round, actor=resident, choices={projects[0].pk: 1}))
        except BaseException as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(r, PbBallot) for r in results) == 1, results
    assert sum(isinstance(r, ValidationProblem) for r in results) == 5, results
    assert PbVoterMark.objects.filter(round=pb_round, voter=resident).count() == 1
    assert PbBallot.objects.filter(round=pb_round).count() == 1
