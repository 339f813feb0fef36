"""Reading funding records: fund summaries, reviewing progress, live pitch totals, awards."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from seedbed import pb
from seedbed.accounts.models import Organisation, Role, User
from seedbed.core.access import fetch_or_deny, id_from_text
from seedbed.core.errors import AccessDenied
from seedbed.core.models import AuditEntry
from seedbed.funding.models import (
    Answer,
    Application,
    Award,
    AwardException,
    BudgetLine,
    Call,
    Clawback,
    Conflict,
    Criterion,
    Fund,
    Instalment,
    LedgerEntry,
    PanelMember,
    Payment,
    PbBallot,
    PbBallotNumber,
    PbElector,
    PbOfficer,
    PbProject,
    PbRound,
    PbVoterMark,
    PitchSlot,
    ProgrammeBudget,
    Question,
    Report,
    Review,
    Score,
    Stage,
)
from seedbed.funding.rules import award_exception_covering, award_limit
from seedbed.participation.models import Contribution, Status, Theme
from seedbed.participation.selectors import published
from seedbed.portfolio.selectors import innovation_for_record

# A score set this many points (out of 100) from the mean of the others is flagged.
OUTLIER_POINTS = Decimal(20)


@dataclass(frozen=True)
class FundSummary:
    fund: Fund
    programme_total: Decimal
    target_amount: Decimal
    committed: Decimal
    paid: Decimal
    remaining: Decimal
    ring_fenced_share: Decimal | None
    committed_share: Decimal | None
    target_share: Decimal


def fund_summary(*, fund: Fund) -> FundSummary:
    """The ledger totals and the share of programme spend going to experimentation.

    ``ring_fenced_share`` = fund total / programme budgets; ``committed_share`` = committed /
    programme budgets; both compare with the target ``ring_fence_share``. None without budgets.
    """
    programme_total = fund.programmes.aggregate(t=Sum("amount"))["t"] or Decimal(0)
    def share(x: Decimal) -> Decimal | None:
        return (x / programme_total).quantize(Decimal("0.0001")) if programme_total else None
    return FundSummary(
        fund=fund, programme_total=programme_total,
        target_amount=(programme_total * fund.ring_fence_share).quantize(Decimal("0.01")),
        committed=fund.committed, paid=fund.paid, remaining=fund.remaining,
        ring_fenced_share=share(fund.total), committed_share=share(fund.committed),
        target_share=fund.ring_fence_share,
    )


def fund_list() -> list[Fund]:
    return list(Fund.objects.select_related("owner"))


def call_list(*, for_user: Any, manager: bool) -> list[Call]:
    calls = Call.objects.select_related("fund")
    if not manager:
        calls = calls.exclude(status=Call.Status.DRAFT)
    return list(calls)


def applications_for_applicant(*, user: Any) -> list[Application]:
    """The person's own applications and those made for an organisation they belong to (a
    provider's staff see their organisation's applications, and through them its awards)."""
    if not user.is_authenticated:
        return []
    mine = Q(applicant=user) | Q(organisation__memberships__user=user)
    return list(Application.objects.filter(mine).distinct().select_related("call", "organisation"))


@dataclass(frozen=True)
class ReviewerProgress:
    reviewer: Any
    done: int
    total: int
    is_chair: bool


def reviewer_progress(*, call: Call) -> list[ReviewerProgress]:
    """Per panel member: completed written reviews of the applications they may review ("2 of 4")."""
    reviewable = list(call.applications.filter(status__in=[
        Application.Status.SUBMITTED, Application.Status.SHORTLISTED, Application.Status.AWARDED,
        Application.Status.DECLINED]).values_list("pk", flat=True))
    out = []
    for member in call.panel.select_related("user").order_by("user__username"):
        blocked = set(Conflict.objects.filter(reviewer=member.user, application_id__in=reviewable,
                                              status__in=[Conflict.Status.RECUSED]).values_list("application_id", flat=True))
        mine = [a for a in reviewable if a not in blocked]
        done = Review.objects.filter(reviewer=member.user, application_id__in=mine, mode=Review.Mode.WRITTEN,
                                     completed_at__isnull=False).count()
        out.append(ReviewerProgress(member.user, done, len(mine), member.is_chair))
    return out


@dataclass(frozen=True)
class ApplicationScores:
    application: Application
    written_mean: Decimal | None
    pitch_mean: Decimal | None
    pitch_count: int
    outliers: tuple[Review, ...]


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else None


def outliers(reviews: list[Review]) -> tuple[Review, ...]:
    """Score sets more than OUTLIER_POINTS (out of 100) from the median of the panel's scores.

    The median keeps one extreme score from dragging the reference towards itself; with
    two reviewers both are flagged when they are more than twice OUTLIER_POINTS apart.
    """
    scored = [(r, r.weighted) for r in reviews if r.weighted is not None]
    if len(scored) < 2:
        return ()
    middle = Decimal(str(statistics.median([w for _, w in scored])))
    return tuple(r for r, w in scored if abs(w - middle) > OUTLIER_POINTS)


def call_scores(*, call: Call) -> list[ApplicationScores]:
    """Mean written and pitch scores per application, with outlier score sets flagged."""
    rows = []
    apps = call.applications.exclude(status__in=[Application.Status.DRAFT, Application.Status.INELIGIBLE])
    for application in apps.select_related("organisation").prefetch_related("reviews__reviewer", "reviews__moderations"):
        written = [r for r in application.reviews.all() if r.mode == Review.Mode.WRITTEN and r.weighted is not None]
        pitch = [r for r in application.reviews.all() if r.mode == Review.Mode.PITCH and r.weighted is not None]
        rows.append(ApplicationScores(
            application, _mean([r.weighted for r in written if r.weighted is not None]),
            _mean([r.weighted for r in pitch if r.weighted is not None]), len(pitch),
            tuple(r for r in outliers(written) if not r.moderations.all()),
        ))
    return rows


def pitch_board(*, call: Call) -> list[dict[str, Any]]:
    """The chair's live view: running order, who has scored, the running mean pitch score."""
    panel = call.panel.count()
    board = []
    for slot in PitchSlot.objects.filter(call=call).select_related("application__organisation"):
        pitch = [w for w in Review.objects.filter(application=slot.application, mode=Review.Mode.PITCH)
                 .values_list("weighted", flat=True) if w is not None]
        board.append({"slot": slot, "application": slot.application, "scored": len(pitch), "panel": panel,
                      "mean": _mean(pitch), "decision": getattr(slot.application, "decision", None)})
    return board


