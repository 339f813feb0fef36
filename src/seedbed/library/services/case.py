"""Writing cases: from trials, probes, evaluations and external evidence; publishing; evidence overrides.
The only code that writes cases."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from seedbed.accounts.models import Organisation, User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.library.models import (
    COMPARISON_OF_DESIGN,
    MEASURES_CHANGE,
    Case,
    Design,
    Direction,
    StoppedFor,
)
from seedbed.library.rules import (
    EVALUATION_DESIGNS,
    Evidence,
    evaluation_evidence,
    evidence_for,
    evidence_from_trial,
    harm_statement,
    protect_arm_sizes,
    with_stop,
)
from seedbed.portfolio.models import Innovation, ServiceArea
from seedbed.portfolio.selectors import innovation_for_record, service_area_of_organisation
from seedbed.portfolio.services import innovation_evidence_record

ERROR_REQUIRED = "Enter the {label}"
ERROR_DESIGN = "Choose how the finding was produced"
ERROR_YEAR = "Enter a year between 1900 and {this_year}"
ERROR_INTERVAL = "The interval must run from its lower to its upper limit and contain the effect"
ERROR_INTERVAL_MISSING = "Give both limits of the interval with the effect"
ERROR_OVERRIDE_REASON = "Give the reason for changing the evidence level"
ERROR_OVERRIDE_LEVEL = "The evidence level must be between 0 and 5"
ERROR_ALREADY = "This {kind} already has a library case"
ERROR_NOT_FINISHED = "Only a finished {kind} can become a library case"
ERROR_NO_RESULT = "The trial has no published result yet"
ERROR_PUBLISHED = "This case is already published"
ERROR_COST = "The cost cannot be negative"
ERROR_STOPPED_FOR = "Choose why the trial stopped early (harm, benefit, futility or other)"
ERROR_STOPPED_ON = "Give the date the trial stopped"
ERROR_NO_ESTIMATE = "The analysis gave no estimate of the effect, so there is no finding to add to the library"
ERROR_EVALUATION_DESIGN = "The evaluation's design must be difference-in-differences, interrupted time series, synthetic control or regression discontinuity"


def _text_problems(values: dict[str, str]) -> dict[str, str]:
    return {name: ERROR_REQUIRED.format(label=name.replace("_", " ")) for name, value in values.items()
            if not (value or "").strip()}


def _result_problems(effect: float | None, ci: tuple[float, float] | None,
                     interval_optional: bool = False) -> dict[str, str]:
    if effect is None and ci is None:
        return {}
    if interval_optional and ci is None and effect is not None and math.isfinite(effect):
        return {}
    if effect is None or ci is None or not all(math.isfinite(v) for v in (effect, *ci)):
        return {"ci_low": ERROR_INTERVAL_MISSING}
    if not ci[0] <= effect <= ci[1]:
        return {"ci_low": ERROR_INTERVAL}
    return {}


def case_create(
    *, title: str, summary: str, problem: str, what_was_done: str, design: str, year: int,
    actor: User, source: str = Case.Source.EXTERNAL, source_record: models.Model | None = None,
    setting: str = "", outcome: str = "", effect: float | None = None,
    ci: tuple[float, float] | None = None, effect_unit: str = "", higher_is_better: bool = True,
    n_intervention: int | None = None, n_comparison: int | None = None,
    theory_of_change: bool = True, independent_replications: int = 0, manualised: bool = False,
    cost: Decimal | None = None, outcomes_achieved: int | None = None, outcome_unit: str = "",
    lessons_worked: str = "", lessons_did_not: str = "", lessons_differently: str = "",
    innovation: Innovation | None = None, service_area: ServiceArea | None = None,
    typology: str = "", stage_reached: str = "", registry_url: str = "", citation: str = "",
    external_url: str = "", direction: str | None = None, publish: bool = False,
    stopped_for: str = "", stopped_on: dt.date | None = None, stop_reasons: str = "",
    harm_finding: str = "", evidence: Evidence | None = None, sms_level: int | None = None,
    interval_optional: bool = False,
) -> Case:
    """Write a case (a draft unless ``publish``) with its evidence level computed.

    The Nesta level comes from the design (its comparison group and whether it measured
    change) and the result (effect and 95% interval; ``higher_is_better`` sets which way is
    good). ``direction`` may be given for designs without an interval (a probe's
    amplify/stop). Arm sizes pass disclosure control before they are stored. Service area,
    typology and stage reached default to the innovation's.

    A trial that stopped early gives ``stopped_for`` (harm, benefit, futility, other),
    ``stopped_on``, the decision's ``stop_reasons`` and the ``harm_finding`` (already
    disclosure-controlled); one stopped for harm is recorded as harmful, whatever its
    primary outcome showed. ``evidence`` (the trial's own computation, with its downgrades)
    replaces the level computed from the design alone; ``sms_level`` is the Maryland
    Scientific Methods Scale level that computation gave, if it gave one. An effect may come
    without an interval only when ``interval_optional`` (a synthetic control's, read from its
    placebo test).
    """
    problems = _text_problems({"title": title, "summary": summary, "problem": problem,
                               "what_was_done": what_was_done})
    if design not in Design.values:
        problems["design"] = ERROR_DESIGN
    this_year = timezone.now().year
    if not 1900 <= int(year) <= this_year:
        problems["year"] = ERROR_YEAR.format(this_year=this_year)
    problems.update(_result_problems(effect, ci, interval_optional))
    if cost is not None and cost < 0:
        problems["cost"] = ERROR_COST
    if stopped_for and stopped_for not in StoppedFor.values:
        problems["stopped_for"] = ERROR_STOPPED_FOR
    if stopped_for and stopped_on is None:
        problems["stopped_on"] = ERROR_STOPPED_ON
    if problems:
        raise ValidationProblem(problems)
    design_value = Design(design)
    found = evidence or with_stop(evidence_for(
        theory_of_change=theory_of_change, measured_change=design_value in MEASURES_CHANGE,
        comparison=COMPARISON_OF_DESIGN[design_value], effect=effect, ci=ci,
        higher_is_better=higher_is_better, replications=independent_replications,
        manualised=manualised,
    ), stopped_for)
    finding = found.direction if found.direction != "not measured" else (direction or found.direction)
    if stopped_for == StoppedFor.HARM:
        finding = Direction.HARMFUL
    shown_a, shown_b, shown_total, suppressed = protect_arm_sizes(n_intervention, n_comparison)
    with transaction.atomic():
        if source_record is not None:
            content_type = ContentType.objects.get_for_model(source_record)
            if Case.objects.filter(source_type=content_type, source_id=str(source_record.pk)).exists():
                raise ValidationProblem({"__all__": ERROR_ALREADY.format(kind=source)})
        case = Case(
            title=title.strip(), summary=summary.strip(), problem=problem.strip(),
            what_was_done=what_was_done.strip(), setting=setting, design=design, source=source,
            registry_url=registry_url, citation=citation, external_url=external_url,
            outcome=outcome, effect=effect, ci_low=ci[0] if ci else None,
            ci_high=ci[1] if ci else None, effect_unit=effect_unit,
            higher_is_better=higher_is_better, n_intervention=shown_a, n_comparison=shown_b,
            n_total=shown_total, numbers_suppressed=suppressed, theory_of_change=theory_of_change,
            independent_replications=independent_replications, manualised=manualised,
            evidence_level=found.level, sms_level=sms_level, direction=finding,
            stopped_for=stopped_for, stopped_on=stopped_on if stopped_for else None,
            stop_reasons=stop_reasons.strip(), harm_finding=harm_finding.strip(),
            evidence_reasons=list(found.reasons), evidence_warnings=list(found.warnings),
            cost=cost, outcomes_achieved=outcomes_achieved, outcome_unit=outcome_unit,
            lessons_worked=lessons_worked, lessons_did_not=lessons_did_not,
            lessons_differently=lessons_differently, innovation=innovation,
            service_area=service_area or (innovation.service_area if innovation else None),
            typology=typology or (innovation.typology if innovation else ""),
            stage_reached=stage_reached or (innovation.stage.name if innovation else ""),
            year=year, created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if source_record is not None:
            case.source_type = ContentType.objects.get_for_model(source_record)
            case.source_id = str(source_record.pk)
            label = source_record._meta.label_lower
            if label == "trials.trial":
                case.trial = source_record  # type: ignore[assignment]
            elif label == "trials.probe":
                case.probe = source_record  # type: ignore[assignment]
        case.full_clean()
        case.save()
        audit_append(action="library.case_create", actor=actor, obj=case, data={
            "source": source, "design": design, "evidence_level": case.evidence_level,
            "sms_level": case.sms_level,
            "direction": case.direction, "suppressed": suppressed,
            "stopped_for": case.stopped_for,
            "innovation": innovation.pk if innovation else None,
        })
        if publish:
            case = case_publish(case=case, actor=actor)
    return case


def case_create_from_trial(*, trial: Any, actor: User, publish: bool = True) -> Case:
    """The library case for a trial whose result has been published (the trials app's
    ``result_publish`` calls this). Reads the trial's protocol and ``TrialResult``; the
    innovation is the one the trial is linked to in the portfolio, if any. Published at
    once unless ``publish=False`` (positive, null and negative results alike). The level and
    finding are the result's own (computed from what happened, with its downgrades); a trial
    that stopped early carries why, when, the decision's reasons and the harm it found.
    """
    result = getattr(trial, "result", None)
    if result is None or getattr(result, "published_at", None) is None:
        raise ValidationProblem({"__all__": ERROR_NO_RESULT})
    protocol = trial.protocol
    design = {"individual": Design.RCT, "cluster": Design.CLUSTER_RCT,
              "stepped_wedge": Design.STEPPED_WEDGE}.get(protocol.design, Design.RCT)
    arms = {a.get("arm"): a.get("analysed") for a in (result.consort or {}).get("arms", [])}
    control = next((k for k in arms if k and "control" in k.lower()), None)
    n_comparison = arms.get(control) if control else None
    n_intervention = sum(v or 0 for k, v in arms.items() if k != control) or None
    ci = (result.ci_low, result.ci_high) if result.ci_low is not None and result.ci_high is not None else None
    innovation = innovation_for_record(trial)
    analysis = result.analysis or {}
    stopping = analysis.get("stopping") or {}
    stopped_for = getattr(trial, "stopped_for", "") or ""
    stopped_at = getattr(trial, "stopped_at", None)
    evidence = evidence_from_trial(
        level=result.evidence_level, finding=analysis.get("finding") or result.direction,
        downgrades=list(result.evidence_reasons or []), effect=result.effect, ci=ci,
        higher_is_better=protocol.higher_is_better,
    )
    return case_create(
        service_area=service_area_of_organisation(organisation=trial.organisation),
        title=trial.title, summary=result.plain_summary or protocol.question,
        problem=protocol.question, what_was_done=protocol.intervention,
        setting=protocol.setting, design=design, year=result.published_at.year, actor=actor,
        source=Case.Source.TRIAL, source_record=trial, outcome=protocol.primary_outcome,
        effect=result.effect, ci=ci, higher_is_better=protocol.higher_is_better,
        n_intervention=n_intervention, n_comparison=n_comparison,
        lessons_worked=result.lessons or "" if stopped_for != StoppedFor.HARM else "",
        lessons_did_not=result.lessons or "" if stopped_for == StoppedFor.HARM else "",
        innovation=innovation,
        registry_url=reverse("trials:registry_trial", args=[trial.pk]), publish=publish,
        stopped_for=stopped_for, stopped_on=stopped_at.date() if stopped_at else None,
        stop_reasons=stopping.get("decision_reasons", ""),
        harm_finding=harm_statement(stopping) if stopped_for else "", evidence=evidence,
    )


PROBE_DIRECTION = {"amplify": "positive", "adapt": "null", "dampen": "negative", "stop": "negative"}


def case_create_from_probe(*, probe: Any, actor: User, publish: bool = True) -> Case:
    """The library case for a finished or published probe (``probe_publish`` calls this).

    A probe has no comparison group: its evidence level is at most 1 (an account of
    impact); its amplify/adapt/dampen/stop outcome is recorded as the direction.
    """
    if getattr(probe, "status", "") not in ("finished", "published"):
        raise ValidationProblem({"__all__": ERROR_NOT_FINISHED.format(kind="probe")})
    when = probe.finished_at or probe.published_at or timezone.now()
    lessons = probe.outcome_reasons
    return case_create(
        title=probe.title, summary=f"{probe.get_outcome_display()}: {probe.outcome_reasons}",
        problem=probe.challenge, what_was_done=probe.hypothesis, setting=str(probe.organisation),
        design=Design.PROBE, year=when.year, actor=actor, source=Case.Source.PROBE,
        source_record=probe, outcome=probe.monitored, cost=probe.spent,
        direction=PROBE_DIRECTION.get(probe.outcome, "not measured"),
        lessons_worked=lessons if probe.outcome == "amplify" else "",
        lessons_did_not=lessons if probe.outcome in ("dampen", "stop") else "",
        innovation=innovation_for_record(probe), registry_url=reverse("trials:registry_probe", args=[probe.pk]),
        service_area=service_area_of_organisation(organisation=probe.organisation),
        publish=publish,
    )


@dataclass(frozen=True)
class EvaluationFinding:
    """What an evaluation hands the library, as plain values: the evaluations app builds it
    from its plan, its result and what the person adding it wrote (the library reads no
    evaluation record). ``record`` is the evaluation, kept as the case's source (one case per
    evaluation); ``design`` is ``did``, ``its``, ``synth`` or ``rd``; ``payload`` is the dict
    ``seedbed stats <design> --json`` printed (NaN and infinity as None) and ``warnings`` the
    analysis's warning codes; ``outcome`` says what was measured, in words."""

    record: models.Model
    title: str
    question: str
    what_was_done: str
    summary: str
    design: str
    outcome: str
    payload: Mapping[str, Any]
    warnings: tuple[str, ...]
    higher_is_better: bool
    year: int
    organisation: Organisation | None = None
    service_area: ServiceArea | None = None
    registry_url: str = ""
    lessons_worked: str = ""
    lessons_did_not: str = ""
    lessons_differently: str = ""


