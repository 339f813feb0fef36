"""Each innovation's risk register: its own risks, and those rolled up from its probes and trials."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.portfolio.models import Innovation, Risk
from seedbed.portfolio.selectors import test_risks

ERROR_SCORE = "Give a score from 1 (lowest) to 5 (highest)"
ERROR_RISK_TITLE = "Describe the risk in a few words"
ERROR_RESIDUAL_ABOVE = "The residual score cannot be above the score before mitigation"


def _score_problems(**scores: int) -> dict[str, str]:
    return {name: ERROR_SCORE for name, value in scores.items() if not (1 <= int(value) <= 5)}


def risk_record(
    *, innovation: Innovation, title: str, likelihood: int, impact: int,
    residual_likelihood: int, residual_impact: int, actor: User, description: str = "",
    mitigation: str = "", source: models.Model | None = None, source_label: str = "",
) -> Risk:
    """Add a risk to the innovation's register (scores 1-5; residual after mitigation)."""
    problems = _score_problems(likelihood=likelihood, impact=impact,
                               residual_likelihood=residual_likelihood,
                               residual_impact=residual_impact)
    if not title.strip():
        problems["title"] = ERROR_RISK_TITLE
    if not problems and residual_likelihood * residual_impact > likelihood * impact:
        problems["residual_impact"] = ERROR_RESIDUAL_ABOVE
    if problems:
        raise ValidationProblem(problems)
    with transaction.atomic():
        risk = Risk(
            innovation=innovation, title=title.strip(), description=description,
            likelihood=likelihood, impact=impact, mitigation=mitigation,
            residual_likelihood=residual_likelihood, residual_impact=residual_impact,
            source_label=source_label,
        )
        if source is not None:
            risk.source_type = ContentType.objects.get_for_model(source)
            risk.source_id = str(source.pk)
        risk.full_clean()
        risk.save()
        audit_append(action="portfolio.risk_record", actor=actor, obj=risk,
                     data={"innovation": innovation.pk, "residual": risk.residual_score,
                           "from_test": source is not None})
    return risk


def risk_close(*, risk: Risk, actor: User) -> Risk:
    with transaction.atomic():
        risk.status = Risk.Status.CLOSED
        risk.save(update_fields=["status"])
        audit_append(action="portfolio.risk_close", actor=actor, obj=risk)
    return risk


def risks_roll_up(*, innovation: Innovation, actor: User) -> list[Risk]:
    """Copy the risks of the innovation's probes and trials into its register (once each)."""
    created = []
    with transaction.atomic():
        for item in test_risks(innovation):
            content_type = ContentType.objects.get_for_model(item.source)
            if Risk.objects.filter(innovation=innovation, source_type=content_type,
                                   source_id=str(item.source.pk)).exists():
                continue
            created.append(risk_record(
                innovation=innovation, title=item.title, likelihood=item.likelihood,
                impact=item.impact, residual_likelihood=item.residual_likelihood,
                residual_impact=item.residual_impact, mitigation=item.mitigation,
                source=item.source, source_label=item.source_label, actor=actor,
            ))
    return created
