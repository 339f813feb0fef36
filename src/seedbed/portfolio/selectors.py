"""Reading the portfolio: lists with filters, and the leaders' summary (aggregations here)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from seedbed.accounts.models import Organisation
from seedbed.core.access import id_from_text
from seedbed.portfolio import registry
from seedbed.portfolio.models import (
    APPETITE_LIMITS,
    Appetite,
    GateDecision,
    Innovation,
    InnovationLink,
    InnovationOrganisation,
    Risk,
    ServiceArea,
    Stage,
    StageSet,
    Typology,
)


@dataclass(frozen=True)
class Filters:
    service_area: str = ""
    typology: str = ""
    stage: str = ""

    @property
    def active(self) -> bool:
        return bool(self.service_area or self.typology or self.stage)


def innovation_list(*, for_user: Any, filters: Filters = Filters()) -> QuerySet[Innovation]:
    """Innovations (staff see all), filtered by service area slug, typology and stage slug."""
    rows = Innovation.objects.select_related("stage", "stage_set", "service_area", "owner")
    if filters.service_area:
        rows = rows.filter(service_area__slug=filters.service_area)
    if filters.typology:
        rows = rows.filter(typology=filters.typology)
    if filters.stage:
        rows = rows.filter(stage__slug=filters.stage)
    return rows.order_by("stage__order", "title")


def innovation_get(*, innovation_id: int) -> Innovation:
    return Innovation.objects.select_related(
        "stage", "stage_set", "service_area", "owner", "lead_organisation"
    ).get(pk=innovation_id)


def decision_list(*, innovation: Innovation) -> QuerySet[GateDecision]:
    return innovation.decisions.select_related("from_stage", "to_stage", "decided_by").prefetch_related("reviewers")


def risk_list(*, innovation: Innovation) -> QuerySet[Risk]:
    return innovation.risks.all()


def service_area_list() -> QuerySet[ServiceArea]:
    return ServiceArea.objects.annotate(innovation_count=Count("innovations")).order_by("name")


def stage_set_list() -> QuerySet[StageSet]:
    return StageSet.objects.prefetch_related("stages").order_by("name")


def stage_list(*, stage_set: StageSet) -> QuerySet[Stage]:
    """A lifecycle's stages, in order."""
    return stage_set.stages.all()


def stage_next(*, innovation: Innovation) -> Stage | None:
    """The stage after the innovation's current one in its lifecycle (None in the last)."""
    return (
        Stage.objects.filter(stage_set=innovation.stage_set_id, order__gt=innovation.stage.order)
        .order_by("order")
        .first()
    )


def stage_set_free_slug(*, name: str) -> str:
    """A slug for a new lifecycle called ``name``: its slugified name, numbered when taken."""
    slug = slugify(name)[:60] or "lifecycle"
    if StageSet.objects.filter(slug=slug).exists():
        slug = f"{slug}-{StageSet.objects.count() + 1}"
    return slug


def link_list(*, innovation: Innovation) -> QuerySet[InnovationLink]:
    """The records on the innovation's golden thread, and its external evidence."""
    return innovation.links.all()


def involvement_list(*, innovation: Innovation) -> QuerySet[InnovationOrganisation]:
    """The organisations involved in the innovation, and how."""
    return innovation.involvements.select_related("organisation")


def involved_organisation_ids(*, innovation: Innovation) -> list[int]:
    """The organisations a lead has added to the innovation (commissioners come from awards)."""
    return [i.organisation_id for i in
            innovation.involvements.exclude(part=InnovationOrganisation.Part.COMMISSIONER)]


def is_stuck(innovation: Innovation, now: dt.datetime | None = None) -> bool:
    """In its stage for longer than its stage set allows (stopped innovations are not stuck)."""
    if innovation.status == Innovation.Status.STOPPED:
        return False
    now = now or timezone.now()
    return (now - innovation.stage_entered_at).days > innovation.stage_set.stuck_after_days


def risk_above_appetite(risk: Risk, area: ServiceArea) -> bool:
    return risk.status == Risk.Status.OPEN and risk.residual_score > APPETITE_LIMITS[Appetite(area.appetite)]


TEST_KINDS = (InnovationLink.Kind.PROBE, InnovationLink.Kind.TRIAL)


@dataclass(frozen=True)
class TestRisk:
    source: Any
    source_label: str
    title: str
    likelihood: int
    impact: int
    residual_likelihood: int
    residual_impact: int
    mitigation: str = ""


