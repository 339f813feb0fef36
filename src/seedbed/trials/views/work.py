"""The trials workspace: draft, safeguard, register, amend, upload data, analyse, publish."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.accounts.models import Role
from seedbed.core.access import gatekeeper, has_role
from seedbed.core.errors import ValidationProblem
from seedbed.trials import forms, selectors
from seedbed.trials.access import access_trial_edit, access_trials_workspace
from seedbed.trials.models import OutcomeDataset, Trial
from seedbed.trials.rules import (
    PROTOCOL_FIELDS,
    arms_concealed_from,
    describe_minimisation,
    describe_power,
    registration_block_warning,
    uses_minimisation,
)
from seedbed.trials.services import connections, protocols, results, safeguards
from seedbed.trials.uploads import DataRejected, column_roles, connection_relations, trial_schema


@require_http_methods(["GET"])
@gatekeeper(access_trials_workspace)
def workspace(request: HttpRequest) -> HttpResponse:
    return render(request, "trials/workspace.html", {
        "trials": selectors.trial_workspace_list(),
        "probes": selectors.probe_workspace_list(),
        "manages_connections": has_role(request.user, Role.ADMINISTRATOR),
    })


@require_http_methods(["GET", "POST"])
@gatekeeper(access_trials_workspace)
def trial_create(request: HttpRequest) -> HttpResponse:
    form = forms.TrialCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            trial = protocols.trial_create(
                actor=request.user, organisation=form.cleaned_data["organisation"],  # type: ignore[arg-type]
                title=form.cleaned_data["title"], question=form.cleaned_data["question"],
            )
        except ValidationProblem as problem:
            form.apply(problem)
        else:
            messages.success(request, "Draft trial created. Complete the protocol next.")
            return redirect("trials:protocol_edit", trial_id=trial.pk)
    return render(request, "trials/trial_create.html", {"form": form})


def _protocol_initial(trial: Trial) -> dict[str, Any]:
    initial = {name: getattr(trial.protocol, name) for name in PROTOCOL_FIELDS}
    initial["title"] = trial.title
    initial["higher_is_better"] = str(trial.protocol.higher_is_better)
    return initial


@require_http_methods(["GET", "POST"])
def protocol_edit(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = access_trial_edit(request.user, trial_id)
    if not trial.is_draft:
        return redirect("trials:amend", trial_id=trial.pk)
    form = forms.ProtocolForm(request.POST or None, initial=_protocol_initial(trial))
    if request.method == "POST" and form.is_valid():
        try:
            protocols.protocol_update(actor=request.user, trial=trial, changes=form.changes())  # type: ignore[arg-type]
        except ValidationProblem as problem:
            form.apply(problem)
        else:
            messages.success(request, "Protocol saved. " + describe_power(trial.protocol.power_calculation))
            return redirect("trials:manage", trial_id=trial.pk)
    return render(request, "trials/protocol_form.html", {
        "trial": trial, "form": form, "amending": False,
        "power": describe_power(trial.protocol.power_calculation),
    })


@require_http_methods(["GET", "POST"])
def amend(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = access_trial_edit(request.user, trial_id)
    if trial.is_draft:
        return redirect("trials:protocol_edit", trial_id=trial.pk)
    form = forms.AmendmentForm(request.POST or None, initial=_protocol_initial(trial))
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        reason = changes.pop("reason")
        changes.pop("title", None)
        for name in ("power_calculation",):
            changes.pop(name, None)
        try:
            version = protocols.protocol_amend(actor=request.user, trial=trial, changes=changes, reason=reason)  # type: ignore[arg-type]
        except ValidationProblem as problem:
            form.apply(problem)
        else:
            messages.success(request, f"Amendment recorded as version {version.number}.")
            return redirect("trials:versions", trial_id=trial.pk)
    return render(request, "trials/protocol_form.html", {
        "trial": trial, "form": form, "amending": True,
        "power": describe_power(trial.protocol.power_calculation),
    })


def _manage_forms(request: HttpRequest, trial: Trial, bound: str | None) -> dict[str, Any]:
    data = request.POST if bound else None
    return {
        "lead_form": forms.SafetyLeadForm(data if bound == "safety_lead" else None, prefix="lead",
                                          options={"choices": selectors.safety_lead_choices()},
                                          initial={"safety_lead": trial.safety_lead_id}),
        "harm_form": forms.HarmOutcomeForm(data if bound == "harm" else None, prefix="harm",
                                           initial={"boundary_alpha": 0.05}),
        "rule_form": forms.StoppingRuleForm(data if bound == "rule" else None, prefix="rule"),
        "risk_form": forms.RiskForm(data if bound == "risk" else None, prefix="risk",
                                    options={"owners": selectors.risk_owner_choices()}),
        "action_form": forms.TrialForm(data if bound in ("register", "close", "publish") else None),
    }


def _act(request: HttpRequest, trial: Trial, action: str, f: dict[str, Any]) -> str | None:
    """Run the posted action; return a success message, or None when a form has problems."""
    user = request.user
    if action == "safety_lead" and f["lead_form"].is_valid():
        safeguards.safety_lead_set(actor=user, trial=trial, safety_lead=f["lead_form"].cleaned_data["safety_lead"])  # type: ignore[arg-type]
        return "Safety lead named."
    if action == "harm" and f["harm_form"].is_valid():
        protocols.harm_outcome_add(actor=user, trial=trial, **f["harm_form"].cleaned_data)  # type: ignore[arg-type]
        return "Harm outcome added."
    if action == "rule" and f["rule_form"].is_valid():
        safeguards.stopping_rule_add(actor=user, trial=trial, rule=f["rule_form"].cleaned_data["rule"])  # type: ignore[arg-type]
        return "Stopping rule added."
    if action == "risk" and f["risk_form"].is_valid():
        safeguards.risk_item_add(actor=user, trial=trial, **f["risk_form"].cleaned_data)  # type: ignore[arg-type]
        return "Risk added to the register."
    if action == "register":
        trial = protocols.trial_register(actor=user, trial=trial)  # type: ignore[arg-type]
        warning = registration_block_warning(trial.protocol)
        return ("Trial registered: the protocol is frozen and the seed commitment is published. "
                + warning).strip()
    if action == "close":
        protocols.trial_close(actor=user, trial=trial)  # type: ignore[arg-type]
        return "Recruitment closed."
    if action == "publish":
        results.result_publish(actor=user, trial=trial)  # type: ignore[arg-type]
        return "Result published, and the seed revealed on the registry."
    return None


FORM_OF_ACTION = {"safety_lead": "lead_form", "harm": "harm_form", "rule": "rule_form",
                  "risk": "risk_form", "register": "action_form", "close": "action_form",
                  "publish": "action_form"}


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = access_trial_edit(request.user, trial_id)
    action = request.POST.get("action", "") if request.method == "POST" else None
    if action is not None and action not in FORM_OF_ACTION:
        action = None
    f = _manage_forms(request, trial, action)
    if action:
        try:
            done = _act(request, trial, action, f)
        except ValidationProblem as problem:
            f[FORM_OF_ACTION[action]].apply(problem)
        else:
            if done:
                messages.success(request, done)
                return redirect("trials:manage", trial_id=trial.pk)
    trial.refresh_from_db()
    return render(request, "trials/trial_manage.html", {
        "trial": trial, **f,
        "protocol": trial.protocol,
        "power": describe_power(trial.protocol.power_calculation),
        "enrolled": selectors.enrolled_count(trial),
        "datasets": selectors.dataset_recent_list(trial=trial),
        "result": getattr(trial, "result", None),
        "versions": selectors.version_list(trial=trial),
        "block_warning": (registration_block_warning(trial.protocol)
                          if trial.is_draft and not uses_minimisation(trial.protocol) else ""),
        "minimisation_text": describe_minimisation(trial.protocol),
    })


def _blinded_notice(request: HttpRequest, trial: Trial) -> str:
    """What a blinded uploader is told instead of the check against the allocation list."""
    return results.NOTICE_BLINDED if arms_concealed_from(trial=trial, user=request.user) else ""


def _accepted(request: HttpRequest, trial: Trial, dataset: OutcomeDataset) -> None:
    note = f"{dataset.filename} accepted: {dataset.rows} rows stored. {_blinded_notice(request, trial)}"
    messages.success(request, note.strip())


@require_http_methods(["GET", "POST"])
def data(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = access_trial_edit(request.user, trial_id)
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            dataset = results.outcome_upload(actor=request.user, trial=trial, filename=upload.name,  # type: ignore[arg-type]
                                             content=upload.chunks(),
                                             encoding=form.cleaned_data["encoding"])
        except DataRejected as problem:
            form.apply(problem)
            report = problem.report
        except ValidationProblem as problem:
            form.apply(problem)
        else:
            _accepted(request, trial, dataset)
            return redirect("trials:manage", trial_id=trial.pk)
    return render(request, "trials/data_upload.html", {
        "trial": trial, "form": form, "report": report, "schema": trial_schema(trial),
        "blinded_notice": _blinded_notice(request, trial),
    })


@require_http_methods(["GET", "POST"])
def data_connect(request: HttpRequest, trial_id: int) -> HttpResponse:
    """Outcome data from a table or view in one of the administrator's named connections."""
    trial = access_trial_edit(request.user, trial_id)
    offered = connection_relations()
    names = list(offered)
    form = forms.ConnectionForm(request.POST or None, options={
        "connections": names, "roles": column_roles(trial)})
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            dataset = connections.outcome_connect(
                actor=request.user, trial=trial, connection=form.cleaned_data["connection"],  # type: ignore[arg-type]
                table=form.cleaned_data["table"], columns=form.column_map())
        except DataRejected as problem:
            form.apply(ValidationProblem({"table": problem.problems["file"]}))
            report = problem.report
        except ValidationProblem as problem:
            form.apply(problem)
        else:
            _accepted(request, trial, dataset)
            return redirect("trials:manage", trial_id=trial.pk)
    return render(request, "trials/data_connect.html", {
        "trial": trial, "form": form, "report": report, "connections": names, "offered": offered,
        "blinded_notice": _blinded_notice(request, trial),
    })


@require_http_methods(["GET", "POST"])
def analysis(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = access_trial_edit(request.user, trial_id)
    existing = getattr(trial, "result", None)
    initial = {"assessed": existing.assessed, "plain_summary": existing.plain_summary,
               "lessons": existing.lessons} if existing else {}
    form = forms.AnalysisForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            results.analysis_run(actor=request.user, trial=trial, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationProblem as problem:
            form.apply(problem)
        else:
            messages.success(request, "The registered analysis has run. Check the report, then publish it.")
            return redirect("trials:result", trial_id=trial.pk)
    return render(request, "trials/analysis_form.html", {"trial": trial, "form": form})
