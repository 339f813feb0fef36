"""Risk pages: an innovation's register, risks rolled up from its tests, and each service
area's appetite for risk."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.access import gatekeeper
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.portfolio import selectors, services
from seedbed.portfolio.access import access_innovation, access_portfolio, access_portfolio_manage
from seedbed.portfolio.forms import RiskForm


@require_http_methods(["GET", "POST"])
def risk_add(request: HttpRequest, innovation_id: int) -> HttpResponse:
    innovation = access_innovation(request.user, innovation_id)
    actor = access_portfolio_manage(request.user)
    form = RiskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_record(innovation=innovation, actor=actor, **form.cleaned_data)
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "The risk has been added to the register.")
            return redirect("portfolio:innovation_detail", innovation_id=innovation.pk)
    return render(request, "portfolio/risk_form.html", {"form": form, "innovation": innovation})


@require_http_methods(["POST"])
def risks_roll_up(request: HttpRequest, innovation_id: int) -> HttpResponse:
    innovation = access_innovation(request.user, innovation_id)
    actor = access_portfolio_manage(request.user)
    added = services.risks_roll_up(innovation=innovation, actor=actor)
    messages.success(request, f"{len(added)} risk{'s' if len(added) != 1 else ''} brought in from its probes and trials.")
    return redirect("portfolio:innovation_detail", innovation_id=innovation.pk)


@require_http_methods(["GET"])
@gatekeeper(access_portfolio)
def appetite(request: HttpRequest) -> HttpResponse:
    return render(request, "portfolio/appetite.html", {"areas": selectors.service_area_list()})
