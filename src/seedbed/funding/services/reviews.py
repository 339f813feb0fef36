"""Reviewing: conflicts of interest, score sets, moderation, the pitch and decisions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.funding import selectors
from seedbed.funding.access import is_funding_manager
from seedbed.funding.models import (
    Application,
    AwardException,
    Call,
    Conflict,
    Decision,
    Moderation,
    PanelMember,
    PitchSlot,
    Review,
    Score,
)
from seedbed.funding.rules import award_limit, weighted_score
from seedbed.funding.services.awards import award_make

ERROR_NOT_ON_PANEL = "You are not on the panel for this call"
ERROR_CONFLICT_UNDECLARED = "Declare any conflict of interest before you open this application"
ERROR_CONFLICT_BLOCKS = "You have a conflict of interest with this application and may not review it"
ERROR_CONFLICT_DECIDED = "The chair has already decided on this conflict"
ERROR_WAIVER_REASON = "Give the reason for waiving the conflict"
ERROR_CONFLICT_NO_TAKING_BACK = ("You have declared a conflict with this application; a declaration cannot be taken "
                                 "back by declaring again. Ask a funding manager to withdraw it, with the reason")
ERROR_CONFLICT_OWN = "You may not rule on your own conflict of interest"
ERROR_CONFLICT_RULING = ("You have a conflict of interest with this application that is undecided or upheld, "
                         "so you may not rule or decide on it")
ERROR_WITHDRAW_REASON = "Give the reason for withdrawing the conflict"
ERROR_WITHDRAW_MANAGER = "Only a funding manager other than the person who declared it can withdraw a conflict"
ERROR_WITHDRAW_STATE = "Only a declared or recused conflict can be withdrawn"
ERROR_SCORE_RANGE = "Give a score from 0 to {top}"
ERROR_SCORE_MISSING = "Score every criterion"
ERROR_REASON_AFTER_DECISION = "A decision has been made: give the reason for changing this score"
ERROR_PUBLIC_REASON = "Give the reason for the decision; it is published with it"
ERROR_ALREADY_DECIDED = "This application has already been decided"
ERROR_NOT_REVIEWABLE = "Only submitted applications can be decided"
ERROR_EXCEPTION_REASON = "Give the reason for awarding more than the limit"
ERROR_EXCEPTION_AMOUNT = "Amount: give the most that may be awarded, more than £{limit:,.2f} (the limit)"
ERROR_EXCEPTION_MANAGER = "Only a funding manager can approve an award above the limit"
ERROR_PITCH_ORDER = "Put only this call's eligible applications in the running order, each once"


def _member(call: Call, user: Any) -> PanelMember:
    member = PanelMember.objects.filter(call=call, user=user).first()
    if member is None:
        raise ValidationProblem({"__all__": ERROR_NOT_ON_PANEL})
    return member


def conflict_declare(*, application: Application, actor: User, has_conflict: bool, detail: str = "") -> Conflict:
    """The reviewer's (``actor``'s) declaration, made before they may open the application.

    Declarations only tighten: "no" may become "yes", never the other way round (a withdrawal
    is ``conflict_withdraw``, by another funding manager with a reason). Every declaration is
    audited, so the history stays with the conflict."""
    _member(application.call, actor)
    if has_conflict and not detail.strip():
        raise ValidationProblem({"detail": "Say what the conflict is"})
    with transaction.atomic():
        existing = Conflict.objects.select_for_update().filter(application=application, reviewer=actor).first()
        held = (Conflict.Status.DECLARED, Conflict.Status.WAIVED, Conflict.Status.RECUSED)
        if existing is not None and existing.status in held and not has_conflict:
            raise ValidationProblem({"has_conflict": ERROR_CONFLICT_NO_TAKING_BACK})
        if existing is not None and existing.status in (Conflict.Status.WAIVED, Conflict.Status.RECUSED):
            raise ValidationProblem({"__all__": ERROR_CONFLICT_DECIDED})
        if has_conflict:
            status = Conflict.Status.DECLARED
        elif existing is not None and existing.status == Conflict.Status.WITHDRAWN:
            status = Conflict.Status.WITHDRAWN
        else:
            status = Conflict.Status.NONE
        conflict, _ = Conflict.objects.update_or_create(
            application=application, reviewer=actor,
            defaults={"status": status, "detail": detail.strip() if has_conflict else (existing.detail if existing else "")},
        )
        audit_append(action="funding.conflict_declare", actor=actor, obj=conflict,
                     data={"application": application.pk, "status": status})
    return conflict


def _ruling_clearance(application: Application, actor: User) -> str | None:
    """None when ``actor`` may rule on this application (conflicts, moderation, the decision),
    else the reason: nobody rules while their own conflict with it is undecided or upheld."""
    if Conflict.objects.filter(application=application, reviewer_id=getattr(actor, "pk", None),
                               status__in=[Conflict.Status.DECLARED, Conflict.Status.RECUSED]).exists():
        return ERROR_CONFLICT_RULING
    return None


def _may_rule_on_conflict(conflict: Conflict, actor: User) -> None:
    if conflict.reviewer_id == getattr(actor, "pk", None):
        raise ValidationProblem({"__all__": ERROR_CONFLICT_OWN})
    blocked = _ruling_clearance(conflict.application, actor)
    if blocked:
        raise ValidationProblem({"__all__": blocked})


def conflict_decide(*, conflict: Conflict, waive: bool, reason: str = "", actor: User) -> Conflict:
    """The chair waives a declared conflict (with a reason) or recuses the reviewer; never
    their own conflict, nor one on an application they have a conflict with themselves."""
    if waive and not reason.strip():
        raise ValidationProblem({"reason": ERROR_WAIVER_REASON})
    with transaction.atomic():
        conflict = Conflict.objects.select_for_update().get(pk=conflict.pk)
        _may_rule_on_conflict(conflict, actor)
        if conflict.status != Conflict.Status.DECLARED:
            raise ValidationProblem({"__all__": ERROR_CONFLICT_DECIDED})
        conflict.status = Conflict.Status.WAIVED if waive else Conflict.Status.RECUSED
        conflict.waiver_reason = reason.strip()
        conflict.decided_by = actor
        conflict.save()
        audit_append(action="funding.conflict_decide", actor=actor, obj=conflict,
                     data={"status": conflict.status, "reason": conflict.waiver_reason})
    return conflict


def conflict_withdraw(*, conflict: Conflict, reason: str, actor: User) -> Conflict:
    """Withdraw a conflict declared in error: a funding manager other than the declarer, with
    the reason (audited). The reviewer may then review; the declaration stays in the history."""
    if not reason.strip():
        raise ValidationProblem({"reason": ERROR_WITHDRAW_REASON})
    if not is_funding_manager(actor) or conflict.reviewer_id == getattr(actor, "pk", None):
        raise ValidationProblem({"__all__": ERROR_WITHDRAW_MANAGER})
    with transaction.atomic():
        conflict = Conflict.objects.select_for_update().get(pk=conflict.pk)
        _may_rule_on_conflict(conflict, actor)
        if conflict.status not in (Conflict.Status.DECLARED, Conflict.Status.RECUSED):
            raise ValidationProblem({"__all__": ERROR_WITHDRAW_STATE})
        before = conflict.status
        conflict.status = Conflict.Status.WITHDRAWN
        conflict.waiver_reason = reason.strip()
        conflict.decided_by = actor
        conflict.save()
        audit_append(action="funding.conflict_withdraw", actor=actor, obj=conflict,
                     data={"status": conflict.status, "before": before, "reason": conflict.waiver_reason})
    return conflict


def _review_clearance(application: Application, reviewer: User) -> str | None:
    """None when the reviewer may open the application, else the reason they may not."""
    if not PanelMember.objects.filter(call_id=application.call_id, user=reviewer).exists():
        return ERROR_NOT_ON_PANEL
    conflict = Conflict.objects.filter(application=application, reviewer=reviewer).first()
    if conflict is None:
        return ERROR_CONFLICT_UNDECLARED
    if not conflict.may_review:
        return ERROR_CONFLICT_BLOCKS
    return None


def review_save(
    *, application: Application, actor: User, scores: Mapping[int, int], comment: str = "",
    mode: str = Review.Mode.WRITTEN, reason: str = "",
) -> Review:
    """Record a reviewer's (``actor``'s) score set. After a decision, a change needs a reason and is audited."""
    blocked = _review_clearance(application, actor)
    if blocked:
        raise ValidationProblem({"__all__": blocked})
    criteria = list(application.call.criteria.all())
    problems: dict[str, str] = {}
    for criterion in criteria:
        value = scores.get(criterion.pk)
        if value is None:
            problems[f"criterion_{criterion.pk}"] = ERROR_SCORE_MISSING
        elif not 0 <= value <= criterion.max_score:
            problems[f"criterion_{criterion.pk}"] = ERROR_SCORE_RANGE.format(top=criterion.max_score)
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        decided = Decision.objects.filter(application=application).exists()
        review, _ = Review.objects.get_or_create(application=application, reviewer=actor, mode=mode)
        before = {s.criterion_id: s.value for s in review.scores.all()}
        after = {c.pk: int(scores[c.pk]) for c in criteria}
        if decided and before != after:
            if not reason.strip():
                raise ValidationProblem({"reason": ERROR_REASON_AFTER_DECISION})
            audit_append(action="funding.score_change_after_decision", actor=actor, obj=review,
                         data={"before": {str(k): v for k, v in before.items()},
                               "after": {str(k): v for k, v in after.items()}, "reason": reason.strip()})
        for criterion_id, value in after.items():
            Score.objects.update_or_create(review=review, criterion_id=criterion_id, defaults={"value": value})
        review.comment = comment
        review.weighted = weighted_score(criteria=criteria, values=after)
        review.completed_at = review.completed_at or timezone.now()
        review.save()
        if before != after:
            audit_append(action="funding.review_save", actor=actor, obj=review,
                         data={"application": application.pk, "mode": mode, "weighted": str(review.weighted),
                               "scores": {str(k): v for k, v in after.items()}})
    return review


def review_moderate(
    *, review: Review, outcome: str, reason: str, actor: User, scores: Mapping[int, int] | None = None,
) -> Moderation:
    """The chair's ruling on an outlier score set: keep it, or adjust it (audited)."""
    if not reason.strip():
        raise ValidationProblem({"reason": "Give the reason for the moderation"})
    if outcome not in ("kept", "adjusted"):
        raise ValidationProblem({"outcome": "Choose whether the score is kept or adjusted"})
    blocked = _ruling_clearance(review.application, actor)
    if blocked:
        raise ValidationProblem({"__all__": blocked})
    with transaction.atomic():
        if outcome == "adjusted" and scores:
            before = str(review.weighted)
            criteria = {c.pk for c in review.application.call.criteria.all()}
            for criterion_id, value in scores.items():
                if criterion_id in criteria:
                    Score.objects.update_or_create(review=review, criterion_id=criterion_id, defaults={"value": value})
            values = {s.criterion_id: s.value for s in review.scores.all()}
            review.weighted = weighted_score(criteria=list(review.application.call.criteria.all()), values=values)
            review.save(update_fields=["weighted"])
            audit_append(action="funding.score_moderated", actor=actor, obj=review,
                         data={"before": before, "after": str(review.weighted), "reason": reason.strip()})
        moderation = Moderation.objects.create(review=review, outcome=outcome, reason=reason.strip(), moderated_by=actor)
        audit_append(action="funding.review_moderate", actor=actor, obj=moderation,
                     data={"review": review.pk, "application": review.application_id, "outcome": outcome,
                           "reason": reason.strip()})
    return moderation


