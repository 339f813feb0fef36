"""Handling needs and ideas: statuses, merging, hiding and the moderation queue (handlers only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from seedbed.core.access import gatekeeper
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.participation import selectors, services
from seedbed.participation.access import (
    access_contribution_handle,
    access_voices_comment,
    access_voices_handling,
    access_voices_report,
)
from seedbed.participation.forms import HideForm, MergeForm, StatusForm
from seedbed.participation.views.contributions import detail_response

STATUS_SET = "The status is now '{status}'. The submitter and followers will be told."
MERGED = "{duplicate} has been merged into {into}; supports and followers carried over."
HIDDEN = "It has been hidden. The reason is shown in its place."
DISMISSED = "The report has been closed; nothing was hidden."


@require_POST
def status_set(request: HttpRequest, contribution_id: int) -> HttpResponse:
    actor = access_voices_handling(request.user)
    contribution = access_contribution_handle(actor, contribution_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.contribution_status_set(
                contribution=contribution, status=data["status"], actor=actor,
                reason=data["note"], outcome_label=data["outcome_label"],
                outcome_url=data["outcome_url"], outcome_type=data["outcome_type"],
                outcome_id=data["outcome_id"],
            )
        except ValidationProblem as problem:
            add_problems(form, problem, rename={"reason": "note"})
        else:
            messages.success(request, STATUS_SET.format(status=contribution.get_status_display()))
            return redirect("participation:detail", contribution_id=contribution.pk)
    return detail_response(request, contribution, status_form=form)


@require_POST
def merge(request: HttpRequest, contribution_id: int) -> HttpResponse:
    actor = access_voices_handling(request.user)
    contribution = access_contribution_handle(actor, contribution_id)
    form = MergeForm(request.POST)
    if form.is_valid():
        try:
            into = services.contribution_merge(duplicate=contribution, into=form.cleaned_data["into"],
                                               actor=actor)
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, MERGED.format(duplicate=contribution.reference, into=into.reference))
            return redirect("participation:detail", contribution_id=into.pk)
    return detail_response(request, contribution, merge_form=form)


@require_POST
def hide(request: HttpRequest, contribution_id: int) -> HttpResponse:
    actor = access_voices_handling(request.user)
    contribution = access_contribution_handle(actor, contribution_id)
    form = HideForm(request.POST)
    if form.is_valid():
        try:
            reason = form.cleaned_data["hide_reason"]
            if form.cleaned_data.get("hide_comment"):
                target = access_voices_comment(request.user, form.cleaned_data["hide_comment"])
                if target.contribution_id != contribution.pk:
                    raise ValidationProblem({"reason": "That comment is not on this page"})
                services.comment_hide(comment=target, reason=reason, actor=actor)
            else:
                services.contribution_hide(contribution=contribution, reason=reason, actor=actor)
        except ValidationProblem as problem:
            add_problems(form, problem, rename={"reason": "hide_reason"})
        else:
            messages.success(request, HIDDEN)
            if request.POST.get("next") == "moderation":
                return redirect("participation:moderation")
            return redirect("participation:detail", contribution_id=contribution.pk)
    return detail_response(request, contribution, hide_form=form)


@require_POST
def report_dismiss(request: HttpRequest, report_id: int) -> HttpResponse:
    actor = access_voices_handling(request.user)
    report = access_voices_report(actor, report_id)
    services.report_dismiss(report=report, actor=actor)
    messages.success(request, DISMISSED)
    return redirect("participation:moderation")


@require_GET
@gatekeeper(access_voices_handling)
def moderation(request: HttpRequest) -> HttpResponse:
    return render(request, "participation/moderation.html", {"reports": selectors.moderation_queue()})