def is_chair(*, call: Call, user: Any) -> bool:
    return PanelMember.objects.filter(call=call, user=user, is_chair=True).exists()


def is_panel_member(*, call_id: int, user: Any) -> bool:
    """Whether ``user`` sits on the panel of the call ``call_id`` (chair or not)."""
    return PanelMember.objects.filter(call_id=call_id, user=user).exists()


def conflict_get(*, application: Application, reviewer: Any) -> Conflict | None:
    """The reviewer's conflict declaration about one application, if they made one."""
    return Conflict.objects.filter(application=application, reviewer=reviewer).first()




def panel_queue(*, user: Any) -> list[dict[str, Any]]:
    """Applications waiting for this panel member, with their conflict declaration."""
    calls = Call.objects.filter(panel__user=user).distinct()
    rows = []
    for call in calls:
        for application in call.applications.filter(status__in=[Application.Status.SUBMITTED, Application.Status.SHORTLISTED,
                                                                 Application.Status.AWARDED, Application.Status.DECLINED]):
            conflict = Conflict.objects.filter(application=application, reviewer=user).first()
            review = Review.objects.filter(application=application, reviewer=user, mode=Review.Mode.WRITTEN).first()
            rows.append({"call": call, "application": application, "conflict": conflict, "review": review})
    return rows


def award_get(*, award_id: int) -> Award | None:
    """One award with its application, call and fund (for the portfolio to link innovations)."""
    return Award.objects.select_related("application__call", "application__organisation", "fund").filter(pk=award_id).first()


