"""Participatory-budgeting voting: online ballots, paper ballots keyed in by the round's ballot
officers against a register of issued numbers, and one voter register across both channels.

The voter register (``PbVoterMark``) is keyed by the council's register reference: a resident
votes online only once their account is matched to a reference (``pb_elector_record``), and
a paper ballot names its voter by the same reference, so the database's unique constraints on
(round, reference) and (round, account) refuse a second vote whichever channel it comes by.
Ballots themselves name no voter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from seedbed.accounts.models import Membership, Role, User
from seedbed.core.access import council_staff_users
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.funding import selectors
from seedbed.funding.models import (
    PbBallot,
    PbBallotNumber,
    PbChoice,
    PbElector,
    PbOfficer,
    PbProject,
    PbRound,
    PbVoterMark,
)
from seedbed.funding.rules import (
    NumberProblem,
    number_display,
    number_generate,
    number_normalise,
    reference_normalise,
)

ERROR_NOT_VOTING = "Voting is not open in this round"
ERROR_ALREADY_VOTED = "You have already voted in this round"
ERROR_NOT_VERIFIED = "Only verified residents can vote online"
ERROR_NOT_ON_REGISTER = (
    "Your account has not been matched to the council's register yet, so you cannot vote online. "
    "Ask the council to match it, or vote on paper"
)
ERROR_CHOICES = "Choose between {low} and {high} projects"
ERROR_KNAPSACK = "Your choices cost {cost}, more than the budget of {budget}"
ERROR_POINTS = "Share out at most {points} points, and give each chosen project at least 1"
ERROR_UNKNOWN_PROJECT = "Choose only projects on this ballot"
ERROR_EMPTY = "Choose at least one project"

ERROR_NOT_OFFICER = "Only the round's assigned ballot officers can key in paper ballots"
ERROR_NUMBER_UNISSUED = "Ballot number {number} was not issued for this round"
ERROR_NUMBER_USED = "Ballot number {number} has already been keyed in"
ERROR_REFERENCE_VOTED = "The voter with register reference {reference} has already voted in this round"

ERROR_OFFICER_NOT_STAFF = "Only council staff and partners can be ballot officers"
ERROR_OFFICER_SELF = "A funding manager cannot name themselves ballot officer; ask another manager"
ERROR_OFFICER_ALREADY = "{name} is already a ballot officer for this round"
ERROR_OFFICER_WITHDRAWN = "This assignment has already been withdrawn"
ERROR_ROUND_COUNTED = "This round has been counted; its officers and ballot numbers can no longer change"

MAX_ISSUE = 2000
MAX_NUMBERS_PER_ROUND = 50000
ERROR_ISSUE_COUNT = "Issue between 1 and {most} ballot numbers at a time"
ERROR_ISSUE_TOTAL = "A round can have at most {most} ballot numbers"

ERROR_ELECTOR_NOT_RESIDENT = "Only a verified resident's account can be matched to the register"
ERROR_ELECTOR_MATCHED = "This account is already matched to a register reference"
ERROR_ELECTOR_TAKEN = "That register reference is already matched to another account"


# --- ballots -------------------------------------------------------------------------------


def _checked_choices(pb_round: PbRound, choices: Mapping[int, int]) -> dict[int, int]:
    feasible = {p.pk: p for p in pb_round.projects.filter(feasibility=PbProject.Feasibility.FEASIBLE)}
    chosen = {int(k): int(v) for k, v in choices.items() if int(v) > 0}
    if not chosen:
        raise ValidationProblem({"choices": ERROR_EMPTY})
    if not set(chosen) <= set(feasible):
        raise ValidationProblem({"choices": ERROR_UNKNOWN_PROJECT})
    kind = pb_round.ballot_kind
    if kind == PbRound.Ballot.APPROVAL:
        if not pb_round.min_choices <= len(chosen) <= pb_round.max_choices:
            raise ValidationProblem({"choices": ERROR_CHOICES.format(low=pb_round.min_choices, high=pb_round.max_choices)})
        return dict.fromkeys(chosen, 1)
    if kind == PbRound.Ballot.KNAPSACK:
        cost = sum((feasible[p].cost for p in chosen), Decimal(0))
        if cost > pb_round.budget:
            raise ValidationProblem({"choices": ERROR_KNAPSACK.format(cost=cost, budget=pb_round.budget)})
        return dict.fromkeys(chosen, 1)
    if sum(chosen.values()) > pb_round.points:
        raise ValidationProblem({"choices": ERROR_POINTS.format(points=pb_round.points)})
    return chosen


def _locked_voting_round(pb_round: PbRound) -> PbRound:
    locked = PbRound.objects.select_for_update().get(pk=pb_round.pk)
    if locked.status != PbRound.Status.VOTING:
        raise ValidationProblem({"__all__": ERROR_NOT_VOTING})
    return locked


def _mark(pb_round: PbRound, *, voter: Any, reference: str, channel: str, problem: dict[str, str]) -> PbVoterMark:
    """Mark the register (one mark per account and per reference in a round, in either channel)."""
    taken = Q(reference=reference) if reference else Q(pk__in=[])
    if voter is not None:
        taken |= Q(voter=voter)
    if PbVoterMark.objects.filter(taken, round=pb_round).exists():
        raise ValidationProblem(problem)
    try:
        with transaction.atomic():
            return PbVoterMark.objects.create(round=pb_round, voter=voter, reference=reference, channel=channel,
                                              marked_on=timezone.localdate())
    except IntegrityError:
        raise ValidationProblem(problem) from None


def _choices_save(ballot: PbBallot, checked: dict[int, int]) -> None:
    PbChoice.objects.bulk_create([PbChoice(ballot=ballot, project_id=p, points=v) for p, v in checked.items()])


def pb_vote(*, pb_round: PbRound, actor: User, choices: Mapping[int, int]) -> PbBallot:
    """A verified resident's (``actor``'s) online ballot, once per round across both channels.

    The resident's account must be matched to a register reference; the register is marked
    with the account and the reference, and the ballot itself names nobody. A row lock on the
    round and the register's unique constraints make a second vote impossible even under
    concurrent requests. ``choices`` maps project id to points (1 for approval and knapsack).
    """
    if not Membership.objects.filter(user=actor, role=Role.RESIDENT).exists():
        raise ValidationProblem({"__all__": ERROR_NOT_VERIFIED})
    elector = PbElector.objects.filter(user=actor).first()
    if elector is None:
        raise ValidationProblem({"__all__": ERROR_NOT_ON_REGISTER})
    with transaction.atomic():
        locked = _locked_voting_round(pb_round)
        checked = _checked_choices(locked, choices)
        _mark(locked, voter=actor, reference=elector.reference, channel=PbVoterMark.Channel.ONLINE,
              problem={"__all__": ERROR_ALREADY_VOTED})
        ballot = PbBallot.objects.create(round=locked, channel=PbBallot.Channel.ONLINE)
        _choices_save(ballot, checked)
    return ballot


def pb_paper_ballot(*, pb_round: PbRound, ballot_number: str, register_reference: str, choices: Mapping[int, int],
                    actor: User) -> PbBallot:
    """A paper ballot keyed in by one of the round's assigned ballot officers.

    ``ballot_number`` must be a number issued for this round and not yet used (variants of one
    number are the same number); ``register_reference`` names the voter on the council's
    register, who must not have voted in this round by either channel. The entry is audited
    with the officer, the ballot number and the round; the voter's reference is not written
    to the audit log, so the log does not tie a person to a ballot.
    """
    problems: dict[str, str] = {}
    number = reference = ""
    try:
        number = number_normalise(ballot_number)
    except NumberProblem as problem:
        problems["ballot_number"] = str(problem)
    try:
        reference = reference_normalise(register_reference)
    except NumberProblem as problem:
        problems["register_reference"] = str(problem)
    if problems:
        raise ValidationProblem(problems)
    try:
        return _paper_ballot_save(pb_round, number, reference, choices, actor)
    except ValidationProblem as problem:
        reason = _refusal_reason(problem, number)
        if reason:
            # A refusal that may be an attempt to stuff the box stays on the record, written
            # after the refused ballot's own transaction has rolled back.
            audit_append(action="funding.pb_paper_refused", actor=actor, obj=pb_round,
                         data={"round": pb_round.pk, "ballot_number": number, "reason": reason})
        raise


def _refusal_reason(problem: ValidationProblem, number: str) -> str | None:
    shown = number_display(number)
    reasons = {
        ("__all__", ERROR_NOT_OFFICER): "not_officer",
        ("ballot_number", ERROR_NUMBER_UNISSUED.format(number=shown)): "number_unissued",
        ("ballot_number", ERROR_NUMBER_USED.format(number=shown)): "number_used",
    }
    for key, message in problem.problems.items():
        if (key, message) in reasons:
            return reasons[(key, message)]
        if key == "register_reference":
            return "voter_already_voted"
    return None


def _paper_ballot_save(pb_round: PbRound, number: str, reference: str, choices: Mapping[int, int], actor: User) -> PbBallot:
    shown = number_display(number)
    with transaction.atomic():
        locked = _locked_voting_round(pb_round)
        if not selectors.is_pb_officer(pb_round=locked, user=actor):
            raise ValidationProblem({"__all__": ERROR_NOT_OFFICER})
        checked = _checked_choices(locked, choices)
        issued = PbBallotNumber.objects.select_for_update().filter(round=locked, number=number).first()
        if issued is None:
            raise ValidationProblem({"ballot_number": ERROR_NUMBER_UNISSUED.format(number=shown)})
        if PbBallot.objects.filter(paper_number=issued).exists():
            raise ValidationProblem({"ballot_number": ERROR_NUMBER_USED.format(number=shown)})
        elector = PbElector.objects.filter(reference=reference).select_related("user").first()
        _mark(locked, voter=elector.user if elector else None, reference=reference, channel=PbVoterMark.Channel.PAPER,
              problem={"register_reference": ERROR_REFERENCE_VOTED.format(reference=reference)})
        try:
            with transaction.atomic():
                ballot = PbBallot.objects.create(round=locked, channel=PbBallot.Channel.PAPER, paper_number=issued,
                                                 keyed_by=actor)
        except IntegrityError:
            raise ValidationProblem({"ballot_number": ERROR_NUMBER_USED.format(number=shown)}) from None
        _choices_save(ballot, checked)
        audit_append(action="funding.pb_paper_ballot", actor=actor, obj=ballot,
                     data={"round": locked.pk, "ballot_number": number, "officer": actor.pk})
    return ballot


# --- ballot officers -------------------------------------------------------------------------


def pb_officer_assign(*, pb_round: PbRound, user: Any, actor: User) -> PbOfficer:
    """Name a member of council staff or a partner body (never a provider's or community
    group's people, whatever their role there) as a ballot officer for this round (they may then key in its
    paper ballots and print its ballot numbers). Funding managers assign, never themselves, so
    the person who issues the numbers cannot alone also key ballots on them; audited."""
    if not council_staff_users().filter(pk=user.pk).exists():
        raise ValidationProblem({"user": ERROR_OFFICER_NOT_STAFF})
    if getattr(actor, "pk", None) == user.pk:
        raise ValidationProblem({"user": ERROR_OFFICER_SELF})
    with transaction.atomic():
        locked = PbRound.objects.select_for_update().get(pk=pb_round.pk)
        if locked.status == PbRound.Status.COUNTED:
            raise ValidationProblem({"__all__": ERROR_ROUND_COUNTED})
        if PbOfficer.objects.filter(round=locked, user=user, withdrawn_at__isnull=True).exists():
            raise ValidationProblem({"user": ERROR_OFFICER_ALREADY.format(name=user)})
        officer = PbOfficer.objects.create(round=locked, user=user, assigned_by=actor)
        audit_append(action="funding.pb_officer_assign", actor=actor, obj=officer,
                     data={"round": locked.pk, "officer": user.pk})
    return officer


def pb_officer_withdraw(*, officer: PbOfficer, actor: User) -> PbOfficer:
    """Withdraw a ballot officer's assignment (kept on record); audited."""
    with transaction.atomic():
        officer = PbOfficer.objects.select_for_update().get(pk=officer.pk)
        if officer.withdrawn_at is not None:
            raise ValidationProblem({"__all__": ERROR_OFFICER_WITHDRAWN})
        officer.withdrawn_at = timezone.now()
        officer.withdrawn_by = actor
        officer.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit_append(action="funding.pb_officer_withdraw", actor=actor, obj=officer,
                     data={"round": officer.round_id, "officer": officer.user_id})
    return officer


