"""Ballots made before ids were random cannot be paired with their voters by id order: the
migration gives every old mark, ballot and choice a fresh random id, keeping the ballots (and
so the result) exactly as they were. Ballot rows hold nothing that names or dates a voter."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection

import seedbed.pb as pb_engine
from seedbed.funding import selectors
from seedbed.funding.models import PbBallot, PbChoice, PbVoterMark
from seedbed.funding.services import pb, pb_voting
from tests.funding.test_pb import big_world, make_round  # noqa: F401  (fixture)

renumbering = importlib.import_module("seedbed.funding.migrations.0006_pb_rows_renumbered")
SUBSETS = [(0,), (1,), (2,), (3,), (0, 1), (0, 2), (0, 3), (1, 2)]  # every ballot different


def _vote_all(world, pb_round, projects) -> dict[int, frozenset[int]]:  # type: ignore[no-untyped-def]
    from seedbed.accounts.services import membership_grant, person_create

    truth = {}
    for n, subset in enumerate(SUBSETS):
        voter = person_create(username=f"w{n}", email=f"w{n}@example.org", display_name=f"Voter {n}",
                              password="a-long-test-password-1")
        membership_grant(user=voter, organisation=world["council"], role="resident")
        pb_voting.pb_elector_record(user=voter, register_reference=f"OLD-{n}", actor=world["users"]["lead"])
        pb.pb_vote(pb_round=pb_round, actor=voter, choices={projects[i].pk: 1 for i in subset})
        truth[voter.pk] = frozenset(projects[i].pk for i in subset)
    return truth


def _as_before_random_ids(pb_round, truth) -> None:  # type: ignore[no-untyped-def]
    """Rewrite the rows as migration 0002 left them: mark k and ballot k (by id) the same
    person's, with sequential ids."""
    by_choices = {frozenset(c.project_id for c in b.choices.all()): b.pk for b in PbBallot.objects.filter(round=pb_round)}
    marks = {m.voter_id: m.pk for m in PbVoterMark.objects.filter(round=pb_round)}
    with connection.constraint_checks_disabled():
        for k, (voter_id, choices) in enumerate(truth.items(), start=1):
            PbVoterMark.objects.filter(pk=marks[voter_id]).update(id=k)
            PbBallot.objects.filter(pk=by_choices[choices]).update(id=k)
            PbChoice.objects.filter(ballot_id=by_choices[choices]).update(ballot_id=k)
        for k, choice_id in enumerate(PbChoice.objects.filter(ballot__round=pb_round).order_by("ballot_id").values_list("pk", flat=True), start=1):
            PbChoice.objects.filter(pk=choice_id).update(id=k)


def _paired_by_order(pb_round, truth) -> bool:  # type: ignore[no-untyped-def]
    marks = [m.voter_id for m in PbVoterMark.objects.filter(round=pb_round).order_by("pk")]
    ballots = [frozenset(c.project_id for c in b.choices.all()) for b in PbBallot.objects.filter(round=pb_round).order_by("pk")]
    return [truth[v] for v in marks] == ballots


