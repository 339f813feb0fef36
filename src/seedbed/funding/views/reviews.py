"""Reviewing: the panel queue, conflicts, score sets, moderation, the pitch and decisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from seedbed.core.access import access_signed_in, gatekeeper
from seedbed.core.errors import AccessDenied, ValidationProblem
from seedbed.funding import forms, selectors
from seedbed.funding.access import (
    DENIED_FUNDING_RECORD,
    access_actor,
    access_application_declare,
    access_application_review,
    access_call_chair,
)
from seedbed.funding.models import Application, Review
from seedbed.funding.services import reviews as services
from seedbed.funding.views.common import run_form

PITCH_REFRESH_SECONDS = 10


@require_http_methods(["GET"])
@gatekeeper(access_signed_in)
def panel_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "funding/panel_queue.html", {"rows": selectors.panel_queue(user=request.user)})


@require_http_methods(["GET", "POST"])
def conflict_declare(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_application_declare(request.user, application_id)
    conflict = selectors.conflict_get(application=application, reviewer=request.user)
    form = forms.ConflictForm(request.POST or None)
    context = {"application": application, "conflict": conflict}
    if request.method == "POST":
        return run_form(
            request, form, lambda d: services.conflict_declare(
                application=application, actor=access_actor(request.user), has_conflict=d["has_conflict"] == "yes", detail=d["detail"]),
            success="Your declaration has been recorded.",
            redirect_to=reverse("funding:conflict_declare", args=[application.pk]),
            template="funding/conflict_declare.html", context=context,
        )
    return render(request, "funding/conflict_declare.html", {**context, "form": form})


def _score_page(request: HttpRequest, application: Application, mode: str, template: str, back: str, extra: dict) -> HttpResponse:
    criteria = list(selectors.call_criterion_list(call=application.call))
    form_class = forms.ScoreForm.for_criteria(criteria)
    review = selectors.review_get(application=application, reviewer=request.user, mode=mode)
    context = {"application": application, "review": review, "criteria": criteria,
               "answers": selectors.answer_list(application=application), "lines": selectors.budget_line_list(application=application), **extra}
    if request.method == "POST":
        form = form_class(request.POST)
        return run_form(
            request, form, lambda d: services.review_save(
                application=application, actor=access_actor(request.user), scores=form.scores(criteria), comment=d["comment"],
                mode=mode, reason=d["reason"]),
            success=f"Your scores for {application.reference} are saved.", redirect_to=back,
            template=template, context=context,
        )
    initial: dict[str, Any] = {"comment": review.comment} if review else {}
    if review:
        initial.update({f"criterion_{s.criterion_id}": s.value for s in selectors.review_score_list(review=review)})
    return render(request, template, {**context, "form": form_class(initial=initial)})


@require_http_methods(["GET", "POST"])
def review_score(request: HttpRequest, application_id: int) -> HttpResponse:
    """Open an application to score it: the gatekeeper refuses an undeclared conflict."""
    application = access_application_review(request.user, application_id)
    return _score_page(request, application, Review.Mode.WRITTEN, "funding/review_score.html",
                       reverse("funding:panel_queue"), {})


@require_http_methods(["GET", "POST"])
def pitch_score(request: HttpRequest, call_id: int, slot_id: int) -> HttpResponse:
    """A panel member's phone or laptop during the pitch."""
    slot = selectors.pitch_slot_get(slot_id=slot_id)
    if slot is None or slot.call_id != call_id:
        raise Http404
    application = access_application_review(request.user, slot.application_id)
    return _score_page(request, application, Review.Mode.PITCH, "funding/pitch_score.html",
                       reverse("funding:pitch_score", args=[call_id, slot.pk]), {"slot": slot})


@require_http_methods(["GET"])
def call_reviews(request: HttpRequest, call_id: int) -> HttpResponse:
    call = access_call_chair(request.user, call_id)
    return render(request, "funding/call_reviews.html", {
        "call": call, "progress": selectors.reviewer_progress(call=call), "scores": selectors.call_scores(call=call),
        "conflicts": selectors.conflict_declared_list(call=call),
        "conflict_history": selectors.conflict_history(call=call),
        "exceptions": selectors.award_exception_list(call=call),
        "decision_form": forms.DecisionForm(prefix="decision"), "moderation_form": forms.ModerationForm(prefix="moderation"),
        "conflict_form": forms.ConflictDecisionForm(prefix="conflict"),
    })


def _chair_post(request: HttpRequest, call_id: int, fn, back: str) -> HttpResponse:
    """Run a chair's one-click action; problems come back as messages on the page."""
    call = access_call_chair(request.user, call_id)
    try:
        fn(call)
    except ValidationProblem as problem:
        for message in problem.problems.values():
            messages.error(request, message)
    except (LookupError, ObjectDoesNotExist):
        # A missing or another call's record: the same answer as a forbidden one.
        raise AccessDenied(DENIED_FUNDING_RECORD) from None
    else:
        messages.success(request, "Saved.")
    return redirect(back, call_id=call.pk)


