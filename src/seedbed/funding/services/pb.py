"""Participatory-budgeting rounds: projects, opening voting and the count (voting and paper
ballots are in ``pb_voting``).

The count goes through the ``seedbed.pb`` engine; this module only turns the round into an
engine ``Election`` and stores the engine's outcome and explanations.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.utils import timezone

from seedbed import pb
from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.funding import selectors
from seedbed.funding.models import (
    PB_RULES,
    Award,
    Call,
    Fund,
    PbBallot,
    PbChoice,
    PbProject,
    PbResult,
    PbRound,
)
from seedbed.funding.services.calls import call_create
from seedbed.funding.services.funds import fund_commit, fund_release
from seedbed.funding.services.pb_voting import (  # noqa: F401  (voting lives there; re-exported)
    ERROR_ALREADY_VOTED,
    ERROR_CHOICES,
    ERROR_EMPTY,
    ERROR_KNAPSACK,
    ERROR_NOT_VERIFIED,
    ERROR_NOT_VOTING,
    ERROR_POINTS,
    ERROR_UNKNOWN_PROJECT,
    pb_paper_ballot,
    pb_vote,
)
from seedbed.participation.models import Contribution

ERROR_NOT_SETUP = "Projects can only change before voting opens"
ERROR_RULE = "Choose one of the counting rules"
ERROR_PHRAGMEN_POINTS = "Sequential Phragmén needs approval ballots, not points"
ERROR_NO_PROJECTS = "Mark at least one project feasible before voting opens"
ERROR_ALREADY_COUNTED = "This round has already been counted"
ERROR_COST = "Enter a cost greater than zero and within the round's budget"


def pb_round_create(
    *, fund: Fund, title: str, summary: str, budget: Decimal, ballot_kind: str = PbRound.Ballot.APPROVAL,
    min_choices: int = 1, max_choices: int = 3, points: int = 10, rule: str = "mes-add1-fill", actor: User,
) -> PbRound:
    """Create a participatory-budgeting call and its round (projects are added next)."""
    if rule not in dict(PB_RULES):
        raise ValidationProblem({"rule": ERROR_RULE})
    if ballot_kind not in PbRound.Ballot.values:
        raise ValidationProblem({"ballot_kind": "Choose a kind of ballot"})
    if min_choices < 1 or max_choices < min_choices:
        raise ValidationProblem({"max_choices": "The most choices must be at least the fewest, and at least 1"})
    with transaction.atomic():
        call = call_create(fund=fund, kind=Call.Kind.PB, title=title, summary=summary, max_amount=budget, actor=actor)
        pb_round = PbRound.objects.create(call=call, budget=budget, ballot_kind=ballot_kind, min_choices=min_choices,
                                          max_choices=max_choices, points=points, rule=rule)
        call.status = Call.Status.OPEN
        call.published_at = timezone.now()
        call.save(update_fields=["status", "published_at"])
    return pb_round


def pb_project_add(*, pb_round: PbRound, title: str, description: str, cost: Decimal,
                   idea: Contribution | None = None, actor: User) -> PbProject:
    """Add a costed project (often from a Voices idea) to a round still being prepared."""
    if pb_round.status != PbRound.Status.SETUP:
        raise ValidationProblem({"__all__": ERROR_NOT_SETUP})
    problems = {}
    if not title.strip():
        problems["title"] = "Enter the project's name"
    if not description.strip():
        problems["description"] = "Describe the project"
    if cost <= 0 or cost > pb_round.budget:
        problems["cost"] = ERROR_COST
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        project = PbProject.objects.create(round=pb_round, title=title.strip(), description=description.strip(),
                                           cost=cost, idea=idea)
        audit_append(action="funding.pb_project_add", actor=actor, obj=project,
                     data={"cost": str(cost), "idea": idea.pk if idea else None})
    return project


def pb_project_check(*, project: PbProject, feasible: bool, note: str, actor: User) -> PbProject:
    """Staff record whether a project is feasible (only feasible projects go on the ballot)."""
    if project.round.status != PbRound.Status.SETUP:
        raise ValidationProblem({"__all__": ERROR_NOT_SETUP})
    if not note.strip():
        raise ValidationProblem({"note": "Say what was checked"})
    with transaction.atomic():
        project.feasibility = PbProject.Feasibility.FEASIBLE if feasible else PbProject.Feasibility.NOT_FEASIBLE
        project.feasibility_note = note.strip()
        project.save(update_fields=["feasibility", "feasibility_note"])
        audit_append(action="funding.pb_project_check", actor=actor, obj=project, data={"feasible": feasible})
    return project


def pb_voting_open(*, pb_round: PbRound, rule: str, actor: User) -> PbRound:
    """Fix the counting rule and open voting; the round's budget is committed on the fund."""
    if rule not in dict(PB_RULES):
        raise ValidationProblem({"rule": ERROR_RULE})
    if rule == "phragmen" and pb_round.ballot_kind == PbRound.Ballot.CUMULATIVE:
        raise ValidationProblem({"rule": ERROR_PHRAGMEN_POINTS})
    with transaction.atomic():
        pb_round = PbRound.objects.select_for_update().get(pk=pb_round.pk)
        if pb_round.status != PbRound.Status.SETUP:
            raise ValidationProblem({"__all__": ERROR_NOT_SETUP})
        if not pb_round.projects.filter(feasibility=PbProject.Feasibility.FEASIBLE).exists():
            raise ValidationProblem({"__all__": ERROR_NO_PROJECTS})
        fund_commit(fund_id=pb_round.call.fund_id, amount=pb_round.budget, pb_round=pb_round,
                    note=f"Participatory budget: {pb_round.call.title}", actor=actor)
        pb_round.rule = rule
        pb_round.status = PbRound.Status.VOTING
        pb_round.voting_opened_at = timezone.now()
        pb_round.save(update_fields=["rule", "status", "voting_opened_at"])
        audit_append(action="funding.pb_voting_open", actor=actor, obj=pb_round,
                     data={"rule": rule, "ballot": pb_round.ballot_kind, "budget": str(pb_round.budget)})
    return pb_round


