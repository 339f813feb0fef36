"""Reading the audit log."""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Page, Paginator

from seedbed.core.access import audit_payload_readable
from seedbed.core.audit import PAYLOAD_HIDDEN
from seedbed.core.models import AuditEntry


def audit_entry_page(*, page_number: str | int, per_page: int = 50) -> Page:
    """Newest entries first, ``per_page`` at a time; a bad page number gives the last page."""
    entries = AuditEntry.objects.select_related("actor").order_by("-id")
    return Paginator(entries, per_page).get_page(page_number)


def audit_payload_text(*, entry: AuditEntry, for_user: Any) -> str:
    """The entry's payload as JSON for someone entitled to read it; otherwise the notice that
    it is hidden (``PAYLOAD_HIDDEN``). The stored row is never changed."""
    if not audit_payload_readable(for_user, entry):
        return PAYLOAD_HIDDEN
    return json.dumps(entry.data, sort_keys=True, ensure_ascii=False) if entry.data else ""
