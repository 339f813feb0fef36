"""Paper ballots cannot be fabricated: only a round's assigned ballot officer keys them in, each
on a number from the round's register of issued numbers (used once, variants included), every
entry audited; and one voter register across channels, so nobody votes online and on paper.

Reproduces the security review's finding: before the fix any staff role, the external
provider included, could key unlimited paper ballots with any reference, unaudited."""

from __future__ import annotations

import re
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.funding.models import PbBallot, PbBallotNumber, PbOfficer, PbVoterMark
from seedbed.funding.rules import ALPHABET, luhn_mod_n_check, number_display
from seedbed.funding.services import pb, pb_voting
from seedbed.funding.services.pb_voting import (
    ERROR_ALREADY_VOTED,
    ERROR_NOT_OFFICER,
    ERROR_NOT_ON_REGISTER,
    ERROR_NUMBER_UNISSUED,
    ERROR_NUMBER_USED,
    ERROR_OFFICER_NOT_STAFF,
    ERROR_OFFICER_SELF,
    ERROR_REFERENCE_VOTED,
)
from tests.funding.conftest import build_world, client_for
from tests.funding.test_pb import big_world, make_round  # noqa: F401  (fixture)

ATTACK_REFERENCES = ("PAPER-777", "paper-777", "PAPER\u2010777", "PAPER-0777")


def _officer_round(world):  # type: ignore[no-untyped-def]
    """An open round with the panel member as its ballot officer and five issued numbers."""
    pb_round, projects = make_round(world)
    lead, officer = world["users"]["lead"], world["users"]["panel"]
    pb_voting.pb_officer_assign(pb_round=pb_round, user=officer, actor=lead)
    numbers = pb_voting.pb_ballot_numbers_issue(pb_round=pb_round, count=5, actor=lead)
    return pb_round, projects, officer, [n.number for n in numbers]


def _post_paper(user, pb_round, projects, *, number: str, reference: str):  # type: ignore[no-untyped-def]
    # Both the old field name and the new ones, so the request means the same before and after the fix.
    return client_for(user).post(reverse("funding:pb_paper", args=[pb_round.pk]), {
        "paper_reference": number, "ballot_number": number, "register_reference": reference,
        "projects": [str(projects[0].pk)]})


# --- who may key in a paper ballot ----------------------------------------------------------


@pytest.mark.parametrize("username", ["provider", "lead", "analyst", "panel2", "resident"])
def test_no_role_keys_a_paper_ballot_unless_assigned_officer(big_world, username) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    """The external provider, a funding manager (lead) not assigned as officer, other staff and a
    resident: the page refuses them and no ballot, register mark or audit entry appears."""
    pb_round, projects, _, numbers = _officer_round(big_world)
    user = big_world["users"][username]
    url = reverse("funding:pb_paper", args=[pb_round.pk])
    assert client_for(user).get(url).status_code == 403
    for reference in ATTACK_REFERENCES:
        response = _post_paper(user, pb_round, projects, number=reference, reference=f"X{len(reference)}")
        assert response.status_code == 403
    assert _post_paper(user, pb_round, projects, number=numbers[0], reference="ATTACK-1").status_code == 403
    assert PbBallot.objects.filter(round=pb_round).count() == 0
    assert not PbVoterMark.objects.filter(round=pb_round).exists()
    assert not AuditEntry.objects.filter(action="funding.pb_paper_ballot").exists()
    # The service refuses too, whoever calls it.
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_NOT_OFFICER)) as excinfo:
        pb_voting.pb_paper_ballot(pb_round=pb_round, ballot_number=numbers[0], register_reference="R-1",
                                  choices={projects[0].pk: 1}, actor=user)
    assert excinfo.value.problems == {"__all__": ERROR_NOT_OFFICER}


