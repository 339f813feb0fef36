"""Stage sets and gate decisions: how an innovation moves through its lifecycle on evidence.

Gate rules (checked in ``gate_decide``):

* every decision needs reasons;
* **advance** moves to the next stage of the innovation's stage set; it needs at least one
  reviewer; when the next stage asks for evidence (``min_evidence_level`` > 0, e.g.
  mainstreaming asks for Nesta level 3, causation) the innovation's best positive evidence
  must reach it, and when the current stage's exit checklist is not all done the decision
  needs an **exception** with written reasons, recorded on the decision and in the audit log;
* **adapt** keeps the stage and the innovation active (change it and test again);
* **hold** keeps the stage and puts the innovation on the shelf;
* **stop** is always allowed (unless already stopped) and needs the learning, recorded on
  the decision and in the audit log so the library remembers what did not work.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.portfolio.models import METHOD_AREAS, GateDecision, Innovation, Stage, StageSet
from seedbed.portfolio.rules import PRESETS, StageSpec, evidence_meets
from seedbed.portfolio.selectors import stage_next

ERROR_REASONS = "Give the reasons for this decision"
ERROR_REVIEWERS = "Name at least one reviewer for a decision to advance"
ERROR_LAST_STAGE = "This innovation is already in the last stage ({stage})"
ERROR_STOPPED = "This innovation has been stopped; record a new innovation to try again"
ERROR_EVIDENCE = (
    "{stage} needs evidence level {needed} (positive) or an exception with reasons; "
    "this innovation's evidence is level {level}"
)
ERROR_CHECKLIST = (
    "The exit checklist is not complete ({missing}); complete it or record an exception with reasons"
)
ERROR_LEARNING = "Record what was learnt: stopping is recorded as learning for the library"
ERROR_UNKNOWN_CHECKLIST = "{item!r} is not on this stage's exit checklist"
ERROR_EXCEPTION_SHORT = "Explain the exception in at least {n} characters"
ERROR_PRESET = "{slug!r} is not a lifecycle preset (expected one of: {presets})"
ERROR_NO_STAGES = "A stage set needs at least two stages"
ERROR_DUPLICATE_STAGE = "Stage names must differ: {name!r} appears twice"
EXCEPTION_MIN_CHARS = 20


def _stage_set_write(spec_stages: Sequence[StageSpec], stage_set: StageSet) -> None:
    known = {key for key, _ in METHOD_AREAS}
    for order, spec in enumerate(spec_stages, start=1):
        Stage.objects.create(
            stage_set=stage_set, order=order, slug=spec.slug, name=spec.name,
            description=spec.description, exit_checklist=list(spec.exit_checklist),
            evidence_asked=spec.evidence_asked, min_evidence_level=spec.min_evidence_level,
            methods={k: v for k, v in spec.methods.items() if k in known},
        )


def stage_set_install(*, slug: str, actor: User | None) -> StageSet:
    """Install a lifecycle preset (``seedbed-default``, ``nesta-spiral``, ``opsi-lifecycle``).

    Idempotent: an installed preset is returned unchanged. ``actor`` is None when the system
    installs the default lifecycle for the first innovation recorded.
    """
    spec = PRESETS.get(slug)
    if spec is None:
        raise ValidationProblem({"slug": ERROR_PRESET.format(slug=slug, presets=", ".join(PRESETS))})
    with transaction.atomic():
        existing = StageSet.objects.filter(slug=slug).first()
        if existing is not None:
            return existing
        stage_set = StageSet.objects.create(
            name=spec.name, slug=spec.slug, kind=spec.kind, description=spec.description
        )
        _stage_set_write(spec.stages, stage_set)
        audit_append(action="portfolio.stage_set_install", actor=actor, obj=stage_set,
                     data={"preset": slug, "stages": [s.slug for s in spec.stages]})
    return stage_set


def stage_set_create(
    *, name: str, slug: str, stages: Sequence[StageSpec], stuck_after_days: int = 180,
    description: str = "", actor: User,
) -> StageSet:
    """Create a custom stage set from its stages, in order."""
    if len(stages) < 2:
        raise ValidationProblem({"stages": ERROR_NO_STAGES})
    seen: set[str] = set()
    for spec in stages:
        if spec.slug in seen:
            raise ValidationProblem({"stages": ERROR_DUPLICATE_STAGE.format(name=spec.name)})
        seen.add(spec.slug)
    with transaction.atomic():
        stage_set = StageSet(name=name, slug=slug, kind=StageSet.Kind.CUSTOM,
                             description=description, stuck_after_days=stuck_after_days)
        stage_set.full_clean()
        stage_set.save()
        _stage_set_write(stages, stage_set)
        audit_append(action="portfolio.stage_set_create", actor=actor, obj=stage_set,
                     data={"stages": [s.slug for s in stages]})
    return stage_set


def _advance_problems(
    innovation: Innovation, target: Stage, checklist_done: Sequence[str], exception_reasons: str,
) -> tuple[bool, dict[str, str]]:
    """Whether an exception is needed, and the problems if it is needed but not given."""
    needs_exception: list[str] = []
    if not evidence_meets(innovation, target.min_evidence_level):
        needs_exception.append(ERROR_EVIDENCE.format(
            stage=target.name, needed=target.min_evidence_level, level=innovation.evidence_level))
    missing = [item for item in innovation.stage.exit_checklist if item not in checklist_done]
    if missing:
        needs_exception.append(ERROR_CHECKLIST.format(missing="; ".join(missing)))
    if not needs_exception:
        return False, {}
    if not exception_reasons.strip():
        return True, {"exception_reasons": " — ".join(needs_exception)}
    if len(exception_reasons.strip()) < EXCEPTION_MIN_CHARS:
        return True, {"exception_reasons": ERROR_EXCEPTION_SHORT.format(n=EXCEPTION_MIN_CHARS)}
    return True, {}


def gate_decide(
    *, innovation: Innovation, decision: str, reasons: str, actor: User,
    reviewers: Sequence[User] = (), checklist_done: Sequence[str] = (),
    exception_reasons: str = "", learning: str = "",
) -> GateDecision:
    """Record a gate decision and move the innovation (see the module docstring for rules)."""
    if decision not in GateDecision.Decision.values:
        raise ValidationProblem({"decision": "Choose a decision"})
    with transaction.atomic():
        innovation = Innovation.objects.select_for_update().select_related("stage").get(pk=innovation.pk)
        problems: dict[str, str] = {}
        if not reasons.strip():
            problems["reasons"] = ERROR_REASONS
        if innovation.status == Innovation.Status.STOPPED:
            problems["decision"] = ERROR_STOPPED
        unknown = [i for i in checklist_done if i not in innovation.stage.exit_checklist]
        if unknown:
            problems["checklist_done"] = ERROR_UNKNOWN_CHECKLIST.format(item=unknown[0])
        target = innovation.stage
        exception = False
        if decision == GateDecision.Decision.ADVANCE and "decision" not in problems:
            following = stage_next(innovation=innovation)
            if following is None:
                problems["decision"] = ERROR_LAST_STAGE.format(stage=innovation.stage.name)
            else:
                target = following
                if not reviewers:
                    problems["reviewers"] = ERROR_REVIEWERS
                exception, more = _advance_problems(innovation, target, checklist_done, exception_reasons)
                problems.update(more)
        if decision == GateDecision.Decision.STOP and not learning.strip():
            problems["learning"] = ERROR_LEARNING
        if problems:
            raise ValidationProblem(problems)
        now = timezone.now()
        record = GateDecision.objects.create(
            innovation=innovation, decision=decision, from_stage=innovation.stage, to_stage=target,
            reasons=reasons.strip(), checklist_done=list(checklist_done),
            evidence_level=innovation.evidence_level, exception=exception,
            exception_reasons=exception_reasons.strip() if exception else "",
            learning=learning.strip(), decided_by=actor, decided_at=now,
        )
        record.reviewers.set(list(reviewers))
        status = {
            GateDecision.Decision.ADVANCE: Innovation.Status.ACTIVE,
            GateDecision.Decision.ADAPT: Innovation.Status.ACTIVE,
            GateDecision.Decision.HOLD: Innovation.Status.ON_SHELF,
            GateDecision.Decision.STOP: Innovation.Status.STOPPED,
        }[GateDecision.Decision(decision)]
        fields = ["status"]
        innovation.status = status
        if target.pk != innovation.stage_id:
            innovation.stage = target
            innovation.stage_entered_at = now
            fields += ["stage", "stage_entered_at"]
        innovation.save(update_fields=fields)
        audit_append(
            action="portfolio.gate_decide", actor=actor, obj=record,
            data={
                "innovation": innovation.pk, "decision": decision,
                "from_stage": record.from_stage.slug, "to_stage": target.slug,
                "evidence_level": innovation.evidence_level, "exception": exception,
                "reviewers": sorted(r.pk for r in reviewers),
                "learning_recorded": bool(record.learning),
            },
        )
    return record
