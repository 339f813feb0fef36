"""Calls: create, shape (stages, questions, criteria, panel) and publish."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from seedbed.accounts.models import Organisation, User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.funding.models import (
    MICRO_MAX_QUESTIONS,
    MICRO_MAX_WORDS,
    Call,
    Criterion,
    Fund,
    PanelMember,
    Question,
    Stage,
)
from seedbed.participation.models import Contribution, Status, Theme
from seedbed.participation.services.handling import contribution_status_set

ERROR_MICRO_QUESTIONS = f"A micro-grant asks at most {MICRO_MAX_QUESTIONS} questions: the short form is the point"
ERROR_MICRO_WORDS = f"A micro-grant answer may be at most {MICRO_MAX_WORDS} words"
ERROR_MAX_AMOUNT = "Enter a largest amount greater than zero and not below the smallest amount"
ERROR_NOT_DRAFT = "This call has been published and can no longer be changed this way"
ERROR_NO_QUESTIONS = "Add at least one question before publishing"
ERROR_NO_CRITERIA = "Add at least one scoring criterion before publishing"
ERROR_STAGE_DATES = "The stage must end on or after the day it starts"
ERROR_KIND = "Choose the kind of call"
ERROR_ORG_KIND = "{kind!r} is not a kind of organisation"


def call_create(
    *, fund: Fund, kind: str, title: str, summary: str, max_amount: Decimal,
    min_amount: Decimal = Decimal(0), eligible_kinds: Sequence[str] = (),
    individuals_may_apply: bool = False, needs: Sequence[Contribution] = (), theme: Theme | None = None,
    actor: User,
) -> Call:
    """Create a draft call of any kind, linked to the Voices needs (or ideas) or theme it answers."""
    problems: dict[str, str] = {}
    if kind not in Call.Kind.values:
        problems["kind"] = ERROR_KIND
    if max_amount <= 0 or min_amount < 0 or min_amount > max_amount:
        problems["max_amount"] = ERROR_MAX_AMOUNT
    for org_kind in eligible_kinds:
        if org_kind not in Organisation.Kind.values:
            problems["eligible_kinds"] = ERROR_ORG_KIND.format(kind=org_kind)
    if not title.strip():
        problems["title"] = "Enter a title"
    if not summary.strip():
        problems["summary"] = "Enter a summary"
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        call = Call.objects.create(
            fund=fund, kind=kind, title=title.strip(), summary=summary.strip(), max_amount=max_amount,
            min_amount=min_amount, eligible_kinds=list(eligible_kinds),
            individuals_may_apply=individuals_may_apply, theme=theme,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        call.needs.set(needs)
        audit_append(action="funding.call_create", actor=actor, obj=call,
                     data={"kind": kind, "fund": fund.pk, "needs": [n.pk for n in needs],
                           "theme": theme.pk if theme else None})
    return call


# The questions and criteria a call gets when it is published in one step (``call_launch``).
STANDARD_QUESTIONS = {
    Call.Kind.CHALLENGE: (("What would you do, and why do you think it would work?", 500),
                          ("How will you know whether it worked?", 300)),
    Call.Kind.OPEN: (("What will you do, and for whom?", 500), ("How will you know whether it worked?", 300)),
    Call.Kind.MICRO: (("What will you try, and for whom?", 150), ("How will you know whether it worked?", 100)),
}
STANDARD_CRITERIA = (("Answers the need", 2), ("Could work", 1), ("We will learn from it", 1))


def call_launch(
    *, fund: Fund, kind: str, title: str, summary: str, max_amount: Decimal,
    min_amount: Decimal = Decimal(0), eligible_kinds: Sequence[str] = (),
    individuals_may_apply: bool = False, needs: Sequence[Contribution] = (), theme: Theme | None = None,
    actor: User,
) -> Call:
    """Create a call with the standard questions and criteria for its kind and publish it at
    once: one step from a Voices theme to an open challenge. The needs it answers are taken
    forward in Voices on publication; stages and panel members can be added afterwards."""
    if kind not in STANDARD_QUESTIONS:
        raise ValidationProblem({"kind": ERROR_KIND})
    with transaction.atomic():
        call = call_create(fund=fund, kind=kind, title=title, summary=summary, max_amount=max_amount,
                           min_amount=min_amount, eligible_kinds=eligible_kinds,
                           individuals_may_apply=individuals_may_apply, needs=needs, theme=theme, actor=actor)
        for text, words in STANDARD_QUESTIONS[Call.Kind(kind)]:
            question_add(call=call, text=text, max_words=words, actor=actor)
        for name, weight in STANDARD_CRITERIA:
            criterion_add(call=call, name=name, weight=weight, actor=actor)
        return call_publish(call=call, actor=actor)


def _draft_only(call: Call) -> None:
    if call.status != Call.Status.DRAFT:
        raise ValidationProblem({"__all__": ERROR_NOT_DRAFT})


def stage_set(*, call: Call, kind: str, starts_on: dt.date, ends_on: dt.date, actor: User) -> Stage:
    """Set (or move) the dates of one stage of the call."""
    if ends_on < starts_on:
        raise ValidationProblem({"ends_on": ERROR_STAGE_DATES})
    if kind not in Stage.Kind.values:
        raise ValidationProblem({"kind": "Choose a stage"})
    with transaction.atomic():
        stage, _ = Stage.objects.update_or_create(call=call, kind=kind, defaults={"starts_on": starts_on, "ends_on": ends_on})
        audit_append(action="funding.stage_set", actor=actor, obj=call,
                     data={"stage": kind, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()})
    return stage


def question_add(*, call: Call, text: str, max_words: int, actor: User) -> Question:
    """Add a question; micro-grants are held to a hard cap on questions and words."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        _draft_only(call)
        if not text.strip():
            raise ValidationProblem({"text": "Enter the question"})
        if max_words < 1:
            raise ValidationProblem({"max_words": "Enter a word limit of at least 1"})
        if call.kind == Call.Kind.MICRO:
            if call.questions.count() >= MICRO_MAX_QUESTIONS:
                raise ValidationProblem({"text": ERROR_MICRO_QUESTIONS})
            if max_words > MICRO_MAX_WORDS:
                raise ValidationProblem({"max_words": ERROR_MICRO_WORDS})
        question = Question.objects.create(call=call, text=text.strip(), max_words=max_words,
                                           position=call.questions.count() + 1)
    return question


