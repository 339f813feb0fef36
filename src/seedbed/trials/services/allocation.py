"""Enrolment: reveal the next concealed slot of the allocation sequence for one unit.

The next slot is taken under a lock on the trial row so that concurrent requests never
take the same slot or enrol a unit twice: ``select_for_update`` on PostgreSQL; on SQLite
every transaction is ``BEGIN IMMEDIATE`` (see settings), which takes the database write lock
before the first read. An idempotency key makes a retried request return the allocation it
already made instead of drawing again. Under minimisation there is no pre-generated slot:
the same lock serialises enrolments, and the slot (the next position) is made with the arm
the engine draws for the unit, so allocations follow the enrolment order exactly.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import Organisation, User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.stats.minimisation import minimise
from seedbed.trials.models import (
    Allocation,
    Design,
    Participant,
    Protocol,
    RandomisationMethod,
    Trial,
)
from seedbed.trials.rules import (
    allocation_digest,
    parse_minimisation_factors,
    parse_minimisation_weights,
    uses_minimisation,
)

ERROR_NOT_OPEN = "Enrolment is not open for this trial ({status})"
ERROR_UNIT = "Enter the unit's reference"
ERROR_ALREADY = "This unit is already enrolled in the trial"
ERROR_KEY_REUSED = "This idempotency key was already used to enrol a different unit"
ERROR_STRATUM = "Choose one of the trial's strata: {strata}"
ERROR_CLUSTER = "Choose one of the trial's clusters"
ERROR_CLUSTER_ENROLLED = "This cluster is already enrolled"
ERROR_NOT_CLUSTERED = "People are enrolled within clusters only in cluster and stepped-wedge trials"
ERROR_CLUSTER_NOT_ENROLLED = "Enrol this cluster before enrolling people in it"
ERROR_PERSON = "Enter the person's reference"
ERROR_PERSON_ALREADY = "This person is already enrolled in the trial"
ERROR_PERSON_KEY_REUSED = "This idempotency key was already used to enrol a different person"
ERROR_ENROLLED_ON = "The enrolment date cannot be in the future"
ERROR_FULL = "Every slot in this stratum is taken: the registered sample size has been reached"
ERROR_FULL_TRIAL = "The registered sample size has been reached: no more units can be enrolled"
ERROR_FACTOR = "Choose the unit's {factor}: one of {levels}"


def _minimisation_slot(trial: Trial, protocol: Protocol, factors: dict[str, str]) -> Allocation:
    """The next unit's slot under minimisation (unsaved): its arm from the engine, given every
    earlier unit's levels and arm in enrolment order and the committed seed."""
    registered = parse_minimisation_factors(protocol.minimisation_factors) or []
    problems: dict[str, str] = {}
    levels: list[str] = []
    for i, (name, allowed) in enumerate(registered):
        value = str(factors.get(name, "")).strip()
        match = next((level for level in allowed if level.casefold() == value.casefold()), None)
        if match is None:
            problems[f"factor_{i}"] = ERROR_FACTOR.format(factor=name.lower(),
                                                          levels=", ".join(allowed))
        levels.append(match or "")
    if problems:
        raise ValidationProblem(problems)
    earlier = list(Allocation.objects.filter(trial=trial).order_by("position")
                   .values_list("factors", "arm"))
    arms = protocol.arm_list
    if len(earlier) >= int(protocol.sample_size_per_arm or 0) * len(arms):
        raise ValidationProblem({"__all__": ERROR_FULL_TRIAL})
    names = [name for name, _ in registered]
    result = minimise(
        units=[levels], factors=names, arms=arms, seed=trial.seed,
        weights=parse_minimisation_weights(protocol.minimisation_weights, len(names)),
        probability=protocol.minimisation_probability,
        earlier_units=[[str(f.get(n, "")) for n in names] for f, _ in earlier],
        earlier_arms=[arm for _, arm in earlier],
    )
    step = result.steps[0]
    return Allocation(trial=trial, position=len(earlier) + 1, arm=step.arm,
                      factors=dict(zip(names, levels, strict=True)),
                      minimisation=step.as_dict(arms, names))