def test_an_officer_of_another_round_or_a_withdrawn_officer_cannot_key(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, projects, officer, numbers = _officer_round(big_world)
    other, _ = make_round(big_world)
    lead = big_world["users"]["lead"]
    pb_voting.pb_officer_assign(pb_round=other, user=big_world["users"]["analyst"], actor=lead)
    assert _post_paper(big_world["users"]["analyst"], pb_round, projects, number=numbers[0], reference="R-1").status_code == 403
    assignment = PbOfficer.objects.get(round=pb_round, user=officer)
    pb_voting.pb_officer_withdraw(officer=assignment, actor=lead)
    assert _post_paper(officer, pb_round, projects, number=numbers[0], reference="R-1").status_code == 403
    assert PbBallot.objects.count() == 0
    # Withdrawn, not deleted; the officer can be assigned again, and both acts are audited.
    pb_voting.pb_officer_assign(pb_round=pb_round, user=officer, actor=lead)
    assert PbOfficer.objects.filter(round=pb_round, user=officer).count() == 2
    assert AuditEntry.objects.filter(action="funding.pb_officer_withdraw", actor_id=lead.pk).count() == 1
    assert AuditEntry.objects.filter(action="funding.pb_officer_assign").count() == 3


def test_only_staff_can_be_assigned_officers_and_never_by_themselves(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, _ = make_round(big_world)
    lead = big_world["users"]["lead"]
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_OFFICER_NOT_STAFF)) as excinfo:
        pb_voting.pb_officer_assign(pb_round=pb_round, user=big_world["users"]["resident"], actor=lead)
    assert excinfo.value.problems == {"user": ERROR_OFFICER_NOT_STAFF}
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_OFFICER_SELF)) as excinfo:
        pb_voting.pb_officer_assign(pb_round=pb_round, user=lead, actor=lead)
    assert excinfo.value.problems == {"user": ERROR_OFFICER_SELF}
    assert not PbOfficer.objects.filter(round=pb_round).exists()
    page = client_for(lead).get(reverse("funding:pb_manage", args=[pb_round.pk])).content.decode()
    panel = big_world["users"]["panel"]
    assert f'<option value="{panel.pk}">{panel}</option>' in page  # the page offers other staff...
    assert f'<option value="{lead.pk}">{lead}</option>' not in page  # ...not the manager themselves