# --- the register of ballot numbers ----------------------------------------------------------


def pb_ballot_numbers_issue(*, pb_round: PbRound, count: int, actor: User) -> list[PbBallotNumber]:
    """Issue ``count`` fresh random ballot numbers for the round, as one numbered batch.

    Each number is 45 random bits and a check character (see ``funding.rules``),
    unique in the round. The audit entry records the batch, the count and a SHA-256 digest of
    the batch's numbers in order, so a printed list can later be checked against it.
    """
    if not 1 <= count <= MAX_ISSUE:
        raise ValidationProblem({"count": ERROR_ISSUE_COUNT.format(most=MAX_ISSUE)})
    with transaction.atomic():
        locked = PbRound.objects.select_for_update().get(pk=pb_round.pk)
        if locked.status == PbRound.Status.COUNTED:
            raise ValidationProblem({"__all__": ERROR_ROUND_COUNTED})
        existing = set(PbBallotNumber.objects.filter(round=locked).values_list("number", flat=True))
        if len(existing) + count > MAX_NUMBERS_PER_ROUND:
            raise ValidationProblem({"count": ERROR_ISSUE_TOTAL.format(most=MAX_NUMBERS_PER_ROUND)})
        batch = (PbBallotNumber.objects.filter(round=locked).aggregate(m=Max("batch"))["m"] or 0) + 1
        fresh: list[str] = []
        while len(fresh) < count:
            number = number_generate()
            if number not in existing:
                existing.add(number)
                fresh.append(number)
        issued = PbBallotNumber.objects.bulk_create(
            [PbBallotNumber(round=locked, number=n, batch=batch, issued_by=actor) for n in fresh])
        audit_append(action="funding.pb_ballot_numbers_issue", actor=actor, obj=locked,
                     data={"round": locked.pk, "batch": batch, "count": count,
                           "numbers_sha256": hashlib.sha256("\n".join(fresh).encode()).hexdigest()})
    return issued


