"""Demo trials and probes, built through the trials services, deterministically.

- "Weekly family-support calls": a registered, stratified trial in Children's Services,
  recruiting, with two interim looks at its harm outcome;
- "Peer mentoring for care leavers": finished, analysed and published with a null result
  (outcomes drawn with numpy from a fixed seed, with no true difference between arms);
  publishing it creates its library case (as publishing a probe does);
- "Text reminders before home visits": a running probe, and "Drop-in family hub hours", a
  published probe whose outcome was to adapt;
- a draft trial and a draft probe, for the workspace;
- a trial stopped early for harm and a stepped-wedge trial (``seedbed.demo.trial_outcomes``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import numpy as np

from seedbed.demo.trial_outcomes import stepped_wedge_trial, stopped_for_harm_trial
from seedbed.trials.services.allocation import allocation_draw
from seedbed.trials.services.monitoring import interim_look_run, safety_event_record
from seedbed.trials.services.probes import (
    probe_create,
    probe_outcome_record,
    probe_publish,
    probe_start,
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

RUNNING_TITLE = "Weekly family-support calls"
FINISHED_TITLE = "Peer mentoring for care leavers"
DEMO_DATE = dt.date(2026, 9, 1)

COMMON = {
    "setting": "Children's Services, Northfield",
    "comparator": "Usual support from the family's allocated worker",
    "analysis_plan": (
        "Intention to treat. Difference in mean score between arms by ordinary least squares, "
        "adjusted for the randomisation strata, with a 95% confidence interval."
    ),
    "safeguarding_plan": (
        "Any safeguarding concern is referred at once under the usual procedure; the trial "
        "never delays a referral. Staff are briefed on the harm outcomes."
    ),
    "data_protection_basis": "Public task (UK GDPR article 6(1)(e))",
    "cost_measures": "Staff time per family, in pounds",
}


def _safeguards(trial: Any, users: dict[str, Any], harm: str, definition: str) -> None:
    lead = users["lead"]
    safety_lead_set(actor=lead, trial=trial, safety_lead=users["safety"])
    harm_outcome_add(actor=lead, trial=trial, name=harm, definition=definition,
                     boundary_alpha=0.05, boundary_spending="pocock")
    stopping_rule_add(actor=lead, trial=trial,
                      rule="Pause enrolment at once if the harm boundary is crossed at any look")
    stopping_rule_add(actor=lead, trial=trial,
                      rule="Stop if the safety lead judges that families are put at risk")
    risk_item_add(actor=lead, trial=trial, description="Families feel pressured to take part",
                  likelihood=2, impact=4, owner=users["safety"], treatment="treat",
                  treatment_plan="Consent script reviewed by the family reference group")
    risk_item_add(actor=lead, trial=trial, description="Staff turnover interrupts the service",
                  likelihood=3, impact=2, owner=lead, treatment="tolerate")


def _running_trial(context: dict[str, Any]) -> None:
    users, orgs = context["users"], context["organisations"]
    trial = trial_create(actor=users["lead"], organisation=orgs["childrens-services"],
                         title=RUNNING_TITLE)
    protocol_update(actor=users["analyst"], trial=trial, changes={
        **COMMON,
        "question": "Does a weekly call from a family-support worker improve family wellbeing?",
        "population": "Families referred to early help; excluded: families with an open child "
                      "protection plan",
        "intervention": "A weekly 20-minute call from a family-support worker for 12 weeks",
        "primary_outcome": "Family wellbeing score at six months (0 to 100)",
        "primary_outcome_measure": "The Family Wellbeing Scale, asked by a researcher who does "
                                   "not know the family's arm",
        "primary_outcome_timepoint": "Six months after enrolment",
        "secondary_outcomes": [
            {"name": "Re-referral to children's services", "measure": "Case management records",
             "timepoint": "Within 12 months of enrolment"},
            {"name": "School attendance", "measure": "Attendance records of the school-age "
             "children, as a percentage of sessions", "timepoint": "The school year after enrolment"},
        ],
        "start_date": dt.date(2026, 9, 1), "recruitment_end_date": dt.date(2027, 8, 31),
        "follow_up_end_date": dt.date(2028, 8, 31),
        "missing_data_plan": "Families who leave the service are followed up through records; "
                             "the primary analysis uses multiple imputation by arm and stratum, "
                             "with complete cases as a sensitivity analysis.",
        "funding_source": "Northfield Council's experimentation fund",
        "conflicts_of_interest": "No one running the trial gains from either result: the "
                                 "family-support service is the council's own.",
        "data_sharing_statement": "The protocol, analysis code and a de-identified data set "
                                  "(small counts suppressed) are published with the result.",
        "strata": "under 5, 5 to 17", "effect_size": 0.3, "interim_looks": 3,
        "subgroups": "deprivation", "ethics_reference": "DPIA-2026-014",
    })
    _safeguards(trial, users, "Emergency placement",
                "The child is placed in emergency care while in the trial")
    trial = trial_register(actor=users["lead"], trial=trial, seed="northfield-demo-family-support-calls")
    harm = trial.harm_outcomes.get()
    strata = ("under 5", "5 to 17")
    for batch, count in ((0, 20), (1, 20)):
        for i in range(batch * 20, batch * 20 + count):
            allocation_draw(actor=users["frontline"], trial=trial, unit_ref=f"EH-{1000 + i}",
                            stratum=strata[i % 2], idempotency_key=f"demo-calls-{i}")
        for i in range(batch * 20, batch * 20 + count, 9):
            safety_event_record(
                actor=users["frontline"], trial=trial, unit_ref=f"EH-{1000 + i}",
                harm_outcome=harm, severity="severe",
                description="Emergency placement after a family crisis",
                occurred_on=DEMO_DATE + dt.timedelta(days=i),
            )
        interim_look_run(actor=users["safety"], trial=trial)


def _outcome_csv(trial: Any) -> bytes:
    """Outcomes with no true difference between arms (numpy, fixed seed)."""
    rng = np.random.default_rng(20260901)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["unit", "arm", "outcome", "cost", "deprivation"])
    for allocation in trial.allocations.exclude(unit_ref="").order_by("position"):
        score = float(np.clip(rng.normal(55.0, 12.0), 0, 100))
        cost = 420.0 if allocation.arm == "intervention" else 150.0
        writer.writerow([allocation.unit_ref, allocation.arm, f"{score:.1f}",
                         f"{cost + rng.normal(0, 20):.2f}",
                         "most deprived" if rng.random() < 0.5 else "less deprived"])
    return out.getvalue().encode()


def _finished_trial(context: dict[str, Any]) -> None:
    users, orgs = context["users"], context["organisations"]
    trial = trial_create(actor=users["lead"], organisation=orgs["childrens-services"],
                         title=FINISHED_TITLE)
    protocol_update(actor=users["analyst"], trial=trial, changes={
        **COMMON,
        "question": "Does peer mentoring improve the wellbeing of young people leaving care?",
        "population": "Care leavers aged 16 to 21 living in Northfield",
        "intervention": "Fortnightly meetings with a trained peer mentor for six months",
        "primary_outcome": "Warwick-Edinburgh wellbeing score at six months",
        "effect_size": 0.9, "interim_looks": 1, "cost_column": "cost",
        "subgroups": "deprivation", "ethics_reference": "DPIA-2025-031",
    })
    _safeguards(trial, users, "Crisis contact",
                "Contact with crisis services during the trial")
    trial = trial_register(actor=users["lead"], trial=trial, seed="northfield-demo-mentoring")
    planned = trial.protocol.sample_size_per_arm * 2  # type: ignore[operator]
    for i in range(planned):
        allocation_draw(actor=users["frontline"], trial=trial, unit_ref=f"CL-{500 + i}")
    trial = trial_close(actor=users["lead"], trial=trial)
    outcome_upload(actor=users["analyst"], trial=trial, filename="mentoring-outcomes.csv",
                   content=_outcome_csv(trial))
    analysis_run(
        actor=users["analyst"], trial=trial, assessed=planned + 61,
        plain_summary=(
            "Young people offered a peer mentor reported much the same wellbeing after six "
            "months as those who were not. The trial cannot rule out a small benefit or a "
            "small harm, and mentoring cost more per person."
        ),
        lessons="Recruiting mentors took longer than planned; mentoring was valued by those "
                "who took it up, which the score did not capture.",
    )
    result_publish(actor=users["lead"], trial=trial)


def _probes(context: dict[str, Any]) -> None:
    users, orgs = context["users"], context["organisations"]
    lead = users["lead"]
    running = probe_create(
        actor=lead, organisation=orgs["childrens-services"],
        title="Text reminders before home visits", challenge="Missed home visits",
        hypothesis="A text the day before halves the number of missed home visits",
        monitored="Home visits missed each week; replies asking to rearrange",
        success_signs="Fewer missed visits within four weeks",
        amplify_plan="Offer reminders in every locality team",
        failure_signs="No change, or families telling us the texts feel intrusive",
        recover_plan="Stop the texts and ask families what would help instead",
        unintended_consequences="Families without phones could be missed",
        cost_cap=Decimal("500.00"), end_date=DEMO_DATE + dt.timedelta(weeks=8),
    )
    safety_lead_set(actor=lead, probe=running, safety_lead=users["safety"])
    stopping_rule_add(actor=lead, probe=running, rule="Stop if any family reports distress")
    risk_item_add(actor=lead, probe=running, description="A text reaches the wrong number",
                  likelihood=2, impact=3, owner=lead, treatment="treat",
                  treatment_plan="Numbers confirmed at the previous visit")
    probe_start(actor=lead, probe=running)
    finished = probe_create(
        actor=lead, organisation=orgs["childrens-services"],
        title="Drop-in family hub hours", challenge="Missed home visits",
        hypothesis="Families who miss visits will come to an evening drop-in instead",
        monitored="Drop-in attendance; visits missed", success_signs="Ten families a week",
        amplify_plan="Open a second hub", failure_signs="Fewer than three families a week",
        recover_plan="Return to home visits only", unintended_consequences="",
        cost_cap=Decimal("1200.00"), end_date=DEMO_DATE + dt.timedelta(weeks=6),
    )
    safety_lead_set(actor=lead, probe=finished, safety_lead=users["safety"])
    stopping_rule_add(actor=lead, probe=finished, rule="Stop if staff are alone with families")
    probe_start(actor=lead, probe=finished)
    probe_outcome_record(
        actor=lead, probe=finished, outcome="adapt", spent=Decimal("860.00"),
        reasons="Few families came in the evening; those who came wanted Saturday mornings. "
                "We will adapt the hours and try again.",
    )
    probe_publish(actor=lead, probe=finished)


DRAFT_TITLE = "Family group conferences before care proceedings"
DRAFT_PROBE_TITLE = "Video calls for out-of-hours support"


def _drafts(context: dict[str, Any]) -> None:
    users, orgs = context["users"], context["organisations"]
    trial = trial_create(
        actor=users["lead"], organisation=orgs["childrens-services"], title=DRAFT_TITLE,
        question="Does offering a family group conference before care proceedings keep more "
                 "children safely at home?",
    )
    protocol_update(actor=users["analyst"], trial=trial, changes={
        **COMMON, "outcome_type": "binary", "p_control": 0.4, "p_treatment": 0.5,
    })
    probe_create(
        actor=users["lead"], organisation=orgs["adult-social-care"], title=DRAFT_PROBE_TITLE,
        challenge="Out-of-hours support", hypothesis="Video calls resolve more evening crises at home",
        monitored="Evening call-outs", success_signs="Fewer call-outs",
        amplify_plan="Offer video to every carer", failure_signs="Carers do not answer",
        recover_plan="Return to phone calls", unintended_consequences="",
        cost_cap=Decimal("300.00"), end_date=DEMO_DATE + dt.timedelta(weeks=6),
    )


def build(context: dict[str, Any]) -> None:
    """Create the demo probes and trials (run once, after the personas)."""
    _drafts(context)
    _running_trial(context)
    _finished_trial(context)
    stopped_for_harm_trial(context)
    stepped_wedge_trial(context)
    _probes(context)
