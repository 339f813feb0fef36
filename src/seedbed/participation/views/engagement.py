"""Supporting, following, commenting on and reporting a need or idea (POST only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.participation import services
from seedbed.participation.access import (
    access_contribution,
    access_voices_comment,
    access_voices_participant,
)
from seedbed.participation.forms import CommentForm, ReportForm
from seedbed.participation.views.contributions import detail_response
from seedbed.participation.views.rate_limits import rate_limited

SUPPORTED = "You support {reference}. Thank you."
UNSUPPORTED = "You no longer support {reference}."
FOLLOWING = "You are following {reference}. Changes will reach you in a daily summary."
UNFOLLOWED = "You are no longer following {reference}."
COMMENTED = "Your comment has been added."
REPORTED = "Thank you. Your report has been sent to the moderators."


def _back(contribution_id: int, anchor: str = "") -> HttpResponse:
    response = redirect("participation:detail", contribution_id=contribution_id)
    response["Location"] += anchor
    return response


@require_POST
@rate_limited("act")
def support(request: HttpRequest, contribution_id: int) -> HttpResponse:
    actor = access_voices_participant(request.user)
    contribution = access_contribution(actor, contribution_id)
    try:
        if request.POST.get("action") == "remove":
            services.support_remove(contribution=contribution, actor=actor)
            messages.success(request, UNSUPPORTED.format(reference=contribution.reference))
        else:
            services.support_add(contribution=contribution, actor=actor)
            messages.success(request, SUPPORTED.format(reference=contribution.reference))
    except ValidationProblem as problem:
        messages.error(request, "; ".join(problem.problems.values()))
    return _back(contribution.pk)


@require_POST
@rate_limited("act")
def follow(request: HttpRequest, contribution_id: int) -> HttpResponse:
    actor = access_voices_participant(request.user)
    contribution = access_contribution(actor, contribution_id)
    try:
        if request.POST.get("action") == "remove":
            services.follow_remove(contribution=contribution, actor=actor)
            messages.success(request, UNFOLLOWED.format(reference=contribution.reference))
        else:
            services.follow_add(contribution=contribution, actor=actor)
            messages.success(request, FOLLOWING.format(reference=contribution.reference))
    except ValidationProblem as problem:
        messages.error(request, "; ".join(problem.problems.values()))
    return _back(contribution.pk)


@require_POST
@rate_limited("act")
def comment(request: HttpRequest, contribution_id: int) -> HttpResponse:
    actor = access_voices_participant(request.user)
    contribution = access_contribution(actor, contribution_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = access_voices_comment(request.user, form.cleaned_data["parent"])
        try:
            created = services.comment_add(
                contribution=contribution, actor=actor, body=form.cleaned_data["text"],
                parent=parent,
            )
        except ValidationProblem as problem:
            add_problems(form, problem, rename={"body": "text"})
        else:
            messages.success(request, COMMENTED)
            return _back(contribution.pk, f"#comment-{created.pk}")
    return detail_response(request, contribution, comment_form=form)


@require_POST
@rate_limited("act")
def report(request: HttpRequest, contribution_id: int) -> HttpResponse:
    actor = access_voices_participant(request.user)
    contribution = access_contribution(actor, contribution_id)
    form = ReportForm(request.POST)
    if form.is_valid():
        target = None
        if form.cleaned_data.get("report_comment"):
            target = access_voices_comment(request.user, form.cleaned_data["report_comment"])
        try:
            services.report_make(contribution=contribution, actor=actor,
                                 reason=form.cleaned_data["report_reason"], comment=target)
        except ValidationProblem as problem:
            add_problems(form, problem, rename={"reason": "report_reason"})
        else:
            messages.success(request, REPORTED)
            return _back(contribution.pk)
    return detail_response(request, contribution, report_form=form)
