"""Evaluation pages: the list and an evaluation's page with its plan and versions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from seedbed.core.access import has_role
from seedbed.evaluations import selectors
from seedbed.evaluations.access import EVALUATION_MANAGERS, access_evaluation
from seedbed.evaluations.rules import plan_fields, plan_label


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
    return render(request, "evaluations/evaluation_detail.html", {
        "evaluation": evaluation,
        "plan_rows": [(plan_label(name), getattr(plan, name))
                      for name in plan_fields(evaluation.design)],
        "versions": selectors.plan_versions(evaluation=evaluation),
        "can_manage": _can_manage(request),
    })
