"""Voices JSON API: similar needs and ideas while someone types (public, read-only)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from seedbed.participation import selectors

router = Router(tags=["voices"])
MAX_TEXT = 2000


class SimilarOut(Schema):
    id: int
    reference: str
    kind: str
    title: str
    status: str
    status_label: str
    supports: int
    score: float
    url: str
    support_url: str


@router.get("/similar", response=list[SimilarOut], auth=None, url_name="voices_similar")
def similar(request: HttpRequest, text: str = "", kind: str = "", k: int = 5):
    """Published needs/ideas most similar to ``text`` (best first), to support instead of
    duplicating. ``kind`` is ``need`` or ``idea`` (both when empty); ``k`` at most 10."""
    found = selectors.contribution_similar(text=text[:MAX_TEXT], kind=kind, k=max(1, min(k, 10)))
    return [
        {
            "id": c.pk, "reference": c.reference, "kind": c.kind, "title": c.title,
            "status": c.status, "status_label": c.get_status_display(),
            "supports": c.support_count, "score": round(c.similarity, 4),  # type: ignore[attr-defined]
            "url": reverse("participation:detail", args=[c.pk]),
            "support_url": reverse("participation:detail", args=[c.pk]) + "#support",
        }
        for c in found
    ]
