"""Analysed evaluations for the tests: planned, registered, given the generated data of
``tests/evaluations/payloads.py`` and analysed, as a lead would, through the services."""

from __future__ import annotations

from typing import Any

from tests.evaluations.payloads import COLUMNS, csv_bytes

COMMON = {
    "outcome": "The outcome, as the data set records it",
    "comparison": "Units, periods or people without the change",
    "period": "The periods in the data set",
    "assumptions": "Those the design relies on",
    "success": "A fall of at least 2 in the outcome",
}


def analysed_evaluation(world: dict[str, Any], design: str, *, title: str = "",
                        organisation: Any = None) -> Any:
    """An evaluation of ``design`` with its plan registered and its analysis stored (found by
    title when it exists, so page walks may ask for it many times)."""
    from seedbed.evaluations.models import Evaluation
    from seedbed.evaluations.services import (
        dataset_upload,
        evaluation_analyse,
        evaluation_create,
        evaluation_register,
        plan_update,
    )

    title = title or f"Analysed {design} evaluation"
    found = Evaluation.objects.filter(title=title).first()
    if found is not None:
        return found
    lead = world["users"]["lead"]
    organisation = organisation or next(iter(world["organisations"].values()))
    evaluation = evaluation_create(actor=lead, organisation=organisation, title=title,
                                   design=design, question=f"Did the change work? ({design})")
    plan_update(actor=lead, evaluation=evaluation, changes={**COMMON, **COLUMNS[design]})
    evaluation = evaluation_register(actor=lead, evaluation=evaluation)
    dataset_upload(actor=lead, evaluation=evaluation, filename=f"{design}.csv",
                   content=csv_bytes(design))
    evaluation_analyse(actor=lead, evaluation=evaluation)
    evaluation.refresh_from_db()
    return evaluation