def pitch_order_set(*, call: Call, application_ids: Sequence[int], actor: User) -> list[PitchSlot]:
    """Set the running order of the pitch event (replacing any earlier order)."""
    eligible = set(call.applications.filter(status__in=[Application.Status.SUBMITTED, Application.Status.SHORTLISTED])
                   .values_list("pk", flat=True))
    if len(set(application_ids)) != len(application_ids) or not set(application_ids) <= eligible or not application_ids:
        raise ValidationProblem({"order": ERROR_PITCH_ORDER})
    with transaction.atomic():
        call.pitch_slots.all().delete()
        slots = [PitchSlot.objects.create(call=call, application_id=app_id, position=i + 1)
                 for i, app_id in enumerate(application_ids)]
        Application.objects.filter(pk__in=application_ids).update(status=Application.Status.SHORTLISTED)
        audit_append(action="funding.pitch_order_set", actor=actor, obj=call, data={"order": list(application_ids)})
    return slots


def pitch_slot_move(*, slot: PitchSlot, status: str, actor: User) -> PitchSlot:
    """Start or finish a pitch; starting one finishes any other still pitching."""
    if status not in PitchSlot.Status.values:
        raise ValidationProblem({"status": "Choose a status"})
    with transaction.atomic():
        if status == PitchSlot.Status.PITCHING:
            PitchSlot.objects.filter(call=slot.call, status=PitchSlot.Status.PITCHING).update(status=PitchSlot.Status.DONE)
        slot.status = status
        slot.save(update_fields=["status"])
        audit_append(action="funding.pitch_slot_move", actor=actor, obj=slot,
                     data={"call": slot.call_id, "application": slot.application_id, "status": status})
    return slot