def case_create_from_evaluation(*, finding: EvaluationFinding, actor: User,
                                publish: bool = True) -> Case:
    """The library case for a reported quasi-experimental evaluation (the evaluations app's
    ``evaluation_case_create`` calls this), published at once unless ``publish=False``.

    The Nesta level, the Maryland Scientific Methods Scale level, the finding and each
    downgrade's reason come from ``rules.evaluation_evidence``; the effect is the design's
    main estimate (``QuasiEvidence.measure`` says which, and is added to the outcome). The
    innovation is the one the evaluation is linked to in the portfolio, if any; the service
    area is the evaluation's, else its organisation's. Refused when the analysis gave no
    estimate, and when the evaluation already has a case.
    """
    if finding.design not in EVALUATION_DESIGNS:
        raise ValidationProblem({"__all__": ERROR_EVALUATION_DESIGN})
    quasi = evaluation_evidence(design=finding.design, payload=finding.payload,
                                warnings=finding.warnings, higher_is_better=finding.higher_is_better)
    if quasi.effect is None:
        raise ValidationProblem({"__all__": ERROR_NO_ESTIMATE})
    outcome = f"{' '.join(finding.outcome.split())} ({quasi.measure})"
    max_outcome = Case._meta.get_field("outcome").max_length or len(outcome)
    if len(outcome) > max_outcome:
        outcome = f"{outcome[:max_outcome - len(quasi.measure) - 5].rstrip()}… ({quasi.measure})"
    return case_create(
        title=finding.title, summary=finding.summary, problem=finding.question,
        what_was_done=finding.what_was_done, setting=str(finding.organisation or ""),
        design=quasi.design, year=finding.year, actor=actor, source=Case.Source.EVALUATION,
        source_record=finding.record, outcome=outcome, effect=quasi.effect, ci=quasi.ci,
        interval_optional=quasi.ci is None, higher_is_better=finding.higher_is_better,
        n_intervention=quasi.n_intervention, n_comparison=quasi.n_comparison,
        evidence=quasi.evidence, sms_level=quasi.sms_level,
        lessons_worked=finding.lessons_worked, lessons_did_not=finding.lessons_did_not,
        lessons_differently=finding.lessons_differently,
        innovation=innovation_for_record(finding.record),
        service_area=finding.service_area
        or service_area_of_organisation(organisation=finding.organisation),
        registry_url=finding.registry_url, publish=publish,
    )


