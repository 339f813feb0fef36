"""Starting, planning, registering and amending an evaluation, through the services."""

from __future__ import annotations

import re
from typing import Any

import pytest

from seedbed.core.access import DENIED_STAFF
from seedbed.core.errors import AccessDenied, ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.evaluations.access import (
    DENIED_EVALUATION,
    access_evaluation,
    access_evaluation_manage,
    access_evaluations_manage,
)
from seedbed.evaluations.models import Design, Evaluation
from seedbed.evaluations.rules import ERROR_REQUIRED, content_hash
from seedbed.evaluations.services import (
    evaluation_create,
    evaluation_register,
    plan_amend,
    plan_update,
)
from seedbed.evaluations.services.evaluation import (
    ERROR_ALREADY_REGISTERED,
    ERROR_DESIGN,
    ERROR_TITLE,
)
from seedbed.evaluations.services.plan import (
    ERROR_NO_CHANGE,
    ERROR_NOT_DRAFT,
    ERROR_REASON,
)

ITS_PLAN = {
    "outcome": "Missed bin collections reported each week",
    "comparison": "The trend before the new rounds started",
    "period": "Weeks 1 to 104; new rounds from week 53",
    "assumptions": "No other change to collections around week 53",
    "success": "At least 20 fewer missed collections a week",
    "outcome_column": "missed", "time_column": "week", "start": 53.0,
}


def _draft(world: dict[str, Any], design: str = Design.ITS) -> Evaluation:
    return evaluation_create(actor=world["users"]["lead"],
                             organisation=world["organisations"]["childrens-services"],
                             title="New collection rounds", design=design,
                             question="Did the new rounds cut missed collections?")


def _actions(evaluation: Evaluation) -> list[str]:
    return list(AuditEntry.objects.filter(object_id=str(evaluation.pk),
                                          object_type="evaluations.evaluation")
                .order_by("pk").values_list("action", flat=True))


def test_create_refuses_a_missing_title_and_an_unknown_design(trial_world: dict[str, Any]) -> None:
    with pytest.raises(ValidationProblem) as caught:
        evaluation_create(actor=trial_world["users"]["lead"],
                          organisation=trial_world["organisations"]["childrens-services"],
                          title=" ", design="rct")
    assert caught.value.problems == {"title": ERROR_TITLE, "design": ERROR_DESIGN}
    assert not Evaluation.objects.exists()


def test_a_plan_is_drafted_registered_frozen_and_amended_with_reasons(trial_world: dict[str, Any]) -> None:
    lead, analyst = trial_world["users"]["lead"], trial_world["users"]["analyst"]
    evaluation = _draft(trial_world)
    assert evaluation.status == Evaluation.Status.DRAFT
    assert evaluation.plan.question == "Did the new rounds cut missed collections?"

    with pytest.raises(ValidationProblem) as caught:
        evaluation_register(actor=lead, evaluation=evaluation)
    assert caught.value.problems["start"] == ERROR_REQUIRED.format(label="first period of the change")
    assert "cutoff" not in caught.value.problems  # not an RD design

    plan_update(actor=lead, evaluation=evaluation, changes=ITS_PLAN)
    evaluation = evaluation_register(actor=lead, evaluation=evaluation)
    assert evaluation.status == Evaluation.Status.REGISTERED and evaluation.registered_at
    first = evaluation.versions.get()
    assert first.number == 1 and first.content["start"] == 53.0 and first.content["design"] == "its"
    assert first.content_hash == content_hash(first.content)

    with pytest.raises(ValidationProblem) as caught:
        plan_update(actor=lead, evaluation=evaluation, changes={"success": "Anything"})
    assert caught.value.problems == {"__all__": ERROR_NOT_DRAFT}
    with pytest.raises(ValidationProblem) as caught:
        evaluation_register(actor=lead, evaluation=evaluation)
    assert caught.value.problems == {"__all__": ERROR_ALREADY_REGISTERED}

    with pytest.raises(ValidationProblem) as caught:
        plan_amend(actor=analyst, evaluation=evaluation, changes={"start": 54.0}, reason=" ")
    assert caught.value.problems == {"reason": ERROR_REASON}
    with pytest.raises(ValidationProblem) as caught:
        plan_amend(actor=analyst, evaluation=evaluation, changes={"start": 53.0}, reason="No-op")
    assert caught.value.problems == {"__all__": ERROR_NO_CHANGE}
    with pytest.raises(ValidationProblem) as caught:
        plan_amend(actor=analyst, evaluation=evaluation, changes={"outcome_column": ""}, reason="x")
    assert caught.value.problems == {"outcome_column": ERROR_REQUIRED.format(label="outcome column")}

    second = plan_amend(actor=analyst, evaluation=evaluation, changes={"start": 54.0},
                        reason="The rounds started a week late")
    assert (second.number, second.reason, second.content["start"]) == (2, "The rounds started a week late", 54.0)
    assert second.content_hash != first.content_hash
    first.refresh_from_db()
    assert first.content["start"] == 53.0  # the registered version is untouched
    assert _actions(evaluation) == [
        "evaluations.evaluation_create", "evaluations.plan_update",
        "evaluations.evaluation_register", "evaluations.plan_amend",
    ]


def test_a_plan_takes_only_the_fields_its_design_uses(trial_world: dict[str, Any]) -> None:
    evaluation = _draft(trial_world, design=Design.ITS)
    with pytest.raises(ValueError, match="cutoff"):
        plan_update(actor=trial_world["users"]["lead"], evaluation=evaluation, changes={"cutoff": 1.0})


def test_who_may_see_and_change_an_evaluation(trial_world: dict[str, Any]) -> None:
    from django.contrib.auth.models import AnonymousUser

    users = trial_world["users"]
    evaluation = _draft(trial_world)
    anonymous = AnonymousUser()
    for who in ("lead", "analyst"):
        assert access_evaluation_manage(users[who], evaluation.pk) == evaluation
        assert access_evaluations_manage(users[who]) == users[who]
    for who in ("frontline", "safety", "provider"):
        with pytest.raises(AccessDenied, match="This page is for people with the role"):
            access_evaluation_manage(users[who], evaluation.pk)
    assert access_evaluation(users["frontline"], evaluation.pk) == evaluation  # staff read drafts
    for who, refusal in ((anonymous, "Sign in to see this page"), (users["provider"], re.escape(DENIED_STAFF))):
        with pytest.raises(AccessDenied, match=refusal):
            access_evaluation(who, evaluation.pk)

    plan_update(actor=users["lead"], evaluation=evaluation, changes=ITS_PLAN)
    evaluation_register(actor=users["lead"], evaluation=evaluation)
    assert access_evaluation(anonymous, evaluation.pk) == evaluation  # a registered plan is public
    assert access_evaluation(users["provider"], evaluation.pk) == evaluation
    for forged in (evaluation.pk + 1000, "abc", "", -1, 2**70):
        with pytest.raises(AccessDenied, match=DENIED_EVALUATION):
            access_evaluation(users["lead"], forged)
