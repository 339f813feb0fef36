"""Frontline pages: enrol a unit (and learn its arm only then), report a safety event."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.access import organisations_of
from seedbed.core.errors import ValidationProblem
from seedbed.trials import forms, selectors
from seedbed.trials.access import access_trial_enrolment
from seedbed.trials.models import Design
from seedbed.trials.rules import minimisation_factors
from seedbed.trials.selectors import enrolled_clusters
from seedbed.trials.services.allocation import allocation_draw, participant_enrol
from seedbed.trials.services.monitoring import safety_event_record


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, trial_id: int) -> HttpResponse:
    """Enrol a unit (a person, or a cluster) and reveal its arm; in cluster designs, also
    enrol people within an enrolled cluster (their arm is the cluster's, not shown again)."""
    trial = access_trial_enrolment(request.user, trial_id)
    protocol = trial.protocol
    clusters = protocol.cluster_list if protocol.design != Design.INDIVIDUAL else []
    action = request.POST.get("action", "unit") if request.method == "POST" else None
    form = forms.EnrolForm(request.POST if action == "unit" else None, options={
        "strata": protocol.strata_list if not clusters else [], "clusters": clusters,
        "factors": minimisation_factors(protocol)})
    person_form = forms.PersonEnrolForm(
        request.POST if action == "person" else None, prefix="person",
        options={"clusters": enrolled_clusters(trial)},
    ) if clusters else None
    allocation = None
    if action == "unit" and form.is_valid():
        data = form.cleaned_data
        try:
            allocation = allocation_draw(
                actor=request.user, trial=trial, unit_ref=data.get("unit_ref", ""),  # type: ignore[arg-type]
                stratum=data.get("stratum", ""), cluster=data.get("cluster", ""),
                idempotency_key=request.POST.get("idempotency_key", ""),
                factors=form.factor_levels(),
            )
        except ValidationProblem as problem:
            form.apply(problem)
    if action == "person" and person_form is not None and person_form.is_valid():
        data = person_form.cleaned_data
        try:
            person = participant_enrol(
                actor=request.user, trial=trial, cluster=data["cluster"],  # type: ignore[arg-type]
                unit_ref=data["unit_ref"], enrolled_on=data["enrolled_on"],
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except ValidationProblem as problem:
            person_form.apply(problem)
        else:
            messages.info(request, f"{person.unit_ref} is enrolled in {data['cluster']}.")
            return redirect("trials:enrol", trial_id=trial.pk)
    return render(request, "trials/enrol.html", {
        "trial": trial, "form": form, "person_form": person_form, "allocation": allocation,
        "enrolled": selectors.enrolment_list(trial=trial, organisation_ids=organisations_of(request.user))[:50],
        "idempotency_key": request.POST.get("idempotency_key") if form.errors else None,
    })


@require_http_methods(["GET", "POST"])
def event_report(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = access_trial_enrolment(request.user, trial_id)
    form = forms.SafetyEventForm(request.POST or None, options={
        "harms": selectors.harm_outcome_list(trial=trial), "clustered": trial.protocol.design != Design.INDIVIDUAL})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            safety_event_record(
                actor=request.user, trial=trial, unit_ref=data["unit_ref"],  # type: ignore[arg-type]
                harm_outcome=data["harm_outcome"], severity=data["severity"],
                description=data["description"], occurred_on=data["occurred_on"],
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except ValidationProblem as problem:
            form.apply(problem)
        else:
            messages.success(request, "Safety event reported. The safety lead will review it.")
            return redirect("trials:event_report", trial_id=trial.pk)
    return render(request, "trials/event_form.html", {"trial": trial, "form": form})