def award_exception_for(*, application: Application, amount: Decimal, actor: Any) -> AwardException | None:
    """The approved exception that lets ``amount`` be awarded on ``application``: None within
    the limit (the smaller of the amount asked for and the call's maximum); above it, one
    approved by a funding manager other than ``actor``, or ``ValidationProblem`` saying why not."""
    approved: list[AwardException] = []
    if amount > award_limit(requested=application.amount, maximum=application.call.max_amount)[0]:
        approved = list(AwardException.objects.filter(application=application, amount__gte=amount))
    return award_exception_covering(amount=amount, requested=application.amount, maximum=application.call.max_amount,
                                    approved=approved, actor_id=getattr(actor, "pk", None))


def award_list(*, fund: Fund | None = None, published_only: bool = False) -> list[Award]:
    """Grants made on applications (the open grants data). Winning participatory-budget
    projects, delivered by the fund's owner, are not grants and are listed by ``pb_awards``."""
    awards = Award.objects.filter(application__isnull=False).select_related(
        "application__call", "application__organisation", "fund__owner")
    if fund is not None:
        awards = awards.filter(fund=fund)
    if published_only:
        awards = awards.filter(~Q(status=Award.Status.DECLINED))
    return list(awards.order_by("awarded_at", "id"))


def pb_awards(*, pb_round: PbRound) -> list[Award]:
    """The awards of a round's winning projects, to schedule and record their payments."""
    return list(Award.objects.filter(pb_project__round=pb_round).select_related("pb_project").order_by("pk"))


def award_innovation(*, award: Award) -> Any:
    """The portfolio innovation this award funds, if any (a read of the portfolio's links)."""
    return innovation_for_record(award)


def pb_rounds_public() -> list[PbRound]:
    return list(PbRound.objects.select_related("call").order_by("-id"))


def award_linkable_list() -> QuerySet[Award]:
    """Awards an innovation may link to (grants and participatory-budget projects), newest first."""
    return Award.objects.select_related("application").order_by("-id")


def award_link_label(award: Award) -> str:
    """An award as the portfolio lists it: its reference and what it funds."""
    return f"{award.reference}: {award.title}"


def ring_fence_total() -> Decimal | None:
    """The experimentation ring-fence: the total of every fund, or None when there is none."""
    funds = fund_list()
    if not funds:
        return None
    return sum((Decimal(f.total) for f in funds), Decimal("0"))


def conflict_history(*, call: Call) -> list[Any]:
    """Every declaration, ruling and withdrawal on the call's conflicts, oldest first (managers' view)."""
    ids = [str(pk) for pk in Conflict.objects.filter(application__call=call).values_list("pk", flat=True)]
    conflicts = {str(c.pk): c for c in Conflict.objects.filter(application__call=call).select_related("reviewer", "application")}
    entries = (AuditEntry.objects.filter(object_type=Conflict._meta.label_lower, object_id__in=ids)
               .select_related("actor").order_by("created_at", "pk"))
    return [{"entry": e, "conflict": conflicts[e.object_id]} for e in entries]


def challenge_draft_from_theme(*, theme: Theme) -> dict[str, Any]:
    """What a challenge answering a Voices theme starts with (a read: nothing is saved).

    Title from the theme's label, the theme's published needs as the needs it answers, and a
    summary naming them.
    """
    needs = list(theme.members.filter(kind="need", hidden=False).exclude(status=Status.MERGED).order_by("pk"))
    titles = "; ".join(n.title for n in needs[:5])
    summary = (f"Residents and staff raised {len(needs)} related need{'s' if len(needs) != 1 else ''}"
               f"{': ' + titles if titles else ''}. Show us what could meet them.")
    return {"kind": Call.Kind.CHALLENGE, "title": f"Challenge: {theme.label}"[:200], "summary": summary,
            "theme": theme, "needs": needs}


# --- participatory budgeting ---


def pb_has_voted(*, pb_round: PbRound, user: Any) -> bool:
    """Whether this person is marked on the round's register (by account or matched reference)."""
    if user is None or not user.is_authenticated:
        return False
    who = Q(voter_id=user.pk)
    elector = pb_elector_of(user=user)
    if elector is not None:
        who |= Q(reference=elector.reference)
    return PbVoterMark.objects.filter(who, round=pb_round).exists()


