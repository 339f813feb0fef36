"""Lifecycle pages: the stage sets innovations move through, and custom ones."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.access import gatekeeper
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.portfolio import selectors, services
from seedbed.portfolio.access import access_portfolio, access_portfolio_manage
from seedbed.portfolio.forms import StageSetForm
from seedbed.portfolio.views.innovation import can_manage


@require_http_methods(["GET"])
@gatekeeper(access_portfolio)
def lifecycles(request: HttpRequest) -> HttpResponse:
    return render(request, "portfolio/lifecycles.html", {"stage_sets": selectors.stage_set_list(),
                                                         "can_manage": can_manage(request)})


@require_http_methods(["GET", "POST"])
def stage_set_create(request: HttpRequest) -> HttpResponse:
    """A custom lifecycle: its stages, what each needs in evidence, and its exit checklists."""
    actor = access_portfolio_manage(request.user)
    form = StageSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stage_set = services.stage_set_create(
                name=data["name"], slug=selectors.stage_set_free_slug(name=data["name"]),
                stages=data["stages"], description=data["description"],
                stuck_after_days=data["stuck_after_days"], actor=actor,
            )
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, f"The lifecycle “{stage_set.name}” can now be chosen for new innovations.")
            return redirect("portfolio:lifecycles")
    return render(request, "portfolio/stage_set_form.html", {"form": form})
