"""Funds: the list, the ledger page, and creating and editing a fund's terms."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.access import access_staff_area, gatekeeper
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.funding import forms, selectors
from seedbed.funding.access import (
    access_fund,
    access_fund_manage,
    access_funding_manage,
    is_funding_manager,
)
from seedbed.funding.services import funds as services


@require_http_methods(["GET"])
@gatekeeper(access_staff_area)
def fund_list(request: HttpRequest) -> HttpResponse:
    return render(request, "funding/fund_list.html", {
        "summaries": [selectors.fund_summary(fund=f) for f in selectors.fund_list()],
        "manager": is_funding_manager(request.user),
    })


@require_http_methods(["GET"])
def fund_detail(request: HttpRequest, fund_id: int) -> HttpResponse:
    """The fund's ledger: committed, paid, remaining, and the ring-fence against its target."""
    fund = access_fund(request.user, fund_id)
    return render(request, "funding/fund_detail.html", {
        "summary": selectors.fund_summary(fund=fund), "fund": fund,
        "ledger": selectors.ledger_list(fund=fund),
        "programmes": selectors.programme_list(fund=fund),
        "manager": is_funding_manager(request.user),
    })


def _form_class(request: HttpRequest, existing: int) -> type[forms.FundForm]:
    """Enough programme rows for the fund's budgets, what was posted, and two spare (never more
    than ``PROGRAMME_ROWS_MAX``: a posted row number past it is refused by the form)."""
    posted = forms.FundForm.rows_posted(request.POST)
    return forms.FundForm.with_rows(max(forms.PROGRAMME_ROWS_MIN, existing + forms.PROGRAMME_ROWS_SPARE, posted))


def _save(request: HttpRequest, form: forms.FundForm, fund=None):
    data = form.cleaned_data
    terms = {
        "owner": data["owner"], "name": data["name"], "total": data["total"], "ring_fence_share": form.share(),
        "period_start": data["period_start"], "period_end": data["period_end"], "currency": data["currency"],
        "programmes": form.programmes(), "description": data["description"], "actor": request.user,
    }
    if fund is None:
        return services.fund_create(**terms)
    return services.fund_update(fund=fund, **terms)


def _fund_form(request: HttpRequest, *, fund=None) -> HttpResponse:
    existing = selectors.programme_count(fund=fund) if fund is not None else 0
    form_class = _form_class(request, existing)
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                saved = _save(request, form, fund)
            except ValidationProblem as problem:
                add_problems(form, problem)
            else:
                messages.success(request, "The fund is saved." if fund else "The fund is created.")
                return redirect("funding:fund_detail", fund_id=saved.pk)
    else:
        form = form_class(initial=forms.FundForm.initial_for(fund) if fund is not None else {"currency": "GBP"})
    return render(request, "funding/fund_form.html", {"form": form, "fund": fund},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@gatekeeper(access_funding_manage)
def fund_create(request: HttpRequest) -> HttpResponse:
    return _fund_form(request)


@require_http_methods(["GET", "POST"])
def fund_edit(request: HttpRequest, fund_id: int) -> HttpResponse:
    return _fund_form(request, fund=access_fund_manage(request.user, fund_id))
