"""The public checkpoint feed (reading a copy back is in ``audit_checkpoints``).

The feed is what anyone may keep so that the audit log cannot later be cut short or rewritten
unnoticed: for each checkpoint the entry number, the entry's MAC, when it was taken, the key
id and the checkpoint's own MAC (HMAC-SHA256 with the audit key, so only this server can
issue one). It never holds an entry's payload, actor or object. ``head`` is the newest entry
as the feed was read, keyed the same way but not stored: keep it and it works as a checkpoint.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from seedbed.core.audit import checkpoint_public
from seedbed.core.audit_checkpoints import FEED_FORMAT
from seedbed.core.audit_keys import audit_key_current, checkpoint_mac, iso_utc
from seedbed.core.models import AuditCheckpoint, AuditEntry

FEED_LIMIT = 500
METHOD = (
    "Each audit entry's MAC is HMAC-SHA256(audit key, previous MAC || canonical entry); a "
    "checkpoint's mac is HMAC-SHA256(audit key, its entry, entry_mac, created_at, key_id and reason). "
    "Keep this file: `seedbed audit verify --checkpoints FILE` fails if the log no longer holds "
    "these entries with these MACs."
)
HEAD_REASON = "head when this feed was read"


def checkpoint_feed(*, limit: int = FEED_LIMIT) -> dict[str, Any]:
    """The feed served at ``/audit/checkpoints.json``: newest ``limit`` checkpoints first."""
    stored = AuditCheckpoint.objects.order_by("-id")[:limit]
    head = AuditEntry.objects.order_by("-id").only("id", "entry_hash", "key_id").first()
    live = None
    if head is not None and head.key_id:
        key = audit_key_current()
        now = iso_utc(timezone.now())
        live = {"entry": head.pk, "entry_mac": head.entry_hash, "created_at": now, "key_id": key.key_id,
                "mac": checkpoint_mac(key=key, entry_number=head.pk, entry_mac=head.entry_hash, created_at=now,
                                      reason=HEAD_REASON),
                "reason": HEAD_REASON}
    return {
        "format": FEED_FORMAT,
        "service": settings.SEEDBED_SERVICE_NAME,
        "council": settings.SEEDBED_COUNCIL_NAME,
        "method": METHOD,
        "head": live,
        "checkpoints": [checkpoint_public(c) for c in stored],
    }
