"""Pure rules for evaluations: which plan fields each design needs, and what a plan lacks
before it can be registered. No database, no request."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from seedbed.core.audit import canonical_json
from seedbed.evaluations.models import Design, Evaluation, Plan

ERROR_REQUIRED = "Enter the {label} before registering"

# Every plan states these, whatever the design.
COMMON_FIELDS = ("question", "outcome", "comparison", "period", "assumptions", "success")

# The columns and parameters each design's analysis needs (``seedbed stats <design>``).
DESIGN_FIELDS: dict[str, tuple[str, ...]] = {
    Design.DID: ("outcome_column", "unit_column", "time_column", "first_treated_column"),
    Design.ITS: ("outcome_column", "time_column", "start"),
    Design.SYNTH: ("outcome_column", "unit_column", "time_column", "treated_unit", "start"),
    Design.RD: ("outcome_column", "running_column", "cutoff"),
}

# Every field a plan may hold (its frozen content is these, in this order).
PLAN_FIELDS = COMMON_FIELDS + (
    "outcome_column", "unit_column", "time_column", "first_treated_column", "start",
    "treated_unit", "running_column", "cutoff",
)

# Amendable while the evaluation is registered; once analysed, the plan is history.
AMENDABLE_STATUSES = frozenset({Evaluation.Status.REGISTERED})

# Added to the library once its report is published: a case from an analysis not yet reported
# would publish the numbers before the report that explains them.
LIBRARY_STATUSES = frozenset({Evaluation.Status.REPORTED})
ERROR_CASE_NOT_REPORTED = "Only an evaluation whose report is published can be added to the library"
ERROR_CASE_ALREADY = "This evaluation is already in the library"


def case_refusal(*, status: str, has_result: bool, has_case: bool) -> str:
    """Why an evaluation cannot be added to the library now, or "" when it can: its report
    must be published (which needs a result) and it must not have a case yet."""
    if has_case:
        return ERROR_CASE_ALREADY
    if status not in LIBRARY_STATUSES or not has_result:
        return ERROR_CASE_NOT_REPORTED
    return ""


def plan_fields(design: str) -> tuple[str, ...]:
    """The fields a plan for ``design`` shows and needs: the common ones, then the design's."""
    return COMMON_FIELDS + DESIGN_FIELDS[Design(design)]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def registration_problems(
    *, design: str, values: Mapping[str, Any], labels: Mapping[str, str]
) -> dict[str, str]:
    """Each field the plan for ``design`` needs but leaves empty, with its message."""
    return {
        name: ERROR_REQUIRED.format(label=labels[name])
        for name in plan_fields(design) if _blank(values.get(name))
    }


def plan_changes(*, current: Mapping[str, Any], proposed: Mapping[str, Any]) -> dict[str, Any]:
    """The fields in ``proposed`` whose value differs from ``current`` (strings compared after
    trimming, so a trailing space is no amendment)."""
    def norm(value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    return {name: norm(value) for name, value in proposed.items()
            if norm(value) != norm(current.get(name))}


def plan_label(name: str) -> str:
    """The plan field's name as people read it ("what would count as success")."""
    return str(Plan._meta.get_field(name).verbose_name)  # type: ignore[union-attr]


def plan_content(*, evaluation: Evaluation, plan: Plan) -> dict[str, Any]:
    """What registration and each amendment freeze: the title, the design and every plan
    field, JSON-ready (read from the objects given, no query)."""
    return {"title": evaluation.title, "design": evaluation.design,
            **{name: getattr(plan, name) for name in PLAN_FIELDS}}


def content_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a plan's content (the audit chain's canonical form:
    sorted keys, compact separators)."""
    return hashlib.sha256(canonical_json(dict(content)).encode()).hexdigest()
