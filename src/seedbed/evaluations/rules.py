"""Pure rules for evaluations: which plan fields each design needs, and what a plan lacks
before it can be registered. No database, no request."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seedbed.core.audit import canonical_json
from seedbed.data.svg import finite
from seedbed.evaluations.charts import number
from seedbed.evaluations.models import Control, Design, Evaluation, Plan
from seedbed.library.rules import analysis_alpha

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

# Choices a design's plan may make, or leave to the engine's default (empty).
OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {
    Design.DID: ("control", "cluster_column"),
    Design.ITS: ("comparison_column", "season_column"),
    Design.SYNTH: (),
    Design.RD: (),
}

# Every field a plan may hold (its frozen content is these, in this order). Versions frozen
# before a field existed lack its key: their hash is of the content as stored, and readers
# use ``content.get``.
PLAN_FIELDS = COMMON_FIELDS + (
    "outcome_column", "unit_column", "time_column", "first_treated_column", "start",
    "treated_unit", "running_column", "cutoff",
    "control", "cluster_column", "comparison_column", "season_column",
)

# Amendable while the evaluation is registered; once analysed, the plan is history.
AMENDABLE_STATUSES = frozenset({Evaluation.Status.REGISTERED})

# Added to the library once its report is published: a case from an analysis not yet reported
# would publish the numbers before the report that explains them.
LIBRARY_STATUSES = frozenset({Evaluation.Status.REPORTED})
ERROR_CASE_NOT_REPORTED = "Only an evaluation whose report is published can be added to the library"
ERROR_CASE_ALREADY = "This evaluation is already in the library"
ERROR_CASE_NO_ESTIMATE = (
    "This evaluation's analysis estimated nothing, so it cannot be added to the library: "
    "the library's evidence levels are given to an estimate"
)

# Each design's headline estimate in an analysis payload (``seedbed stats <design> --json``).
HEADLINE_ESTIMATE = {Design.DID: "att", Design.ITS: "level_change", Design.SYNTH: "att",
                     Design.RD: "estimate"}


def has_estimate(design: str, payload: Mapping[str, Any]) -> bool:
    """Whether an analysis payload holds the design's headline estimate (a finite number)."""
    return finite(payload.get(HEADLINE_ESTIMATE[Design(design)]))


def case_refusal(*, status: str, has_result: bool, has_case: bool,
                 has_estimate: bool = True) -> str:
    """Why an evaluation cannot be added to the library now, or "" when it can: its report
    must be published (which needs a result), the result must hold an estimate, and it must
    not have a case yet."""
    if has_case:
        return ERROR_CASE_ALREADY
    if status not in LIBRARY_STATUSES or not has_result:
        return ERROR_CASE_NOT_REPORTED
    if not has_estimate:
        return ERROR_CASE_NO_ESTIMATE
    return ""


def required_fields(design: str) -> tuple[str, ...]:
    """The fields a plan for ``design`` needs: the common ones, then the design's."""
    return COMMON_FIELDS + DESIGN_FIELDS[Design(design)]


def plan_fields(design: str) -> tuple[str, ...]:
    """The fields a plan for ``design`` shows: those it needs, then its optional choices."""
    return required_fields(design) + OPTIONAL_FIELDS[Design(design)]