# --- matching residents' accounts to the council's register ----------------------------------


def pb_elector_record(*, user: Any, register_reference: str, actor: User) -> PbElector:
    """Match a verified resident's account to their reference on the council's register (once).

    From then on the resident's online vote and any paper ballot naming that reference are the
    same voter. The audit entry names the account, not the reference.
    """
    try:
        reference = reference_normalise(register_reference)
    except NumberProblem as problem:
        raise ValidationProblem({"register_reference": str(problem)}) from None
    if not Membership.objects.filter(user=user, role=Role.RESIDENT).exists():
        raise ValidationProblem({"user": ERROR_ELECTOR_NOT_RESIDENT})
    with transaction.atomic():
        if PbElector.objects.filter(user=user).exists():
            raise ValidationProblem({"user": ERROR_ELECTOR_MATCHED})
        if PbElector.objects.filter(reference=reference).exists():
            raise ValidationProblem({"register_reference": ERROR_ELECTOR_TAKEN})
        try:
            with transaction.atomic():
                elector = PbElector.objects.create(user=user, reference=reference, recorded_by=actor)
        except IntegrityError:
            raise ValidationProblem({"register_reference": ERROR_ELECTOR_TAKEN}) from None
        audit_append(action="funding.pb_elector_record", actor=actor, obj=elector, data={"user": user.pk})
    return elector
