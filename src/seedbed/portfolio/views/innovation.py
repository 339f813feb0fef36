"""Innovation pages: the leaders' view, an innovation's record, its links and its spend."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.access import gatekeeper, has_role
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.portfolio import charts, selectors, services
from seedbed.portfolio.access import (
    PORTFOLIO_MANAGERS,
    access_innovation,
    access_portfolio,
    access_portfolio_manage,
)
from seedbed.portfolio.forms import (
    FilterForm,
    InnovationEditForm,
    InnovationForm,
    LinkForm,
    SpendForm,
)
from seedbed.portfolio.rules import involvement_part
from seedbed.portfolio.services.innovation import EDITABLE


def can_manage(request: HttpRequest) -> bool:
    """Whether the person may record innovations, decisions and risks (shown as actions)."""
    return has_role(request.user, *PORTFOLIO_MANAGERS)


@require_http_methods(["GET"])
@gatekeeper(access_portfolio)
def index(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    filters = selectors.Filters()
    if form.is_valid():
        filters = selectors.Filters(**{k: v or "" for k, v in form.cleaned_data.items()})
    summary = selectors.portfolio_summary(for_user=request.user, filters=filters)
    innovations = selectors.innovation_list(for_user=request.user, filters=filters)
    return render(request, "portfolio/index.html", {
        "form": form, "filters": filters, "summary": summary, "innovations": innovations,
        "funnel_charts": [charts.bar_chart(f.stage_set, [(r.stage, r.count) for r in f.rows],
                                           key=f"funnel-{n}")
                          for n, f in enumerate(summary.funnels, start=1)],
        "evidence_chart": charts.bar_chart(
            "Innovations by evidence level", [(f"Level {n}", c) for n, c in enumerate(summary.evidence_levels)],
            key="evidence"),
        "spend_chart": charts.spend_chart(summary.spend),
        "heat_map": charts.heat_map(summary.heat),
        "can_manage": can_manage(request),
    })


@require_http_methods(["GET", "POST"])
def innovation_create(request: HttpRequest) -> HttpResponse:
    actor = access_portfolio_manage(request.user)
    form = InnovationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            innovation = services.innovation_create(
                title=data["title"], problem=data["problem"], owner=actor,
                lead_organisation=data["lead_organisation"], typology=data["typology"],
                efficiency_tags=data["efficiency_tags"], service_area=data["service_area"],
                stage_set=data["stage_set"], budget=data["budget"],
                expected_outcomes=data["expected_outcomes"], expected_cost=data["expected_cost"],
                expected_saving=data["expected_saving"], actor=actor,
                involved=[(o, involvement_part(o)) for o in data["involved"]
                          if o != data["lead_organisation"]],
            )
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, f"“{innovation.title}” is in the portfolio.")
            return redirect("portfolio:innovation_detail", innovation_id=innovation.pk)
    return render(request, "portfolio/innovation_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def innovation_edit(request: HttpRequest, innovation_id: int) -> HttpResponse:
    innovation = access_innovation(request.user, innovation_id)
    actor = access_portfolio_manage(request.user)
    initial = {name: getattr(innovation, name) for name in EDITABLE if name != "involved"}
    initial["involved"] = selectors.involved_organisation_ids(innovation=innovation)
    form = InnovationEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.innovation_update(innovation=innovation, changes=form.cleaned_data, actor=actor)
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "The record has been updated.")
            return redirect("portfolio:innovation_detail", innovation_id=innovation.pk)
    return render(request, "portfolio/innovation_form.html", {"form": form, "innovation": innovation})


@require_http_methods(["GET"])
def innovation_detail(request: HttpRequest, innovation_id: int) -> HttpResponse:
    innovation = access_innovation(request.user, innovation_id)
    innovation = selectors.innovation_get(innovation_id=innovation.pk)
    risks = list(selectors.risk_list(innovation=innovation))
    area = innovation.service_area
    return render(request, "portfolio/innovation_detail.html", {
        "innovation": innovation,
        "risks": [(r, selectors.risk_above_appetite(r, area)) for r in risks],
        "decisions": selectors.decision_list(innovation=innovation),
        "stages": selectors.stage_list(stage_set=innovation.stage_set),
        "stuck": selectors.is_stuck(innovation),
        "links": selectors.link_list(innovation=innovation),
        "involved": selectors.involvement_list(innovation=innovation),
        "cases": selectors.cases_for(innovation=innovation),
        "can_manage": can_manage(request),
        "spend_form": SpendForm(),
    })


@require_http_methods(["GET", "POST"])
def link_add(request: HttpRequest, innovation_id: int) -> HttpResponse:
    """Link a need, idea, award, probe or trial to the innovation (the golden thread)."""
    innovation = access_innovation(request.user, innovation_id)
    actor = access_portfolio_manage(request.user)
    form = LinkForm(request.POST or None, choices=selectors.linkable_choices(innovation))
    if request.method == "POST" and form.is_valid():
        found = selectors.linkable_get(form.cleaned_data["record"])
        if found is None:
            form.add_error("record", "Choose a record from the list")
        else:
            kind, record, label, url = found
            try:
                services.innovation_link_add(innovation=innovation, kind=kind, target=record, label=label,
                                             url=url, actor=actor)
            except ValidationProblem as problem:
                form.add_error("record", " ".join(problem.problems.values()))
            else:
                messages.success(request, f"{label} is now linked to this innovation.")
                return redirect("portfolio:innovation_detail", innovation_id=innovation.pk)
    return render(request, "portfolio/link_form.html", {"form": form, "innovation": innovation})


@require_http_methods(["POST"])
def spend_record(request: HttpRequest, innovation_id: int) -> HttpResponse:
    innovation = access_innovation(request.user, innovation_id)
    actor = access_portfolio_manage(request.user)
    form = SpendForm(request.POST)
    if form.is_valid():
        try:
            services.innovation_spend_record(innovation=innovation, amount=form.cleaned_data["amount"],
                                             actor=actor)
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "The spend has been recorded.")
            return redirect("portfolio:innovation_detail", innovation_id=innovation.pk)
    return render(request, "portfolio/spend_form.html", {"form": form, "innovation": innovation},
                  status=400)