def pb_elector_of(*, user: Any) -> PbElector | None:
    """The register match of a person's account, if any."""
    if user is None or not user.is_authenticated:
        return None
    return PbElector.objects.filter(user_id=user.pk).first()


def is_pb_officer(*, pb_round: PbRound, user: Any) -> bool:
    """Whether ``user`` is one of the round's ballot officers (an assignment not withdrawn)."""
    return bool(user is not None and user.is_authenticated
                and PbOfficer.objects.filter(round=pb_round, user_id=user.pk, withdrawn_at__isnull=True).exists())


def pb_election(*, pb_round: PbRound) -> pb.Election:
    """The round as an engine election (project ids ``P<pk>``; voters numbered in ballot order)."""
    projects = [
        pb.Project(project_id=p.code, cost=Fraction(p.cost), name=p.title)
        for p in pb_round.projects.filter(feasibility=PbProject.Feasibility.FEASIBLE).order_by("pk")
    ]
    cumulative = pb_round.ballot_kind == PbRound.Ballot.CUMULATIVE
    ballots: list[Any] = []
    for ballot in pb_round.ballots.prefetch_related("choices").order_by("pk"):
        picks = sorted(ballot.choices.all(), key=lambda c: c.project_id)
        if cumulative:
            ballots.append({f"P{c.project_id}": c.points for c in picks})
        else:
            ballots.append([f"P{c.project_id}" for c in picks])
    meta = {
        "description": pb_round.call.title,
        "country": "United Kingdom",
        "unit": pb_round.call.fund.owner.name,
        "instance": str(pb_round.call.created_at.year),
        "currency": pb_round.call.fund.currency,
        "rule": pb_round.rule,
    }
    if cumulative:
        meta["max_sum_points"] = str(pb_round.points)
    elif pb_round.ballot_kind == PbRound.Ballot.APPROVAL:
        meta["min_length"] = str(pb_round.min_choices)
        meta["max_length"] = str(pb_round.max_choices)
    return pb.election_from(budget=Fraction(pb_round.budget), projects=projects, ballots=ballots,
                            vote_type="cumulative" if cumulative else "approval", meta=meta)


# --- what the pages list --------------------------------------------------------------------
# Views read through these (ADR 7: no ORM query in a view). Each returns what the page showed
# before, in the same order; querysets stay lazy where a template or form takes a queryset.


def fund_choices() -> QuerySet[Fund]:
    """Every fund, for a form's choice of fund."""
    return Fund.objects.all()


def fund_default() -> Fund | None:
    """The fund a new call starts with: the first in the funds' own order."""
    return Fund.objects.first()


def ledger_list(*, fund: Fund) -> QuerySet[LedgerEntry]:
    """The fund's ledger entries with the award and round each names."""
    return fund.ledger.select_related("award", "pb_round__call")


def programme_list(*, fund: Fund) -> QuerySet[ProgrammeBudget]:
    """The programme budgets a fund's ring-fence is measured against."""
    return fund.programmes.select_related("organisation")


def theme_get(*, theme_id: str) -> Theme | None:
    """The Voices theme a new challenge starts from (``?theme=`` as typed), if it exists."""
    pk = id_from_text(theme_id)
    return Theme.objects.filter(pk=pk).first() if pk is not None else None


def organisation_list_for(*, user: Any) -> QuerySet[Organisation]:
    """The organisations a person belongs to (whom they may apply for)."""
    return Organisation.objects.filter(memberships__user=user).distinct()


def organisation_get(*, organisation_id: int) -> Organisation:
    """One organisation (raises ``Organisation.DoesNotExist`` when there is none)."""
    return Organisation.objects.get(pk=organisation_id)


def call_need_list(*, call: Call) -> QuerySet[Contribution]:
    """The needs (or ideas) a call answers that the public may see: the Voices rule for a
    published contribution (not hidden by moderation, not held for an email confirmation)."""
    return published().filter(funding_calls=call)


def call_need_choices() -> QuerySet[Contribution]:
    """Needs and ideas a call may answer (the call form's choices): published ones that have
    not been merged into another, by kind then title."""
    return published().exclude(status=Status.MERGED).order_by("kind", "title")


