"""An evaluation's report: the printable page, its PDF, and publishing it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.access import has_role
from seedbed.core.errors import ValidationProblem
from seedbed.evaluations import reports, selectors, services
from seedbed.evaluations.access import (
    EVALUATION_MANAGERS,
    access_evaluation_analysis,
    access_evaluations_manage,
)
from seedbed.evaluations.models import Evaluation
from seedbed.evaluations.views.analysis import MESSAGE_NOT_ANALYSED

MESSAGE_PUBLISHED = "The report is published: anyone can now read it, and it can no longer change."


def _context(request: HttpRequest, evaluation_id: int) -> dict[str, Any]:
    evaluation = access_evaluation_analysis(request.user, evaluation_id)
    result = selectors.evaluation_result(evaluation=evaluation)
    if result is None:
        raise Http404(MESSAGE_NOT_ANALYSED)
    return reports.report_context(evaluation, result)


@require_http_methods(["GET"])
def report(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """The printable report (the PDF is rendered from the same body)."""
    context = _context(request, evaluation_id)
    evaluation = context["evaluation"]
    context["can_publish"] = (evaluation.status == Evaluation.Status.ANALYSED
                              and not context["newer_data"]
                              and has_role(request.user, *EVALUATION_MANAGERS))
    return render(request, "evaluations/report.html", context)


@require_http_methods(["GET"])
def report_pdf(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    context = _context(request, evaluation_id)
    pdf = reports.report_pdf(context, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{evaluation_id}-report.pdf"'
    return response


@require_http_methods(["POST"])
def report_publish(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    actor = access_evaluations_manage(request.user)
    evaluation = access_evaluation_analysis(request.user, evaluation_id)
    try:
        services.evaluation_report(evaluation=evaluation, actor=actor)
    except ValidationProblem as problem:
        messages.error(request, " ".join(problem.problems.values()))
    else:
        messages.success(request, MESSAGE_PUBLISHED)
    return redirect("evaluations:report", evaluation_id=evaluation.pk)
