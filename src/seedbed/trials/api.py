"""Trials API: the public registry, enrolment and safety events (mounted at /api/trials).

Enrolment and safety events take an idempotency key (the ``Idempotency-Key`` header or the
``idempotency_key`` field): a retried request returns what the first one did and never
allocates twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Header, Router, Schema, Status

from seedbed.core.api_auth import API_AUTH
from seedbed.core.errors import ValidationProblem
from seedbed.trials import selectors
from seedbed.trials.access import access_trial_enrolment, access_trial_registry
from seedbed.trials.opendata import NOT_REGISTERED
from seedbed.trials.services.allocation import allocation_draw
from seedbed.trials.services.monitoring import safety_event_record

router = Router(tags=["trials"])


class ErrorOut(Schema):
    detail: str


class ProblemsOut(Schema):
    detail: str
    problems: dict[str, str]


class RegistryEntryOut(Schema):
    id: int
    title: str
    status: str
    organisation: str
    registered_at: dt.datetime | None
    protocol_hash: str
    seed_commitment: str
    seed: str | None
    stopped_for: str = ""  # harm, benefit, futility, other; empty unless it stopped early
    stopped_at: dt.datetime | None = None
    # The permuted-block sizes, null until recruitment has ended (they help predict the next
    # allocation while enrolment goes on).
    block_sizes: list[int] | None = None
    # How units are allocated: "blocks" (permuted blocks, stratified if there are strata) or
    # "minimisation"; with ``randomisation_method_text`` saying it in plain words.
    randomisation_method: str = "blocks"
    randomisation_method_text: str = ""


class EnrolIn(Schema):
    unit_ref: str = ""
    stratum: str = ""
    cluster: str = ""
    idempotency_key: str = ""
    # Minimisation trials: the unit's level of each registered factor, by factor name.
    factors: dict[str, str] = {}


class EnrolOut(Schema):
    trial_id: int
    unit_ref: str
    stratum: str
    cluster: str
    arm: str
    enrolled_at: dt.datetime
    replayed: bool


class SafetyEventIn(Schema):
    unit_ref: str
    harm_outcome_id: int
    severity: str
    description: str
    occurred_on: dt.date
    idempotency_key: str = ""


class SafetyEventOut(Schema):
    id: int
    trial_id: int
    unit_ref: str
    harm_outcome: str
    severity: str
    occurred_on: dt.date
    replayed: bool


def _entry(trial) -> dict:
    return selectors.registry_entry(trial)


@router.get("/", response=list[RegistryEntryOut], auth=None, url_name="trials_registry")
def registry(request: HttpRequest):
    """Every registered trial: protocol hash, seed commitment, the seed once revealed and the
    block sizes once recruitment has ended."""
    return [_entry(t) for t in selectors.trial_registry_list()]


@router.get("/{trial_id}", response={200: RegistryEntryOut, 403: ErrorOut}, auth=None,
            url_name="trial_registry_entry")
def registry_entry(request: HttpRequest, trial_id: int):
    """One registered trial's registry entry."""
    return _entry(access_trial_registry(request.user, trial_id))


@router.get("/{trial_id}/registration", response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut},
            auth=None, url_name="trial_registration")
def registration(request: HttpRequest, trial_id: int):
    """One registered trial's registration, machine-readable: every registered field, with
    the shape documented in docs/schemas/trial-registration.schema.json (the same document as
    the registry's ``registration.json``)."""
    trial = access_trial_registry(request.user, trial_id)
    url = request.build_absolute_uri(reverse("trials:registry_trial", args=[trial.pk]))
    export = selectors.registration_export(trial, url=url)
    if export is None:
        return Status(404, {"detail": NOT_REGISTERED})
    return export


@router.post(
    "/{trial_id}/enrolments",
    response={201: EnrolOut, 200: EnrolOut, 401: ErrorOut, 403: ErrorOut, 422: ProblemsOut},
    auth=API_AUTH, url_name="trial_enrol",
)
def enrol(
    request: HttpRequest, trial_id: int, payload: EnrolIn,
    idempotency_key_header: str = Header("", alias="Idempotency-Key"),
):
    """Enrol a unit and learn its arm (frontline staff of the trial's organisation only)."""
    trial = access_trial_enrolment(request.user, trial_id)
    key = payload.idempotency_key or idempotency_key_header or ""
    allocation = allocation_draw(
        actor=request.user, trial=trial, unit_ref=payload.unit_ref, stratum=payload.stratum,  # type: ignore[arg-type]
        cluster=payload.cluster, idempotency_key=key, factors=payload.factors,
    )
    body = {
        "trial_id": trial.pk, "unit_ref": allocation.unit_ref, "stratum": allocation.stratum,
        "cluster": allocation.cluster, "arm": allocation.arm,
        "enrolled_at": allocation.enrolled_at, "replayed": allocation.replayed,  # type: ignore[attr-defined]
    }
    return Status(200 if body["replayed"] else 201, body)


@router.post(
    "/{trial_id}/safety-events",
    response={201: SafetyEventOut, 200: SafetyEventOut, 401: ErrorOut, 403: ErrorOut,
              422: ProblemsOut},
    auth=API_AUTH, url_name="trial_safety_event",
)
def safety_event(
    request: HttpRequest, trial_id: int, payload: SafetyEventIn,
    idempotency_key_header: str = Header("", alias="Idempotency-Key"),
):
    """Report a safety event about an enrolled unit (the arm is not shown to the reporter)."""
    trial = access_trial_enrolment(request.user, trial_id)
    harm = selectors.harm_outcome_get(trial=trial, harm_outcome_id=payload.harm_outcome_id)
    if harm is None:
        raise ValidationProblem({"harm_outcome_id": "Choose one of this trial's harm outcomes"})
    key = payload.idempotency_key or idempotency_key_header or ""
    event = safety_event_record(
        actor=request.user, trial=trial, unit_ref=payload.unit_ref, harm_outcome=harm,  # type: ignore[arg-type]
        severity=payload.severity, description=payload.description,
        occurred_on=payload.occurred_on, idempotency_key=key,
    )
    body = {
        "id": event.pk, "trial_id": trial.pk, "unit_ref": event.allocation.unit_ref,
        "harm_outcome": harm.name, "severity": event.severity,
        "occurred_on": event.occurred_on, "replayed": event.replayed,  # type: ignore[attr-defined]
    }
    return Status(200 if body["replayed"] else 201, body)