def award_exception_approve(*, application: Application, amount: Decimal, reason: str, actor: User) -> AwardException:
    """A funding manager approves awarding up to ``amount``, above the request or the call's
    maximum, with the reason (audited). Someone else must then make the award."""
    if not is_funding_manager(actor):
        raise ValidationProblem({"__all__": ERROR_EXCEPTION_MANAGER})
    limit, _ = award_limit(requested=application.amount, maximum=application.call.max_amount)
    problems: dict[str, str] = {}
    if amount is None or amount <= limit:
        problems["amount"] = ERROR_EXCEPTION_AMOUNT.format(limit=limit)
    if not reason.strip():
        problems["reason"] = ERROR_EXCEPTION_REASON
    if problems:
        raise ValidationProblem(problems)
    blocked = _ruling_clearance(application, actor)
    if blocked:
        raise ValidationProblem({"__all__": blocked})
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if Decision.objects.filter(application=application).exists():
            raise ValidationProblem({"__all__": ERROR_ALREADY_DECIDED})
        exception = AwardException.objects.create(application=application, amount=amount, reason=reason.strip(),
                                                  approved_by=actor)
        audit_append(action="funding.award_exception_approve", actor=actor, obj=exception,
                     data={"application": application.pk, "amount": str(amount), "limit": str(limit),
                           "reason": exception.reason})
    return exception