def contribution_answerable_list(*, call: Call) -> QuerySet[Contribution]:
    """The call's needs and the ideas that answer them (an application may say which), by title."""
    needs = call.needs.all()
    return published().filter(Q(pk__in=needs) | Q(answers_need__in=needs)).distinct().order_by("title")


def answer_list(*, application: Application) -> QuerySet[Answer]:
    """An application's answers with their questions."""
    return application.answers.select_related("question")


def call_decided_list(*, call: Call) -> QuerySet[Application]:
    """The call's applications that have a decision, with it and the applying organisation."""
    return call.applications.filter(decision__isnull=False).select_related("decision", "organisation")


def call_application_list(*, call: Call) -> QuerySet[Application]:
    """The call's applications past the draft stage, with the applying organisation."""
    return call.applications.exclude(status=Application.Status.DRAFT).select_related("organisation")


def panel_list(*, call: Call) -> QuerySet[PanelMember]:
    """The call's panel members with their accounts."""
    return call.panel.select_related("user")


def panel_candidates() -> QuerySet[User]:
    """People a manager may put on a panel: panel members, innovation leads and administrators."""
    return User.objects.filter(
        memberships__role__in=[Role.PANEL_MEMBER, Role.INNOVATION_LEAD, Role.ADMINISTRATOR]).distinct()


def pitch_candidate_list(*, call: Call) -> QuerySet[Application]:
    """Applications that may go into the pitch's running order (submitted or shortlisted)."""
    return call.applications.filter(
        status__in=[Application.Status.SUBMITTED, Application.Status.SHORTLISTED]).select_related("organisation")


def conflict_declared_list(*, call: Call) -> QuerySet[Conflict]:
    """Conflicts declared on the call's applications that wait for the chair's ruling."""
    return Conflict.objects.filter(application__call=call, status=Conflict.Status.DECLARED).select_related(
        "reviewer", "application")


def award_exception_list(*, call: Call) -> QuerySet[AwardException]:
    """Exceptions approved on the call's applications, with who approved them."""
    return AwardException.objects.filter(application__call=call).select_related("application", "approved_by")


def review_get(*, application: Application, reviewer: Any, mode: str) -> Review | None:
    """A reviewer's own score set of one kind (written or pitch) on an application, if any."""
    return Review.objects.filter(application=application, reviewer_id=reviewer.pk, mode=mode).first()


def conflict_for_call(*, call: Call, conflict_id: int) -> Conflict:
    """A conflict on one of the call's applications (``Conflict.DoesNotExist`` otherwise)."""
    return Conflict.objects.get(pk=conflict_id, application__call=call)


def review_for_call(*, call: Call, review_id: int) -> Review:
    """A score set on one of the call's applications (``Review.DoesNotExist`` otherwise)."""
    return Review.objects.get(pk=review_id, application__call=call)


def application_for_call(*, call: Call, application_id: int) -> Application:
    """One of the call's applications (``Application.DoesNotExist`` otherwise)."""
    return Application.objects.get(pk=application_id, call=call)


def pitch_slot_for_call(*, call: Call, slot_id: int) -> PitchSlot:
    """One of the call's pitch slots (``PitchSlot.DoesNotExist`` otherwise)."""
    return PitchSlot.objects.get(pk=slot_id, call=call)


def pitch_slot_get(*, slot_id: object) -> PitchSlot | None:
    """A pitch slot with its application, or None for a missing or malformed id (checked by
    ``core.access.fetch_or_deny``, so a forged id never reaches the database)."""
    try:
        return fetch_or_deny(PitchSlot.objects.select_related("application"), slot_id, missing="")
    except AccessDenied:
        return None


def report_get(*, award: Award, report_id: int) -> Report | None:
    """One of the award's reports, if it exists."""
    return Report.objects.filter(pk=report_id, award=award).first()


def pb_project_list(*, pb_round: PbRound) -> QuerySet[PbProject]:
    """A round's projects with the Voices idea each came from."""
    return pb_round.projects.select_related("idea")


