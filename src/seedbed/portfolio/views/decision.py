"""Gate decision pages: advance, adapt, hold on the shelf or stop, on evidence."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.portfolio import selectors, services
from seedbed.portfolio.access import access_innovation, access_portfolio_manage
from seedbed.portfolio.forms import gate_decision_form
from seedbed.portfolio.rules import evidence_meets


@require_http_methods(["GET", "POST"])
def gate_decide(request: HttpRequest, innovation_id: int) -> HttpResponse:
    innovation = access_innovation(request.user, innovation_id)
    actor = access_portfolio_manage(request.user)
    form = gate_decision_form(request.POST or None, checklist=innovation.stage.exit_checklist)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.gate_decide(
                innovation=innovation, decision=data["decision"], reasons=data["reasons"],
                reviewers=list(data["reviewers"]), checklist_done=data["checklist_done"],
                exception_reasons=data["exception_reasons"], learning=data["learning"],
                actor=actor,
            )
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "The gate decision has been recorded.")
            return redirect("portfolio:innovation_detail", innovation_id=innovation.pk)
    following = selectors.stage_next(innovation=innovation)
    return render(request, "portfolio/gate_form.html", {
        "form": form, "innovation": innovation, "next_stage": following,
        "evidence_ok": following is None or evidence_meets(innovation, following.min_evidence_level),
    })