def _ballot_box_rewrite(pb_round: PbRound) -> int:
    """Rewrite a closed round's ballots and choices in one transaction, in a random order,
    keeping every id and value; returns the number of ballots. Call inside the count's
    transaction, with the round locked.

    A vote writes its register mark and its ballot in one transaction, so PostgreSQL stamps
    both with neighbouring transaction ids (``xmin``) and stores them at matching places in
    their tables (``ctid``): sorting either table by those would pair voters with ballots.
    Rewritten together, the ballots all carry one transaction id and sit in a shuffled
    order, so the record that stays pairs nothing (old row versions go at the next vacuum).
    """
    shuffle = secrets.SystemRandom().shuffle
    ballots = list(PbBallot.objects.filter(round=pb_round))
    choices = list(PbChoice.objects.filter(ballot__round=pb_round))
    shuffle(ballots)
    shuffle(choices)
    PbBallot.objects.filter(round=pb_round).delete()  # choices go with them
    for ballot in ballots:
        ballot._state.adding = True
    for choice in choices:
        choice._state.adding = True
    PbBallot.objects.bulk_create(ballots, batch_size=500)
    PbChoice.objects.bulk_create(choices, batch_size=500)
    return len(ballots)


def _plain(value: Any) -> Any:
    if isinstance(value, Fraction):
        return str(Decimal(value.numerator) / Decimal(value.denominator)) if value.denominator != 1 else str(value.numerator)
    return value


