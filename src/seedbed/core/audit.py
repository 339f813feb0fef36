"""The audit chain: append entries and verify that none was altered, removed or inserted.

Method: a keyed hash chain. Entry *i* stores its MAC
``m_i = HMAC-SHA256(K, m_{i-1} || canonical_json(row_i + key id))`` with ``m_0`` the genesis
value below and ``K`` the audit key from the environment (``seedbed.core.audit_keys``), never
from the database. ``canonical_json`` sorts keys, uses compact separators and renders the
timestamp as ISO 8601 in UTC with microseconds, so the MAC is the same on SQLite and
PostgreSQL. Changing any field, deleting a row or inserting one breaks the chain at that row,
and without the key nobody can recompute the chain so that it verifies again.

Entries written before the chain was keyed keep their plain SHA-256 hash (``key_id`` empty)
and are verified as before; the first keyed entry after them (migration 0003 writes one,
``audit.chain_keyed``) seals them. An unkeyed entry after a keyed one, or unkeyed entries
that no keyed entry follows, fail verification: rewriting the chain in the old format is
caught.

Removing the newest entries leaves a shorter chain that is still consistent; checkpoints
(the newest entry's number and MAC, themselves keyed) are recorded and published, and
``audit_verify`` checks every stored checkpoint, plus any given by hand or kept from the
public feed, so truncation is caught too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from seedbed.core.audit_checkpoints import Checkpoint, checkpoints_from_file_setting
from seedbed.core.audit_keys import (
    AuditKey,
    audit_key_current,
    audit_keys,
    canonical_json,
    checkpoint_mac,
    entry_digest,
    entry_mac,
    iso_utc,
    macs_equal,
)
from seedbed.core.models import AuditCheckpoint, AuditEntry

__all__ = [
    "GENESIS_HASH", "AuditVerification", "Checkpoint", "audit_append", "audit_chain_seal",
    "audit_checkpoint_current", "audit_maintenance", "audit_verify", "canonical_json",
    "checkpoint_parse", "checkpoint_public", "entry_digest", "entry_mac", "payload_is_sensitive",
]

GENESIS_HASH = "0" * 64
_PG_LOCK_KEY = 7_263_551  # advisory lock serialising appends on PostgreSQL
ACTION_CHAIN_KEYED = "audit.chain_keyed"

# Actions whose payload only the people named here may read (pages and the admin show that it
# is hidden; the chain still verifies, since verification reads the stored row). The value is
# the ``data`` key holding the id of the record the entry is about; the app recording the action
# registers who may read it (``seedbed.core.access.audit_payload_reader_register``). Add an
# action here to hide its payload.
SENSITIVE_ACTIONS: dict[str, str] = {
    "trials.interim_look": "trial",
}
PAYLOAD_HIDDEN = "Hidden: only the trial's safety lead may read this entry's details."

PROBLEM_HASH = "entry #{id}: its hash does not match its contents (altered)"
PROBLEM_MAC = (
    "entry #{id}: its MAC does not match its contents (altered, or rewritten without the audit key)"
)
PROBLEM_LINK = "entry #{id}: it does not follow entry #{prev_id} (an entry was removed or inserted)"
PROBLEM_FIRST = "entry #{id}: the first entry does not start from the genesis hash"
PROBLEM_UNKNOWN_KEY = (
    "entry #{id}: it was made with audit key {key_id}, which this server does not hold "
    "(SEEDBED_AUDIT_KEY is wrong, or the entry was forged)"
)
PROBLEM_DOWNGRADE = (
    "entry #{id}: it is not keyed but follows keyed entries (rewritten without the audit key)"
)
PROBLEM_UNSEALED = (
    "entry #{id}: it and every entry after it are not keyed and no keyed entry seals them "
    "(rewritten without the audit key, or `seedbed migrate` has not been run)"
)
PROBLEM_CHECKPOINT = (
    "checkpoint entry #{id} {what}: entries recorded before were removed or rewritten"
)
PROBLEM_CHECKPOINT_FORGED = (
    "checkpoint for entry #{id} ({source}): its MAC does not match, so it was not issued "
    "with this server's audit key (forged, or SEEDBED_AUDIT_KEY is wrong)"
)


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
    """Allow emptying the audit tables, for test-database teardown only.

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