def plan_value_text(name: str, value: Any, *, design: str) -> Any:
    """A plan field's value as people read it: a choice by its words (a difference-in-
    differences frozen before the choice existed compared with never-treated units)."""
    if name == "control" and design == Design.DID:
        return Control(value or Control.NEVER).label
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def registration_problems(
    *, design: str, values: Mapping[str, Any], labels: Mapping[str, str]
) -> dict[str, str]:
    """Each field the plan for ``design`` needs but leaves empty, with its message."""
    return {
        name: ERROR_REQUIRED.format(label=labels[name])
        for name in required_fields(design) if _blank(values.get(name))
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


@dataclass(frozen=True)
class DataColumns:
    """The columns a design's data must have, as the plan names them.

    ``text`` columns hold labels (units); ``numeric`` ones numbers; ``required`` ones may not
    be empty in any row. ``unit`` and ``time`` give one row per unit and period (per period
    without ``unit``); ``per_unit`` columns hold one value per unit. ``labels`` maps each
    column to the plan field naming it ("first-treated column").
    """

    text: tuple[str, ...]
    numeric: tuple[str, ...]
    required: tuple[str, ...]
    unit: str | None
    time: str | None
    per_unit: tuple[str, ...]
    labels: dict[str, str]


def data_columns(*, design: str, values: Mapping[str, Any],
                 labels: Mapping[str, str]) -> DataColumns:
    """The columns a data set for ``design`` needs, from the plan's ``values`` (field ->
    column name) and the fields' ``labels``."""
    def col(name: str) -> str:
        return str(values.get(name) or "").strip()

    outcome, unit, time = col("outcome_column"), col("unit_column"), col("time_column")
    named = {name: col(name) for name in plan_fields(design) if name.endswith("_column")}
    column_labels = {column: labels[name] for name, column in reversed(named.items()) if column}
    if design == Design.DID:
        first, cluster = col("first_treated_column"), col("cluster_column")
        return DataColumns(text=(unit, *[c for c in (cluster,) if c]),
                           numeric=(time, outcome, first), required=(unit, time),
                           unit=unit, time=time, per_unit=(first,), labels=column_labels)
    if design == Design.ITS:
        comparison, season = col("comparison_column"), col("season_column")
        seasons = (season,) if season else ()
        return DataColumns(text=seasons,
                           numeric=(time, outcome, *[c for c in (comparison,) if c]),
                           required=(time, *seasons), unit=None, time=time, per_unit=(),
                           labels=column_labels)
    if design == Design.SYNTH:
        return DataColumns(text=(unit,), numeric=(time, outcome), required=(unit, time),
                           unit=unit, time=time, per_unit=(), labels=column_labels)
    running = col("running_column")
    return DataColumns(text=(), numeric=(running, outcome), required=(running,), unit=None,
                       time=None, per_unit=(), labels=column_labels)


# Data may be added and analysed once the plan is registered; once reported, both are frozen.
DATA_STATUSES = frozenset({Evaluation.Status.REGISTERED, Evaluation.Status.ANALYSED})
ERROR_NOT_REGISTERED = (
    "Register the plan before adding data: the analysis follows the registered plan"
)
ERROR_REPORTED = "This evaluation has been reported: its data and result can no longer change"


def data_refusal(status: str) -> str | None:
    """Why data cannot be added to, or analysed for, an evaluation in ``status``; None when
    they can."""
    if status in DATA_STATUSES:
        return None
    if status == Evaluation.Status.REPORTED:
        return ERROR_REPORTED
    return ERROR_NOT_REGISTERED


# What each plan column must hold, for the upload page.
COLUMN_HINTS = {
    "unit_column": "the unit (a team, ward or area), as text; the same in every row of a unit",
    "time_column": "the period, as a number (for example 2024, or 202403 for March 2024)",
    "outcome_column": "the outcome, a number (empty where it was not measured)",
    "first_treated_column": (
        "the period the unit's change started, the same in every row of the unit; "
        "0 or empty for a unit never changed"),
    "running_column": "the score; a score at or above the cutoff means the person was offered "
                      "the service",
    "cluster_column": "the group (for example the area) each unit belongs to, as text",
    "comparison_column": "the comparison series, a number (empty where it was not measured)",
    "season_column": "the season of the period (for example its month), as text; never empty",
}


def column_rows(*, design: str, values: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The data columns the plan for ``design`` names: (plan field label, column, what it
    holds), in the plan's order."""
    required = DESIGN_FIELDS[Design(design)]
    return [(plan_label(name), str(values.get(name) or ""), COLUMN_HINTS[name])
            for name in plan_fields(design)
            if name in COLUMN_HINTS and (name in required or values.get(name))]


# --- reading a result: the estimates and checks in plain words ---------------------------------


@dataclass(frozen=True)
class Estimate:
    """One estimate as the analysis page and the report state it, every part as text."""

    label: str  # what it measures
    figure: str
    interval: str  # "95% confidence interval 1.2 to 3.4", or why there is none
    p: str  # "p = 0.032", "p < 0.001"
    reading: str  # what the interval says, in plain words


NO_INTERVAL = "No interval could be calculated (see the warnings)"
READ_EXCLUDES_ZERO = ("The interval does not include zero: a difference this large would be "
                      "unlikely if the change had made no difference.")
READ_INCLUDES_ZERO = ("The interval includes zero: the data are consistent with the change "
                      "having made no difference.")


def p_text(p: object, *, name: str = "p") -> str:
    """A p-value as pages print it: "p = 0.032", "p < 0.001", or that there is none."""
    if not finite(p):
        return f"no {name}-value"
    return f"{name} < 0.001" if p < 0.001 else f"{name} = {p:.3f}"


def _estimate(label: str, value: object, ci: object, p: object, level: str,
              kind: str = "confidence interval") -> Estimate:
    low, high = ci if isinstance(ci, list | tuple) and len(ci) == 2 else (None, None)
    if finite(low) and finite(high):
        interval = f"{level} {kind} {number(low)} to {number(high)}"
        reading = READ_INCLUDES_ZERO if low <= 0 <= high else READ_EXCLUDES_ZERO
    else:
        interval, reading = NO_INTERVAL, ""
    return Estimate(label, number(value), interval, p_text(p), reading)


def result_estimates(design: str, payload: Mapping[str, Any], *, outcome: str) -> list[Estimate]:
    """The design's headline estimates from an analysis payload (``seedbed stats <design>
    --json``): the average effect after treatment (difference-in-differences); the change in
    level and in trend (interrupted time series); the average gap after the change with the
    placebo p-value (synthetic control); the jump at the cutoff with its robust interval
    (regression discontinuity)."""
    alpha = payload.get("alpha")
    level = f"{round((1 - alpha) * 100)}%" if finite(alpha) else "95%"
    if design == Design.DID:
        return [_estimate(f"Average effect on {outcome} after treatment (ATT)",
                          payload.get("att"), payload.get("ci"), payload.get("p"), level)]
    if design == Design.ITS:
        return [
            _estimate(f"Immediate change in {outcome} when the change started (level)",
                      payload.get("level_change"), payload.get("ci_level"),
                      payload.get("p_level"), level),
            _estimate(f"Change in the trend of {outcome}, per period (slope)",
                      payload.get("slope_change"), payload.get("ci_slope"),
                      payload.get("p_slope"), level),
        ]
    if design == Design.SYNTH:
        treated = payload.get("treated") or "the treated unit"
        return [Estimate(
            f"Average gap in {outcome} after the change ({treated} minus its synthetic control)",
            number(payload.get("att")),
            "A synthetic control gives no confidence interval: the placebo test judges the gap",
            p_text(payload.get("placebo_p"), name="placebo p"), "")]
    fuzzy = payload.get("design") == "fuzzy"
    label = (f"Effect on {outcome} for people whose take-up the cutoff changed (fuzzy design)"
             if fuzzy else f"Jump in {outcome} at the cutoff")
    return [_estimate(label, payload.get("estimate"), payload.get("ci_robust"),
                      payload.get("p_robust"), level, "robust confidence interval")]


def result_checks(design: str, payload: Mapping[str, Any]) -> list[str]:
    """The design's checks of its assumptions, in plain words, with their figures; a test is
    judged at the analysis's own level (``analysis_alpha``, as the library case judges it)."""
    checks: list[str] = []
    if design == Design.DID:
        if payload.get("pretrend_p") is not None:
            checks.append(
                "Pre-trend test (did treated and comparison units move together before "
                f"treatment?): {p_text(payload['pretrend_p'])}. A small p-value (below "
                f"{analysis_alpha(payload):g}) "
                "casts doubt on parallel trends.")
        checks.append(f"{payload.get('n_units') or 'No'} units; comparison units: "
                      f"{'not yet treated' if payload.get('control') == 'not-yet' else 'never treated'}.")
    elif design == Design.ITS:
        checks.append(f"{payload.get('n_pre')} periods before the change and "
                      f"{payload.get('n_post')} after.")
        if payload.get("autocorrelation_test"):
            checks.append(
                f"Autocorrelation check ({payload['autocorrelation_test']}): "
                f"{p_text(payload.get('autocorrelation_p'))}. Newey-West standard errors with "
                f"lag {payload.get('lag')} ({payload.get('lag_rule')}).")
    elif design == Design.SYNTH:
        treated = payload.get("treated") or "the treated unit"
        checks.append(
            f"Fit before the change (RMSPE): {number(payload.get('pre_rmspe'))}; gap after it "
            f"(RMSPE): {number(payload.get('post_rmspe'))}; ratio "
            f"{number(payload.get('ratio'))}.")
        checks.append(
            f"Placebo test: {p_text(payload.get('placebo_p'), name='placebo p')}, the share of "
            f"units ({treated} included) whose ratio of gap after to fit before is at least as "
            f"large as {treated}'s. With these units the smallest possible is "
            f"{number(payload.get('min_attainable_p'))}.")
    else:
        checks.append(
            f"Bandwidth: {number(payload.get('bandwidth'))} either side of the cutoff, with "
            f"{payload.get('n_left')} observations below it and {payload.get('n_right')} at or "
            "above it.")
        checks.append(
            f"Density check at the cutoff (McCrary): {p_text(payload.get('density_p'))}. A small "
            "p-value suggests scores were moved across the cutoff.")
    return checks


def donor_weights(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A synthetic control's comparison units with a weight of at least 0.1%, heaviest first,
    as (unit, percentage)."""
    weights = payload.get("weights") or {}
    rows = sorted(((str(unit), w) for unit, w in weights.items() if finite(w) and w >= 0.001),
                  key=lambda row: (-row[1], row[0]))
    return [(unit, f"{w * 100:.1f}%") for unit, w in rows]
