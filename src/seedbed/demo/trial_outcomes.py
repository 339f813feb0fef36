"""Two demo trials that show what the trials module does when a trial does not go to plan,
built through the trials services, deterministically (numpy with fixed seeds):

- "Monthly instead of fortnightly visits": individually randomised; harm events pile up in
  the intervention arm, the first interim look crosses the harm boundary and pauses
  enrolment, the safety lead stops the trial for harm, and its result is analysed and
  published saying so ("Stopped early for harm"), with its library case marked harmful;
- "Family hubs, school by school": a stepped-wedge trial over eight schools in four steps
  (five terms of 70 days from 1 September 2025), with ten families enrolled in each school
  and six harm events recorded, so its harm monitoring counts real person-time; closed,
  analysed by period and published.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import numpy as np

from seedbed.trials.models import Trial
from seedbed.trials.services.allocation import allocation_draw, participant_enrol
from seedbed.trials.services.monitoring import (
    interim_look_run,
    safety_decision_record,
    safety_event_record,
)
from seedbed.trials.services.protocols import (
    harm_outcome_add,
    protocol_update,
    trial_close,
    trial_create,
    trial_register,
)
from seedbed.trials.services.results import analysis_run, outcome_upload, result_publish
from seedbed.trials.services.safeguards import risk_item_add, safety_lead_set, stopping_rule_add

STOPPED_TITLE = "Monthly instead of fortnightly visits"
WEDGE_TITLE = "Family hubs, school by school"
STOPPED_ENROLLED = 90
STOP_REASONS = (
    "At the first look, 24 of the {n_arm} families on monthly visits had been re-referred in "
    "an emergency, against 10 of the {n_control} on fortnightly visits, and the harm boundary "
    "was crossed. The safety panel judged that children were put at risk and stopped the trial."
)
WEDGE_SCHOOLS = tuple(f"Northfield school {i}" for i in range(1, 9))
WEDGE_START = dt.date(2025, 9, 1)  # period 0; the whole schedule is in the past
WEDGE_PERIOD_DAYS = 70
WEDGE_FAMILIES = 10  # per school, enrolled in the first weeks of period 0
START = dt.date(2026, 3, 2)

COMMON = {
    "setting": "Children's Services, Northfield",
    "data_protection_basis": "Public task (UK GDPR article 6(1)(e))",
    "safeguarding_plan": (
        "Any safeguarding concern is referred at once under the usual procedure; the trial "
        "never delays a referral. Staff are briefed on the harm outcomes."
    ),
}


def _safeguards(trial: Trial, users: dict[str, Any], harm: str, definition: str) -> None:
    lead = users["lead"]
    safety_lead_set(actor=lead, trial=trial, safety_lead=users["safety"])
    harm_outcome_add(actor=lead, trial=trial, name=harm, definition=definition,
                     boundary_alpha=0.05, boundary_spending="pocock")
    stopping_rule_add(actor=lead, trial=trial,
                      rule="Pause enrolment at once if the harm boundary is crossed at any look")
    risk_item_add(actor=lead, trial=trial, description="Risk to children rises between visits",
                  likelihood=3, impact=5, owner=users["safety"], treatment="treat",
                  treatment_plan="Weekly review of every family on monthly visits")


def stopped_for_harm_trial(context: dict[str, Any]) -> Trial:
    """Register, enrol 90 families, record emergency re-referrals (more under monthly
    visits), take the first look (which crosses the harm boundary), stop for harm, upload
    the outcomes of those enrolled, analyse and publish."""
    users, orgs = context["users"], context["organisations"]
    trial = trial_create(actor=users["lead"], organisation=orgs["childrens-services"],
                         title=STOPPED_TITLE)
    protocol_update(actor=users["analyst"], trial=trial, changes={
        **COMMON,
        "question": "Can families assessed as stable be visited monthly instead of "
                    "fortnightly without harm to their wellbeing?",
        "population": "Families on a child-in-need plan assessed as stable for three months",
        "intervention": "A home visit every four weeks, with a phone call in between",
        "comparator": "A home visit every two weeks, as now",
        "primary_outcome": "Family wellbeing score at six months (0 to 100)",
        "analysis_plan": "Intention to treat: difference in mean score between arms with a "
                         "95% confidence interval.",
        "strata": "", "effect_size": 0.4, "interim_looks": 3,
        "ethics_reference": "DPIA-2026-022", "cost_measures": "Staff time per family, in pounds",
    })
    _safeguards(trial, users, "Emergency re-referral",
                "The family is re-referred to children's social care in an emergency")
    trial = trial_register(actor=users["lead"], trial=trial, seed="northfield-demo-monthly-visits")
    harm = trial.harm_outcomes.get()
    arms: dict[str, str] = {}
    for i in range(STOPPED_ENROLLED):
        unit = f"CIN-{2000 + i}"
        arms[unit] = allocation_draw(actor=users["frontline"], trial=trial, unit_ref=unit,
                                     idempotency_key=f"demo-visits-{i}").arm
    control = trial.protocol.arm_list[0]
    wanted = {control: 10, "intervention": 24}  # families with an emergency re-referral
    n = 0
    for unit, arm in arms.items():
        if wanted.get(arm, 0) == 0:
            continue
        wanted[arm] -= 1
        n += 1
        safety_event_record(
            actor=users["frontline"], trial=trial, unit_ref=unit, harm_outcome=harm,
            severity="serious", description="Emergency re-referral after a crisis at home",
            occurred_on=START + dt.timedelta(days=20 + n), idempotency_key=f"demo-visits-event-{n}",
        )
    interim_look_run(actor=users["safety"], trial=trial)
    trial.refresh_from_db()
    safety_decision_record(actor=users["safety"], trial=trial, decision="stop",
                           stop_reason="harm", reasons=STOP_REASONS.format(
                               n_arm=sum(a != control for a in arms.values()),
                               n_control=sum(a == control for a in arms.values())))
    trial.refresh_from_db()
    rng = np.random.default_rng(20260302)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["unit", "arm", "outcome"])
    for unit, arm in arms.items():
        score = 60.0 - (3.0 if arm == "intervention" else 0.0) + rng.normal(0.0, 12.0)
        writer.writerow([unit, arm, f"{float(np.clip(score, 0, 100)):.1f}"])
    outcome_upload(actor=users["analyst"], trial=trial, filename="visits-outcomes.csv",
                   content=out.getvalue().encode())
    analysis_run(
        actor=users["analyst"], trial=trial, assessed=131,
        plain_summary=(
            "We stopped this trial early because families visited monthly were re-referred "
            "in an emergency more than twice as often as families visited fortnightly. "
            "Visiting stable families less often put children at risk; we have gone back to "
            "fortnightly visits."
        ),
        lessons="Three months of stability was not a safe test for fewer visits; the harm "
                "monitor caught the rise at the first look.",
    )
    result_publish(actor=users["lead"], trial=trial)
    trial.refresh_from_db()
    return trial


def stepped_wedge_trial(context: dict[str, Any]) -> Trial:
    """A stepped-wedge trial: eight schools cross over to a family hub in four steps (two
    schools a step, five periods), with ten families measured per school and period."""
    users, orgs = context["users"], context["organisations"]
    trial = trial_create(actor=users["lead"], organisation=orgs["childrens-services"],
                         title=WEDGE_TITLE)
    protocol_update(actor=users["analyst"], trial=trial, changes={
        **COMMON,
        "question": "Does a family hub in the school improve how supported parents feel?",
        "population": "Parents of pupils at eight Northfield primary schools",
        "intervention": "A family hub open in the school three mornings a week",
        "comparator": "Usual early-help services before the school's hub opens",
        "primary_outcome": "Parent-reported support score (0 to 100), termly survey",
        "analysis_plan": "Stepped-wedge analysis: the intervention effect adjusted for period, "
                         "with errors allowing for clustering by school.",
        "design": "stepped_wedge", "randomisation_unit": "school",
        "clusters": "\n".join(WEDGE_SCHOOLS), "steps": 4, "cluster_size": 10, "icc": 0.05,
        "effect_size": 0.4, "strata": "", "interim_looks": 1,
        "first_period_start": WEDGE_START, "period_days": WEDGE_PERIOD_DAYS,
        "ethics_reference": "DPIA-2026-031",
    })
    _safeguards(trial, users, "Safeguarding referral missed",
                "A safeguarding concern raised at the hub is not referred the same day")
    trial = trial_register(actor=users["lead"], trial=trial, seed="northfield-demo-family-hubs-wedge")
    for school in WEDGE_SCHOOLS:
        allocation_draw(actor=users["frontline"], trial=trial, unit_ref="", cluster=school,
                        idempotency_key=f"demo-hubs-{school}")
    harm = trial.harm_outcomes.get()
    for s, school in enumerate(WEDGE_SCHOOLS):
        for j in range(WEDGE_FAMILIES):
            ref = f"HUB-{s + 1}-{j + 1:02d}"
            participant_enrol(actor=users["frontline"], trial=trial, cluster=school, unit_ref=ref,
                              enrolled_on=WEDGE_START + dt.timedelta(days=2 * j),
                              idempotency_key=f"demo-hubs-{ref}")
    # Missed referrals in periods 1 to 3, one a period in a school whose hub was open and one
    # in a school still waiting: monitoring compares them within periods, by person-time.
    slots = list(trial.allocations.exclude(unit_ref="").order_by("step", "position"))
    n = 0
    for period in (1, 2, 3):
        open_hub = next(a for a in slots if (a.step or 0) <= period)
        waiting = next(a for a in slots if (a.step or 0) > period)
        for slot in (open_hub, waiting):
            n += 1
            number = WEDGE_SCHOOLS.index(slot.cluster) + 1
            safety_event_record(
                actor=users["frontline"], trial=trial, unit_ref=f"HUB-{number}-{n:02d}",
                harm_outcome=harm, severity="moderate",
                description="A concern raised at school was referred a day late",
                occurred_on=WEDGE_START + dt.timedelta(days=WEDGE_PERIOD_DAYS * period + 20),
                idempotency_key=f"demo-hubs-event-{n}",
            )
    trial = trial_close(actor=users["lead"], trial=trial)
    rng = np.random.default_rng(20260303)
    lines = ["cluster,period,treated,outcome"]
    for slot in trial.allocations.exclude(unit_ref="").order_by("position"):
        school_effect = rng.normal(0.0, 3.0)
        for period in range(5):
            treated = int(period >= (slot.step or 0))
            for _ in range(10):
                score = 55.0 + school_effect + 0.8 * period + 4.0 * treated + rng.normal(0.0, 10.0)
                lines.append(f"{slot.cluster},{period},{treated},{float(np.clip(score, 0, 100)):.1f}")
    outcome_upload(actor=users["analyst"], trial=trial, filename="hubs-outcomes.csv",
                   content=("\n".join(lines) + "\n").encode())
    analysis_run(
        actor=users["analyst"], trial=trial, assessed=8,
        plain_summary=(
            "Parents felt more supported once their school's family hub had opened, after "
            "allowing for the general rise over the year."
        ),
        lessons="Opening two hubs a term was manageable; later schools asked to open sooner.",
    )
    result_publish(actor=users["lead"], trial=trial)
    trial.refresh_from_db()
    return trial