@pytest.mark.django_db
def test_old_rows_get_random_ids_and_no_longer_pair_a_voter_with_a_ballot(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    pb_round, projects = make_round(big_world)
    truth = _vote_all(big_world, pb_round, projects)
    _as_before_random_ids(pb_round, truth)
    assert _paired_by_order(pb_round, truth)  # the leak in data migrated by 0002
    election_before = selectors.pb_election(pb_round=pb_round)
    outcome_before = pb_engine.count(election_before, rule=pb_round.rule)

    renumbering._renumber(apps, None)

    for model in (PbVoterMark, PbBallot, PbChoice):
        renumbered = list(model.objects.values_list("pk", flat=True))
        assert renumbered and all(pk >= 2**32 for pk in renumbered)
    # Pairing the k-th mark with the k-th ballot now recovers every vote with chance 1 in 8!.
    assert not _paired_by_order(pb_round, truth)
    ballots = sorted(sorted(c.project_id for c in b.choices.all()) for b in PbBallot.objects.filter(round=pb_round))
    assert ballots == sorted(sorted(s) for s in truth.values())
    assert PbVoterMark.objects.filter(round=pb_round).count() == len(truth)
    assert {m.voter_id for m in PbVoterMark.objects.filter(round=pb_round)} == set(truth)
    outcome_after = pb_engine.count(selectors.pb_election(pb_round=pb_round), rule=pb_round.rule)
    assert outcome_after.selected == outcome_before.selected and outcome_after.cost == outcome_before.cost
    # The register still says who has voted, so nobody votes twice; online ballots name nobody.
    user_model = apps.get_model("accounts", "User")
    assert truth and all(selectors.pb_has_voted(pb_round=pb_round, user=user_model.objects.get(pk=pk)) for pk in truth)
    assert not PbBallot.objects.filter(round=pb_round, channel="online", keyed_by__isnull=False).exists()


def test_no_ballot_or_choice_column_can_be_joined_to_a_person() -> None:
    """The ballot side has no column naming or dating a voter: the only person on a ballot is
    the officer who keyed a paper one (never set on an online ballot)."""
    from django.conf import settings as django_settings

    user_model = django_settings.AUTH_USER_MODEL.lower()
    for model in (PbBallot, PbChoice):
        people = [f.name for f in model._meta.concrete_fields
                  if f.is_relation and f.related_model._meta.label_lower == user_model]
        assert people == (["keyed_by"] if model is PbBallot else []), (model, people)
        kinds = {f.get_internal_type() for f in model._meta.concrete_fields}
        assert not kinds & {"DateTimeField", "DateField", "TimeField"}, model
        assert model._meta.pk.get_internal_type() == "BigIntegerField" and model._meta.pk.default is not None


def _system_column(table: str, column: str, where: str, params: list) -> dict[int, str]:  # type: ignore[type-arg]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {column}::text FROM {table} WHERE {where}", params)
        return dict(cursor.fetchall())


def _sort_key(column: str, text: str) -> tuple[int, ...]:
    if column == "ctid":
        page, item = text.strip("()").split(",")
        return int(page), int(item)
    return (int(text),)


def _paired_by_system_column(pb_round, truth, column: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether sorting marks and ballots by a PostgreSQL system column pairs each voter with
    their ballot (ties broken by the random id)."""
    marks = _system_column("funding_pbvotermark", column, "round_id = %s", [pb_round.pk])
    ballots = _system_column("funding_pbballot", column, "round_id = %s", [pb_round.pk])
    by_voter = {m.pk: m.voter_id for m in PbVoterMark.objects.filter(round=pb_round)}
    contents = {b.pk: frozenset(c.project_id for c in b.choices.all()) for b in PbBallot.objects.filter(round=pb_round)}
    mark_order = sorted(marks, key=lambda pk: (_sort_key(column, marks[pk]), pk))
    ballot_order = sorted(ballots, key=lambda pk: (_sort_key(column, ballots[pk]), pk))
    return [truth[by_voter[m]] for m in mark_order] == [contents[b] for b in ballot_order]


@pytest.mark.postgres
@pytest.mark.django_db
def test_after_the_count_no_ballot_pairs_with_a_mark_by_transaction_or_place_in_the_table(big_world) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    """PostgreSQL stamps each row with the transaction that wrote it (``xmin``) and keeps rows
    in the order written (``ctid``): a vote's mark and ballot are written together, so sorting
    by either pairs them. The count rewrites the round's ballot box in one transaction, in a
    shuffled order, so the record that stays pairs nothing (chance 1 in 8! of a coincidence)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL system columns")
    pb_round, projects = make_round(big_world)
    truth = _vote_all(big_world, pb_round, projects)
    assert _paired_by_system_column(pb_round, truth, "xmin") and _paired_by_system_column(pb_round, truth, "ctid")
    before = sorted(sorted(c.project_id for c in b.choices.all()) for b in PbBallot.objects.filter(round=pb_round))
    pb.pb_count(pb_round=pb_round, actor=big_world["users"]["lead"])
    assert not _paired_by_system_column(pb_round, truth, "xmin")
    assert not _paired_by_system_column(pb_round, truth, "ctid")
    ballots = _system_column("funding_pbballot", "xmin", "round_id = %s", [pb_round.pk])
    choices = _system_column("funding_pbchoice", "xmin",
                             "ballot_id IN (SELECT id FROM funding_pbballot WHERE round_id = %s)", [pb_round.pk])
    assert len(set(ballots.values()) | set(choices.values())) == 1
    assert sorted(sorted(c.project_id for c in b.choices.all()) for b in PbBallot.objects.filter(round=pb_round)) == before