def pb_count(*, pb_round: PbRound, actor: User) -> PbResult:
    """Close voting and count once under the rule fixed when voting opened.

    Stores the funded projects, the engine's explanations and the Pabulib text; releases the
    unspent budget to the fund; the result (with a digest of the ballots and the round's ballot
    account: ballots by channel, register marks, ballot numbers issued and unused) goes in the
    audit chain.
    """
    with transaction.atomic():
        pb_round = PbRound.objects.select_for_update().get(pk=pb_round.pk)
        if PbResult.objects.filter(round=pb_round).exists() or pb_round.status == PbRound.Status.COUNTED:
            raise ValidationProblem({"__all__": ERROR_ALREADY_COUNTED})
        if pb_round.status != PbRound.Status.VOTING:
            raise ValidationProblem({"__all__": ERROR_NOT_VOTING})
        _ballot_box_rewrite(pb_round)  # no ballot left pairing with its voter's mark (see there)
        election = selectors.pb_election(pb_round=pb_round)
        outcome = pb.count(election, rule=pb_round.rule, explain=True)
        text = pb.write(election)
        explanations = {
            pid: {k: _plain(v) for k, v in dataclasses.asdict(note).items()}
            for pid, note in (outcome.explanation or {}).items()
        }
        summary = outcome.voter_summary
        result = PbResult.objects.create(
            round=pb_round, rule=outcome.rule, selected=list(outcome.selected),
            cost=Decimal(outcome.cost.numerator) / Decimal(outcome.cost.denominator), voters=outcome.voters,
            explanations=explanations,
            voter_summary={"with_some_funded": summary.with_some_funded, "with_none_funded": summary.with_none_funded,
                           "share_with_some_funded": summary.share_with_some_funded} if summary else {},
            warnings=list(outcome.warnings), pabulib=text, counted_at=timezone.now(),
        )
        pb_round.status = PbRound.Status.COUNTED
        pb_round.save(update_fields=["status"])
        pb_round.call.status = Call.Status.DECIDED
        pb_round.call.save(update_fields=["status"])
        unspent = pb_round.budget - result.cost
        if unspent > 0:
            fund_release(fund_id=pb_round.call.fund_id, amount=unspent, note=f"Unspent from {pb_round.call.title}", actor=actor)
        _pb_awards_make(pb_round, list(outcome.selected), actor=actor)
        audit_append(action="funding.pb_result", actor=actor, obj=result,
                     data={"round": pb_round.pk, "rule": outcome.rule, "selected": list(outcome.selected),
                           "cost": str(result.cost), "voters": outcome.voters,
                           "ballots_sha256": hashlib.sha256(text.encode()).hexdigest(),
                           "ballot_account": _ballot_account(pb_round)})
    return result


def _ballot_account(pb_round: PbRound) -> dict[str, int]:
    """The round's ballot account, for reconciling the count with the paper register: ballots
    by channel, register marks, and ballot numbers issued and left unused."""
    ballots = pb_round.ballots
    issued = pb_round.ballot_numbers.count()
    paper = ballots.filter(channel="paper").count()
    return {"online": ballots.filter(channel="online").count(), "paper": paper,
            "marks": pb_round.voter_marks.count(), "numbers_issued": issued,
            "numbers_unused": issued - ballots.filter(paper_number__isnull=False).count()}


def _pb_awards_make(pb_round: PbRound, selected: list[str], *, actor: User) -> list[Award]:
    """Each winning project gets an award (accepted: the fund's owner delivers it) so it is paid
    by schedule like a grant. Its money was committed when voting opened and stays committed,
    on the award now, so nothing is committed twice; payments are recorded against the award."""
    now = timezone.now()
    projects = {p.code: p for p in pb_round.projects.all()}
    made = []
    for code in selected:
        project = projects[code]
        award = Award.objects.create(pb_project=project, fund_id=pb_round.call.fund_id, amount=project.cost,
                                     status=Award.Status.ACCEPTED, awarded_at=now, accepted_at=now)
        audit_append(action="funding.pb_award_make", actor=actor, obj=award,
                     data={"round": pb_round.pk, "project": project.pk, "amount": str(project.cost)})
        made.append(award)
    return made
