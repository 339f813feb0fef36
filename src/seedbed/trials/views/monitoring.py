"""The safety lead's unblinded monitoring page: looks, boundary charts, events, decisions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seedbed.core.errors import ValidationProblem
from seedbed.trials import forms, selectors
from seedbed.trials.access import access_trial_monitoring
from seedbed.trials.selectors import monitoring_summary
from seedbed.trials.services.monitoring import interim_look_run, safety_decision_record


@require_http_methods(["GET", "POST"])
def monitoring(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = access_trial_monitoring(request.user, trial_id)
    action = request.POST.get("action") if request.method == "POST" else None
    look_form = forms.TrialForm(request.POST if action == "look" else None)
    decision_form = forms.DecisionForm(request.POST if action == "decision" else None, prefix="decision")
    try:
        if action == "look":
            look = interim_look_run(actor=request.user, trial=trial)  # type: ignore[arg-type]
            # A crossing is shown as a red warning on the page itself, never as "Success".
            messages.info(request, f"Look {look.number} taken.")
            return redirect("trials:monitoring", trial_id=trial.pk)
        if action == "decision" and decision_form.is_valid():
            decision = safety_decision_record(actor=request.user, trial=trial, **decision_form.cleaned_data)  # type: ignore[arg-type]
            messages.info(request, f"Decision recorded: {decision.get_decision_display().lower()}.")
            return redirect("trials:monitoring", trial_id=trial.pk)
    except ValidationProblem as problem:
        (look_form if action == "look" else decision_form).apply(problem)
    trial.refresh_from_db()
    return render(request, "trials/monitoring.html", {
        "trial": trial, "look_form": look_form, "decision_form": decision_form,
        "notifications": selectors.notifications_for(request.user, trial)[:10],  # type: ignore[arg-type]
        **monitoring_summary(trial),
        "balance": selectors.minimisation_balance(trial),
    })
