"""Reading the other capabilities (trials, funding) without depending on their internals.

Each function degrades to an empty answer while the other capability has not landed, so
the portfolio works on its own. They only read; they never write another app's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from seedbed.portfolio.models import Innovation, InnovationLink

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


def ring_fence_total() -> Decimal | None:
    """The experimentation ring-fence: the total of the funding capability's funds, if any."""
    try:
        from seedbed.funding.selectors import fund_list
    except ImportError:
        return None
    funds = fund_list()
    if not funds:
        return None
    return sum((Decimal(f.total) for f in funds), Decimal("0"))


LINKABLE_LIMIT = 200


def _linkable_sources() -> list[tuple[str, str, Any, str]]:
    """(kind, group label, queryset, url pattern) for each record kind the thread can link."""
    from seedbed.funding.models import Award
    from seedbed.participation.models import Contribution
    from seedbed.trials.models import Probe, Trial

    visible = Contribution.objects.filter(hidden=False).order_by("-created_at", "-id")
    return [
        (InnovationLink.Kind.NEED, "Needs", visible.filter(kind="need"), "/voices/{pk}/"),
        (InnovationLink.Kind.IDEA, "Ideas", visible.filter(kind="idea"), "/voices/{pk}/"),
        (InnovationLink.Kind.AWARD, "Awards", Award.objects.select_related("application").order_by("-id"),
         "/funding/awards/{pk}/"),
        (InnovationLink.Kind.PROBE, "Probes", Probe.objects.order_by("-id"), "/trials/registry/probes/{pk}/"),
        (InnovationLink.Kind.TRIAL, "Trials", Trial.objects.order_by("-id"), "/trials/registry/{pk}/"),
    ]


def _record_label(kind: str, record: Any) -> str:
    if kind == InnovationLink.Kind.AWARD:
        application = getattr(record, "application", None)
        title = application.title if application is not None else getattr(record, "title", str(record))
        return f"{record.reference}: {title}"
    reference = getattr(record, "reference", "")
    return f"{reference}: {record.title}" if reference else str(record.title)


def linkable_choices(innovation: Innovation) -> list[tuple[str, list[tuple[str, str]]]]:
    """Records not yet linked to this innovation, grouped by kind, newest first: the
    choices of the "link a record" form (values ``kind:pk``)."""
    taken = set(innovation.links.exclude(object_id="").values_list("kind", "object_id"))
    groups = []
    for kind, group, queryset, _ in _linkable_sources():
        options = [(f"{kind}:{r.pk}", _record_label(kind, r)) for r in queryset[:LINKABLE_LIMIT]
                   if (kind, str(r.pk)) not in taken]
        if options:
            groups.append((group, options))
    return groups


def linkable_get(value: str) -> tuple[str, Any, str, str] | None:
    """The (kind, record, label, url) a ``kind:pk`` choice stands for, or None."""
    kind, _, pk = value.partition(":")
    for source_kind, _, queryset, url in _linkable_sources():
        if source_kind == kind and pk.isdigit():
            record = queryset.filter(pk=int(pk)).first()
            if record is not None:
                return kind, record, _record_label(kind, record), url.format(pk=record.pk)
    return None
