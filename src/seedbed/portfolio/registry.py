"""What the apps above the portfolio register with it, so that it never imports them.

Funding and trials sit above the portfolio (ADR 5), so the portfolio may not import them.
In their ``AppConfig.ready`` they register what an innovation may link to
(``linkable_source_register``) and where the ring-fence comes from (``ring_fence_register``);
the portfolio registers Voices' needs and ideas itself. The portfolio's selectors read those
records through what is registered here, and never write another app's records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from seedbed.portfolio.models import InnovationLink

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


def linkable_sources() -> list[LinkableSource]:
    """The registered sources in the order of ``InnovationLink.Kind`` (needs first)."""
    order = list(InnovationLink.Kind.values)
    return sorted(_sources.values(), key=lambda source: order.index(source.kind))


def linkable_source(kind: str) -> LinkableSource | None:
    """The source registered for ``kind``, if any."""
    return _sources.get(kind)
