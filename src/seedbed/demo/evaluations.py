"""Demo evaluations: one of each design on a plausible council data set, each planned,
registered, given its data and analysed through the evaluations services. Two (difference-in-
differences and regression discontinuity) have their reports published and are in the
library; the time series and the synthetic control stay analysed, their reports not yet
published.

The data are generated deterministically (numpy with fixed seeds) with a known true effect,
so the analysis has something real to find:

- difference-in-differences: family group conferencing rolled out team by team across
  children's services (three waves and a group of teams not yet reached); re-referrals
  within a year per 100 children fall by ``DID_EFFECT`` from a team's start;
- interrupted time series: delayed hospital discharges each month, before and after a
  discharge-to-assess scheme starting in month ``ITS_START``; the level drops by
  ``ITS_LEVEL`` and the trend bends by ``ITS_SLOPE`` a month;
- synthetic control: antisocial-behaviour reports in one ward after a youth-outreach scheme,
  against a weighted mix of twelve other wards; ``SYNTH_EFFECT`` reports a month;
- regression discontinuity: households scoring ``RD_CUTOFF`` or more on a deprivation index
  were offered a support grant; rent arrears six months later are ``RD_EFFECT`` pounds
  lower at the cutoff.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from seedbed.evaluations.models import Design, Evaluation
from seedbed.evaluations.services import (
    dataset_upload,
    evaluation_analyse,
    evaluation_case_create,
    evaluation_create,
    evaluation_register,
    evaluation_report,
    plan_update,
)
from seedbed.portfolio.models import ServiceArea

DID_TITLE = "Family group conferencing, team by team"
ITS_TITLE = "Discharge to assess: delayed hospital discharges"
SYNTH_TITLE = "Youth outreach in Riverside ward"
RD_TITLE = "Support grants above the deprivation threshold"

DID_TEAMS, DID_QUARTERS = 40, 12
DID_WAVES = (5, 7, 9, 0)  # the quarter each team started (0: not yet reached)
DID_EFFECT = -2.5  # re-referrals per 100 children
ITS_MONTHS, ITS_START, ITS_LEVEL, ITS_SLOPE = 48, 25, -9.0, -0.3
SYNTH_WARDS = ("Riverside", "Abbey", "Brookfield", "Castle", "Dale", "Eastgate", "Fairview",
               "Greenhill", "Hillside", "Kingsmead", "Longford", "Millbrook", "Northgate")
SYNTH_MONTHS, SYNTH_START, SYNTH_EFFECT = 36, 25, -6.0
RD_HOUSEHOLDS, RD_CUTOFF, RD_EFFECT = 1200, 60.0, -150.0


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def did_rows(seed: int = 14) -> bytes:
    """Team x quarter: re-referrals per 100 children, with a common trend, team levels and the
    effect from each team's first quarter of family group conferencing."""
    rng = np.random.default_rng(seed)
    rows = []
    for team in range(DID_TEAMS):
        started = DID_WAVES[team % len(DID_WAVES)]
        level = rng.normal(22.0, 3.0)
        for quarter in range(1, DID_QUARTERS + 1):
            effect = DID_EFFECT if started and quarter >= started else 0.0
            value = level - 0.15 * quarter + effect + rng.normal(0.0, 0.6)
            rows.append((f"Team {team + 1:02d}", quarter, round(value, 2), started))
    return _csv(("team", "quarter", "rereferrals_per_100", "fgc_started"), rows)


