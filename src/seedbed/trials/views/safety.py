"""The safety lead's workspace: their trials, looks due, serious events to review, crossings."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from seedbed.core.errors import ValidationProblem
from seedbed.trials.access import access_safety_event, access_safety_workspace
from seedbed.trials.selectors import safety_workspace
from seedbed.trials.services.monitoring import safety_event_review


@require_http_methods(["GET"])
def workspace(request: HttpRequest) -> HttpResponse:
    user = access_safety_workspace(request.user)
    return render(request, "trials/safety_workspace.html", safety_workspace(user))


@require_POST
def event_review(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_safety_event(request.user, event_id)
    try:
        safety_event_review(actor=request.user, event=event)  # type: ignore[arg-type]
    except ValidationProblem as problem:
        messages.info(request, "; ".join(problem.problems.values()))
    else:
        messages.info(request, f"Event in {event.trial.title} marked as reviewed.")
    return redirect("trials:safety_workspace")
