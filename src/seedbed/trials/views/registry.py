"""The public registry: every registered trial and started probe, versions and results."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from seedbed.accounts.models import Role
from seedbed.core.access import has_role, roles_of
from seedbed.trials import reports, selectors
from seedbed.trials.access import (
    TRIAL_EDITORS,
    access_probe_registry,
    access_trial_registry,
    access_trial_result,
)
from seedbed.trials.opendata import NOT_REGISTERED
from seedbed.trials.rules import describe_power


@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "trials/registry.html", {
        "trials": selectors.trial_registry_list(),
        "probes": selectors.probe_registry_list(),
        "can_edit": has_role(request.user, *TRIAL_EDITORS),
    })


@require_http_methods(["GET"])
def registry_trial(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = access_trial_registry(request.user, trial_id)
    comparison = selectors.version_comparison(trial)
    first = comparison.get("first")
    result = getattr(trial, "result", None)
    return render(request, "trials/trial_registry.html", {
        "trial": trial,
        "entry": selectors.registry_entry(trial),
        "first": first,
        "sections": selectors.registered_protocol_sections(first) if first else [],
        "versions": comparison["versions"],
        "enrolled": selectors.enrolled_count(trial),
        "result": result,
        "finding": selectors.finding_label(trial, result) if result is not None else "",
        "stop": selectors.stop_summary(trial, result if result is not None and result.is_published else None),
        "case": selectors.library_case(trial),
        "power": describe_power(trial.protocol.power_calculation),
        "can_edit": has_role(request.user, *TRIAL_EDITORS),
        "can_monitor": trial.safety_lead_id is not None and trial.safety_lead_id == request.user.pk,
        "can_enrol": Role.FRONTLINE in roles_of(request.user, trial.organisation),
    })


@require_http_methods(["GET"])
def registration_json(request: HttpRequest, trial_id: int) -> HttpResponse:
    """The registration, machine-readable (docs/schemas/trial-registration.schema.json)."""
    trial = access_trial_registry(request.user, trial_id)
    url = request.build_absolute_uri(reverse("trials:registry_trial", args=[trial.pk]))
    export = selectors.registration_export(trial, url=url)
    if export is None:
        raise Http404(NOT_REGISTERED)
    return JsonResponse(export, json_dumps_params={"indent": 2, "ensure_ascii": False})


@require_http_methods(["GET"])
def spirit(request: HttpRequest, trial_id: int) -> HttpResponse:
    """The SPIRIT 2013 items a registration answers, and where this one answers each."""
    trial = access_trial_registry(request.user, trial_id)
    url = request.build_absolute_uri(reverse("trials:registry_trial", args=[trial.pk]))
    items = selectors.spirit_checklist(trial, url=url)
    return render(request, "trials/trial_spirit.html", {
        "trial": trial, "items": items,
        "unstated": sum(1 for item in items if not item["stated"]),
    })


@require_http_methods(["GET"])
def versions(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = access_trial_registry(request.user, trial_id)
    return render(request, "trials/trial_versions.html", {
        "trial": trial, **selectors.version_comparison(trial),
    })


@require_http_methods(["GET"])
def result(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = access_trial_result(request.user, trial_id)
    record = getattr(trial, "result", None)
    context = {"trial": trial, "result": record, "case": selectors.library_case(trial)}
    if record is not None:
        primary = (record.analysis.get("outcomes") or [{}])[0]
        context.update(
            consort=selectors.consort_svg(record),
            harms=selectors.harm_results_published(trial),
            primary=primary,
            subgroups=primary.get("subgroups", []),
            summary=selectors.trial_result_summary(trial),
            entry=selectors.registry_entry(trial),
            finding=selectors.finding_label(trial, record),
            stop=selectors.stop_summary(trial, record),
            warnings=selectors.result_warnings(record),
        )
    return render(request, "trials/trial_result.html", context)


def _report_context(request: HttpRequest, trial_id: int) -> dict[str, Any]:
    trial = access_trial_result(request.user, trial_id)
    record = getattr(trial, "result", None)
    if record is None:
        raise Http404("The analysis has not been run yet.")
    return reports.report_context(trial, record)


@require_http_methods(["GET"])
def report(request: HttpRequest, trial_id: int) -> HttpResponse:
    """The printable report of the result (the PDF is rendered from the same template)."""
    return render(request, "trials/trial_report.html", _report_context(request, trial_id))


@require_http_methods(["GET"])
def report_pdf(request: HttpRequest, trial_id: int) -> HttpResponse:
    context = _report_context(request, trial_id)
    pdf = reports.report_pdf(context, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="trial-{trial_id}-report.pdf"'
    return response


@require_http_methods(["GET"])
def registry_probe(request: HttpRequest, probe_id: int) -> HttpResponse:
    probe = access_probe_registry(request.user, probe_id)
    return render(request, "trials/probe_registry.html", {
        "probe": probe, "siblings": selectors.probes_on_challenge(probe),
        "case": selectors.library_case(probe),
    })
