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
