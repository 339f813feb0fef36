"""The public checkpoint feed, and reading back a copy of it (or of the checkpoint file).

The feed is what anyone may keep so that the audit log cannot later be cut short or rewritten
unnoticed: for each checkpoint the entry number, the entry's MAC, when it was taken, the key
id and the checkpoint's own MAC (HMAC-SHA256 with the audit key, so only this server can
issue one). It never holds an entry's payload, actor or object. ``head`` is the newest entry
as the feed was read, keyed the same way but not stored: keep it and it works as a checkpoint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from seedbed.core.audit import Checkpoint, checkpoint_public
from seedbed.core.audit_keys import audit_key_current, checkpoint_mac, iso_utc
from seedbed.core.models import AuditCheckpoint, AuditEntry

FEED_FORMAT = "seedbed-audit-checkpoints/1"
FEED_LIMIT = 500
METHOD = (
    "Each audit entry's MAC is HMAC-SHA256(audit key, previous MAC || canonical entry); a "
    "checkpoint's mac is HMAC-SHA256(audit key, its entry, entry_mac, created_at, key_id and reason). "
    "Keep this file: `seedbed audit verify --checkpoints FILE` fails if the log no longer holds "
    "these entries with these MACs."
)
ERROR_FILE_READ = "cannot read {path}: {detail}"
ERROR_FILE_FORMAT = (
    "{path} is not a checkpoint feed (`/audit/checkpoints.json`) or checkpoint file "
    "(one JSON object per line): {detail}"
)
FIELDS = ("entry", "entry_mac", "created_at", "key_id", "mac", "reason")
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


def _from_item(item: Any, source: str) -> Checkpoint:
    if not isinstance(item, dict) or any(name not in item for name in FIELDS):
        raise ValueError(f"each checkpoint needs {', '.join(FIELDS)}")
    if not isinstance(item["entry"], int) or isinstance(item["entry"], bool):
        raise ValueError("a checkpoint's entry must be a whole number")
    return Checkpoint(entry_number=item["entry"], entry_mac=str(item["entry_mac"]), source=source,
                      created_at=str(item["created_at"]), key_id=str(item["key_id"]), mac=str(item["mac"]),
                      reason=str(item["reason"]))


def checkpoints_load(path: Path) -> list[Checkpoint]:
    """Checkpoints from a saved copy of the feed, or from ``SEEDBED_AUDIT_CHECKPOINT_FILE``
    (JSON lines). Raises ``ValueError`` with a one-line message naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(ERROR_FILE_READ.format(path=path, detail=exc)) from None
    source = f"from {path.name}"
    try:
        try:
            document: Any = json.loads(text) if text.strip() else {"format": FEED_FORMAT}
        except json.JSONDecodeError:  # the checkpoint file: one JSON object per line
            document = [json.loads(line) for line in text.splitlines() if line.strip()]
        if isinstance(document, dict) and "entry" in document:
            items: list[Any] = [document]
        elif isinstance(document, list):
            items = document
        elif isinstance(document, dict) and document.get("format") == FEED_FORMAT:
            items = [*document.get("checkpoints", []), *([document["head"]] if document.get("head") else [])]
        else:
            raise ValueError(f"expected format {FEED_FORMAT}")
        return [_from_item(item, source) for item in items]
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise ValueError(ERROR_FILE_FORMAT.format(path=path, detail=exc)) from None


def checkpoints_from_file_setting() -> list[Checkpoint]:
    """The checkpoint file named by ``SEEDBED_AUDIT_CHECKPOINT_FILE`` (none when unset or not
    yet written)."""
    name = str(getattr(settings, "SEEDBED_AUDIT_CHECKPOINT_FILE", "") or "")
    if not name or not Path(name).exists():
        return []
    return checkpoints_load(Path(name))
