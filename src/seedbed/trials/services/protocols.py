"""Drafting, registering and amending a trial's protocol.

Registration freezes the protocol as version 1 (canonical JSON, SHA-256 content hash,
timestamp, audit entry), draws a secret seed, publishes its commitment hash
SHA-256("<seed>\\n<protocol hash>") (``seedbed.stats.randomisation.commitment_hash``) and
generates the whole allocation sequence from it, which stays concealed until enrolment.
A trial allocated by minimisation has no sequence to generate: each unit's arm depends on
the units before it, and is drawn from the same seed when it is enrolled
(``services.allocation``).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import Organisation, User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.stats.allocation import allocation_sequence, stepped_wedge_schedule
from seedbed.stats.randomisation import allocate_clusters, commitment_hash
from seedbed.trials.models import (
    Allocation,
    Design,
    HarmOutcome,
    Protocol,
    ProtocolVersion,
    RandomisationMethod,
    Spending,
    Trial,
)
from seedbed.trials.rules import (
    PROTOCOL_FIELDS,
    cluster_shortfall,
    compute_power,
    content_hash,
    date_order_problems,
    default_block_sizes,
    factor_column,
    parse_minimisation_factors,
    parse_minimisation_weights,
    registration_block_warning,
    secondary_outcome_entries,
    secondary_outcome_problems,
    uses_minimisation,
)
from seedbed.trials.selectors import protocol_content

ERROR_REQUIRED = "Enter the {label} before registering"
ERROR_NO_SAFETY_LEAD = "Name a safety lead before registering"
ERROR_NO_HARM = "Add at least one harm outcome with its stopping boundary before registering"
ERROR_NO_STOPPING_RULE = "Add at least one stopping rule before registering"
ERROR_NOT_DRAFT = "This trial is already registered: change it through an amendment"
ERROR_NOT_REGISTERED = "Only a registered trial can be amended"
ERROR_ARMS = "Give at least two different arm names, separated by commas"
ERROR_BLOCKS = (
    "Block sizes must be multiples of the number of arms, such as 4, 6, 8 for two arms "
    "(random sizes from the list keep the next allocation hard to guess)"
)
ERROR_CLUSTERS = "List at least two clusters per arm, one per line"
ERROR_MIN_FACTORS = (
    "List each minimisation factor on its own line: its name, a colon, then at least two "
    "levels separated by commas, such as “Age group: under 5, 5 to 11, 12 to 17”"
)
ERROR_MIN_WEIGHTS = (
    "Give one positive weight per minimisation factor, in the same order, separated by "
    "commas (or leave it empty to weigh them equally)"
)
ERROR_MIN_COLUMNS = (
    "Give the minimisation factors names that stay different as columns of the outcome file "
    "(letters and digits only, ignoring case): {columns}"
)
ERROR_MIN_PROBABILITY = "Enter a probability between 0.5 and 1 (0.8 is usual)"
ERROR_MIN_DESIGN = (
    "Minimisation is for individually randomised trials: a cluster or stepped-wedge trial "
    "uses permuted blocks"
)
ERROR_MIN_STRATA = (
    "With minimisation, leave the strata empty and list what they stand for as a "
    "minimisation factor instead"
)
ERROR_REASON = "Give the reason for the amendment"
ERROR_FROZEN_FIELD = "{label} fixes the allocation sequence and cannot be amended"
ERROR_NO_CHANGE = "The amendment changes nothing in the protocol"
ERROR_ALPHA = "Enter a number between 0 and 1"
ERROR_TITLE = "Enter a title for the trial"
ERROR_SW_PERIOD_START = (
    "Enter the date the first period starts: a stepped-wedge trial's harm monitoring dates "
    "each period from it"
)
ERROR_SW_PERIOD_DAYS = (
    "Enter the period length in days: a stepped-wedge trial's harm monitoring needs the "
    "period schedule"
)

# A stepped wedge's period schedule: required to register, and cannot be amended away.
SW_SCHEDULE = {"first_period_start": ERROR_SW_PERIOD_START, "period_days": ERROR_SW_PERIOD_DAYS}

REQUIRED_FIELDS = (
    "question", "population", "setting", "intervention", "comparator", "primary_outcome",
    "analysis_plan", "safeguarding_plan", "ethics_reference", "data_protection_basis",
)
# Fields that determine the allocation sequence; frozen once registered.
SEQUENCE_FIELDS = (
    "design", "arms", "strata", "block_sizes", "clusters", "steps", "sample_size_per_arm",
    "randomisation_method", "minimisation_factors", "minimisation_weights",
    "minimisation_probability",
)


def _label(name: str) -> str:
    return str(Protocol._meta.get_field(name).verbose_name)  # type: ignore[union-attr]


def trial_create(
    *, actor: User, organisation: Organisation, title: str, question: str = ""
) -> Trial:
    """Start a draft trial owned by ``organisation``, with an empty protocol."""
    if not title.strip():
        raise ValidationProblem({"title": ERROR_TITLE})
    with transaction.atomic():
        trial = Trial.objects.create(
            organisation=organisation, title=title.strip(), created_by=actor
        )
        Protocol.objects.create(trial=trial, question=question.strip())
        audit_append(action="trials.trial_create", actor=actor, obj=trial,
                     data={"organisation": organisation.pk})
    return trial


def _check_design(values: dict[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    arms = [a.strip() for a in str(values.get("arms", "")).split(",") if a.strip()]
    if len(arms) < 2 or len(set(arms)) != len(arms):
        problems["arms"] = ERROR_ARMS
    raw_blocks = str(values.get("block_sizes", "")).replace(" ", "").split(",")
    if not all(b.isdigit() and int(b) > 0 and arms and int(b) % len(arms) == 0 for b in raw_blocks):
        problems["block_sizes"] = ERROR_BLOCKS
    for name in ("alpha", "power"):
        value = values.get(name)
        if value is not None and not 0 < float(value) < 1:
            problems[name] = ERROR_ALPHA
    if values.get("randomisation_method") == RandomisationMethod.MINIMISATION:
        problems.update(_check_minimisation(values))
    problems.update(date_order_problems(values))
    problems.update(secondary_outcome_problems(values.get("secondary_outcomes")))
    if values.get("design") in (Design.CLUSTER, Design.STEPPED_WEDGE):
        clusters = [c for c in str(values.get("clusters", "")).splitlines() if c.strip()]
        if len(clusters) < 2 * max(len(arms), 1) and values.get("design") == Design.CLUSTER:
            problems["clusters"] = ERROR_CLUSTERS
        if len(clusters) < 2 and values.get("design") == Design.STEPPED_WEDGE:
            problems["clusters"] = ERROR_CLUSTERS
    return problems


def _check_minimisation(values: dict[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if values.get("design") != Design.INDIVIDUAL:
        problems["randomisation_method"] = ERROR_MIN_DESIGN
    if str(values.get("strata") or "").strip():
        problems["strata"] = ERROR_MIN_STRATA
    factors = parse_minimisation_factors(str(values.get("minimisation_factors") or ""))
    columns = [factor_column(name) for name, _ in factors or []]
    if factors is None:
        problems["minimisation_factors"] = ERROR_MIN_FACTORS
    elif len(set(columns)) != len(columns):
        problems["minimisation_factors"] = ERROR_MIN_COLUMNS.format(columns=", ".join(columns))
    elif parse_minimisation_weights(str(values.get("minimisation_weights") or ""),
                                    len(factors)) is None:
        problems["minimisation_weights"] = ERROR_MIN_WEIGHTS
    probability = values.get("minimisation_probability")
    if probability is None or not 0.5 <= float(probability) <= 1:
        problems["minimisation_probability"] = ERROR_MIN_PROBABILITY
    return problems


def _structured(changes: dict[str, Any]) -> dict[str, Any]:
    """Secondary outcomes as their structured entries (free text is read one per line)."""
    if "secondary_outcomes" not in changes:
        return changes
    return {**changes, "secondary_outcomes": secondary_outcome_entries(changes["secondary_outcomes"])}


def _scaled_default_blocks(protocol: Protocol, changes: dict[str, Any]) -> dict[str, Any]:
    """With the default block sizes left as they were, a change in the number of arms scales
    them (4, 6, 8 for two arms; 6, 9, 12 for three): ``rules.default_block_sizes``."""
    if "arms" not in changes or changes.get("block_sizes"):
        return changes
    before = len(protocol.arm_list)
    after = len([a for a in str(changes["arms"]).split(",") if a.strip()])
    if protocol.block_sizes.replace(" ", "") != default_block_sizes(before).replace(" ", ""):
        return changes
    return {**changes, "block_sizes": default_block_sizes(after)}


def protocol_update(*, actor: User, trial: Trial, changes: dict[str, Any]) -> Protocol:
    """Save changes to a draft protocol and recompute its sample size (power calculation).

    Drafts may be incomplete; what registration needs is checked by ``trial_register``.
    """
    if not trial.is_draft:
        raise ValidationProblem({"__all__": ERROR_NOT_DRAFT})
    protocol = trial.protocol
    unknown = set(changes) - set(PROTOCOL_FIELDS) - {"title"}
    if unknown:
        raise ValueError(f"not protocol fields: {sorted(unknown)}")
    changes = _scaled_default_blocks(protocol, _structured(changes))
    values = {name: getattr(protocol, name) for name in PROTOCOL_FIELDS}
    values.update({k: v for k, v in changes.items() if k != "title"})
    problems = _check_design(values)
    if "title" in changes and not str(changes["title"]).strip():
        problems["title"] = ERROR_TITLE
    calc, power_problems = compute_power(values)
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        for name, value in changes.items():
            if name != "title":
                setattr(protocol, name, value)
        shortfall = cluster_shortfall(values, calc)
        protocol.power_calculation = {**calc, "cluster_shortfall": shortfall} if shortfall else calc
        protocol.sample_size_per_arm = calc.get("n_per_arm")
        protocol.save()
        if "title" in changes:
            trial.title = str(changes["title"]).strip()
            trial.save(update_fields=["title"])
        audit_append(action="trials.protocol_update", actor=actor, obj=trial,
                     data={"fields": sorted(changes), "power_problems": sorted(power_problems)})
    return protocol


def harm_outcome_add(
    *, actor: User, trial: Trial, name: str, definition: str, boundary_alpha: float = 0.05,
    boundary_spending: str = Spending.POCOCK,
) -> HarmOutcome:
    """Add a pre-specified harm outcome with its one-sided stopping boundary."""
    if not trial.is_draft:
        raise ValidationProblem({"__all__": ERROR_NOT_DRAFT})
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = "Enter the name of the harm outcome"
    if not definition.strip():
        problems["definition"] = "Enter how the harm is defined and counted"
    if not 0 < boundary_alpha < 0.5:
        problems["boundary_alpha"] = "Enter a boundary level between 0 and 0.5"
    if boundary_spending not in Spending.values:
        problems["boundary_spending"] = "Choose a spending function"
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        harm = HarmOutcome.objects.create(
            trial=trial, name=name.strip(), definition=definition.strip(),
            boundary_alpha=boundary_alpha, boundary_spending=boundary_spending,
        )
        audit_append(action="trials.harm_outcome_add", actor=actor, obj=harm,
                     data={"trial": trial.pk, "alpha": boundary_alpha,
                           "spending": boundary_spending})
    return harm


def _registration_problems(trial: Trial) -> dict[str, str]:
    protocol = trial.protocol
    problems: dict[str, str] = {}
    for name in REQUIRED_FIELDS:
        if not str(getattr(protocol, name) or "").strip():
            problems[name] = ERROR_REQUIRED.format(label=_label(name))
    values = {name: getattr(protocol, name) for name in PROTOCOL_FIELDS}
    problems.update(_check_design(values))
    _, power_problems = compute_power(values)
    problems.update(power_problems)
    if protocol.design == Design.STEPPED_WEDGE:
        # Without the schedule no person-time can be dated to a period and no harm look
        # could ever cross its boundary (trials.selectors.stepped_wedge_cells).
        for name, message in SW_SCHEDULE.items():
            if not getattr(protocol, name):
                problems[name] = message
    if trial.safety_lead_id is None:
        problems["safety_lead"] = ERROR_NO_SAFETY_LEAD
    if not trial.harm_outcomes.exists():
        problems["harm_outcomes"] = ERROR_NO_HARM
    if not trial.stopping_rules.exists():
        problems["stopping_rules"] = ERROR_NO_STOPPING_RULE
    return problems


def _sequence_slots(trial: Trial, seed: str) -> list[Allocation]:
    """Every slot of the allocation sequence, generated from the seed (see module)."""
    protocol = trial.protocol
    arms = protocol.arm_list
    if uses_minimisation(protocol):
        return []  # each unit's slot is made when it is enrolled (services.allocation)
    if protocol.design == Design.CLUSTER:
        clusters = protocol.cluster_list
        alloc = allocate_clusters(
            clusters=clusters, arms=arms, seed=seed, block_sizes=protocol.block_size_list or None
        )
        names = alloc.labels()
        return [
            Allocation(trial=trial, position=i + 1, block=int(alloc.block[i]), arm=names[i],
                       cluster=cluster)
            for i, cluster in enumerate(clusters)
        ]
    if protocol.design == Design.STEPPED_WEDGE:
        schedule = stepped_wedge_schedule(
            clusters=protocol.cluster_list, steps=int(protocol.steps or 2), seed=seed
        )
        return [
            Allocation(trial=trial, position=i + 1, arm=f"crosses over at step {step}",
                       cluster=cluster, step=step)
            for i, (cluster, step) in enumerate(zip(schedule.clusters, schedule.step, strict=True))
        ]
    strata = protocol.strata_list or [""]
    length = int(protocol.sample_size_per_arm or 0) * len(arms)
    sequence = allocation_sequence(
        arms=arms, seed=seed, length=length, strata=strata,
        block_sizes=protocol.block_size_list or None,
    )
    return [
        Allocation(trial=trial, stratum=stratum, position=e.position, block=e.block,
                   block_size=e.block_size, arm=e.arm)
        for stratum, entries in sequence.by_stratum.items()
        for e in entries
    ]


def trial_register(*, actor: User, trial: Trial, seed: str | None = None) -> Trial:
    """Freeze the protocol, commit to a seed and generate the concealed allocation sequence.

    Refuses (``ValidationProblem`` naming each field) without a safety lead, a harm outcome,
    a stopping rule or any required protocol field. ``seed`` is for reproducible demo data
    and tests; by default 128 random bits are drawn.
    """
    with transaction.atomic():
        trial = Trial.objects.select_for_update().get(pk=trial.pk)
        if not trial.is_draft:
            raise ValidationProblem({"__all__": ERROR_NOT_DRAFT})
        problems = _registration_problems(trial)
        if problems:
            raise ValidationProblem(problems)
        protocol = trial.protocol
        values = {name: getattr(protocol, name) for name in PROTOCOL_FIELDS}
        calc, _ = compute_power(values)
        shortfall = cluster_shortfall(values, calc)
        if shortfall:
            calc = {**calc, "cluster_shortfall": shortfall}
        protocol.power_calculation = calc
        protocol.sample_size_per_arm = calc["n_per_arm"]
        protocol.save(update_fields=["power_calculation", "sample_size_per_arm"])
        content = protocol_content(trial)
        digest = content_hash(content)
        now = timezone.now()
        version = ProtocolVersion.objects.create(
            trial=trial, number=1, content=content, content_hash=digest, frozen_at=now,
            frozen_by=actor,
        )
        trial.seed = seed or secrets.token_hex(16)
        trial.seed_commitment = commitment_hash(seed=trial.seed, protocol_hash=digest)
        trial.registered_at = now
        trial.status = Trial.Status.RECRUITING
        trial.save(update_fields=["seed", "seed_commitment", "registered_at", "status"])
        slots = _sequence_slots(trial, trial.seed)
        Allocation.objects.bulk_create(slots, batch_size=500)
        blocks = "" if uses_minimisation(protocol) else registration_block_warning(protocol)
        audit_append(action="trials.trial_register", actor=actor, obj=trial,
                     data={"protocol_hash": digest, "version": version.number,
                           "seed_commitment": trial.seed_commitment, "slots": len(slots),
                           **({"warning": shortfall} if shortfall else {}),
                           **({"block_warning": blocks} if blocks else {})})
    return trial


def protocol_amend(*, actor: User, trial: Trial, changes: dict[str, Any], reason: str) -> ProtocolVersion:
    """Record an amendment to a registered protocol as a new frozen version with its reason.

    Fields that fix the allocation sequence (design, arms, strata, blocks, clusters, steps,
    sample size) cannot be amended: that would need a new trial.
    """
    with transaction.atomic():
        trial = Trial.objects.select_for_update().get(pk=trial.pk)
        if not trial.is_registered:
            raise ValidationProblem({"__all__": ERROR_NOT_REGISTERED})
        problems: dict[str, str] = {}
        if not reason.strip():
            problems["reason"] = ERROR_REASON
        protocol = trial.protocol
        changes = _structured(changes)
        changed = {k: v for k, v in changes.items() if getattr(protocol, k) != v}
        for name in changed:
            if name in SEQUENCE_FIELDS:
                problems[name] = ERROR_FROZEN_FIELD.format(label=_label(name).capitalize())
            elif name not in PROTOCOL_FIELDS:
                raise ValueError(f"not a protocol field: {name}")
            elif name in REQUIRED_FIELDS and not str(changed[name]).strip():
                problems[name] = ERROR_REQUIRED.format(label=_label(name))
            elif name in SW_SCHEDULE and not changed[name] and protocol.design == Design.STEPPED_WEDGE:
                problems[name] = SW_SCHEDULE[name]
        amended = {**{n: getattr(protocol, n) for n in PROTOCOL_FIELDS}, **changed}
        if set(changed) & {"start_date", "recruitment_end_date", "follow_up_end_date"}:
            problems.update(date_order_problems(amended))
        problems.update(secondary_outcome_problems(changed.get("secondary_outcomes")))
        if not changed and not problems:
            problems["__all__"] = ERROR_NO_CHANGE
        if problems:
            raise ValidationProblem(problems)
        for name, value in changed.items():
            setattr(protocol, name, value)
        protocol.save()
        content = protocol_content(trial)
        digest = content_hash(content)
        number = trial.versions.count() + 1
        version = ProtocolVersion.objects.create(
            trial=trial, number=number, content=content, content_hash=digest,
            reason=reason.strip(), frozen_at=timezone.now(), frozen_by=actor,
        )
        audit_append(action="trials.protocol_amend", actor=actor, obj=trial,
                     data={"version": number, "protocol_hash": digest,
                           "fields": sorted(changed)})
    return version


def trial_close(*, actor: User, trial: Trial) -> Trial:
    """Close recruitment (no more enrolments); the analysis can then be run."""
    with transaction.atomic():
        trial = Trial.objects.select_for_update().get(pk=trial.pk)
        if trial.status not in (Trial.Status.RECRUITING, Trial.Status.PAUSED):
            raise ValidationProblem({"__all__": "Only a recruiting or paused trial can be closed"})
        trial.status = Trial.Status.CLOSED
        trial.save(update_fields=["status"])
        audit_append(action="trials.trial_close", actor=actor, obj=trial)
    return trial