def test_foreign_and_missing_ids_are_refused_alike(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, projects, officer, _ = _officer_round(big_world)
    other, _ = make_round(big_world)
    lead = big_world["users"]["lead"]
    foreign = pb_voting.pb_officer_assign(pb_round=other, user=big_world["users"]["analyst"], actor=lead)
    url = reverse("funding:pb_officer_withdraw", args=[pb_round.pk, foreign.pk])
    assert client_for(lead).post(url).status_code == 403
    assert client_for(lead).post(reverse("funding:pb_officer_withdraw", args=[pb_round.pk, 999999])).status_code == 403
    foreign.refresh_from_db()
    assert foreign.withdrawn_at is None
    for name in ("funding:pb_paper", "funding:pb_numbers", "funding:pb_numbers_csv"):
        assert client_for(officer).get(reverse(name, args=[999999])).status_code == 403
    assert client_for(officer).get(reverse("funding:pb_numbers", args=[other.pk])).status_code == 403  # not its officer
    numbers = client_for(officer).get(reverse("funding:pb_numbers", args=[pb_round.pk]))
    assert "no-store" in numbers["Cache-Control"]


# --- the register of numbers ----------------------------------------------------------------


def test_a_ballot_number_works_once_and_its_variants_are_already_used(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, projects, officer, numbers = _officer_round(big_world)
    number = numbers[0]
    shown = number_display(number)
    response = _post_paper(officer, pb_round, projects, number=shown, reference="EA-1")
    assert response.status_code == 302
    variants = (shown.lower(), f"{shown[:5]}\u2010{shown[6:]}", f"{shown[:5]}\u2013{shown[6:]}", f" {shown[:5]} {shown[6:]} ",
                "0" + number, "".join(chr(ord(c) + 0xFEE0) for c in number))
    for n, variant in enumerate(variants):
        with pytest.raises(ValidationProblem, match=re.escape(ERROR_NUMBER_USED.format(number=shown))) as excinfo:
            pb_voting.pb_paper_ballot(pb_round=pb_round, ballot_number=variant, register_reference=f"EA-{n + 10}",
                                      choices={projects[1].pk: 1}, actor=officer)
        assert excinfo.value.problems == {"ballot_number": ERROR_NUMBER_USED.format(number=shown)}, variant
    page = _post_paper(officer, pb_round, projects, number=shown.lower(), reference="EA-2")
    assert page.status_code == 400 and ERROR_NUMBER_USED.format(number=shown) in page.content.decode()
    assert PbBallot.objects.filter(round=pb_round).count() == 1
    assert PbVoterMark.objects.filter(round=pb_round).count() == 1  # refused ballots leave no mark


def test_the_reviews_fabricated_references_are_all_refused(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    """Even the round's own officer cannot key a ballot whose number was never issued."""
    pb_round, projects, officer, _ = _officer_round(big_world)
    for n, reference in enumerate(ATTACK_REFERENCES):
        response = _post_paper(officer, pb_round, projects, number=reference, reference=f"EA-{n + 1}")
        assert response.status_code == 400, reference
    assert PbBallot.objects.filter(round=pb_round).count() == 0


def test_an_unissued_number_is_refused(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, projects, officer, _ = _officer_round(big_world)
    other, _ = make_round(big_world)
    (foreign,) = pb_voting.pb_ballot_numbers_issue(pb_round=other, count=1, actor=big_world["users"]["lead"])
    payload = "7K3QM9XCT"
    well_formed = payload + luhn_mod_n_check(payload, ALPHABET)
    assert not PbBallotNumber.objects.filter(number=well_formed).exists()
    for typed in (well_formed, foreign.number):  # never issued; issued for another round
        with pytest.raises(ValidationProblem, match=re.escape(ERROR_NUMBER_UNISSUED.format(number=number_display(typed)))) as excinfo:
            pb_voting.pb_paper_ballot(pb_round=pb_round, ballot_number=typed, register_reference="EA-1",
                                      choices={projects[0].pk: 1}, actor=officer)
        assert excinfo.value.problems == {"ballot_number": ERROR_NUMBER_UNISSUED.format(number=number_display(typed))}
    assert PbBallot.objects.filter(round=pb_round).count() == 0


def test_issuing_is_audited_and_the_register_prints(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, _, officer, numbers = _officer_round(big_world)
    lead = big_world["users"]["lead"]
    entry = AuditEntry.objects.get(action="funding.pb_ballot_numbers_issue")
    assert entry.actor_id == lead.pk and entry.data["count"] == 5 and entry.data["batch"] == 1
    import hashlib

    assert entry.data["numbers_sha256"] == hashlib.sha256("\n".join(numbers).encode()).hexdigest()
    page = client_for(officer).get(reverse("funding:pb_numbers", args=[pb_round.pk])).content.decode()
    assert numbers and all(number_display(n) in page for n in numbers)
    assert "Issue ballot numbers" not in page  # officers print; managers issue
    csv_text = client_for(officer).get(reverse("funding:pb_numbers_csv", args=[pb_round.pk])).content.decode()
    assert csv_text.splitlines() == ["round,batch,ballot_number", *(f"{pb_round.pk},1,{number_display(n)}" for n in numbers)]
    response = client_for(lead).post(reverse("funding:pb_numbers_issue", args=[pb_round.pk]), {"count": "3"})
    assert response.status_code == 302 and PbBallotNumber.objects.filter(round=pb_round, batch=2).count() == 3
    response = client_for(lead).post(reverse("funding:pb_numbers_issue", args=[pb_round.pk]), {"count": "0"})
    assert response.status_code == 400
    assert client_for(officer).post(reverse("funding:pb_numbers_issue", args=[pb_round.pk]), {"count": "3"}).status_code == 403


# --- audit ----------------------------------------------------------------------------------


def test_an_officers_entries_are_audited_without_the_voter(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, projects, officer, numbers = _officer_round(big_world)
    ballot = pb_voting.pb_paper_ballot(pb_round=pb_round, ballot_number=number_display(numbers[2]).lower(),
                                       register_reference="EA-0042", choices={projects[0].pk: 1, projects[3].pk: 1},
                                       actor=officer)
    entry = AuditEntry.objects.get(action="funding.pb_paper_ballot")
    assert entry.actor_id == officer.pk
    assert entry.data == {"round": pb_round.pk, "ballot_number": numbers[2], "officer": officer.pk}
    assert entry.object_id == str(ballot.pk)
    # no voter reference (the equality above already shows every key; ids may contain "42")
    assert "EA-0042" not in str(entry.data).upper() and "register" not in str(entry.data)
    assert ballot.keyed_by == officer and ballot.paper_number.number == numbers[2]


def test_refused_entries_that_may_be_box_stuffing_are_audited(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, projects, officer, numbers = _officer_round(big_world)
    payload = "7K3QM9XCT"
    unissued = payload + luhn_mod_n_check(payload, ALPHABET)
    attempts = (
        (officer, numbers[0], "EA-1", None),
        (officer, numbers[0], "EA-2", "number_used"),
        (officer, unissued, "EA-3", "number_unissued"),
        (officer, numbers[1], "ea 01", "voter_already_voted"),
        (big_world["users"]["provider"], numbers[2], "EA-4", "not_officer"),
    )
    for actor, number, reference, reason in attempts:
        try:
            pb_voting.pb_paper_ballot(pb_round=pb_round, ballot_number=number, register_reference=reference,
                                      choices={projects[0].pk: 1}, actor=actor)
        except ValidationProblem:
            assert reason is not None
    refused = AuditEntry.objects.filter(action="funding.pb_paper_refused").order_by("id")
    assert [(e.actor_id, e.data["reason"], e.data["ballot_number"]) for e in refused] == [
        (a.pk, reason, number) for a, number, _, reason in attempts[1:]]
    assert refused.exists() and all("EA" not in str(e.data) for e in refused)
    assert PbBallot.objects.filter(round=pb_round).count() == 1


def test_the_count_records_the_rounds_ballot_account(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, projects, officer, numbers = _officer_round(big_world)
    pb.pb_vote(pb_round=pb_round, actor=big_world["users"]["resident"], choices={projects[0].pk: 1})
    for n, number in enumerate(numbers[:2]):
        pb_voting.pb_paper_ballot(pb_round=pb_round, ballot_number=number, register_reference=f"EA-{n}",
                                  choices={projects[1].pk: 1}, actor=officer)
    pb.pb_count(pb_round=pb_round, actor=big_world["users"]["lead"])
    entry = AuditEntry.objects.get(action="funding.pb_result")
    assert entry.data["ballot_account"] == {"online": 1, "paper": 2, "marks": 3, "numbers_issued": 5, "numbers_unused": 3}
    assert entry.data["voters"] == 3


# --- one voter register across channels ---------------------------------------------------


def test_an_online_voter_cannot_vote_on_paper(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, projects, officer, numbers = _officer_round(big_world)
    resident = big_world["users"]["resident"]  # matched to TS-1 by make_round
    pb.pb_vote(pb_round=pb_round, actor=resident, choices={projects[0].pk: 1})
    for n, typed in enumerate(("TS-1", "ts 0001", "TS\u20101")):
        with pytest.raises(ValidationProblem, match=re.escape(ERROR_REFERENCE_VOTED.format(reference="TS1"))) as excinfo:
            pb_voting.pb_paper_ballot(pb_round=pb_round, ballot_number=numbers[n], register_reference=typed,
                                      choices={projects[1].pk: 1}, actor=officer)
        assert excinfo.value.problems == {"register_reference": ERROR_REFERENCE_VOTED.format(reference="TS1")}
    assert PbBallot.objects.filter(round=pb_round).count() == 1


def test_a_paper_voter_cannot_vote_online(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, projects, officer, numbers = _officer_round(big_world)
    resident2 = big_world["users"]["resident2"]  # matched to TS-2 by make_round
    pb_voting.pb_paper_ballot(pb_round=pb_round, ballot_number=numbers[0], register_reference="ts-02",
                              choices={projects[1].pk: 1}, actor=officer)
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_ALREADY_VOTED)) as excinfo:
        pb.pb_vote(pb_round=pb_round, actor=resident2, choices={projects[0].pk: 1})
    assert excinfo.value.problems == {"__all__": ERROR_ALREADY_VOTED}
    page = client_for(resident2).get(reverse("funding:pb_vote", args=[pb_round.pk])).content.decode()
    assert "already voted" in page
    # Someone who voted on paper before their account was matched is caught the same way.
    pb_voting.pb_paper_ballot(pb_round=pb_round, ballot_number=numbers[1], register_reference="NEW-7",
                              choices={projects[1].pk: 1}, actor=officer)
    from seedbed.accounts.services import membership_grant, person_create

    late = person_create(username="late", email="late@example.org", display_name="Late", password="a-long-test-password-1")
    membership_grant(user=late, organisation=big_world["council"], role="resident")
    pb_voting.pb_elector_record(user=late, register_reference="new 0007", actor=big_world["users"]["lead"])
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_ALREADY_VOTED)):
        pb.pb_vote(pb_round=pb_round, actor=late, choices={projects[0].pk: 1})
    assert PbBallot.objects.filter(round=pb_round).count() == 2


def test_an_unmatched_resident_cannot_vote_online(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from seedbed.accounts.services import membership_grant, person_create

    pb_round, projects = make_round(big_world)
    fresh = person_create(username="fresh", email="fresh@example.org", display_name="Fresh", password="a-long-test-password-1")
    membership_grant(user=fresh, organisation=big_world["council"], role="resident")
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_NOT_ON_REGISTER)) as excinfo:
        pb.pb_vote(pb_round=pb_round, actor=fresh, choices={projects[0].pk: 1})
    assert excinfo.value.problems == {"__all__": ERROR_NOT_ON_REGISTER}
    assert escape(ERROR_NOT_ON_REGISTER) in client_for(fresh).get(reverse("funding:pb_vote", args=[pb_round.pk])).content.decode()
    # A manager matches the account through the page; then the resident can vote.
    response = client_for(big_world["users"]["lead"]).post(reverse("funding:pb_electors"),
                                                          {"email": "FRESH@example.org", "register_reference": "EA-555"})
    assert response.status_code == 302
    pb.pb_vote(pb_round=pb_round, actor=fresh, choices={projects[0].pk: 1})
    assert AuditEntry.objects.filter(action="funding.pb_elector_record", data__user=fresh.pk).exists()
    # A reference belongs to one account.
    response = client_for(big_world["users"]["lead"]).post(reverse("funding:pb_electors"),
                                                          {"email": "resident2@example.org", "register_reference": "ea 0555"})
    assert response.status_code == 400


def test_the_database_holds_the_rules_without_the_service(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, _, _, numbers = _officer_round(big_world)
    resident = big_world["users"]["resident"]
    PbVoterMark.objects.create(round=pb_round, voter=resident, reference="TS1", channel="online", marked_on="2026-12-02")
    # Each refused by its own constraint (named as SQLite and PostgreSQL both report it).
    for duplicate, violated in (({"reference": "TS1", "channel": "paper"}, "reference"),
                                ({"voter": resident, "reference": "", "channel": "paper"}, "voter_id"),
                                ({"voter": None, "reference": "", "channel": "paper"}, "pb_mark_names_someone")):
        with pytest.raises(IntegrityError, match=violated), transaction.atomic():
            PbVoterMark.objects.create(round=pb_round, marked_on="2026-12-02", **duplicate)
    issued = PbBallotNumber.objects.get(round=pb_round, number=numbers[0])
    PbBallot.objects.create(round=pb_round, channel="paper", paper_number=issued)
    with pytest.raises(IntegrityError, match="paper_number_id"), transaction.atomic():
        PbBallot.objects.create(round=pb_round, channel="paper", paper_number=issued)
    with pytest.raises(IntegrityError, match="pb_ballot_channel_consistent"), transaction.atomic():
        PbBallot.objects.create(round=pb_round, channel="paper")  # a paper ballot needs its number
    with pytest.raises(IntegrityError, match=r"round_id, (funding_pbballotnumber\.)?number"), transaction.atomic():
        PbBallotNumber.objects.create(round=pb_round, number=numbers[1], batch=9)


# --- concurrency -----------------------------------------------------------------------------


def _race(count: int, action) -> list[object]:  # type: ignore[no-untyped-def]
    results: list[object] = []
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results.append(action(i))
        except BaseException as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_one_number_and_one_voter_under_concurrent_requests() -> None:
    world = build_world()
    world["fund"].total = Decimal("100000")
    world["fund"].save()
    pb_round, projects, officer, numbers = _officer_round(world)
    # Six officers' requests with the same number (written differently), different voters.
    shown = number_display(numbers[0])
    forms_of_number = [shown, shown.lower(), numbers[0], "0" + numbers[0], f"{shown[:5]}\u2010{shown[6:]}", f" {shown} "]
    results = _race(6, lambda i: pb_voting.pb_paper_ballot(
        pb_round=pb_round, ballot_number=forms_of_number[i], register_reference=f"C-{i}", choices={projects[0].pk: 1},
        actor=officer))
    assert sum(isinstance(r, PbBallot) for r in results) == 1, results
    assert sum(isinstance(r, ValidationProblem) for r in results) == 5, results
    # The same voter online and on paper at once: one wins.
    resident = world["users"]["resident"]  # TS-1
    results = _race(4, lambda i: pb.pb_vote(pb_round=pb_round, actor=resident, choices={projects[0].pk: 1}) if i % 2
                    else pb_voting.pb_paper_ballot(pb_round=pb_round, ballot_number=numbers[1 + i // 2],
                                                   register_reference="TS-1", choices={projects[0].pk: 1}, actor=officer))
    assert sum(isinstance(r, PbBallot) for r in results) == 1, results
    assert sum(isinstance(r, ValidationProblem) for r in results) == 3, results
    assert PbBallot.objects.filter(round=pb_round).count() == 2


# --- every role, every changing PB paper URL (the GET side is in the access walk table) -------

PB_CHANGES = {
    # url name: (roles allowed, kwargs, form data)
    "funding:pb_paper": ({"frontline"}, lambda r, o: {"round_id": r.pk},
                         {"ballot_number": "7K3QM-9XCTA", "register_reference": "EA-1"}),
    "funding:pb_numbers_issue": ({"lead", "admin"}, lambda r, o: {"round_id": r.pk}, {"count": "2"}),
    "funding:pb_officer_assign": ({"lead", "admin"}, lambda r, o: {"round_id": r.pk}, {"officer-user": "1"}),
    "funding:pb_officer_withdraw": ({"lead", "admin"}, lambda r, o: {"round_id": r.pk, "officer_id": o.pk}, {}),
    "funding:pb_electors": ({"lead", "admin"}, lambda r, o: {}, {"email": "nobody@example.org", "register_reference": "EA-9"}),
}


@pytest.mark.parametrize("role", ["anonymous", "resident", "frontline", "lead", "panel", "analyst", "safety", "admin",
                                  "provider"])
def test_every_role_posting_to_every_paper_ballot_url(role, client_as, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.models import PbRound

    pb_round = PbRound.objects.get()
    officer = PbOfficer.objects.get(round=pb_round)
    ballots = PbBallot.objects.count()
    failures = []
    for name, (allowed, kwargs_for, data) in PB_CHANGES.items():
        response = client_as(role).post(reverse(name, kwargs=kwargs_for(pb_round, officer)), data)
        if role == "anonymous":
            ok = response.status_code == 302 and "/sign-in/" in response["Location"]
        elif role in allowed:
            ok = response.status_code in (200, 302, 400)
        else:
            ok = response.status_code == 403
        if not ok:
            failures.append(f"{name}: {response.status_code}")
    assert not failures, f"as {role}: {failures}"
    assert PbBallot.objects.count() == ballots  # the demo round is counted: nobody adds a ballot


def test_the_demo_round_has_an_officer_and_a_printed_register(demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.demo.funding import PAPER_BALLOTS, PB_NUMBERS_ISSUED
    from seedbed.funding.models import PbRound

    pb_round = PbRound.objects.get()
    officer = PbOfficer.objects.get(round=pb_round, withdrawn_at__isnull=True)
    assert officer.user == demo_world["users"]["frontline"]
    assert pb_round.ballot_numbers.count() == PB_NUMBERS_ISSUED
    paper = PbBallot.objects.filter(round=pb_round, channel="paper")
    assert paper.count() == len(PAPER_BALLOTS) and all(b.paper_number_id and b.keyed_by == officer.user for b in paper)
    assert AuditEntry.objects.filter(action="funding.pb_paper_ballot", actor_id=officer.user_id).count() == len(PAPER_BALLOTS)
    assert PbVoterMark.objects.filter(round=pb_round).count() == len(PAPER_BALLOTS) + 1  # and the online resident


def test_row_order_and_time_cannot_pair_a_voter_with_their_ballot(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    """Separate eligibility from the ballot: a ballot names no voter and keeps no time, and the
    ids of marks, ballots and choices are random, so sorting them does not pair them up."""
    from seedbed.accounts.services import membership_grant, person_create

    pb_round, projects = make_round(big_world)
    lead = big_world["users"]["lead"]
    subsets = [(0,), (1,), (2,), (3,), (0, 1), (0, 2), (0, 3), (1, 2)]  # every ballot different
    truth = {}
    for n, subset in enumerate(subsets):
        voter = person_create(username=f"v{n}", email=f"v{n}@example.org", display_name=f"Voter {n}",
                              password="a-long-test-password-1")
        membership_grant(user=voter, organisation=big_world["council"], role="resident")
        pb_voting.pb_elector_record(user=voter, register_reference=f"OR-{n}", actor=lead)
        pb.pb_vote(pb_round=pb_round, actor=voter, choices={projects[i].pk: 1 for i in subset})
        truth[voter.pk] = frozenset(projects[i].pk for i in subset)
    marks = [m.voter_id for m in PbVoterMark.objects.filter(round=pb_round).order_by("pk")]
    ballots = [frozenset(c.project_id for c in b.choices.all()) for b in PbBallot.objects.filter(round=pb_round).order_by("pk")]
    assert sorted(map(sorted, ballots)) == sorted(map(sorted, truth.values()))
    # Pairing the k-th mark with the k-th ballot recovers every vote with chance 1/8! (1 in 40,320).
    assert [truth[v] for v in marks] != ballots
    ballot_fields = {f.name for f in PbBallot._meta.get_fields()}
    assert "voter" not in ballot_fields and "created_at" not in ballot_fields
    mark = PbVoterMark.objects.filter(round=pb_round).first()
    assert not hasattr(mark, "marked_at") and mark.marked_on is not None
    stored = list(PbBallot.objects.filter(round=pb_round))
    assert stored and all(b.pk >= 2**32 for b in stored)


# --- invariant: whatever is tried, one vote per person and one ballot per number -------------

ATTEMPTS = st.lists(st.tuples(
    st.sampled_from(["online", "paper"]),
    st.integers(min_value=0, max_value=3),   # which person (residents 0-1 have accounts; 2-3 paper only)
    st.integers(min_value=0, max_value=3),   # which ballot number
    st.sampled_from(["plain", "lower", "hyphen", "zero"]),  # how the number and reference are written
), min_size=1, max_size=12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts=ATTEMPTS)
def test_whatever_is_tried_each_person_votes_once_and_each_number_is_used_once(big_world, attempts) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    lead, officer = big_world["users"]["lead"], big_world["users"]["panel"]
    residents = [big_world["users"]["resident"], big_world["users"]["resident2"]]  # TS-1, TS-2
    references = ["TS-1", "TS-2", "PO-3", "PO-4"]
    with transaction.atomic():
        pb_round, projects = make_round(big_world)
        pb_voting.pb_officer_assign(pb_round=pb_round, user=officer, actor=lead)
        numbers = [n.number for n in pb_voting.pb_ballot_numbers_issue(pb_round=pb_round, count=4, actor=lead)]
        accepted_people, accepted_numbers = set(), set()
        for channel, person, which, style in attempts:
            number, reference = number_display(numbers[which]), references[person]
            written = {"plain": (number, reference), "lower": (number.lower(), reference.lower()),
                       "hyphen": (number.replace("-", "\u2010"), reference.replace("-", "\u2011")),
                       "zero": ("0" + number, reference.replace("-", "-0"))}[style]
            try:
                if channel == "online":
                    if person >= 2:
                        continue
                    pb.pb_vote(pb_round=pb_round, actor=residents[person], choices={projects[0].pk: 1})
                else:
                    pb_voting.pb_paper_ballot(pb_round=pb_round, ballot_number=written[0], register_reference=written[1],
                                              choices={projects[1].pk: 1}, actor=officer)
            except ValidationProblem:
                assert person in accepted_people or (channel == "paper" and which in accepted_numbers)
                continue
            assert person not in accepted_people
            accepted_people.add(person)
            if channel == "paper":
                assert which not in accepted_numbers
                accepted_numbers.add(which)
        assert PbBallot.objects.filter(round=pb_round).count() == len(accepted_people)
        assert PbVoterMark.objects.filter(round=pb_round).count() == len(accepted_people)
        assert PbBallot.objects.filter(round=pb_round, channel="paper").count() == len(accepted_numbers)
        transaction.set_rollback(True)
