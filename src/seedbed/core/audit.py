"""The audit chain: append entries and verify that none was altered, removed or inserted.

Method: a hash chain. Entry *i* stores ``h_i = SHA-256(h_{i-1} || canonical_json(row_i))``
with ``h_0`` the genesis value below. ``canonical_json`` sorts keys, uses compact separators
and renders the timestamp as ISO 8601 in UTC with microseconds, so the digest is the same on
SQLite and PostgreSQL. Changing any field, deleting a row or inserting one breaks the chain
at that row; ``audit_verify`` names the first bad row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from seedbed.core.models import AuditEntry

GENESIS_HASH = "0" * 64
_PG_LOCK_KEY = 7_263_551  # advisory lock serialising appends on PostgreSQL

PROBLEM_HASH = "entry #{id}: its hash does not match its contents (altered)"
PROBLEM_LINK = "entry #{id}: it does not follow entry #{prev_id} (an entry was removed or inserted)"
PROBLEM_FIRST = "entry #{id}: the first entry does not start from the genesis hash"


_maintenance = threading.local()


def register_sqlite_guard(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Give each SQLite connection the function the append-only triggers consult."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "seedbed_audit_locked", 0, lambda: 0 if getattr(_maintenance, "on", False) else 1,
            deterministic=False,
        )


@contextmanager
def audit_maintenance(using: Any = None) -> Iterator[None]:
    """Allow emptying the audit table, for test-database teardown only.

    Never used by the application: the chain is append-only. The test suite wraps Django's
    between-test flush in this so transactional tests can start from an empty database.
    """
    conn = using or connection
    _maintenance.on = True
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("SET seedbed.audit_maintenance = 'on'")
    try:
        yield
    finally:
        _maintenance.on = False
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                cursor.execute("RESET seedbed.audit_maintenance")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_digest(
    *, prev_hash: str, created_at: dt.datetime, actor_id: int | None, action: str,
    object_type: str, object_id: str, data: Any,
) -> str:
    body = canonical_json(
        {
            "created_at": _iso(created_at),
            "actor_id": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "data": data,
        }
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def audit_append(
    *, action: str, actor: Any = None, obj: models.Model | None = None,
    object_type: str = "", object_id: str = "", data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain and return it.

    Call inside the service's transaction so the entry commits (or rolls back) with the
    decision it records. ``data`` must be JSON-serialisable and hold no personal data.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    payload = json.loads(canonical_json(data or {}))
    actor_id = getattr(actor, "pk", None) if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEntry.objects.order_by("-id").only("entry_hash").first()
        prev_hash = last.entry_hash if last else GENESIS_HASH
        created_at = timezone.now()
        digest = entry_digest(
            prev_hash=prev_hash, created_at=created_at, actor_id=actor_id, action=action,
            object_type=object_type, object_id=object_id, data=payload,
        )
        return AuditEntry.objects.create(
            created_at=created_at, actor_id=actor_id, action=action, object_type=object_type,
            object_id=object_id, data=payload, prev_hash=prev_hash, entry_hash=digest,
        )


PROBLEM_CHECKPOINT = (
    "checkpoint entry #{id} {what}: entries recorded before were removed or rewritten"
)


@dataclass(frozen=True)
class AuditVerification:
    """The walk's result. ``head_id``/``head_hash`` are the newest entry: publish or record
    them (a checkpoint) so that removing the newest entries, which leaves a shorter chain
    that is still internally consistent, is caught by the next ``audit_verify(checkpoint=…)``."""

    ok: bool
    entries: int
    first_bad_id: int | None = None
    problem: str = ""
    head_id: int | None = None
    head_hash: str = GENESIS_HASH


def checkpoint_parse(text: str) -> tuple[int, str]:
    """``"<entry id>:<entry hash>"`` as printed by ``seedbed audit verify``."""
    entry_id, _, digest = text.strip().partition(":")
    if not entry_id.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("a checkpoint is the entry number, a colon and its 64-character hash, "
                         "as `seedbed audit verify` prints it (for example 1234:9f86d0…)")
    return int(entry_id), digest


def _entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("id").iterator(chunk_size=2000)


def audit_verify(*, checkpoint: tuple[int, str] | None = None) -> AuditVerification:
    """Walk the whole chain; report the first entry whose hash or link is wrong.

    With a ``checkpoint`` (an entry id and the hash it had when recorded), the chain must
    still contain that entry with that hash, so truncating the newest entries is caught too.
    """
    prev_hash = GENESIS_HASH
    prev_id: int | None = None
    count = 0
    checkpoint_seen = False
    for entry in _entries():
        count += 1
        if entry.prev_hash != prev_hash:
            problem = (
                PROBLEM_FIRST.format(id=entry.pk)
                if prev_id is None
                else PROBLEM_LINK.format(id=entry.pk, prev_id=prev_id)
            )
            return AuditVerification(False, count, entry.pk, problem, prev_id, prev_hash)
        digest = entry_digest(
            prev_hash=entry.prev_hash, created_at=entry.created_at, actor_id=entry.actor_id,
            action=entry.action, object_type=entry.object_type, object_id=entry.object_id,
            data=entry.data,
        )
        if digest != entry.entry_hash:
            return AuditVerification(False, count, entry.pk, PROBLEM_HASH.format(id=entry.pk), prev_id, prev_hash)
        if checkpoint is not None and entry.pk == checkpoint[0]:
            if entry.entry_hash != checkpoint[1]:
                return AuditVerification(False, count, entry.pk, PROBLEM_CHECKPOINT.format(
                    id=entry.pk, what="has a different hash"), prev_id, prev_hash)
            checkpoint_seen = True
        prev_hash, prev_id = entry.entry_hash, entry.pk
    if checkpoint is not None and not checkpoint_seen:
        return AuditVerification(False, count, None, PROBLEM_CHECKPOINT.format(
            id=checkpoint[0], what="is missing"), prev_id, prev_hash)
    return AuditVerification(True, count, head_id=prev_id, head_hash=prev_hash)