def case_publish(*, case: Case, actor: User) -> Case:
    """Publish a case (it becomes public) and record its evidence on its innovation."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.is_published:
            raise ValidationProblem({"__all__": ERROR_PUBLISHED})
        case.status = Case.Status.PUBLISHED
        case.published_at = timezone.now()
        case.save(update_fields=["status", "published_at"])
        audit_append(action="library.case_publish", actor=actor, obj=case,
                     data={"evidence_level": case.level, "direction": case.direction})
        if case.innovation_id:
            innovation_evidence_record(innovation=case.innovation, level=case.level,  # type: ignore[arg-type]
                                       direction=case.direction, source=f"Library case: {case.title}",
                                       actor=actor)
    return case


def case_evidence_override(*, case: Case, level: int, reason: str, actor: User) -> Case:
    """Override the computed evidence level, with the reason (kept on the case and audited)."""
    problems = {}
    if not 0 <= level <= 5:
        problems["level"] = ERROR_OVERRIDE_LEVEL
    if not reason.strip():
        problems["reason"] = ERROR_OVERRIDE_REASON
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        before = case.level
        case.level_override = level
        case.override_reason = reason.strip()
        case.save(update_fields=["level_override", "override_reason"])
        audit_append(action="library.case_evidence_override", actor=actor, obj=case,
                     data={"computed": case.evidence_level, "from": before, "to": level})
        if case.is_published and case.innovation_id:
            innovation_evidence_record(innovation=case.innovation, level=level, direction=case.direction,  # type: ignore[arg-type]
                                       source=f"Library case: {case.title} (level overridden)", actor=actor)
    return case