def allocation_draw(
    *, actor: User, trial: Trial, unit_ref: str, stratum: str = "", cluster: str = "",
    organisation: Organisation | None = None, idempotency_key: str = "",
    factors: dict[str, str] | None = None,
) -> Allocation:
    """Enrol ``unit_ref`` and reveal its arm (the next slot of its stratum, or its cluster's;
    under minimisation, the arm the engine draws from the unit's ``factors`` (factor name ->
    level, one per registered factor) and the units enrolled before it).

    Preconditions: the trial is recruiting; the caller is allowed to enrol for it (checked
    by the gatekeeper). A repeated ``idempotency_key`` for the same unit returns the
    allocation already made, with the attribute ``replayed`` True (False on a new draw).
    """
    unit_ref = unit_ref.strip()
    idempotency_key = idempotency_key.strip()
    with transaction.atomic():
        locked = Trial.objects.select_for_update().get(pk=trial.pk)
        if idempotency_key:
            earlier = Allocation.objects.filter(trial=locked, idempotency_key=idempotency_key).first()
            if earlier is not None:
                if earlier.unit_ref != unit_ref:
                    raise ValidationProblem({"idempotency_key": ERROR_KEY_REUSED})
                if earlier.enrolled_by_id != actor.pk:
                    # Only the person who enrolled the unit gets the replay (and its arm): a
                    # colleague who reuses the key is told it is enrolled already, nothing more.
                    raise ValidationProblem({"unit_ref": ERROR_ALREADY})
                earlier.replayed = True  # type: ignore[attr-defined]
                return earlier
        if not locked.enrolment_open:
            raise ValidationProblem(
                {"__all__": ERROR_NOT_OPEN.format(status=locked.get_status_display().lower())}
            )
        protocol = locked.protocol
        slots = Allocation.objects.filter(trial=locked)
        if protocol.design in (Design.CLUSTER, Design.STEPPED_WEDGE):
            unit_ref = unit_ref or cluster
            slot = slots.filter(cluster=cluster).first()
            if slot is None:
                raise ValidationProblem({"cluster": ERROR_CLUSTER})
            if slot.unit_ref:
                raise ValidationProblem({"cluster": ERROR_CLUSTER_ENROLLED})
        elif uses_minimisation(protocol):
            if not unit_ref:
                raise ValidationProblem({"unit_ref": ERROR_UNIT})
            if slots.filter(unit_ref=unit_ref).exists():
                raise ValidationProblem({"unit_ref": ERROR_ALREADY})
            slot = _minimisation_slot(locked, protocol, factors or {})
        else:
            if not unit_ref:
                raise ValidationProblem({"unit_ref": ERROR_UNIT})
            strata = protocol.strata_list
            if strata and stratum not in strata:
                raise ValidationProblem({"stratum": ERROR_STRATUM.format(strata=", ".join(strata))})
            if not strata:
                stratum = ""
            slot = slots.filter(stratum=stratum, unit_ref="").order_by("position").first()
            if slot is None:
                raise ValidationProblem({"stratum": ERROR_FULL})
        if slots.filter(unit_ref=unit_ref).exists():
            raise ValidationProblem({"unit_ref": ERROR_ALREADY})
        slot.unit_ref = unit_ref
        slot.organisation = organisation or locked.organisation
        slot.enrolled_by = actor
        slot.enrolled_at = timezone.now()
        slot.idempotency_key = idempotency_key
        minimised = slot.pk is None
        if minimised:
            slot.save()
        else:
            slot.save(update_fields=["unit_ref", "organisation", "enrolled_by", "enrolled_at",
                                     "idempotency_key"])
        audit_append(
            action="trials.allocation", actor=actor, obj=slot,
            data={"trial": locked.pk, "stratum": slot.stratum, "position": slot.position,
                  "digest": allocation_digest(seed=locked.seed, allocation=slot),
                  **({"method": RandomisationMethod.MINIMISATION.value} if minimised else {})},
        )
    slot.replayed = False  # type: ignore[attr-defined]
    return slot


def participant_enrol(
    *, actor: User, trial: Trial, cluster: str, unit_ref: str, enrolled_on: dt.date,
    idempotency_key: str = "",
) -> Participant:
    """Enrol a person within an enrolled cluster (cluster and stepped-wedge designs).

    The cluster was randomised as a unit; the person takes its arm (or, in a stepped wedge,
    its schedule) and is counted by harm monitoring from ``enrolled_on``. Preconditions as
    ``allocation_draw``. A repeated ``idempotency_key`` for the same person returns the
    enrolment already made (``replayed`` True).
    """
    unit_ref = unit_ref.strip()
    idempotency_key = idempotency_key.strip()
    with transaction.atomic():
        locked = Trial.objects.select_for_update().get(pk=trial.pk)
        if idempotency_key:
            earlier = Participant.objects.filter(trial=locked, idempotency_key=idempotency_key).first()
            if earlier is not None:
                if earlier.unit_ref != unit_ref:
                    raise ValidationProblem({"idempotency_key": ERROR_PERSON_KEY_REUSED})
                if earlier.enrolled_by_id != actor.pk:  # the replay is for its enroller only
                    raise ValidationProblem({"unit_ref": ERROR_PERSON_ALREADY})
                earlier.replayed = True  # type: ignore[attr-defined]
                return earlier
        if locked.protocol.design == Design.INDIVIDUAL:
            raise ValidationProblem({"__all__": ERROR_NOT_CLUSTERED})
        if not locked.enrolment_open:
            raise ValidationProblem(
                {"__all__": ERROR_NOT_OPEN.format(status=locked.get_status_display().lower())}
            )
        problems: dict[str, str] = {}
        slot = Allocation.objects.filter(trial=locked, cluster=cluster).exclude(unit_ref="").first()
        if slot is None:
            problems["cluster"] = ERROR_CLUSTER_NOT_ENROLLED
        if not unit_ref:
            problems["unit_ref"] = ERROR_PERSON
        elif Participant.objects.filter(trial=locked, unit_ref=unit_ref).exists():
            problems["unit_ref"] = ERROR_PERSON_ALREADY
        if enrolled_on > timezone.localdate():
            problems["enrolled_on"] = ERROR_ENROLLED_ON
        if problems or slot is None:
            raise ValidationProblem(problems)
        person = Participant.objects.create(
            trial=locked, allocation=slot, unit_ref=unit_ref, enrolled_on=enrolled_on,
            enrolled_by=actor, enrolled_at=timezone.now(), idempotency_key=idempotency_key,
        )
        audit_append(action="trials.participant_enrol", actor=actor, obj=person,
                     data={"trial": locked.pk, "cluster_position": slot.position,
                           "enrolled_on": enrolled_on.isoformat()})
    person.replayed = False  # type: ignore[attr-defined]
    return person