def audit_append(
    *, action: str, actor: Any = None, obj: models.Model | None = None,
    object_type: str = "", object_id: str = "", data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain, keyed with ``SEEDBED_AUDIT_KEY``, and return it.

    Call inside the service's transaction so the entry commits (or rolls back) with the
    decision it records. ``data`` must be JSON-serialisable and hold no personal data. Every
    ``SEEDBED_AUDIT_CHECKPOINT_EVERY``-th entry (by number) also records a checkpoint.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    payload = json.loads(canonical_json(data or {}))
    actor_id = getattr(actor, "pk", None) if actor is not None and actor.is_authenticated else None
    key = audit_key_current()
    with transaction.atomic():
        _lock()
        entry = _append_locked(AuditEntry, key=key, actor_id=actor_id, action=action,
                               object_type=object_type, object_id=object_id, data=payload)
        every = int(getattr(settings, "SEEDBED_AUDIT_CHECKPOINT_EVERY", 0) or 0)
        if every > 0 and entry.pk % every == 0:
            _checkpoint_locked(head=entry, key=key, reason=f"every {every} entries")
        return entry


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def _append_locked(
    model: Any, *, key: AuditKey, actor_id: int | None, action: str, object_type: str,
    object_id: str, data: Any,
) -> Any:
    last = model.objects.order_by("-id").only("entry_hash").first()
    prev_hash = last.entry_hash if last else GENESIS_HASH
    created_at = timezone.now()
    mac = entry_mac(key=key, prev_hash=prev_hash, created_at=created_at, actor_id=actor_id,
                    action=action, object_type=object_type, object_id=object_id, data=data)
    return model.objects.create(
        created_at=created_at, actor_id=actor_id, action=action, object_type=object_type,
        object_id=object_id, data=data, prev_hash=prev_hash, entry_hash=mac, key_id=key.key_id,
    )


def audit_chain_seal(entry_model: Any = AuditEntry) -> Any:
    """Seal entries written before the chain was keyed: append one keyed entry
    (``audit.chain_keyed``) whose MAC covers the last unkeyed hash, so no earlier entry can be
    rewritten without the key. A recorded maintenance step, run by migration 0003; does
    nothing (returns None) when the newest entry is already keyed or the log is empty."""
    with transaction.atomic():
        _lock()
        last = entry_model.objects.order_by("-id").only("id", "key_id").first()
        if last is None or last.key_id:
            return None
        legacy = entry_model.objects.filter(key_id="").count()
        return _append_locked(entry_model, key=audit_key_current(), actor_id=None,
                              action=ACTION_CHAIN_KEYED, object_type="", object_id="",
                              data={"unkeyed_entries": legacy, "last_unkeyed_entry": last.pk})


def _checkpoint_locked(*, head: AuditEntry, key: AuditKey, reason: str) -> AuditCheckpoint:
    created_at = timezone.now()
    text = iso_utc(created_at)
    label = reason[:120]
    checkpoint = AuditCheckpoint.objects.create(
        created_at=created_at, entry_number=head.pk, entry_mac=head.entry_hash, key_id=key.key_id,
        mac=checkpoint_mac(key=key, entry_number=head.pk, entry_mac=head.entry_hash, created_at=text,
                           reason=label),
        reason=label,
    )
    mirror = str(getattr(settings, "SEEDBED_AUDIT_CHECKPOINT_FILE", "") or "")
    if mirror:
        line = canonical_json(checkpoint_public(checkpoint))
        transaction.on_commit(lambda: _mirror_write(mirror, line))
    return checkpoint


def _mirror_write(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def audit_checkpoint_current(*, reason: str) -> AuditCheckpoint | None:
    """Record a checkpoint of the chain's newest entry and return it (None for an empty log).

    For a published result: call inside the publishing transaction, after its audit entry,
    and publish ``checkpoint_public(checkpoint)`` (or at least ``checkpoint.token``) with the
    result. ``reason`` is a short public label, no personal data. The checkpoint is also
    listed in the public feed and, when ``SEEDBED_AUDIT_CHECKPOINT_FILE`` is set, appended to
    that file once the transaction commits.
    """
    key = audit_key_current()
    with transaction.atomic():
        _lock()
        head = AuditEntry.objects.order_by("-id").first()
        if head is None:
            return None
        if not head.key_id:  # unkeyed newest entry: seal first so the checkpoint is keyed
            head = audit_chain_seal()
        return _checkpoint_locked(head=head, key=key, reason=reason)


def checkpoint_public(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """What may be published about a checkpoint: no payload, no person."""
    return {
        "entry": checkpoint.entry_number, "entry_mac": checkpoint.entry_mac,
        "created_at": iso_utc(checkpoint.created_at), "key_id": checkpoint.key_id,
        "mac": checkpoint.mac, "reason": checkpoint.reason,
    }


def payload_is_sensitive(entry: AuditEntry) -> bool:
    return entry.action in SENSITIVE_ACTIONS


@dataclass(frozen=True)
class AuditVerification:
    """The walk's result. ``head_id``/``head_hash`` are the newest entry and its MAC.

    ``unkeyed_entries`` counts entries from before the chain was keyed (checked by hash
    only; sealed by the first keyed entry); ``checkpoints_checked`` counts the checkpoints the
    chain was held to."""

    ok: bool
    entries: int
    first_bad_id: int | None = None
    problem: str = ""
    head_id: int | None = None
    head_hash: str = GENESIS_HASH
    unkeyed_entries: int = 0
    checkpoints_checked: int = 0


def checkpoint_parse(text: str) -> tuple[int, str]:
    """``"<entry id>:<entry MAC>"`` as printed by ``seedbed audit verify``."""
    entry_id, _, digest = text.strip().partition(":")
    if not entry_id.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("a checkpoint is the entry number, a colon and its 64-character hash, "
                         "as `seedbed audit verify` prints it (for example 1234:9f86d0…)")
    return int(entry_id), digest


def _entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("id").iterator(chunk_size=2000)


def checkpoints_stored() -> list[Checkpoint]:
    return [
        Checkpoint(entry_number=c.entry_number, entry_mac=c.entry_mac, source="stored",
                   created_at=iso_utc(c.created_at), key_id=c.key_id, mac=c.mac, reason=c.reason)
        for c in AuditCheckpoint.objects.order_by("id").iterator(chunk_size=2000)
    ]


def _checkpoint_genuine(checkpoint: Checkpoint, keys: dict[str, AuditKey]) -> bool:
    key = keys.get(checkpoint.key_id)
    if key is None:
        return False
    expected = checkpoint_mac(key=key, entry_number=checkpoint.entry_number, entry_mac=checkpoint.entry_mac,
                              created_at=checkpoint.created_at, reason=checkpoint.reason)
    return macs_equal(expected, checkpoint.mac)


def audit_verify(
    *, checkpoint: tuple[int, str] | None = None, checkpoints: Iterable[Checkpoint] = (),
) -> AuditVerification:
    """Walk the whole chain with the audit key; report the first entry whose MAC (or, for
    entries from before keying, hash) or link is wrong.

    The chain is also held to every checkpoint: those stored by the service (in the database
    and, when ``SEEDBED_AUDIT_CHECKPOINT_FILE`` is set, in that file), ``checkpoint``
    (an entry id and MAC given by hand) and ``checkpoints`` (e.g. read from a saved copy of
    the public feed). Each must be genuine (its own MAC verifies with a key this server
    holds) and the chain must still hold that entry with that MAC, so truncating the newest
    entries, or rewriting the chain, is caught.
    """
    keys = audit_keys()
    try:
        from_file = checkpoints_from_file_setting()
    except ValueError as unreadable:
        return AuditVerification(False, 0, None, f"SEEDBED_AUDIT_CHECKPOINT_FILE: {unreadable}")
    claims: list[Checkpoint] = [*checkpoints_stored(), *from_file, *checkpoints]
    if checkpoint is not None:
        claims.append(Checkpoint(entry_number=checkpoint[0], entry_mac=checkpoint[1], source="given by hand"))
    for claim in claims:
        if claim.mac and not _checkpoint_genuine(claim, keys):
            return AuditVerification(False, 0, None, PROBLEM_CHECKPOINT_FORGED.format(
                id=claim.entry_number, source=claim.source), checkpoints_checked=len(claims))
    expected: dict[int, list[Checkpoint]] = {}
    for claim in claims:
        expected.setdefault(claim.entry_number, []).append(claim)
    walk = _Walk(keys=keys, expected=expected)
    for entry in _entries():
        problem = walk.step(entry)
        if problem:
            return walk.result(False, entry.pk, problem)
    if walk.unsealed_from is not None:
        return walk.result(False, walk.unsealed_from, PROBLEM_UNSEALED.format(id=walk.unsealed_from))
    missing = sorted(set(expected) - walk.seen_checkpoints)
    if missing:
        return walk.result(False, None, PROBLEM_CHECKPOINT.format(id=missing[0], what="is missing"))
    return walk.result(True, None, "")


class _Walk:
    """The state of one walk along the chain (kept small so ``audit_verify`` stays readable)."""

    def __init__(self, *, keys: dict[str, AuditKey], expected: dict[int, list[Checkpoint]]) -> None:
        self.keys, self.expected = keys, expected
        self.prev_hash: str = GENESIS_HASH
        self.prev_id: int | None = None
        self.count = self.unkeyed = 0
        self.keyed_seen = False
        self.unsealed_from: int | None = None
        self.seen_checkpoints: set[int] = set()

    def step(self, entry: AuditEntry) -> str:
        self.count += 1
        if entry.prev_hash != self.prev_hash:
            if self.prev_id is None:
                return PROBLEM_FIRST.format(id=entry.pk)
            return PROBLEM_LINK.format(id=entry.pk, prev_id=self.prev_id)
        fields = {"prev_hash": entry.prev_hash, "created_at": entry.created_at,
                  "actor_id": entry.actor_id, "action": entry.action,
                  "object_type": entry.object_type, "object_id": entry.object_id, "data": entry.data}
        if entry.key_id:
            key = self.keys.get(entry.key_id)
            if key is None:
                return PROBLEM_UNKNOWN_KEY.format(id=entry.pk, key_id=entry.key_id)
            if not macs_equal(entry_mac(key=key, **fields), entry.entry_hash):
                return PROBLEM_MAC.format(id=entry.pk)
            self.keyed_seen, self.unsealed_from = True, None
        else:
            if self.keyed_seen:
                return PROBLEM_DOWNGRADE.format(id=entry.pk)
            if entry_digest(**fields) != entry.entry_hash:
                return PROBLEM_HASH.format(id=entry.pk)
            self.unkeyed += 1
            if self.unsealed_from is None:
                self.unsealed_from = entry.pk
        for claim in self.expected.get(entry.pk, ()):
            if not macs_equal(claim.entry_mac, entry.entry_hash):
                return PROBLEM_CHECKPOINT.format(id=entry.pk, what=f"({claim.source}) has a different hash")
            self.seen_checkpoints.add(entry.pk)
        self.prev_hash, self.prev_id = entry.entry_hash, entry.pk
        return ""

    def result(self, ok: bool, bad_id: int | None, problem: str) -> AuditVerification:
        return AuditVerification(
            ok, self.count, bad_id, problem, self.prev_id, self.prev_hash,
            unkeyed_entries=self.unkeyed,
            checkpoints_checked=sum(len(v) for v in self.expected.values()),
        )
