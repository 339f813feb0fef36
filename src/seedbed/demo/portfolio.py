"""Demo portfolio: service areas with risk appetites, six innovations across the lifecycle,
with budgets, spend, risks and gate decisions. Built only through the portfolio services.

Hand-checkable totals (tests/portfolio/test_portfolio_view.py), with the funding demo's
£3,000 "Family breakfast club" award taken into the portfolio: seven innovations; budgets
£293,000, spend £163,000; funnel (not stopped) latent 2, design and discovery 1,
mobilisation 2, mainstreaming 1, embedding 0; one stopped; two stuck; open residual risks 5,
of which 3 above appetite.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from seedbed.funding.models import Award
from seedbed.participation.models import Need
from seedbed.portfolio import services
from seedbed.portfolio.models import ServiceArea, Stage
from seedbed.portfolio.selectors import innovation_for_record

AREAS = (
    # slug, name, organisation slug, appetite, reason
    ("childrens-services", "Children's Services", "childrens-services", "cautious",
     "Children's safety comes first; we test new practice carefully."),
    ("adult-social-care", "Adult Social Care", "adult-social-care", "minimal",
     "Many people we support are at risk of harm if a service fails."),
    ("neighbourhoods", "Neighbourhoods", "neighbourhoods", "open",
     "Street-level services can try new things and recover quickly."),
)

LONG_AGO = dt.datetime(2025, 1, 15, 9, 0, tzinfo=dt.UTC)
A_WHILE_AGO = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def build(context: dict[str, Any]) -> None:
    orgs, users = context["organisations"], context["users"]
    lead, panel, analyst = users["lead"], users["panel"], users["analyst"]
    default = services.stage_set_install(slug="seedbed-default", actor=lead)
    services.stage_set_install(slug="nesta-spiral", actor=lead)
    services.stage_set_install(slug="opsi-lifecycle", actor=lead)
    stage = {s.slug: s for s in Stage.objects.filter(stage_set=default)}
    areas = {
        slug: services.service_area_create(name=name, slug=slug, organisation=orgs[org], appetite=appetite,
                                           appetite_reason=reason, actor=lead)
        for slug, name, org, appetite, reason in AREAS
    }
    context["service_areas"] = areas

    def make(title: str, problem: str, area: str, typology: str, at: str, budget: int, spend: int,
             tags: tuple[str, ...] = (), entered: dt.datetime | None = None, **extra: Any) -> Any:
        innovation = services.innovation_create(
            title=title, problem=problem, owner=lead, lead_organisation=orgs[areas[area].organisation.slug],  # type: ignore[union-attr]
            typology=typology, efficiency_tags=tags, service_area=areas[area], stage=stage[at],
            stage_entered_at=entered, budget=Decimal(budget), actor=lead, **extra)
        if spend:
            services.innovation_spend_record(innovation=innovation, amount=Decimal(spend), actor=lead)
        return innovation

    family = make(
        "Family group conferencing at first contact",
        "Families referred to children's social care meet a stranger and a process; many disengage.",
        "childrens-services", "service", "design-discovery", 120_000, 45_000,
        ("new_insight", "new_resources"),
        involved=[(orgs["family-support-cic"], "provider"), (orgs["childrens-services"], "commissioner")],
        expected_outcomes="Fewer children entering care; families that stay engaged.",
        expected_saving=Decimal("250000"),
    )
    services.gate_decide(
        innovation=family, decision="advance", actor=lead, reviewers=[panel, analyst],
        reasons="Probes with twelve families showed strong engagement; ready for a trial.",
        checklist_done=stage["design-discovery"].exit_checklist,
    )
    services.risk_record(innovation=family, title="Safeguarding concern missed in a conference",
                         likelihood=3, impact=5, residual_likelihood=2, residual_impact=5,
                         mitigation="Social worker attends every conference.", actor=lead)
    services.risk_record(innovation=family, title="Provider cannot recruit coordinators",
                         likelihood=3, impact=3, residual_likelihood=2, residual_impact=3, actor=lead)

    mentors = make(
        "Attendance mentors for persistent school absence",
        "One in five pupils in two wards misses a tenth of school sessions.",
        "childrens-services", "delivery", "mobilisation", 80_000, 80_000, ("new_suppliers",),
        involved=[(orgs["eastside-residents"], "community")],
        expected_outcomes="Attendance up by three percentage points.",
    )
    services.innovation_evidence_record(
        innovation=mentors, level=3, direction="positive", actor=analyst,
        source="Randomised trial in eight schools (demo)")
    services.gate_decide(
        innovation=mentors, decision="advance", actor=lead, reviewers=[panel],
        reasons="The randomised trial showed attendance rose; schools want to keep mentors.",
        checklist_done=stage["mobilisation"].exit_checklist,
    )
    services.risk_record(innovation=mentors, title="Schools stop releasing pupils for mentoring",
                         likelihood=2, impact=2, residual_likelihood=1, residual_impact=2, actor=lead)

    services.risk_record(
        innovation=make(
            "Digital reablement check-ins",
            "People leaving hospital wait days for a reablement visit.",
            "adult-social-care", "process", "design-discovery", 30_000, 12_000, ("new_insight",),
            entered=LONG_AGO, involved=[(orgs["northfield-health"], "partner")]),
        title="People without devices are left out", likelihood=4, impact=3,
        residual_likelihood=3, residual_impact=3, mitigation="Loan tablets.", actor=lead)

    make("Community fridge network", "Surplus food is thrown away while families go hungry.",
         "neighbourhoods", "system", "latent", 0, 0, ("new_resources",))

    waste = make("Text reminders for bulky waste collections",
                 "Bulky waste collections fail when residents forget the date.",
                 "neighbourhoods", "process", "design-discovery", 10_000, 6_000)
    services.gate_decide(
        innovation=waste, decision="stop", actor=lead,
        reasons="A probe in one ward showed no change in missed collections.",
        learning="Residents forgot less often than we thought; most failures were access problems.")

    carers = make("Peer support for unpaid carers", "Unpaid carers reach crisis before anyone notices.",
                  "adult-social-care", "service", "mobilisation", 50_000, 20_000, ("new_customers",),
                  entered=A_WHILE_AGO)
    services.risk_record(innovation=carers, title="Peer supporters overwhelmed by complex cases",
                         likelihood=3, impact=4, residual_likelihood=2, residual_impact=4, actor=lead)
    services.gate_decide(innovation=carers, decision="hold", actor=lead,
                         reasons="Funding for peer coordinators paused until the next budget round.")
    _link_upstream(family=family, carers=carers, lead=lead)
    context["innovations"] = {"family": family, "mentors": mentors, "waste": waste, "carers": carers}


def _link_upstream(*, family: Any, carers: Any, lead: Any) -> None:
    """Link the funding and voices demo records these innovations grew from, when present."""
    award = Award.objects.filter(application__title="Family breakfast club").first()
    if award is not None and innovation_for_record(award) is None:  # awards made after the demo link themselves
        services.innovation_create_from_award(
            award=award, service_area=ServiceArea.objects.get(slug="childrens-services"),
            typology="service", efficiency_tags=["new_suppliers"], actor=lead)
    for innovation, title in ((family, "Waiting months for family support"),
                              (carers, "No break for unpaid carers")):
        need = Need.objects.filter(title=title).order_by("pk").first()
        if need is not None:
            services.innovation_link_add(innovation=innovation, kind="need", target=need, actor=lead,
                                         label=need.title)
