"""The public registry: every registered trial and started probe, versions and results."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from seedbed.accounts.models import Role
from seedbed.core.access import (
    TRIAL_EDITORS,
    access_probe_registry,
    access_trial_registry,
    access_trial_result,
    has_role,
    roles_of,
)
from seedbed.trials import selectors
from seedbed.trials.power import describe_power


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
    return render(request, "trials/trial_registry.html", {
        "trial": trial,
        "entry": selectors.registry_entry(trial),
        "first": first,
        "rows": selectors.registered_protocol_rows(first) if first else [],
        "versions": comparison["versions"],
        "enrolled": selectors.enrolled_count(trial),
        "result": getattr(trial, "result", None),
        "power": describe_power(trial.protocol.power_calculation),
        "can_edit": has_role(request.user, *TRIAL_EDITORS),
        "can_monitor": trial.safety_lead_id is not None and trial.safety_lead_id == request.user.pk,
        "can_enrol": Role.FRONTLINE in roles_of(request.user, trial.organisation),
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
    context = {"trial": trial, "result": record}
    if record is not None:
        primary = (record.analysis.get("outcomes") or [{}])[0]
        context.update(
            consort=selectors.consort_svg(record),
            harms=selectors.harm_results_published(trial),
            primary=primary,
            subgroups=primary.get("subgroups", []),
            summary=selectors.trial_result_summary(trial),
            entry=selectors.registry_entry(trial),
        )
    return render(request, "trials/trial_result.html", context)


@require_http_methods(["GET"])
def registry_probe(request: HttpRequest, probe_id: int) -> HttpResponse:
    probe = access_probe_registry(request.user, probe_id)
    return render(request, "trials/probe_registry.html", {
        "probe": probe, "siblings": selectors.probes_on_challenge(probe),
    })
