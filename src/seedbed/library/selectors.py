"""Reading the library: faceted lists and semantic search over published cases."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from seedbed.core.access import is_council_staff
from seedbed.library.models import Attachment, Case, Design, Direction, StoppedFor
from seedbed.portfolio.models import Typology

STOPPED_ANY = "any"
STOPPED_CHOICES = [(STOPPED_ANY, "Stopped early, for any reason"), *StoppedFor.choices]

# Cosine similarity below which a case is not shown as matching a query.
MIN_SCORE = {"minilm": 0.33, "tfidf": 0.05}


@dataclass(frozen=True)
class CaseFacets:
    service_area: str = ""
    typology: str = ""
    stage_reached: str = ""
    design: str = ""
    level: str = ""
    sms_level: str = ""  # a Maryland SMS level, 1 to 5
    direction: str = ""
    stopped: str = ""  # "any" (stopped early for any reason) or a StoppedFor value
    year: str = ""

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class SearchResult:
    cases: tuple[Case, ...]
    scores: dict[int, float]
    counts: dict[str, list[tuple[str, str, int]]]  # facet -> (value, label, count)
    backend: str
    warnings: tuple[str, ...] = ()


def case_visible(*, for_user: Any) -> QuerySet[Case]:
    """Published cases for everyone; drafts too for council staff (not providers)."""
    rows = Case.objects.select_related("service_area", "innovation")
    if not is_council_staff(for_user):
        rows = rows.filter(status=Case.Status.PUBLISHED)
    return rows


def case_published() -> QuerySet[Case]:
    return Case.objects.filter(status=Case.Status.PUBLISHED).select_related("service_area", "innovation")


def case_drafts(*, for_user: Any) -> QuerySet[Case]:
    if not is_council_staff(for_user):
        return Case.objects.none()
    return Case.objects.filter(status=Case.Status.DRAFT).order_by("-created_at")


def _filter(rows: QuerySet[Case], facets: CaseFacets) -> QuerySet[Case]:
    if facets.service_area:
        rows = rows.filter(service_area__slug=facets.service_area)
    if facets.typology:
        rows = rows.filter(typology=facets.typology)
    if facets.stage_reached:
        rows = rows.filter(stage_reached=facets.stage_reached)
    if facets.design:
        rows = rows.filter(design=facets.design)
    if facets.direction:
        rows = rows.filter(direction=facets.direction)
    if facets.stopped == STOPPED_ANY:
        rows = rows.exclude(stopped_for="")
    elif facets.stopped:
        rows = rows.filter(stopped_for=facets.stopped)
    if facets.year.isascii() and facets.year.isdigit() and len(facets.year) <= 9:
        rows = rows.filter(year=int(facets.year))
    if facets.sms_level.isascii() and facets.sms_level.isdigit() and len(facets.sms_level) <= 9:
        rows = rows.filter(sms_level=int(facets.sms_level))
    return rows


def _counts(cases: list[Case]) -> dict[str, list[tuple[str, str, int]]]:
    design_labels, direction_labels = dict(Design.choices), dict(Direction.choices)
    stopped_labels = dict(StoppedFor.choices)
    typology_labels = dict(Typology.choices)
    areas = Counter((c.service_area.slug, c.service_area.name) for c in cases if c.service_area)
    return {
        "service_area": [(slug, name, n) for (slug, name), n in sorted(areas.items())],
        "typology": [(k, typology_labels[k], n) for k, n in sorted(Counter(c.typology for c in cases if c.typology).items())],
        "stage_reached": [(k, k, n) for k, n in sorted(Counter(c.stage_reached for c in cases if c.stage_reached).items())],
        "design": [(k, design_labels[k], n) for k, n in sorted(Counter(c.design for c in cases).items())],
        "level": [(str(k), f"Level {k}", n) for k, n in sorted(Counter(c.level for c in cases).items())],
        "sms_level": [(str(k), f"SMS level {k}", n)
                      for k, n in sorted(Counter(c.sms_level for c in cases if c.sms_level).items())],
        "direction": [(k, direction_labels.get(k, k), n) for k, n in sorted(Counter(c.direction for c in cases).items())],
        "stopped": [(k, stopped_labels[k], n) for k, n in sorted(Counter(c.stopped_for for c in cases if c.stopped_for).items())],
        "year": [(str(k), str(k), n) for k, n in sorted(Counter(c.year for c in cases).items(), reverse=True)],
    }


def case_search(*, for_user: Any, facets: CaseFacets = CaseFacets(), query: str = "",
                published_only: bool = True) -> SearchResult:
    """Published cases matching the facets, ranked by meaning when a query is given.

    Semantic search embeds each case's title, summary, problem, what was done, setting and
    outcome with the text engine (MiniLM when installed, TF-IDF otherwise) and keeps the
    cases whose cosine similarity to the query reaches ``MIN_SCORE`` for that backend.
    """
    rows = case_published() if published_only else case_visible(for_user=for_user)
    cases = list(_filter(rows, facets).order_by("-year", "title"))
    if facets.level.isascii() and facets.level.isdigit() and len(facets.level) <= 9:
        cases = [c for c in cases if c.level == int(facets.level)]
    scores: dict[int, float] = {}
    backend, warnings = "", ()
    if query.strip() and cases:
        from seedbed.text import VectorIndex, search

        index = VectorIndex.build(texts=[c.search_text for c in cases], ids=[str(c.pk) for c in cases])
        found = search(index=index, query=query, k=len(cases))
        backend, warnings = found.backend, found.warnings  # type: ignore[assignment]
        floor = MIN_SCORE.get(found.backend, 0.1)
        scores = {int(m.id): m.score for m in found.matches if m.score >= floor}
        by_id = {c.pk: c for c in cases}
        cases = [by_id[i] for i in scores]
    return SearchResult(tuple(cases), scores, _counts(cases), backend, tuple(warnings))


def case_for_record(*, record: Model) -> Case | None:
    """The case written from ``record`` (a trial, probe or evaluation), if there is one."""
    return Case.objects.filter(source_type=ContentType.objects.get_for_model(record),
                               source_id=str(record.pk)).first()


def case_get(*, case_id: int) -> Case:
    return Case.objects.select_related("service_area", "innovation", "innovation__stage").get(pk=case_id)


def attachment_list(*, case: Case) -> QuerySet[Attachment]:
    """The files published with a case, by title."""
    return case.attachments.all()