@dataclass(frozen=True)
class RunningTest:
    innovation_id: int
    kind: str
    label: str
    status: str
    paused_for_harm: bool


def _risks_of(test: Any) -> list[Any]:
    manager = getattr(test, "risks", None)
    if manager is None or not hasattr(manager, "all"):
        return []
    return list(manager.all())


def _score(risk: Any, *names: str, default: int = 3) -> int:
    for name in names:
        value = getattr(risk, name, None)
        if isinstance(value, int) and 1 <= value <= 5:
            return value
    return default


def test_risks(innovation: Innovation) -> list[TestRisk]:
    """The risks recorded on the innovation's linked probes and trials (``.risks``)."""
    found = []
    for link in innovation.links.filter(kind__in=TEST_KINDS, content_type__isnull=False):
        test = link.target
        if test is None:
            continue
        for risk in _risks_of(test):
            likelihood = _score(risk, "likelihood")
            impact = _score(risk, "impact", "severity")
            found.append(TestRisk(
                source=risk, source_label=f"{link.get_kind_display()}: {link.label}",
                title=str(getattr(risk, "title", "") or risk)[:200],
                likelihood=likelihood, impact=impact,
                residual_likelihood=min(_score(risk, "residual_likelihood", default=likelihood), likelihood),
                residual_impact=min(_score(risk, "residual_impact", default=impact), impact),
                mitigation=str(getattr(risk, "mitigation", "") or ""),
            ))
    return found


def running_tests(innovations: list[Innovation]) -> list[RunningTest]:
    """Probes and trials linked to these innovations, with their status as their app reports it."""
    rows = []
    links = InnovationLink.objects.filter(
        innovation__in=innovations, kind__in=TEST_KINDS
    ).select_related("content_type").order_by("innovation__title", "label")
    for link in links:
        target = link.target if link.content_type_id else None
        status = ""
        if target is not None:
            display = getattr(target, "get_status_display", None)
            status = str(display() if callable(display) else getattr(target, "status", ""))
        raw = str(getattr(target, "status", "")) if target is not None else ""
        # Trials pause enrolment for a safety review when a harm boundary is crossed.
        paused = raw == "paused" or any(w in status.lower() for w in ("harm", "safety")) or bool(
            getattr(target, "paused_for_harm", False))
        stopped = getattr(target, "get_stopped_for_display", None)
        if callable(stopped) and bool(getattr(target, "stopped_for", None)):  # stopped early
            status = f"{stopped()} ({status.lower()})"
        rows.append(RunningTest(link.innovation_id, link.get_kind_display(), link.label,
                                status or "Not reported", paused))
    return rows




LINKABLE_LIMIT = 200


def linkable_choices(innovation: Innovation) -> list[tuple[str, list[tuple[str, str]]]]:
    """Records not yet linked to this innovation, grouped by kind, newest first: the
    choices of the "link a record" form (values ``kind:pk``)."""
    taken = set(innovation.links.exclude(object_id="").values_list("kind", "object_id"))
    groups = []
    for source in registry.linkable_sources():
        options = [(f"{source.kind}:{r.pk}", source.label(r)) for r in source.records()[:LINKABLE_LIMIT]
                   if (source.kind, str(r.pk)) not in taken]
        if options:
            groups.append((source.group, options))
    return groups


def linkable_get(value: str) -> tuple[str, Any, str, str] | None:
    """The (kind, record, label, url) a ``kind:pk`` choice stands for, or None."""
    kind, _, pk = value.partition(":")
    source = registry.linkable_source(kind)
    record_id = id_from_text(pk)
    if source is None or record_id is None:
        return None
    record = source.records().filter(pk=record_id).first()
    if record is None:
        return None
    return kind, record, source.label(record), reverse(source.url_name, args=[record.pk])


@dataclass(frozen=True)
class FunnelRow:
    stage: str
    slug: str
    count: int


@dataclass(frozen=True)
class Funnel:
    stage_set: str
    rows: tuple[FunnelRow, ...]


@dataclass(frozen=True)
class Spend:
    budget: Decimal
    spend: Decimal
    ring_fence: Decimal
    ring_fence_source: str

    @property
    def share_of_ring_fence(self) -> float:
        return float(self.spend / self.ring_fence * 100) if self.ring_fence else 0.0


