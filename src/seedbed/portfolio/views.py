"""Portfolio pages: the leaders' view, innovation records, gate decisions and risks."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from seedbed.core.access import (
    access_innovation,
    access_portfolio,
    access_portfolio_manage,
    gatekeeper,
    has_role,
)
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.portfolio import adapters, charts, selectors, services
from seedbed.portfolio.forms import (
    FilterForm,
    InnovationEditForm,
    InnovationForm,
    LinkForm,
    RiskForm,
    SpendForm,
    StageSetForm,
    gate_decision_form,
)
from seedbed.portfolio.models import Innovation, StageSet


def _can_manage(request: HttpRequest) -> bool:
    return has_role(request.user, "innovation_lead", "administrator")


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
        "can_manage": _can_manage(request),
    })


@require_http_methods(["GET", "POST"])
@gatekeeper(access_portfolio_manage)
def innovation_create(request: HttpRequest) -> HttpResponse:
    form = InnovationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            innovation = services.innovation_create(
                title=data["title"], problem=data["problem"], owner=request.user,
                lead_organisation=data["lead_organisation"], typology=data["typology"],
                efficiency_tags=data["efficiency_tags"], service_area=data["service_area"],
                stage_set=data["stage_set"], budget=data["budget"],
                expected_outcomes=data["expected_outcomes"], expected_cost=data["expected_cost"],
                expected_saving=data["expected_saving"], actor=request.user,
                involved=[(o, services.innovation.involvement_part(o)) for o in data["involved"]
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
    innovation: Innovation = access_innovation(request.user, innovation_id)
    access_portfolio_manage(request.user)
    initial = {name: getattr(innovation, name) for name in services.innovation.EDITABLE if name != "involved"}
    initial["involved"] = [i.organisation_id for i in innovation.involvements.exclude(part="commissioner")]
    form = InnovationEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.innovation_update(innovation=innovation, changes=form.cleaned_data, actor=request.user)
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
        "stages": innovation.stage_set.stages.all(),
        "stuck": selectors.is_stuck(innovation),
        "links": innovation.links.all(),
        "involved": innovation.involvements.select_related("organisation"),
        "cases": selectors.cases_for(innovation=innovation),
        "can_manage": _can_manage(request),
        "spend_form": SpendForm(),
    })


@require_http_methods(["GET", "POST"])
def gate_decide(request: HttpRequest, innovation_id: int) -> HttpResponse:
    innovation: Innovation = access_innovation(request.user, innovation_id)
    access_portfolio_manage(request.user)
    form = gate_decision_form(request.POST or None, checklist=innovation.stage.exit_checklist)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.gate_decide(
                innovation=innovation, decision=data["decision"], reasons=data["reasons"],
                reviewers=list(data["reviewers"]), checklist_done=data["checklist_done"],
                exception_reasons=data["exception_reasons"], learning=data["learning"],
                actor=request.user,
            )
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "The gate decision has been recorded.")
            return redirect("portfolio:innovation_detail", innovation_id=innovation.pk)
    following = services.lifecycle.next_stage(innovation)
    return render(request, "portfolio/gate_form.html", {
        "form": form, "innovation": innovation, "next_stage": following,
        "evidence_ok": following is None or services.lifecycle.evidence_meets(
            innovation, following.min_evidence_level),
    })


@require_http_methods(["GET", "POST"])
def risk_add(request: HttpRequest, innovation_id: int) -> HttpResponse:
    innovation: Innovation = access_innovation(request.user, innovation_id)
    access_portfolio_manage(request.user)
    form = RiskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_record(innovation=innovation, actor=request.user, **form.cleaned_data)
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "The risk has been added to the register.")
            return redirect("portfolio:innovation_detail", innovation_id=innovation.pk)
    return render(request, "portfolio/risk_form.html", {"form": form, "innovation": innovation})


@require_http_methods(["GET", "POST"])
def link_add(request: HttpRequest, innovation_id: int) -> HttpResponse:
    """Link a need, idea, award, probe or trial to the innovation (the golden thread)."""
    innovation: Innovation = access_innovation(request.user, innovation_id)
    access_portfolio_manage(request.user)
    form = LinkForm(request.POST or None, choices=adapters.linkable_choices(innovation))
    if request.method == "POST" and form.is_valid():
        found = adapters.linkable_get(form.cleaned_data["record"])
        if found is None:
            form.add_error("record", "Choose a record from the list")
        else:
            kind, record, label, url = found
            try:
                services.innovation_link_add(innovation=innovation, kind=kind, target=record, label=label,
                                             url=url, actor=request.user)
            except ValidationProblem as problem:
                form.add_error("record", " ".join(problem.problems.values()))
            else:
                messages.success(request, f"{label} is now linked to this innovation.")
                return redirect("portfolio:innovation_detail", innovation_id=innovation.pk)
    return render(request, "portfolio/link_form.html", {"form": form, "innovation": innovation})


@require_http_methods(["POST"])
def spend_record(request: HttpRequest, innovation_id: int) -> HttpResponse:
    innovation: Innovation = access_innovation(request.user, innovation_id)
    access_portfolio_manage(request.user)
    form = SpendForm(request.POST)
    if form.is_valid():
        try:
            services.innovation_spend_record(innovation=innovation, amount=form.cleaned_data["amount"],
                                             actor=request.user)
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "The spend has been recorded.")
            return redirect("portfolio:innovation_detail", innovation_id=innovation.pk)
    return render(request, "portfolio/spend_form.html", {"form": form, "innovation": innovation},
                  status=400)


@require_http_methods(["GET"])
@gatekeeper(access_portfolio)
def lifecycles(request: HttpRequest) -> HttpResponse:
    return render(request, "portfolio/lifecycles.html", {"stage_sets": selectors.stage_set_list(),
                                                         "can_manage": _can_manage(request)})


@require_http_methods(["GET", "POST"])
@gatekeeper(access_portfolio_manage)
def stage_set_create(request: HttpRequest) -> HttpResponse:
    """A custom lifecycle: its stages, what each needs in evidence, and its exit checklists."""
    form = StageSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        slug = slugify(data["name"])[:60] or "lifecycle"
        if StageSet.objects.filter(slug=slug).exists():
            slug = f"{slug}-{StageSet.objects.count() + 1}"
        try:
            stage_set = services.stage_set_create(
                name=data["name"], slug=slug, stages=data["stages"], description=data["description"],
                stuck_after_days=data["stuck_after_days"], actor=request.user,
            )
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, f"The lifecycle “{stage_set.name}” can now be chosen for new innovations.")
            return redirect("portfolio:lifecycles")
    return render(request, "portfolio/stage_set_form.html", {"form": form})


@require_http_methods(["GET"])
@gatekeeper(access_portfolio)
def appetite(request: HttpRequest) -> HttpResponse:
    return render(request, "portfolio/appetite.html", {"areas": selectors.service_area_list()})


@require_http_methods(["POST"])
def risks_roll_up(request: HttpRequest, innovation_id: int) -> HttpResponse:
    innovation: Innovation = access_innovation(request.user, innovation_id)
    access_portfolio_manage(request.user)
    added = services.risks_roll_up(innovation=innovation, actor=request.user)
    messages.success(request, f"{len(added)} risk{'s' if len(added) != 1 else ''} brought in from its probes and trials.")
    return redirect("portfolio:innovation_detail", innovation_id=innovation.pk)
