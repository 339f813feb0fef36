"""The plan's pages: editing a draft, registering (which freezes it) and amending it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.evaluations import services
from seedbed.evaluations.access import access_evaluation, access_evaluations_manage
from seedbed.evaluations.forms import RegisterForm, plan_form_for
from seedbed.evaluations.models import Evaluation
from seedbed.evaluations.rules import PLAN_FIELDS, plan_label, required_fields

MESSAGE_NOT_DRAFT = "The plan is registered: change it through an amendment."
MESSAGE_NOT_REGISTERED = "Only a registered plan, not yet analysed, can be amended."


def _current(evaluation: Evaluation) -> dict[str, object]:
    plan = evaluation.plan
    return {name: getattr(plan, name) for name in PLAN_FIELDS}


@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    actor = access_evaluations_manage(request.user)
    evaluation = access_evaluation(request.user, evaluation_id)
    if not evaluation.is_draft:
        messages.info(request, MESSAGE_NOT_DRAFT)
        return redirect("evaluations:evaluation_detail", evaluation_id=evaluation.pk)
    form = plan_form_for(evaluation.design)(request.POST or None, initial=_current(evaluation))
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(actor=actor, evaluation=evaluation,
                                 changes=form.plan_changes())
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "The plan has been saved. Register it when it is complete.")
            return redirect("evaluations:evaluation_detail", evaluation_id=evaluation.pk)
    return render(request, "evaluations/plan_form.html", {
        "evaluation": evaluation, "form": form, "amend": False})


@require_http_methods(["GET", "POST"])
def evaluation_register(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    actor = access_evaluations_manage(request.user)
    evaluation = access_evaluation(request.user, evaluation_id)
    if not evaluation.is_draft:
        messages.info(request, MESSAGE_NOT_DRAFT)
        return redirect("evaluations:evaluation_detail", evaluation_id=evaluation.pk)
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_register(actor=actor, evaluation=evaluation)
        except ValidationProblem as problem:
            add_problems(form, problem, name_other_fields=True)
        else:
            messages.success(request, "The plan is registered and frozen. It is now public.")
            return redirect("evaluations:evaluation_detail", evaluation_id=evaluation.pk)
    plan = evaluation.plan
    return render(request, "evaluations/register_form.html", {
        "evaluation": evaluation, "form": form,
        "missing": [plan_label(name) for name in required_fields(evaluation.design)
                    if getattr(plan, name) in (None, "")]})


@require_http_methods(["GET", "POST"])
def plan_amend(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    actor = access_evaluations_manage(request.user)
    evaluation = access_evaluation(request.user, evaluation_id)
    if evaluation.status != Evaluation.Status.REGISTERED:
        messages.info(request, MESSAGE_NOT_REGISTERED)
        return redirect("evaluations:evaluation_detail", evaluation_id=evaluation.pk)
    form = plan_form_for(evaluation.design, amend=True)(request.POST or None,
                                                        initial=_current(evaluation))
    if request.method == "POST" and form.is_valid():
        try:
            version = services.plan_amend(
                actor=actor, evaluation=evaluation,
                changes=form.plan_changes(), reason=form.cleaned_data["reason"])
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, f"The amendment is recorded as version {version.number}.")
            return redirect("evaluations:evaluation_detail", evaluation_id=evaluation.pk)
    return render(request, "evaluations/plan_form.html", {
        "evaluation": evaluation, "form": form, "amend": True})
