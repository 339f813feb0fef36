"""Reading the audit log."""

from __future__ import annotations

from django.core.paginator import Page, Paginator

from seedbed.core.models import AuditEntry


def audit_entry_page(*, page_number: str | int, per_page: int = 50) -> Page:
    """Newest entries first, ``per_page`` at a time; a bad page number gives the last page."""
    entries = AuditEntry.objects.select_related("actor").order_by("-id")
    return Paginator(entries, per_page).get_page(page_number)
