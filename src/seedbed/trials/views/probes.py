"""Probe pages in the workspace: draft, safeguard, start, record the outcome, publish."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.access import gatekeeper
from seedbed.core.errors import ValidationProblem
from seedbed.trials import forms, selectors
from seedbed.trials.access import access_probe_edit, access_trials_workspace
from seedbed.trials.models import Probe
from seedbed.trials.rules import end_date_default
from seedbed.trials.services import probes, safeguards
from seedbed.trials.services.probes import PROBE_FIELDS


@require_http_methods(["GET", "POST"])
@gatekeeper(access_trials_workspace)
def probe_create(request: HttpRequest) -> HttpResponse:
    form = forms.ProbeForm(request.POST or None, initial={"end_date": end_date_default()})
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        organisation = fields.pop("organisation")
        try:
            probe = probes.probe_create(actor=request.user, organisation=organisation, **fields)  # type: ignore[arg-type]
        except ValidationProblem as problem:
            form.apply(problem)
        else:
            messages.success(request, "Draft probe created. Name a safety lead and add stopping rules.")
            return redirect("trials:probe_manage", probe_id=probe.pk)
    return render(request, "trials/probe_form.html", {"form": form, "probe": None})


@require_http_methods(["GET", "POST"])
def probe_edit(request: HttpRequest, probe_id: int) -> HttpResponse:
    probe = access_probe_edit(request.user, probe_id)
    if not probe.is_draft:
        return redirect("trials:probe_manage", probe_id=probe.pk)
    initial = {name: getattr(probe, name) for name in PROBE_FIELDS}
    initial["organisation"] = probe.organisation_id
    form = forms.ProbeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        changes.pop("organisation")
        try:
            probes.probe_update(actor=request.user, probe=probe, changes=changes)  # type: ignore[arg-type]
        except ValidationProblem as problem:
            form.apply(problem)
        else:
            messages.success(request, "Probe saved.")
            return redirect("trials:probe_manage", probe_id=probe.pk)
    return render(request, "trials/probe_form.html", {"form": form, "probe": probe})


FORM_OF_ACTION = {"safety_lead": "lead_form", "rule": "rule_form", "risk": "risk_form",
                  "start": "action_form", "outcome": "outcome_form", "publish": "action_form"}


def _forms(request: HttpRequest, probe: Probe, bound: str | None) -> dict[str, Any]:
    data = request.POST if bound else None
    return {
        "lead_form": forms.SafetyLeadForm(data if bound == "safety_lead" else None, prefix="lead",
                                          options={"choices": selectors.safety_lead_choices()},
                                          initial={"safety_lead": probe.safety_lead_id}),
        "rule_form": forms.StoppingRuleForm(data if bound == "rule" else None, prefix="rule"),
        "risk_form": forms.RiskForm(data if bound == "risk" else None, prefix="risk",
                                    options={"owners": selectors.risk_owner_choices()}),
        "outcome_form": forms.ProbeOutcomeForm(data if bound == "outcome" else None, prefix="outcome"),
        "action_form": forms.TrialForm(data if bound in ("start", "publish") else None),
    }


def _act(request: HttpRequest, probe: Probe, action: str, f: dict[str, Any]) -> str | None:
    user = request.user
    if action == "safety_lead" and f["lead_form"].is_valid():
        safeguards.safety_lead_set(actor=user, probe=probe, safety_lead=f["lead_form"].cleaned_data["safety_lead"])  # type: ignore[arg-type]
        return "Safety lead named."
    if action == "rule" and f["rule_form"].is_valid():
        safeguards.stopping_rule_add(actor=user, probe=probe, rule=f["rule_form"].cleaned_data["rule"])  # type: ignore[arg-type]
        return "Stopping rule added."
    if action == "risk" and f["risk_form"].is_valid():
        safeguards.risk_item_add(actor=user, probe=probe, **f["risk_form"].cleaned_data)  # type: ignore[arg-type]
        return "Risk added to the register."
    if action == "start":
        probes.probe_start(actor=user, probe=probe)  # type: ignore[arg-type]
        return "Probe started: it is now on the public registry."
    if action == "outcome" and f["outcome_form"].is_valid():
        data = f["outcome_form"].cleaned_data
        probes.probe_outcome_record(actor=user, probe=probe, outcome=data["outcome"],  # type: ignore[arg-type]
                                    reasons=data["outcome_reasons"], spent=data["spent"])
        return "Outcome recorded."
    if action == "publish":
        probes.probe_publish(actor=user, probe=probe)  # type: ignore[arg-type]
        return "Probe outcome published on the registry."
    return None


@require_http_methods(["GET", "POST"])
def probe_manage(request: HttpRequest, probe_id: int) -> HttpResponse:
    probe = access_probe_edit(request.user, probe_id)
    action = request.POST.get("action", "") if request.method == "POST" else None
    if action is not None and action not in FORM_OF_ACTION:
        action = None
    f = _forms(request, probe, action)
    if action:
        try:
            done = _act(request, probe, action, f)
        except ValidationProblem as problem:
            f[FORM_OF_ACTION[action]].apply(problem)
        else:
            if done:
                messages.success(request, done)
                return redirect("trials:probe_manage", probe_id=probe.pk)
    probe.refresh_from_db()
    return render(request, "trials/probe_manage.html", {
        "probe": probe, **f, "siblings": selectors.probes_on_challenge(probe),
    })
