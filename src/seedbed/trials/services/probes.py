"""Safe-to-fail probes: draft, start, record the outcome (amplify/adapt/dampen/stop), publish."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import Organisation, User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.library.services import case_create_from_probe
from seedbed.trials.models import Probe, ProbeOutcome

ERROR_REQUIRED = "Enter {label}"
ERROR_COST = "Enter a cost cap of £0 or more"
ERROR_NOT_DRAFT = "Only a draft probe can be changed"
ERROR_NO_SAFETY_LEAD = "Name a safety lead before starting the probe"
ERROR_NO_STOPPING_RULE = "Add at least one stopping rule before starting the probe"
ERROR_NOT_RUNNING = "The outcome is recorded for a running probe"
ERROR_OUTCOME = "Choose amplify, adapt, dampen or stop"
ERROR_REASONS = "Say why, and what was learned"
ERROR_NOT_FINISHED = "Record the probe's outcome before publishing it"
ERROR_SPENT = "Enter the amount spent (£0 or more)"

PROBE_FIELDS = (
    "title", "challenge", "hypothesis", "monitored", "success_signs", "amplify_plan",
    "failure_signs", "recover_plan", "unintended_consequences", "cost_cap", "end_date",
)
OPTIONAL_FIELDS = ("unintended_consequences",)


def _check(values: dict[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    for name in PROBE_FIELDS:
        if name in OPTIONAL_FIELDS:
            continue
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            label = str(Probe._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
            problems[name] = ERROR_REQUIRED.format(label=label)
    cost = values.get("cost_cap")
    if cost is not None and Decimal(cost) < 0:
        problems["cost_cap"] = ERROR_COST
    return problems


def probe_create(*, actor: User, organisation: Organisation, **fields: Any) -> Probe:
    """Create a draft probe. ``fields`` are the probe fields listed in ``PROBE_FIELDS``."""
    unknown = set(fields) - set(PROBE_FIELDS)
    if unknown:
        raise ValueError(f"not probe fields: {sorted(unknown)}")
    problems = _check(fields)
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        probe = Probe.objects.create(organisation=organisation, created_by=actor, **fields)
        audit_append(action="trials.probe_create", actor=actor, obj=probe,
                     data={"organisation": organisation.pk, "cost_cap": str(probe.cost_cap)})
    return probe


def probe_update(*, actor: User, probe: Probe, changes: dict[str, Any]) -> Probe:
    """Change a draft probe."""
    if not probe.is_draft:
        raise ValidationProblem({"__all__": ERROR_NOT_DRAFT})
    unknown = set(changes) - set(PROBE_FIELDS)
    if unknown:
        raise ValueError(f"not probe fields: {sorted(unknown)}")
    values = {name: getattr(probe, name) for name in PROBE_FIELDS} | changes
    problems = _check(values)
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        for name, value in changes.items():
            setattr(probe, name, value)
        probe.save()
        audit_append(action="trials.probe_update", actor=actor, obj=probe,
                     data={"fields": sorted(changes)})
    return probe


def probe_start(*, actor: User, probe: Probe) -> Probe:
    """Start a draft probe: it needs a named safety lead and a stopping rule."""
    with transaction.atomic():
        probe = Probe.objects.select_for_update().get(pk=probe.pk)
        if not probe.is_draft:
            raise ValidationProblem({"__all__": ERROR_NOT_DRAFT})
        problems: dict[str, str] = {}
        if probe.safety_lead_id is None:
            problems["safety_lead"] = ERROR_NO_SAFETY_LEAD
        if not probe.stopping_rules.exists():
            problems["stopping_rules"] = ERROR_NO_STOPPING_RULE
        if problems:
            raise ValidationProblem(problems)
        probe.status = Probe.Status.RUNNING
        probe.started_at = timezone.now()
        probe.save(update_fields=["status", "started_at"])
        audit_append(action="trials.probe_start", actor=actor, obj=probe)
    return probe


def probe_outcome_record(
    *, actor: User, probe: Probe, outcome: str, reasons: str, spent: Decimal | None
) -> Probe:
    """Record what the probe showed and what happens next: amplify, adapt, dampen or stop."""
    problems: dict[str, str] = {}
    if outcome not in ProbeOutcome.values:
        problems["outcome"] = ERROR_OUTCOME
    if not reasons.strip():
        problems["outcome_reasons"] = ERROR_REASONS
    if spent is None or spent < 0:
        problems["spent"] = ERROR_SPENT
    with transaction.atomic():
        probe = Probe.objects.select_for_update().get(pk=probe.pk)
        if probe.status != Probe.Status.RUNNING:
            raise ValidationProblem({"__all__": ERROR_NOT_RUNNING})
        if problems:
            raise ValidationProblem(problems)
        probe.outcome = outcome
        probe.outcome_reasons = reasons.strip()
        probe.spent = spent
        probe.status = Probe.Status.FINISHED
        probe.finished_at = timezone.now()
        probe.save(update_fields=["outcome", "outcome_reasons", "spent", "status", "finished_at"])
        audit_append(action="trials.probe_outcome", actor=actor, obj=probe,
                     data={"outcome": outcome, "spent": str(spent),
                           "over_cap": bool(spent is not None and spent > probe.cost_cap)})
    return probe


def probe_publish(*, actor: User, probe: Probe) -> Probe:
    """Publish a finished probe's outcome (whatever it was) on the public registry, and
    create its published library case in the same transaction
    (``seedbed.library.services.case_create_from_probe``)."""
    with transaction.atomic():
        probe = Probe.objects.select_for_update().get(pk=probe.pk)
        if probe.status != Probe.Status.FINISHED:
            raise ValidationProblem({"__all__": ERROR_NOT_FINISHED})
        probe.status = Probe.Status.PUBLISHED
        probe.published_at = timezone.now()
        probe.save(update_fields=["status", "published_at"])
        audit_append(action="trials.probe_publish", actor=actor, obj=probe,
                     data={"outcome": probe.outcome})
        case_create_from_probe(probe=probe, actor=actor)
    return probe