@dataclass(frozen=True)
class PortfolioSummary:
    total: int
    by_status: dict[str, int]
    funnels: tuple[Funnel, ...]
    spend: Spend
    spend_by_area: tuple[tuple[str, Decimal, Decimal], ...]
    heat: tuple[tuple[int, ...], ...]  # heat[impact-1][likelihood-1]: open risks, residual
    above_appetite: tuple[tuple[Risk, ServiceArea], ...]
    evidence_levels: tuple[int, ...]  # count of innovations at level 0..5
    stuck: tuple[tuple[Innovation, int], ...]  # innovation, days in stage
    tests: tuple[RunningTest, ...]
    by_typology: dict[str, int] = field(default_factory=dict)


def portfolio_summary(
    *, for_user: Any, filters: Filters = Filters(), now: dt.datetime | None = None
) -> PortfolioSummary:
    """The leaders' view: funnel by stage, spend against the ring-fence, risk heat map,
    tests and their status, evidence levels and innovations stuck in a stage.

    Funnel counts active and shelved innovations (stopped ones are counted in ``by_status``).
    The ring-fence comes from the funding capability when it reports one; otherwise it is
    the sum of the innovations' budgets. The heat map counts open risks by residual
    likelihood and impact.
    """
    now = now or timezone.now()
    innovations = list(innovation_list(for_user=for_user, filters=filters))
    live = [i for i in innovations if i.status != Innovation.Status.STOPPED]
    funnels = []
    stage_counts = Counter(i.stage_id for i in live)
    for stage_set in StageSet.objects.filter(innovations__in=innovations).distinct().order_by("name"):
        rows = tuple(FunnelRow(s.name, s.slug, stage_counts.get(s.pk, 0)) for s in stage_set.stages.all())
        funnels.append(Funnel(stage_set.name, rows))
    ids = [i.pk for i in innovations]
    totals = Innovation.objects.filter(pk__in=ids).aggregate(b=Sum("budget"), s=Sum("spend"))
    budget, spend = totals["b"] or Decimal("0"), totals["s"] or Decimal("0")
    ring_fence = registry.ring_fence_total()
    spend_summary = Spend(budget, spend, ring_fence if ring_fence is not None else budget,
                          "experimentation fund" if ring_fence is not None else "innovation budgets")
    by_area = (
        Innovation.objects.filter(pk__in=ids).values("service_area__name")
        .annotate(b=Sum("budget"), s=Sum("spend")).order_by("service_area__name")
    )
    heat = [[0] * 5 for _ in range(5)]
    above = []
    risks = Risk.objects.filter(innovation__in=ids, status=Risk.Status.OPEN).select_related(
        "innovation__service_area")
    for risk in risks:
        heat[risk.residual_impact - 1][risk.residual_likelihood - 1] += 1
        if risk_above_appetite(risk, risk.innovation.service_area):
            above.append((risk, risk.innovation.service_area))
    levels = Counter(i.evidence_level for i in innovations)
    stuck = tuple(
        (i, (now - i.stage_entered_at).days) for i in innovations if is_stuck(i, now)
    )
    return PortfolioSummary(
        total=len(innovations),
        by_status={label: sum(1 for i in innovations if i.status == value)
                   for value, label in Innovation.Status.choices},
        funnels=tuple(funnels),
        spend=spend_summary,
        spend_by_area=tuple((r["service_area__name"], r["b"], r["s"]) for r in by_area),
        heat=tuple(tuple(row) for row in heat),
        above_appetite=tuple(above),
        evidence_levels=tuple(levels.get(level, 0) for level in range(6)),
        stuck=stuck,
        tests=tuple(running_tests(innovations)),
        by_typology={label: sum(1 for i in innovations if i.typology == value)
                     for value, label in Typology.choices},
    )


def cases_for(*, innovation: Innovation) -> list[Any]:
    """The library cases about this innovation (the library links its cases here)."""
    manager = getattr(innovation, "cases", None)
    return list(manager.order_by("-id")) if manager is not None else []


def innovation_for_record(record: Model) -> Innovation | None:
    """The innovation a need, idea, award, probe or trial is linked to, if any."""
    link = (
        InnovationLink.objects.select_related("innovation")
        .filter(content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk))
        .first()
    )
    return link.innovation if link else None


def service_area_of_organisation(*, organisation: Organisation | None) -> ServiceArea | None:
    """The service area run by an organisation or, failing that, by its parent, if there is one."""
    for org in (organisation, getattr(organisation, "parent", None)):
        if org is not None:
            area = ServiceArea.objects.filter(organisation=org).first()
            if area is not None:
                return area
    return None