def decision_make(
    *, application: Application, outcome: str, public_reason: str, actor: User,
    amount: Decimal | None = None, conditions: str = "", service_area: Any = None, typology: str = "service",
) -> Decision:
    """Decide an application, with the reason published. Funding commits the money at once
    (refused if the fund cannot cover it) and makes the award, which puts the innovation it
    funds in the portfolio (``service_area`` and ``typology``: see ``award_make``)."""
    if not public_reason.strip():
        raise ValidationProblem({"public_reason": ERROR_PUBLIC_REASON})
    if outcome not in Decision.Outcome.values:
        raise ValidationProblem({"outcome": "Choose fund or do not fund"})
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if Decision.objects.filter(application=application).exists():
            raise ValidationProblem({"__all__": ERROR_ALREADY_DECIDED})
        if application.status not in (Application.Status.SUBMITTED, Application.Status.SHORTLISTED):
            raise ValidationProblem({"__all__": ERROR_NOT_REVIEWABLE})
        blocked = _ruling_clearance(application, actor)
        if blocked:
            raise ValidationProblem({"__all__": blocked})
        funded = outcome == Decision.Outcome.FUND
        money = (amount if amount is not None else application.amount) if funded else Decimal(0)
        exception = selectors.award_exception_for(application=application, amount=money, actor=actor) if funded else None
        decision = Decision.objects.create(
            application=application, outcome=outcome, amount=money, public_reason=public_reason.strip(),
            decided_by=actor, decided_at=timezone.now(),
        )
        application.status = Application.Status.AWARDED if funded else Application.Status.DECLINED
        application.save(update_fields=["status"])
        audit_append(action="funding.decision_make", actor=actor, obj=decision,
                     data={"application": application.pk, "outcome": outcome, "amount": str(money),
                           "reason": decision.public_reason,
                           **({"exception": exception.pk, "approved_by": exception.approved_by_id} if exception else {})})
        if funded:
            award_make(application=application, amount=money, conditions=conditions, actor=actor,
                       service_area=service_area, typology=typology)
    return decision