def its_rows(seed: int = 15) -> bytes:
    """Month: people whose discharge from hospital was delayed."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, ITS_MONTHS + 1)
    after = t >= ITS_START
    y = (85.0 + 0.2 * t + ITS_LEVEL * after + ITS_SLOPE * (t - ITS_START) * after
         + rng.normal(0.0, 1.5, t.size))
    return _csv(("month", "delayed_discharges"), [(int(m), round(float(v), 1))
                                                   for m, v in zip(t, y, strict=True)])


def synth_rows(seed: int = 16) -> bytes:
    """Ward x month: antisocial-behaviour reports; Riverside moves with a mix of three
    wards before the scheme, and falls by the effect after it."""
    rng = np.random.default_rng(seed)
    factors = np.cumsum(rng.normal(0.0, 1.0, (SYNTH_MONTHS, 2)), axis=0)
    load = rng.uniform(0.5, 2.0, (len(SYNTH_WARDS), 2))
    load[0] = 0.5 * load[1] + 0.3 * load[4] + 0.2 * load[7]
    base = rng.uniform(35.0, 60.0, len(SYNTH_WARDS))
    base[0] = 0.5 * base[1] + 0.3 * base[4] + 0.2 * base[7]
    y = base + factors @ load.T + rng.normal(0.0, 0.6, (SYNTH_MONTHS, len(SYNTH_WARDS)))
    y[SYNTH_START - 1:, 0] += SYNTH_EFFECT
    rows = [(ward, month + 1, round(float(y[month, j]), 1))
            for j, ward in enumerate(SYNTH_WARDS) for month in range(SYNTH_MONTHS)]
    return _csv(("ward", "month", "asb_reports"), rows)


def rd_rows(seed: int = 17) -> bytes:
    """Household: deprivation score and rent arrears (pounds) six months later."""
    rng = np.random.default_rng(seed)
    score = np.round(rng.uniform(20.0, 100.0, RD_HOUSEHOLDS), 2)
    arrears = (450.0 + 9.0 * (score - RD_CUTOFF) + 0.05 * (score - RD_CUTOFF) ** 2
               + RD_EFFECT * (score >= RD_CUTOFF) + rng.normal(0.0, 90.0, score.size))
    rows = [(f"H{i + 1:04d}", float(s), round(float(max(a, 0.0)), 2))
            for i, (s, a) in enumerate(zip(score, arrears, strict=True))]
    return _csv(("household", "deprivation_score", "rent_arrears"), rows)


EVALUATIONS: tuple[dict[str, Any], ...] = (
    {"title": DID_TITLE, "design": Design.DID, "organisation": "childrens-services",
     "file": ("fgc_rereferrals.csv", did_rows), "report": True,
     "case": {
         "summary": "Re-referrals fell in the teams that started family group conferencing, "
                    "against teams that had not started yet.",
         "what_was_done": "Teams offered a family group conference before any child protection "
                          "plan, starting in three waves.",
         "lessons_worked": "Starting team by team gave a comparison group without holding "
                           "anyone back for long.",
         "higher_is_better": False},
     "plan": {
         "question": "Does family group conferencing reduce re-referrals to children's social care?",
         "outcome": "Re-referrals within 12 months per 100 children whose case closed, by team and quarter",
         "comparison": "Teams that had not started family group conferencing by the end of the period",
         "period": "Quarters 1 to 12 (April 2022 to March 2025); teams started in quarters 5, 7 "
                   "and 9, a quarter of them after the period",
         "assumptions": "Without conferencing, re-referrals would have moved in parallel across "
                        "teams; teams did not change anything else when they started",
         "success": "At least 2 fewer re-referrals per 100 children",
         "outcome_column": "rereferrals_per_100", "unit_column": "team",
         "time_column": "quarter", "first_treated_column": "fgc_started"}},
    {"title": ITS_TITLE, "design": Design.ITS, "organisation": "adult-social-care",
     "file": ("delayed_discharges.csv", its_rows),
     "plan": {
         "question": "Did discharge to assess reduce delayed discharges from hospital?",
         "outcome": "People medically fit to leave hospital but still there on the last day of "
                    "each month",
         "comparison": "The trend in the 24 months before the scheme",
         "period": "Months 1 to 48; the scheme started in month 25",
         "assumptions": "Nothing else that affects discharges changed in month 25",
         "success": "At least 5 fewer delayed discharges a month",
         "outcome_column": "delayed_discharges", "time_column": "month",
         "start": float(ITS_START)}},
    {"title": SYNTH_TITLE, "design": Design.SYNTH, "organisation": "neighbourhoods",
     "file": ("asb_reports_by_ward.csv", synth_rows),
     "plan": {
         "question": "Did the youth-outreach scheme reduce antisocial behaviour in Riverside?",
         "outcome": "Antisocial-behaviour reports to the council and police each month",
         "comparison": "A weighted mix of the twelve other wards that tracks Riverside before "
                       "the scheme",
         "period": "Months 1 to 36; the scheme started in month 25",
         "assumptions": "The other wards were not affected by the scheme; nothing else changed "
                        "in Riverside in month 25",
         "success": "At least 4 fewer reports a month",
         "outcome_column": "asb_reports", "unit_column": "ward", "time_column": "month",
         "treated_unit": SYNTH_WARDS[0], "start": float(SYNTH_START)}},
    {"title": RD_TITLE, "design": Design.RD, "organisation": "neighbourhoods",
     "file": ("support_grants.csv", rd_rows), "report": True,
     "case": {
         "summary": "Households just above the deprivation threshold, offered the support "
                    "grant, had lower rent arrears six months later than those just below.",
         "what_was_done": "A support grant offered to households scoring 60 or more on the "
                          "council's deprivation index.",
         "lessons_differently": "Record take-up of the grant, so that its effect on those who "
                                "used it can be estimated as well as the offer's.",
         "higher_is_better": False},
     "plan": {
         "question": "Does a support grant reduce rent arrears for households near the threshold?",
         "outcome": "Rent arrears in pounds six months after assessment",
         "comparison": "Households scoring just below the threshold of 60",
         "period": "Assessments from April 2024 to March 2025",
         "assumptions": "Scores near 60 were not adjusted to reach the grant; nothing else "
                        "changes at 60",
         "success": "Arrears at least 100 pounds lower",
         "outcome_column": "rent_arrears", "running_column": "deprivation_score",
         "cutoff": RD_CUTOFF}},
)


def build(context: dict[str, Any]) -> None:
    """Plan, register, add data to and analyse one evaluation of each design; publish the
    reports and add the library cases ``EVALUATIONS`` asks for."""
    lead, analyst = context["users"]["lead"], context["users"]["analyst"]
    areas = {a.slug: a for a in ServiceArea.objects.all()}
    for spec in EVALUATIONS:
        if Evaluation.objects.filter(title=spec["title"]).exists():
            continue
        evaluation = evaluation_create(
            actor=lead, organisation=context["organisations"][spec["organisation"]],
            service_area=areas.get(spec["organisation"]), title=spec["title"],
            design=spec["design"])
        plan_update(actor=lead, evaluation=evaluation, changes=spec["plan"])
        evaluation = evaluation_register(actor=lead, evaluation=evaluation)
        filename, rows = spec["file"]
        dataset_upload(actor=analyst, evaluation=evaluation, filename=filename, content=rows())
        evaluation_analyse(actor=analyst, evaluation=evaluation)
        if spec.get("report"):
            evaluation = evaluation_report(actor=lead, evaluation=evaluation)
        if spec.get("case"):
            evaluation_case_create(actor=lead, evaluation=evaluation, **spec["case"])
