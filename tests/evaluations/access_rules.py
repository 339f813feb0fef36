"""Who may open which evaluation page (merged into tests/core/access_table.py)."""

from __future__ import annotations

from typing import Any

# Changing evaluations: innovation leads, analysts and administrators.
MANAGE = {
    "anonymous": "login", "resident": 403, "frontline": 403, "lead": 200, "panel": 403,
    "analyst": 200, "safety": 403, "admin": 200, "provider": 403,
}

WALK_TITLE = "Family hubs: did contacts with social care fall where hubs opened?"


def _registered(w: dict[str, Any]) -> dict[str, Any]:
    """A registered difference-in-differences evaluation (made through the services the
    first time it is asked for)."""
    from seedbed.evaluations.models import Design, Evaluation
    from seedbed.evaluations.services import evaluation_create, evaluation_register, plan_update

    found = Evaluation.objects.filter(title=WALK_TITLE).first()
    if found is None:
        lead = w["users"]["lead"]
        found = evaluation_create(actor=lead, organisation=w["organisations"]["northfield"],
                                  title=WALK_TITLE, design=Design.DID,
                                  question="Did opening family hubs reduce referrals?")
        plan_update(actor=lead, evaluation=found, changes={
            "outcome": "Referrals to children's social care per 1,000 children, each quarter",
            "comparison": "Wards where hubs had not yet opened",
            "period": "2021 Q1 to 2025 Q4", "assumptions": "Parallel trends before opening",
            "success": "A fall of at least 5 referrals per 1,000 children",
            "outcome_column": "referrals", "unit_column": "ward", "time_column": "quarter",
            "first_treated_column": "hub_opened",
        })
        found = evaluation_register(actor=lead, evaluation=found)
    return {"evaluation_id": found.pk}


DRAFT_TITLE = "Library opening hours: did footfall rise after the change?"


def _draft(w: dict[str, Any]) -> dict[str, Any]:
    """A draft interrupted time series, its plan not yet written."""
    from seedbed.evaluations.models import Design, Evaluation
    from seedbed.evaluations.services import evaluation_create

    found = Evaluation.objects.filter(title=DRAFT_TITLE).first()
    if found is None:
        found = evaluation_create(actor=w["users"]["analyst"],
                                  organisation=w["organisations"]["northfield"],
                                  title=DRAFT_TITLE, design=Design.ITS)
    return {"evaluation_id": found.pk}


ANALYSED_TITLE = "Family hubs, analysed: did contacts with social care fall where hubs opened?"
REPORTED_TITLE = "Library opening hours, reported: did visits rise after the change?"


def _analysed(w: dict[str, Any]) -> dict[str, Any]:
    """An analysed difference-in-differences evaluation, its report not yet published."""
    from tests.evaluations.analysed import analysed_evaluation

    found = analysed_evaluation(w, "did", title=ANALYSED_TITLE,
                                organisation=w["organisations"]["northfield"])
    return {"evaluation_id": found.pk}


def _reported(w: dict[str, Any]) -> dict[str, Any]:
    """An interrupted time series whose report is published (public and frozen)."""
    from seedbed.evaluations.services.report import evaluation_report
    from tests.evaluations.analysed import analysed_evaluation

    found = analysed_evaluation(w, "its", title=REPORTED_TITLE,
                                organisation=w["organisations"]["northfield"])
    if not found.is_reported:
        evaluation_report(evaluation=found, actor=w["users"]["lead"])
    return {"evaluation_id": found.pk}


ACCESS_RULES: dict[str, tuple[Any, Any]] = {
    "evaluations:index": ("public", lambda w: {}),
    "evaluations:evaluation_create": (MANAGE, lambda w: {}),
    "evaluations:evaluation_detail": ("public", _registered),
    "evaluations:plan_edit": (MANAGE, _draft),
    "evaluations:evaluation_register": (MANAGE, _draft),
    "evaluations:plan_amend": (MANAGE, _registered),
    "evaluations:dataset_upload": (MANAGE, _registered),
    "evaluations:dataset_connect": (MANAGE, _registered),
    # Before its report is published, an analysis is for council staff; after, for everyone.
    "evaluations:analysis": ("staff", _analysed),
    "evaluations:report": ("public", _reported),
    "evaluations:report_pdf": ("staff", _analysed),
    # Adding a reported evaluation to the library (its page shows the form, so the foreign-id
    # walk sends it).
    "evaluations:case_create": (MANAGE, _reported),
}

NOT_WALKED: dict[str, str] = {
    "evaluations:evaluation_analyse": "POST only; in tests/security/post_rules.py, and every "
                                      "role tried in tests/evaluations/test_evaluation_data_views.py",
    "evaluations:report_publish": "POST only; every role and forged ids tried in "
                                  "tests/evaluations/test_analysis_views.py, and in the POST walk",
}

# JSON endpoints and downloads among ACCESS_RULES (not HTML pages, so not scanned by axe).
NOT_HTML: set[str] = {"evaluations:report_pdf"}

# The record each id names, for the foreign-id walk (tests/core/test_access_walk.py).
ID_MODELS = {"evaluation_id": "evaluations.Evaluation"}
FIELD_MODELS = {"organisation": "accounts.Organisation", "service_area": "portfolio.ServiceArea"}