def criterion_add(*, call: Call, name: str, weight: int, max_score: int = 5, actor: User) -> Criterion:
    with transaction.atomic():
        _draft_only(call)
        if not name.strip():
            raise ValidationProblem({"name": "Enter the criterion"})
        if weight < 1 or max_score < 1:
            raise ValidationProblem({"weight": "Weights and the top score must be at least 1"})
        return Criterion.objects.create(call=call, name=name.strip(), weight=weight, max_score=max_score,
                                        position=call.criteria.count() + 1)


def panel_member_add(*, call: Call, user: Any, is_chair: bool = False, actor: User) -> PanelMember:
    """Put a person on the call's panel (idempotent); the chair sees live totals and decides."""
    with transaction.atomic():
        member, _ = PanelMember.objects.update_or_create(call=call, user=user, defaults={"is_chair": is_chair})
        audit_append(action="funding.panel_member_add", actor=actor, obj=call,
                     data={"user": user.pk, "chair": is_chair})
    return member


def call_publish(*, call: Call, actor: User) -> Call:
    """Open the call to applications (PB rounds open when their projects are ready)."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        _draft_only(call)
        if call.kind != Call.Kind.PB:
            problems = {}
            if not call.questions.exists():
                problems["questions"] = ERROR_NO_QUESTIONS
            if not call.criteria.exists():
                problems["criteria"] = ERROR_NO_CRITERIA
            if problems:
                raise ValidationProblem(problems)
        call.status = Call.Status.OPEN
        call.published_at = timezone.now()
        call.save(update_fields=["status", "published_at"])
        audit_append(action="funding.call_publish", actor=actor, obj=call, data={"kind": call.kind})
        _tell_voices(call, actor)
    return call


def _tell_voices(call: Call, actor: User) -> None:
    """The needs a published challenge answers are taken forward, so the people who raised
    them see what their need became (through the Voices service)."""
    for need in call.needs.exclude(status__in=[Status.TAKEN_FORWARD, Status.MERGED]):
        contribution_status_set(
            contribution=need, status=Status.TAKEN_FORWARD, actor=actor,
            outcome_label=f"{call.get_kind_display()}: {call.title}"[:200],
            outcome_url=reverse("funding:call_detail", args=[call.pk]),
            outcome_type=ContentType.objects.get_for_model(Call), outcome_id=call.pk,
        )


def call_close(*, call: Call, actor: User) -> Call:
    """Close the call to new applications (idempotent)."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.status == Call.Status.OPEN:
            call.status = Call.Status.CLOSED
            call.save(update_fields=["status"])
            audit_append(action="funding.call_close", actor=actor, obj=call)
    return call
