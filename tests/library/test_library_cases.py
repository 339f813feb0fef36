"""Cases: evidence level from design and result, overrides with reasons, disclosure, publishing."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.library import rules, services
from seedbed.library.models import Case
from seedbed.library.services.case import (
    ERROR_ALREADY,
    ERROR_INTERVAL_MISSING,
    ERROR_OVERRIDE_REASON,
    ERROR_PUBLISHED,
    ERROR_REQUIRED,
)

pytestmark = pytest.mark.django_db

BASE = {"summary": "s", "problem": "p", "what_was_done": "w", "year": 2025}


def _analyst():  # type: ignore[no-untyped-def]
    """A member of staff who writes cases (made once per test)."""
    from seedbed.accounts.models import User
    from seedbed.accounts.services import person_create

    return User.objects.filter(username="t-analyst").first() or person_create(
        username="t-analyst", email="analyst@example.org", display_name="Analyst", password=None)


def _case(actor=None, **kwargs):  # type: ignore[no-untyped-def]
    args = {"title": "A case", **BASE, "design": "rct", "actor": actor or _analyst()}
    args.update(kwargs)
    return services.case_create(**args)


@pytest.mark.parametrize(("design", "effect", "ci", "level", "direction"), [
    ("descriptive", None, None, 1, "not measured"),
    ("probe", None, None, 1, "not measured"),
    ("before_after", 2.0, (1.0, 3.0), 2, "positive"),
    ("non_random", 2.0, (-1.0, 3.0), 3, "null"),
    ("rct", 2.0, (1.0, 3.0), 3, "positive"),
    ("rct", -2.0, (-3.0, -1.0), 3, "negative"),
    ("cluster_rct", 0.1, (-0.5, 0.7), 3, "null"),
])
def test_evidence_level_is_computed_from_design_and_result(design, effect, ci, level, direction) -> None:  # type: ignore[no-untyped-def]
    case = _case(design=design, effect=effect, ci=ci)
    assert (case.evidence_level, case.direction) == (level, direction)
    assert case.level == level


def test_lower_is_better_turns_a_fall_into_a_positive_result() -> None:
    case = _case(effect=-2.0, ci=(-3.0, -1.0), higher_is_better=False)
    assert case.direction == "positive"


def test_replication_and_scale_reach_levels_4_and_5() -> None:
    assert _case(effect=1.0, ci=(0.5, 1.5), independent_replications=1).evidence_level == 4
    assert _case(effect=1.0, ci=(0.5, 1.5), independent_replications=2, manualised=True).evidence_level == 5


def test_bad_results_are_refused_with_named_fields() -> None:
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_REQUIRED.format(label="title"))) as exc:
        _case(title=" ", effect=5.0, ci=(1.0, 3.0), year=1800)
    assert set(exc.value.problems) == {"title", "ci_low", "year"}
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_INTERVAL_MISSING)) as exc:
        _case(effect=1.0)
    assert exc.value.problems["ci_low"] == ERROR_INTERVAL_MISSING


def test_override_needs_a_reason_and_is_audited() -> None:
    case = _case(effect=1.0, ci=(0.5, 1.5))
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_OVERRIDE_REASON)) as exc:
        services.case_evidence_override(case=case, level=2, reason="  ", actor=_analyst())
    assert "reason" in exc.value.problems
    case = services.case_evidence_override(case=case, level=2, reason="High attrition in one arm",
                                          actor=_analyst())
    assert case.level == 2 and case.evidence_level == 3 and case.override_reason
    entry = AuditEntry.objects.filter(action="library.case_evidence_override").last()
    assert entry.data == {"computed": 3, "from": 3, "to": 2}


def test_small_arm_sizes_are_suppressed_before_storage() -> None:
    case = _case(effect=1.0, ci=(0.5, 1.5), n_intervention=4, n_comparison=50)
    assert case.n_intervention is None and case.n_comparison is None and case.numbers_suppressed
    big = _case(title="Big", effect=1.0, ci=(0.5, 1.5), n_intervention=40, n_comparison=50)
    assert (big.n_intervention, big.n_comparison, big.n_total, big.numbers_suppressed) == (40, 50, 90, False)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 200), st.integers(0, 200))
def test_published_arm_sizes_never_reveal_a_small_count(a: int, b: int) -> None:
    shown_a, shown_b, total, _ = rules.protect_arm_sizes(a, b)
    for shown in (shown_a, shown_b, total):
        assert shown is None or shown == 0 or shown >= rules.DISCLOSURE_THRESHOLD
    # A hidden arm cannot be recovered from the total and the other arm.
    if (shown_a is None) != (shown_b is None):
        assert total is None


def test_publishing_records_the_evidence_on_the_innovation(demo_world) -> None:
    from seedbed.portfolio.models import Innovation

    reablement = Innovation.objects.get(title="Digital reablement check-ins")
    case = _case(actor=demo_world["users"]["analyst"], effect=1.0, ci=(0.5, 1.5), innovation=reablement)
    assert case.service_area == reablement.service_area and case.stage_reached == "Design and discovery"
    reablement.refresh_from_db()
    assert reablement.evidence_level == 0
    services.case_publish(case=case, actor=demo_world["users"]["analyst"])
    reablement.refresh_from_db()
    assert (reablement.evidence_level, reablement.evidence_direction) == (3, "positive")
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_PUBLISHED)):
        services.case_publish(case=case, actor=demo_world["users"]["analyst"])
    assert Case.objects.get(pk=case.pk).published_at is not None


def test_cost_per_outcome() -> None:
    from decimal import Decimal

    case = _case(cost=Decimal("80000"), outcomes_achieved=130)
    assert case.cost_per_outcome == Decimal("615.38")
    assert _case(title="No outcomes", cost=Decimal("10")).cost_per_outcome is None


def test_trials_demo_results_become_cases_through_the_publish_services(demo_world) -> None:
    from seedbed.trials.models import Probe, Trial

    trial = Trial.objects.get(title="Peer mentoring for care leavers")
    case = Case.objects.get(trial=trial)
    assert case.source == "trial" and case.design == "rct" and case.is_published
    assert (case.effect, case.ci_low, case.ci_high) == (trial.result.effect, trial.result.ci_low,
                                                        trial.result.ci_high)
    assert case.direction == trial.result.direction == "null" and case.evidence_level == 3
    assert case.registry_url == f"/trials/registry/{trial.pk}/"
    probe = Probe.objects.get(status="published")
    assert Case.objects.get(probe=probe).evidence_level == 1
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_ALREADY.format(kind="trial"))):
        services.case_create_from_trial(trial=trial, actor=demo_world["users"]["analyst"])
