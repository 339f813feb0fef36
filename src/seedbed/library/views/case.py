"""Case pages: search by facet and by meaning, a case's page, writing and publishing cases."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from seedbed.core.access import has_role, is_council_staff
from seedbed.core.errors import ValidationProblem
from seedbed.core.forms import add_problems
from seedbed.library import opendata, selectors, services
from seedbed.library.access import LIBRARY_MANAGERS, access_case, access_library_manage
from seedbed.library.forms import CaseForm, OverrideForm, SearchForm
from seedbed.library.models import Case
from seedbed.library.services.case import ERROR_INTERVAL_MISSING


def _can_manage(request: HttpRequest) -> bool:
    return has_role(request.user, *LIBRARY_MANAGERS)


@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    facets, query = selectors.CaseFacets(), ""
    if form.is_valid():
        data = dict(form.cleaned_data)
        query = data.pop("q", "") or ""
        facets = selectors.CaseFacets(**{k: v or "" for k, v in data.items()})
    result = selectors.case_search(for_user=request.user, facets=facets, query=query)
    return render(request, "library/index.html", {
        "form": form, "result": result, "query": query, "facets": facets,
        "drafts": selectors.case_drafts(for_user=request.user),
        "can_manage": _can_manage(request),
    })


@require_http_methods(["GET"])
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(case_id=access_case(request.user, case_id).pk)
    url = request.build_absolute_uri(reverse("library:case_detail", args=[case.pk]))
    csv_url = request.build_absolute_uri(reverse("library:export_csv"))
    return render(request, "library/case_detail.html", {
        "case": case,
        "jsonld": opendata.case_jsonld(case=case, url=url, csv_url=csv_url,
                                       council=settings.SEEDBED_COUNCIL_NAME) if case.is_published else "",
        "attachments": selectors.attachment_list(case=case),
        "can_manage": _can_manage(request),
        "staff": is_council_staff(request.user),
    })


@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    actor = access_library_manage(request.user)
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        low, high = data.pop("ci_low"), data.pop("ci_high")
        ci = (low, high) if low is not None or high is not None else None
        if ci is not None and None in ci:
            form.add_error("ci_low", ERROR_INTERVAL_MISSING)
        else:
            try:
                case = services.case_create(
                    ci=ci, actor=actor, source=Case.Source.EXTERNAL,
                    independent_replications=data.pop("independent_replications") or 0, **data)
            except ValidationProblem as problem:
                add_problems(form, problem)
            else:
                messages.success(request, "The case has been saved as a draft. Check it, then publish it.")
                return redirect("library:case_detail", case_id=case.pk)
    return render(request, "library/case_form.html", {"form": form})


@require_http_methods(["POST"])
def case_publish(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(request.user, case_id)
    actor = access_library_manage(request.user)
    try:
        services.case_publish(case=case, actor=actor)
    except ValidationProblem as problem:
        messages.error(request, " ".join(problem.problems.values()))
    else:
        messages.success(request, "The case is published: anyone can now find it in the library.")
    return redirect("library:case_detail", case_id=case.pk)


@require_http_methods(["GET", "POST"])
def case_override(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(request.user, case_id)
    actor = access_library_manage(request.user)
    form = OverrideForm(request.POST or None, initial={"level": case.level})
    if request.method == "POST" and form.is_valid():
        try:
            services.case_evidence_override(case=case, actor=actor, **form.cleaned_data)
        except ValidationProblem as problem:
            add_problems(form, problem)
        else:
            messages.success(request, "The evidence level has been changed and the reason recorded.")
            return redirect("library:case_detail", case_id=case.pk)
    return render(request, "library/override_form.html", {"form": form, "case": case})
