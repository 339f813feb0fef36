"""An evaluation's analysis page: the estimates in plain words, the design's chart with its
figures, the assumptions and their checks, the warnings, the plan version and the data."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from seedbed.core.access import has_role
from seedbed.evaluations import selectors
from seedbed.evaluations.access import EVALUATION_MANAGERS, access_evaluation_analysis

MESSAGE_NOT_ANALYSED = "This evaluation has not been analysed yet."


@require_http_methods(["GET"])
def analysis(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = access_evaluation_analysis(request.user, evaluation_id)
    result = selectors.evaluation_result(evaluation=evaluation)
    if result is None:
        raise Http404(MESSAGE_NOT_ANALYSED)
    return render(request, "evaluations/analysis.html", {
        "evaluation": evaluation, **selectors.analysis_summary(result=result),
        "can_manage": has_role(request.user, *EVALUATION_MANAGERS),
    })
