"""Stepped-wedge efficacy looks use the information the plan used, not calendar time.

The plan (``seedbed.stats.sw_power.stepped_wedge_look_rates``) places its looks at the GLS
information of the periods completed over that of the whole design (Hussey & Hughes 2007).
Regression: the monitoring used days elapsed / total days, so after 3 of 5 periods it said
0.60 where the plan's figure is higher, and efficacy boundaries were spent at the wrong
fractions. The reference here is the GLS variance written out directly (cluster-period
means with covariance tau^2 J + sigma_e^2 / m I, period fixed effects; numpy), not the
engine's Schur-complement code.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pytest
from django.utils import timezone

from seedbed.stats.sw_power import stepped_wedge_look_rates
from seedbed.trials.selectors import STATUS_NOT_DUE, information_rate, stepped_wedge_information
from seedbed.trials.services.allocation import allocation_draw, participant_enrol
from seedbed.trials.services.monitoring import interim_look_run
from tests.trials.helpers import draft_trial

pytestmark = pytest.mark.django_db

STEPS, ICC, M, PERIOD_DAYS = 4, 0.05, 20, 30
CLUSTERS = [f"School {i}" for i in range(1, 9)]


def _gls_variance_by_hand(periods: int) -> float:
    """Var(theta-hat) of the Hussey & Hughes model over the first ``periods`` periods: four
    sequences crossing over at periods 2..5 (one baseline), two clusters each."""
    total = STEPS + 1
    information = np.zeros((periods + 1, periods + 1))
    cov = ICC * np.ones((periods, periods)) + (1 - ICC) / M * np.eye(periods)
    inverse = np.linalg.inv(cov)
    for sequence in range(STEPS):
        exposed = (np.arange(total) >= sequence + 1).astype(float)[:periods]
        design = np.column_stack([np.eye(periods), exposed])
        information += 2 * design.T @ inverse @ design
    return float(np.linalg.inv(information)[-1, -1])


def test_information_fractions_by_hand_match_the_plan() -> None:
    ends, rates = stepped_wedge_look_rates(steps=STEPS, looks=2, icc=ICC, cluster_size=M)
    assert ends == (3, 5)
    by_hand = _gls_variance_by_hand(5) / _gls_variance_by_hand(3)
    assert rates[0] == pytest.approx(by_hand, rel=1e-9)
    assert by_hand > 3 / 5 + 0.03  # not the calendar fraction


def _wedge(world, *, periods_done: int, extra_days: int):
    today = timezone.localdate()
    start = today - dt.timedelta(days=PERIOD_DAYS * periods_done + extra_days - 1)
    seed = hashlib.sha256(f"wedge-info-{periods_done}-{extra_days}".encode()).hexdigest()
    trial = draft_trial(world, register=True, seed=seed, design="stepped_wedge", icc=ICC,
                        cluster_size=M, steps=STEPS, clusters="\n".join(CLUSTERS), strata="",
                        first_period_start=start, period_days=PERIOD_DAYS, efficacy_looks=True,
                        interim_looks=2, title="Family hubs, school by school")
    for name in CLUSTERS:
        allocation_draw(actor=world["users"]["frontline"], trial=trial, unit_ref="", cluster=name)
        participant_enrol(actor=world["users"]["frontline"], trial=trial, cluster=name,
                          unit_ref=f"{name}/1", enrolled_on=start)
    return trial


def test_efficacy_look_uses_the_gls_information_of_the_periods_completed(trial_world) -> None:
    # Two periods and 20 days done: the first efficacy look (end of period 3) is not due.
    trial = _wedge(trial_world, periods_done=2, extra_days=20)
    today = timezone.localdate()
    expected = _gls_variance_by_hand(5) / _gls_variance_by_hand(2)
    assert stepped_wedge_information(trial, as_of=today) == pytest.approx(expected, rel=1e-9)
    assert information_rate(trial, as_of=today) == pytest.approx(80 / 150)  # calendar, for harm
    look = interim_look_run(actor=trial_world["users"]["safety"], trial=trial)
    efficacy = look.efficacy
    _, plan = stepped_wedge_look_rates(steps=STEPS, looks=2, icc=ICC, cluster_size=M)
    assert efficacy["status"] == STATUS_NOT_DUE
    assert efficacy["information_rate"] == pytest.approx(expected, rel=1e-9)
    assert efficacy["due_rate"] == pytest.approx(plan[0], rel=1e-9)
    due_on = trial.protocol.first_period_start + dt.timedelta(days=3 * PERIOD_DAYS - 1)
    assert f"at the end of period 3 of 5 ({due_on:%d %B %Y})" in efficacy["message"]
    assert look.results  # harm is judged at the same look


def test_efficacy_look_is_due_at_the_end_of_the_plans_period(trial_world) -> None:
    trial = _wedge(trial_world, periods_done=3, extra_days=0)
    today = timezone.localdate()
    _, plan = stepped_wedge_look_rates(steps=STEPS, looks=2, icc=ICC, cluster_size=M)
    assert stepped_wedge_information(trial, as_of=today) == pytest.approx(plan[0], rel=1e-9)
    look = interim_look_run(actor=trial_world["users"]["safety"], trial=trial)
    assert look.efficacy["status"] != STATUS_NOT_DUE  # due: analysed (here, no data yet)
