"""Evaluation pages: the list, starting an evaluation, and an evaluation's page with its plan
and versions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.access import has_role
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.evaluations import selectors, services
from seedbed.evaluations.access import (
    EVALUATION_MANAGERS,
    access_evaluation,
    access_evaluations_manage,
    analysis_readable,
)
from seedbed.evaluations.forms import EvaluationForm
from seedbed.evaluations.rules import (
    case_refusal,
    data_refusal,
    has_estimate,
    plan_fields,
    plan_label,
    plan_value_text,
)


def _can_manage(request: HttpRequest) -> bool:
    return has_role(request.user, *EVALUATION_MANAGERS)


@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "evaluations/index.html", {
        "evaluations": selectors.evaluation_list(for_user=request.user),
        "can_manage": _can_manage(request),
    })


@require_http_methods(["GET"])
def evaluation_detail(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = access_evaluation(request.user, evaluation_id)
    plan = evaluation.plan
    result = selectors.evaluation_result(evaluation=evaluation)
    library_case = selectors.evaluation_case(evaluation=evaluation)
    return render(request, "evaluations/evaluation_detail.html", {
        "evaluation": evaluation,
        "plan_rows": [(plan_label(name), plan_value_text(name, getattr(plan, name),
                                                         design=evaluation.design))
                      for name in plan_fields(evaluation.design)],
        "versions": selectors.plan_versions(evaluation=evaluation),
        "can_manage": _can_manage(request),
        "datasets": selectors.dataset_list(evaluation=evaluation)[:1],
        "result": result,
        "can_see_analysis": analysis_readable(request.user, evaluation),
        "data_open": data_refusal(evaluation.status) is None,
        "library_case": library_case,
        "case_open": not case_refusal(
            status=evaluation.status, has_result=result is not None,
            has_case=library_case is not None,
            has_estimate=result is not None and has_estimate(result.design, result.payload)),
    })


@require_http_methods(["GET", "POST"])
def evaluation_create(request: HttpRequest) -> HttpResponse:
    actor = access_evaluations_manage(request.user)
    form = EvaluationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_create(actor=actor, **form.cleaned_data)
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "The evaluation has been started. Write its plan, then register it.")
            return redirect("evaluations:plan_edit", evaluation_id=evaluation.pk)
    return render(request, "evaluations/evaluation_form.html", {"form": form})
