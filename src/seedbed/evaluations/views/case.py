"""Adding a reported evaluation to the library: a page showing the levels its case will
carry and why, with the form for what the plan does not hold."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.evaluations import selectors, services
from seedbed.evaluations.access import access_evaluation_case_create
from seedbed.evaluations.forms import CaseForm
from seedbed.evaluations.rules import case_refusal, has_estimate

MESSAGE_ADDED = "The evaluation is in the library, with its evidence levels and their reasons."


@require_http_methods(["GET", "POST"])
def evaluation_case_create(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    actor, evaluation = access_evaluation_case_create(request.user, evaluation_id)
    case = selectors.evaluation_case(evaluation=evaluation)
    result = selectors.evaluation_result(evaluation=evaluation)
    refusal = case_refusal(
        status=evaluation.status, has_result=result is not None, has_case=case is not None,
        has_estimate=result is not None and has_estimate(result.design, result.payload))
    preview = None if refusal else selectors.case_preview(evaluation=evaluation)
    form = CaseForm(request.POST or None, initial={"what_was_done": evaluation.title})
    if request.method == "POST" and form.is_valid():
        try:
            case = services.evaluation_case_create(actor=actor, evaluation=evaluation,
                                                   **form.cleaned_data)
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, MESSAGE_ADDED)
            return redirect("library:case_detail", case_id=case.pk)
    return render(request, "evaluations/case_form.html", {
        "evaluation": evaluation, "form": form, "case": case, "refusal": refusal,
        "preview": preview})
