"""The evaluations' gatekeepers: every evaluation view reaches records through these (tested
once, every role against every URL, in ``tests/core/test_access_walk.py``)."""

from __future__ import annotations

from typing import Any

from seedbed.accounts.models import Role, User
from seedbed.core.access import access_role, access_staff_area, fetch_or_deny
from seedbed.core.errors import AccessDenied
from seedbed.evaluations.models import Evaluation
from seedbed.evaluations.rules import data_refusal
from seedbed.library.access import access_library_manage

EVALUATION_MANAGERS = (Role.INNOVATION_LEAD, Role.ANALYST, Role.ADMINISTRATOR)
DENIED_EVALUATION = "There is no such evaluation."


def access_evaluations_manage(user: Any) -> User:
    """Starting evaluations: innovation leads, analysts and administrators."""
    manager: User = access_role(user, EVALUATION_MANAGERS)
    return manager


def access_evaluation(user: Any, evaluation_id: object) -> Evaluation:
    """A registered plan (and what follows) is public; a draft is for council staff only
    (not providers)."""
    evaluation = fetch_or_deny(Evaluation, evaluation_id, missing=DENIED_EVALUATION)
    if evaluation.status != Evaluation.Status.DRAFT:
        return evaluation
    access_staff_area(user)
    return evaluation


def access_evaluation_manage(user: Any, evaluation_id: object) -> Evaluation:
    """Changing an evaluation (plan, registration, amendment, data, analysis): innovation
    leads, analysts and administrators."""
    access_evaluations_manage(user)
    return access_evaluation(user, evaluation_id)


def access_evaluation_data(user: Any, evaluation_id: object) -> Evaluation:
    """Adding data and running the analysis: those who may change the evaluation, once its
    plan is registered and until it is reported (refused with the reason otherwise)."""
    evaluation = access_evaluation_manage(user, evaluation_id)
    if refusal := data_refusal(evaluation.status):
        raise AccessDenied(refusal)
    return evaluation


def _check_analysis(user: Any, evaluation: Evaluation) -> None:
    if evaluation.status != Evaluation.Status.REPORTED:
        access_staff_area(user)


def access_evaluation_analysis(user: Any, evaluation_id: object) -> Evaluation:
    """An evaluation's analysis and its report: public once the report is published; before
    that, council staff only (not providers), who may see every evaluation."""
    evaluation = fetch_or_deny(Evaluation, evaluation_id, missing=DENIED_EVALUATION)
    _check_analysis(user, evaluation)
    return evaluation


def analysis_readable(user: Any, evaluation: Evaluation) -> bool:
    """Whether ``access_evaluation_analysis`` admits ``user`` to this evaluation's analysis
    and report (for pages that link to them)."""
    try:
        _check_analysis(user, evaluation)
    except AccessDenied:
        return False
    return True


def access_evaluation_case_create(user: Any, evaluation_id: object) -> tuple[User, Evaluation]:
    """Adding an evaluation to the library: whoever may both change evaluations and write
    library cases (innovation leads, analysts and administrators). Returns the actor and the
    evaluation; whether this one may be added yet is the service's to say."""
    actor = access_evaluations_manage(user)
    access_library_manage(user)
    return actor, access_evaluation(user, evaluation_id)
