"""Reading the records of the apps above the portfolio without importing them.

Funding, trials and Voices depend on the portfolio, so the portfolio may not import them.
They register what an innovation may link to (``linkable_source_register``) and where the
ring-fence comes from (``ring_fence_register``) in their ``AppConfig.ready``; the linked
probes' and trials' risks and status are read through the generic link. These functions only
read; they never write another app's records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

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


RingFenceTotal = Callable[[], Decimal | None]


def _reference_label(record: Any) -> str:
    reference = getattr(record, "reference", "")
    return f"{reference}: {record.title}" if reference else str(record.title)


@dataclass(frozen=True)
class LinkableSource:
    """A kind of record another app lets innovations link to (the golden thread).

    ``records`` returns the candidates newest first (one of that app's selectors); ``url_name``
    is the record's page, reversed with its primary key; ``label`` names a record in the list.
    """

    kind: str
    group: str
    records: Callable[[], QuerySet[Any]]
    url_name: str
    label: Callable[[Any], str] = _reference_label


_sources: dict[str, LinkableSource] = {}
_ring_fence: list[RingFenceTotal] = []


def linkable_source_register(source: LinkableSource) -> None:
    """Let innovations link to ``source.kind`` records. Apps above the portfolio call this from
    their ``AppConfig.ready``, so the portfolio never imports them; registering a kind again
    replaces it."""
    _sources[source.kind] = source


def ring_fence_register(total: RingFenceTotal) -> None:
    """Say where the experimentation ring-fence comes from (the funding app's funds)."""
    _ring_fence[:] = [total]


def ring_fence_total() -> Decimal | None:
    """The experimentation ring-fence: the total of the funding capability's funds, if any."""
    return _ring_fence[0]() if _ring_fence else None


LINKABLE_LIMIT = 200


def _linkable_sources() -> list[LinkableSource]:
    """The registered sources in the order of ``InnovationLink.Kind`` (needs first)."""
    order = list(InnovationLink.Kind.values)
    return sorted(_sources.values(), key=lambda source: order.index(source.kind))


def linkable_choices(innovation: Innovation) -> list[tuple[str, list[tuple[str, str]]]]:
    """Records not yet linked to this innovation, grouped by kind, newest first: the
    choices of the "link a record" form (values ``kind:pk``)."""
    taken = set(innovation.links.exclude(object_id="").values_list("kind", "object_id"))
    groups = []
    for source in _linkable_sources():
        options = [(f"{source.kind}:{r.pk}", source.label(r)) for r in source.records()[:LINKABLE_LIMIT]
                   if (source.kind, str(r.pk)) not in taken]
        if options:
            groups.append((source.group, options))
    return groups


def linkable_get(value: str) -> tuple[str, Any, str, str] | None:
    """The (kind, record, label, url) a ``kind:pk`` choice stands for, or None."""
    kind, _, pk = value.partition(":")
    source = _sources.get(kind)
    if source is None or not pk.isdigit():
        return None
    record = source.records().filter(pk=int(pk)).first()
    if record is None:
        return None
    return kind, record, source.label(record), reverse(source.url_name, args=[record.pk])