def pb_project_feasible_list(*, pb_round: PbRound) -> list[PbProject]:
    """The projects on a round's ballot: those checked and found feasible."""
    return list(pb_round.projects.filter(feasibility=PbProject.Feasibility.FEASIBLE))


def pb_project_get(*, pb_round: PbRound, project_id: int) -> PbProject | None:
    """One of the round's projects, if it exists."""
    return PbProject.objects.filter(pk=project_id, round=pb_round).first()


def pb_officer_list(*, pb_round: PbRound) -> QuerySet[PbOfficer]:
    """The round's ballot officers whose assignment stands, with their accounts."""
    return pb_round.officers.filter(withdrawn_at__isnull=True).select_related("user")


def pb_officer_get(*, pb_round: PbRound, officer_id: int) -> PbOfficer | None:
    """One of the round's ballot officer assignments (withdrawn or not), if it exists."""
    return PbOfficer.objects.filter(pk=officer_id, round=pb_round).first()


@dataclass(frozen=True)
class PbBallotCounts:
    ballots: int
    numbers_issued: int
    numbers_used: int


def pb_ballot_counts(*, pb_round: PbRound) -> PbBallotCounts:
    """How many ballots the round holds, ballot numbers it issued and numbers keyed in on paper."""
    return PbBallotCounts(
        ballots=pb_round.ballots.count(), numbers_issued=pb_round.ballot_numbers.count(),
        numbers_used=pb_round.ballots.filter(paper_number__isnull=False).count(),
    )


def pb_keyed_count(*, pb_round: PbRound, officer: Any) -> int:
    """How many of the round's paper ballots this officer keyed in."""
    return PbBallot.objects.filter(round=pb_round, keyed_by_id=officer.pk).count()


def pb_ballot_number_list(*, pb_round: PbRound) -> QuerySet[PbBallotNumber]:
    """The round's issued ballot numbers, by batch and then in the order they were issued."""
    return pb_round.ballot_numbers.order_by("batch", "pk")


def pb_ballot_register(*, pb_round: PbRound) -> list[tuple[PbBallotNumber, bool]]:
    """The round's issued ballot numbers (in ``pb_ballot_number_list``'s order), each with
    whether a paper ballot was keyed in with it."""
    numbers = pb_ballot_number_list(pb_round=pb_round).annotate(
        used=Exists(PbBallot.objects.filter(paper_number=OuterRef("pk"))))
    return [(number, bool(number.used)) for number in numbers]


def pb_elector_count() -> int:
    """How many residents' accounts are matched to the council's register."""
    return PbElector.objects.count()


def user_active_by_email(*, email: str) -> User | None:
    """The active account with this email address (any case), if there is one."""
    return User.objects.filter(email__iexact=email, is_active=True).first()


def call_stage_list(*, call: Call) -> QuerySet[Stage]:
    """A call's stages, in their own order."""
    return call.stages.all()


def call_question_list(*, call: Call) -> QuerySet[Question]:
    """A call's questions, in their own order."""
    return call.questions.all()


def call_criterion_list(*, call: Call) -> QuerySet[Criterion]:
    """A call's scoring criteria, in their own order."""
    return call.criteria.all()


def budget_line_list(*, application: Application) -> QuerySet[BudgetLine]:
    """An application's budget lines, in their own order."""
    return application.budget_lines.all()


def programme_count(*, fund: Fund) -> int:
    """How many programmes a fund is split into."""
    return fund.programmes.count()


def award_instalment_list(*, award: Award) -> QuerySet[Instalment]:
    """An award's planned instalments."""
    return award.instalments.all()


def award_payment_list(*, award: Award) -> QuerySet[Payment]:
    """Payments made on an award."""
    return award.payments.all()


def award_report_list(*, award: Award) -> QuerySet[Report]:
    """Reports requested from an award's recipient."""
    return award.reports.all()


def award_clawback_list(*, award: Award) -> QuerySet[Clawback]:
    """Money asked back on an award."""
    return award.clawbacks.all()


def review_score_list(*, review: Review) -> QuerySet[Score]:
    """The scores in one review, one per criterion."""
    return review.scores.all()
