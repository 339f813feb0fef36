"""Funding demo: a ring-fenced fund, a finished micro-grant round decided at a pitch panel,
an open challenge, and a participatory budget counted with the Method of Equal Shares (its
first winning project scheduled and half paid; paper ballots keyed in by the round's ballot
officer against the register of issued ballot numbers).

Built only through the funding services, deterministically (fixed dates and ballots).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from seedbed.funding import selectors
from seedbed.funding.models import Award, Call, Review
from seedbed.funding.services import applications, awards, calls, pb, pb_voting, reviews
from seedbed.funding.services.funds import fund_create
from seedbed.participation.models import Contribution
from seedbed.participation.services import contribution_submit

FUND_NAME = "Northfield Experimentation Fund 2026/27"
MICRO_TITLE = "Small sparks: micro-grants for family support ideas"
CHALLENGE_TITLE = "Challenge: safer walks to school"
CHALLENGE_NEEDS = ("No safe place to cross near Northfield Primary",)  # already taken forward by the Voices demo
PB_TITLE = "Eastside neighbourhood budget"

# Written and pitch scores (need, feasibility, learning) for each demo application.
SCORES = {
    "Family breakfast club": {"panel": (5, 4, 4), "lead": (4, 4, 5), "pitch": {"panel": (5, 4, 5), "lead": (5, 5, 4)}},
    "Street play Saturdays": {"panel": (4, 3, 4), "lead": (4, 4, 3), "pitch": {"panel": (4, 4, 4), "lead": (4, 3, 4)}},
    "Kinship carers' peer circle": {"panel": (1, 2, 1), "lead": (4, 3, 3), "pitch": {"panel": (2, 2, 2), "lead": (3, 2, 2)}},
}
PB_PROJECTS = (
    ("Benches and planters on Eastside Road", "Ten benches and planters so older residents can rest.", Decimal("6000"), True),
    ("Youth club Friday nights", "Open the community centre for young people on Fridays for a year.", Decimal("9000"), True),
    ("Safer crossing at Mill Lane school", "A raised table crossing outside the school gate.", Decimal("12000"), True),
    ("Community fridge", "A shared fridge so surplus food reaches neighbours, not the bin.", Decimal("3000"), True),
    ("New swimming pool", "A public pool for Eastside.", Decimal("19000"), False),
)
PB_IDEAS = {"Safer crossing at Mill Lane school": "School streets on Church Lane",
            "Youth club Friday nights": "Open school sports halls in the holidays"}
PB_NUMBERS_ISSUED = 40  # ballot papers printed for the polling station
PB_RESIDENT_REFERENCE = "EA-0001"  # the demo resident's reference on the council's register
# Paper ballots (indexes into the feasible projects above), keyed in by the round's ballot officer.
PAPER_BALLOTS = (
    (0, 3), (0, 1), (1, 3), (2,), (2, 0), (1,), (3, 0), (2, 3), (1, 2), (0, 3, 1), (2,), (3,), (1, 3), (0, 2),
)


def build(context: dict[str, Any]) -> None:
    orgs, users = context["organisations"], context["users"]
    lead, panel, provider, resident, frontline = (users[n] for n in ("lead", "panel", "provider", "resident", "frontline"))
    fund = fund_create(
        owner=orgs["northfield"], name=FUND_NAME, total=Decimal("250000"), ring_fence_share=Decimal("0.03"),
        period_start=dt.date(2026, 4, 1), period_end=dt.date(2027, 3, 31), actor=lead,
        description="3% of the programme budgets of three services, ring-fenced for trying new things.",
        programmes=(
            ("Children's Services", Decimal("4000000"), orgs["childrens-services"]),
            ("Adult Social Care", Decimal("3000000"), orgs["adult-social-care"]),
            ("Neighbourhoods", Decimal("1500000"), orgs["neighbourhoods"]),
        ),
    )
    _micro_round(fund, orgs, lead, panel, provider, resident)
    _challenge(fund, lead, resident)
    _pb_round(fund, lead, resident, frontline)


def _micro_round(fund: Any, orgs: dict, lead: Any, panel: Any, provider: Any, resident: Any) -> None:
    call = calls.call_create(
        fund=fund, kind=Call.Kind.MICRO, title=MICRO_TITLE, max_amount=Decimal("5000"), min_amount=Decimal("250"),
        summary="Up to £5,000 to try an idea that helps families. Two short questions; decided on the day at a pitch panel.",
        eligible_kinds=["provider", "community"], individuals_may_apply=True, actor=lead,
    )
    for kind, start, end in (("full", (2026, 5, 1), (2026, 5, 31)), ("pitch", (2026, 6, 10), (2026, 6, 10)),
                             ("decision", (2026, 6, 10), (2026, 6, 10))):
        calls.stage_set(call=call, kind=kind, starts_on=dt.date(*start), ends_on=dt.date(*end), actor=lead)
    q1 = calls.question_add(call=call, text="What will you try, and for whom?", max_words=150, actor=lead)
    q2 = calls.question_add(call=call, text="How will you know whether it worked?", max_words=100, actor=lead)
    criteria = [calls.criterion_add(call=call, name=name, weight=w, actor=lead)
                for name, w in (("Meets a real need", 2), ("Can be done", 1), ("We will learn from it", 1))]
    calls.panel_member_add(call=call, user=lead, is_chair=True, actor=lead)
    calls.panel_member_add(call=call, user=panel, actor=lead)
    call = calls.call_publish(call=call, actor=lead)
    entries = (
        (provider, orgs["family-support-cic"], "Family breakfast club", Decimal("3000"),
         "A weekly breakfast club where families meet a family support worker informally.",
         "Families who find appointments hard to keep.", "Attendance, and how many families ask for help."),
        (resident, None, "Street play Saturdays", Decimal("1500"),
         "Closing our street to traffic on Saturday mornings so children can play.",
         "Children on Eastside streets with no garden.", "Count children playing; ask parents."),
        (provider, orgs["family-support-cic"], "Kinship carers' peer circle", Decimal("2500"),
         "A monthly peer circle for grandparents raising grandchildren.",
         "Kinship carers who feel alone.", "Before-and-after wellbeing scores."),
    )
    apps = []
    for applicant, org, title, amount, summary, a1, a2 in entries:
        application = applications.application_start(call=call, actor=applicant, organisation=org, title=title,
                                                     amount=amount, summary=summary)
        applications.application_save(application=application, actor=applicant, answers={q1.pk: a1, q2.pk: a2},
                                       budget_lines=[("Staff and volunteers' costs", amount - 500), ("Materials", Decimal("500"))])
        apps.append(applications.application_submit(application=application, actor=applicant))
    for application in apps:
        for reviewer in (panel, lead):
            reviews.conflict_declare(application=application, actor=reviewer, has_conflict=False)
            values = SCORES[application.title]["panel" if reviewer == panel else "lead"]
            reviews.review_save(application=application, actor=reviewer,
                                scores={c.pk: v for c, v in zip(criteria, values, strict=True)})  # type: ignore[misc]
    calls.call_close(call=call, actor=lead)
    slots = reviews.pitch_order_set(call=call, application_ids=[a.pk for a in apps], actor=lead)
    for slot, application in zip(slots, apps, strict=True):
        reviews.pitch_slot_move(slot=slot, status="pitching", actor=lead)
        for reviewer, key in ((panel, "panel"), (lead, "lead")):
            values = SCORES[application.title]["pitch"][key]  # type: ignore[index]
            reviews.review_save(application=application, actor=reviewer, mode=Review.Mode.PITCH,
                                scores={c.pk: v for c, v in zip(criteria, values, strict=True)})
        reviews.pitch_slot_move(slot=slot, status="done", actor=lead)
    for row in selectors.call_scores(call=call):
        for outlier in row.outliers:
            reviews.review_moderate(review=outlier, outcome="kept", actor=lead,
                                    reason="Discussed at the panel: the scores differ on the plan for reaching carers; kept.")
    reviews.decision_make(application=apps[0], outcome="fund", actor=lead, conditions="Share attendance figures monthly.",
                          public_reason="Highest pitch score; a clear need and a simple way to learn.")
    reviews.decision_make(application=apps[1], outcome="fund", actor=lead,
                          public_reason="Strong resident support and a low-cost test.")
    reviews.decision_make(application=apps[2], outcome="decline", actor=lead,
                          public_reason="A good idea, but the panel asked for a clearer plan for recruiting carers.")
    award = apps[0].award
    awards.award_respond(award=award, accept=True, actor=provider)
    awards.instalment_add(award=award, amount=Decimal("1500"), due_on=dt.date(2026, 7, 1), actor=lead)
    awards.instalment_add(award=award, amount=Decimal("1500"), milestone="Progress report received", actor=lead)
    awards.payment_record(award=award, amount=Decimal("1500"), paid_on=dt.date(2026, 7, 1), actor=lead,
                          instalment=award.instalments.first())
    awards.report_request(award=award, kind="progress", due_on=dt.date(2026, 9, 30), actor=lead)


def _challenge(fund: Any, lead: Any, resident: Any) -> None:
    call = calls.call_create(
        fund=fund, kind=Call.Kind.CHALLENGE, title=CHALLENGE_TITLE, max_amount=Decimal("20000"),
        summary="Residents told us children cross fast roads to get to school. Show us what could make the walk safer.",
        eligible_kinds=["provider", "community", "partner"],
        needs=list(Contribution.objects.filter(kind="need", title__in=CHALLENGE_NEEDS).order_by("pk")), actor=lead,
    )
    calls.question_add(call=call, text="What would you do, and why do you think it would work?", max_words=500, actor=lead)
    calls.criterion_add(call=call, name="Answers the need", weight=2, actor=lead)
    calls.criterion_add(call=call, name="Evidence it could work", weight=1, actor=lead)
    call = calls.call_publish(call=call, actor=lead)
    # A resident's idea answering the challenge (shown on the call's page and the idea's).
    contribution_submit(
        actor=resident, kind="idea", title="Walking bus from the Bourne estate to Northfield Primary",
        body="Volunteer parents walk a set route each morning, collecting children at stops, so nobody "
             "crosses Church Lane alone.",
        answers_call=call, efficiency_tags=["new_resources"], refresh_themes=False,
        idempotency_key=uuid.uuid5(uuid.UUID("5eedbed0-0000-4000-8000-000000000017"), "challenge-idea"),
    )


def _pb_round(fund: Any, lead: Any, resident: Any, frontline: Any) -> None:
    pb_round = pb.pb_round_create(
        fund=fund, title=PB_TITLE, budget=Decimal("20000"), ballot_kind="approval", min_choices=1, max_choices=3,
        summary="Eastside residents choose how £20,000 is spent on their neighbourhood.", actor=lead,
    )
    projects = []
    for title, description, cost, feasible in PB_PROJECTS:
        idea = Contribution.objects.filter(kind="idea", title=PB_IDEAS.get(title, "")).order_by("pk").first()
        project = pb.pb_project_add(pb_round=pb_round, title=title, description=description, cost=cost, idea=idea, actor=lead)
        pb.pb_project_check(project=project, feasible=feasible, actor=lead,
                            note="Costed by Highways and checked with the landowner." if feasible else "No site large enough.")
        if feasible:
            projects.append(project)
    pb.pb_voting_open(pb_round=pb_round, rule="mes-add1-fill", actor=lead)
    # The frontline worker is the round's ballot officer; the lead issues the ballot numbers
    # printed on the papers, and matches the demo resident's account to the council's register.
    pb_voting.pb_officer_assign(pb_round=pb_round, user=frontline, actor=lead)
    register = pb_voting.pb_ballot_numbers_issue(pb_round=pb_round, count=PB_NUMBERS_ISSUED, actor=lead)
    pb_voting.pb_elector_record(user=resident, register_reference=PB_RESIDENT_REFERENCE, actor=lead)
    pb.pb_vote(pb_round=pb_round, actor=resident, choices={projects[0].pk: 1, projects[3].pk: 1})
    for issued, (number, picks) in zip(register, enumerate(PAPER_BALLOTS, start=1), strict=False):
        pb.pb_paper_ballot(pb_round=pb_round, ballot_number=issued.number, register_reference=f"EA-{1000 + number}",
                           choices={projects[i].pk: 1 for i in picks}, actor=frontline)
    pb.pb_count(pb_round=pb_round, actor=lead)
    # The first winning project is delivered and paid like a grant: half on order, half on completion.
    award = Award.objects.filter(pb_project__round=pb_round).order_by("pk").first()
    if award is not None:
        half = (award.amount / 2).quantize(Decimal("0.01"))
        first = awards.instalment_add(award=award, amount=half, due_on=dt.date(2026, 10, 1), actor=lead)
        awards.instalment_add(award=award, amount=award.amount - half, milestone="Work completed", actor=lead)
        awards.payment_record(award=award, amount=half, paid_on=dt.date(2026, 10, 1), actor=lead, instalment=first)
