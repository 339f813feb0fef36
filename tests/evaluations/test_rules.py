"""The pure rules: which fields each design needs and what blocks registration (no database)."""

from __future__ import annotations

import pytest

from seedbed.evaluations.models import Design
from seedbed.evaluations.rules import (
    COMMON_FIELDS,
    ERROR_REQUIRED,
    OPTIONAL_FIELDS,
    PLAN_FIELDS,
    plan_changes,
    plan_fields,
    registration_problems,
    required_fields,
)

LABELS = {name: name.replace("_", " ") for name in PLAN_FIELDS}


@pytest.mark.parametrize(("design", "own"), [
    (Design.DID, {"outcome_column", "unit_column", "time_column", "first_treated_column"}),
    (Design.ITS, {"outcome_column", "time_column", "start"}),
    (Design.SYNTH, {"outcome_column", "unit_column", "time_column", "treated_unit", "start"}),
    (Design.RD, {"outcome_column", "running_column", "cutoff"}),
])
def test_each_design_asks_for_the_common_fields_and_only_its_own(design: Design, own: set[str]) -> None:
    fields = required_fields(design)
    assert fields[: len(COMMON_FIELDS)] == COMMON_FIELDS
    assert set(fields) - set(COMMON_FIELDS) == own
    assert plan_fields(design) == fields + OPTIONAL_FIELDS[design]


def test_registration_names_every_empty_field_the_design_needs() -> None:
    values = {name: "x" for name in PLAN_FIELDS} | {"success": "  ", "cutoff": None, "start": None}
    problems = registration_problems(design=Design.RD, values=values, labels=LABELS)
    assert problems == {"success": ERROR_REQUIRED.format(label="success"),
                        "cutoff": ERROR_REQUIRED.format(label="cutoff")}
    # ITS needs a start, not a cutoff.
    assert set(registration_problems(design=Design.ITS, values=values, labels=LABELS)) == {"success", "start"}


def test_a_zero_cutoff_is_a_value_not_a_gap() -> None:
    values = {name: "x" for name in PLAN_FIELDS} | {"cutoff": 0.0}
    assert registration_problems(design=Design.RD, values=values, labels=LABELS) == {}


def test_changes_ignore_surrounding_space() -> None:
    assert plan_changes(current={"outcome": "a", "start": 3.0},
                        proposed={"outcome": " a ", "start": 4.0}) == {"start": 4.0}