@require_POST
def conflict_decide(request: HttpRequest, call_id: int, conflict_id: int) -> HttpResponse:
    def act(call):
        conflict = selectors.conflict_for_call(call=call, conflict_id=conflict_id)
        form = forms.ConflictDecisionForm(request.POST, prefix="conflict")
        if not form.is_valid():
            raise ValidationProblem("Choose whether to waive the conflict, recuse the reviewer or withdraw the conflict")
        if form.cleaned_data["decision"] == "withdraw":
            services.conflict_withdraw(conflict=conflict, reason=form.cleaned_data["reason"], actor=access_actor(request.user))
        else:
            services.conflict_decide(conflict=conflict, waive=form.cleaned_data["decision"] == "waive",
                                     reason=form.cleaned_data["reason"], actor=access_actor(request.user))
    return _chair_post(request, call_id, act, "funding:call_reviews")


@require_POST
def review_moderate(request: HttpRequest, call_id: int, review_id: int) -> HttpResponse:
    def act(call):
        review = selectors.review_for_call(call=call, review_id=review_id)
        form = forms.ModerationForm(request.POST, prefix="moderation")
        if not form.is_valid():
            raise ValidationProblem("Choose the moderation and give the reason")
        services.review_moderate(review=review, outcome=form.cleaned_data["outcome"], reason=form.cleaned_data["reason"],
                                 actor=access_actor(request.user))
    return _chair_post(request, call_id, act, "funding:call_reviews")


@require_POST
def decision_make(request: HttpRequest, call_id: int, application_id: int) -> HttpResponse:
    back = request.POST.get("back") == "pitch" and "funding:pitch_board" or "funding:call_reviews"

    def act(call):
        application = selectors.application_for_call(call=call, application_id=application_id)
        form = forms.DecisionForm(request.POST, prefix="decision")
        if not form.is_valid():
            raise ValidationProblem({k: str(v[0]) for k, v in form.errors.items()})
        data = form.cleaned_data
        services.decision_make(application=application, outcome=data["outcome"], public_reason=data["public_reason"],
                               amount=data["amount"], conditions=data["conditions"], actor=access_actor(request.user),
                               service_area=data["service_area"], typology=data["typology"] or "service")
    return _chair_post(request, call_id, act, back)


@require_POST
def award_exception(request: HttpRequest, call_id: int, application_id: int) -> HttpResponse:
    """A second funding manager approves an award above the request or the call's maximum."""
    def act(call):
        application = selectors.application_for_call(call=call, application_id=application_id)
        form = forms.AwardExceptionForm(request.POST, prefix="exception")
        if not form.is_valid():
            raise ValidationProblem({k: f"{form.fields[k].label if k in form.fields else ''}: {v[0]}".lstrip(": ")
                                     for k, v in form.errors.items()})
        services.award_exception_approve(application=application, amount=form.cleaned_data["amount"],
                                         reason=form.cleaned_data["reason"], actor=access_actor(request.user))
    return _chair_post(request, call_id, act, "funding:call_reviews")


@require_http_methods(["GET"])
def pitch_board(request: HttpRequest, call_id: int) -> HttpResponse:
    """The chair's live totals: the page refreshes itself (a meta refresh, no script)."""
    call = access_call_chair(request.user, call_id)
    if request.GET.get("fragment") == "totals":
        return render(request, "funding/_pitch_totals.html", {"board": selectors.pitch_board(call=call)})
    return render(request, "funding/pitch_board.html", {
        "call": call, "board": selectors.pitch_board(call=call), "refresh": PITCH_REFRESH_SECONDS,
        "order_form": forms.PitchOrderForm(prefix="order"), "decision_form": forms.DecisionForm(prefix="decision"),
        "candidates": selectors.pitch_candidate_list(call=call),
    })


@require_POST
def pitch_order(request: HttpRequest, call_id: int) -> HttpResponse:
    def act(call):
        form = forms.PitchOrderForm(request.POST, prefix="order")
        if not form.is_valid():
            raise ValidationProblem({"order": "Enter the running order"})
        services.pitch_order_set(call=call, application_ids=form.application_ids(), actor=access_actor(request.user))
    return _chair_post(request, call_id, act, "funding:pitch_board")


@require_POST
def pitch_slot_status(request: HttpRequest, call_id: int, slot_id: int) -> HttpResponse:
    def act(call):
        slot = selectors.pitch_slot_for_call(call=call, slot_id=slot_id)
        services.pitch_slot_move(slot=slot, status=request.POST.get("status", ""), actor=access_actor(request.user))
    return _chair_post(request, call_id, act, "funding:pitch_board")
