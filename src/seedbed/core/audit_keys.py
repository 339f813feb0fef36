"""The audit key and the MACs made with it.

Method: HMAC-SHA256 (RFC 2104 with SHA-256, FIPS 198-1). The key is ``SEEDBED_AUDIT_KEY``, an
environment variable, never stored in the database, so someone who can write the database but
not read the server's environment cannot produce a MAC that verifies. A key is named by its
fingerprint, ``HMAC-SHA256(key, "seedbed audit key id")`` cut to 12 hex characters, which is
stored with each entry and reveals nothing about the key. Keys retired by rotation stay
usable for verification through ``SEEDBED_AUDIT_PREVIOUS_KEYS``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_ID_LENGTH = 12
ERROR_NO_KEY = "SEEDBED_AUDIT_KEY is not configured: the audit chain cannot be written or verified without it"


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    secret: bytes


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def iso_utc(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with microseconds: the same text on SQLite and PostgreSQL."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def key_fingerprint(secret: bytes) -> str:
    return hmac.new(secret, b"seedbed audit key id", hashlib.sha256).hexdigest()[:KEY_ID_LENGTH]


def _key(text: str) -> AuditKey:
    secret = text.encode("utf-8")
    return AuditKey(key_id=key_fingerprint(secret), secret=secret)


def audit_key_current() -> AuditKey:
    """The key new entries and checkpoints are made with (``SEEDBED_AUDIT_KEY``)."""
    text = getattr(settings, "SEEDBED_AUDIT_KEY", "")
    if not text:
        raise ImproperlyConfigured(ERROR_NO_KEY)
    return _key(text)


def audit_keys() -> dict[str, AuditKey]:
    """Every key this server can verify with, by key id: the current one and retired ones."""
    current = audit_key_current()
    keys = {current.key_id: current}
    for text in getattr(settings, "SEEDBED_AUDIT_PREVIOUS_KEYS", []) or []:
        old = _key(text)
        keys.setdefault(old.key_id, old)
    return keys


def _entry_body(
    *, created_at: dt.datetime, actor_id: int | None, action: str, object_type: str,
    object_id: str, data: Any,
) -> dict[str, Any]:
    return {
        "created_at": iso_utc(created_at), "actor_id": actor_id, "action": action,
        "object_type": object_type, "object_id": object_id, "data": data,
    }


def entry_digest(
    *, prev_hash: str, created_at: dt.datetime, actor_id: int | None, action: str,
    object_type: str, object_id: str, data: Any,
) -> str:
    """The unkeyed hash of entries written before the chain was keyed (kept to verify them):
    ``SHA-256(prev_hash || canonical_json(entry))``."""
    body = canonical_json(_entry_body(created_at=created_at, actor_id=actor_id, action=action,
                                      object_type=object_type, object_id=object_id, data=data))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def entry_mac(
    *, key: AuditKey, prev_hash: str, created_at: dt.datetime, actor_id: int | None,
    action: str, object_type: str, object_id: str, data: Any,
) -> str:
    """``HMAC-SHA256(key, prev_mac || canonical_json(entry + key id))`` as 64 hex characters."""
    body = _entry_body(created_at=created_at, actor_id=actor_id, action=action,
                       object_type=object_type, object_id=object_id, data=data)
    body["key_id"] = key.key_id
    message = (prev_hash + canonical_json(body)).encode("utf-8")
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()


def checkpoint_mac(
    *, key: AuditKey, entry_number: int, entry_mac: str, created_at: str, reason: str,
) -> str:
    """The MAC that makes a checkpoint unforgeable without the key (``created_at`` as
    ``iso_utc`` text, so a published copy can be checked exactly as it was printed; the
    ``reason`` label is covered too, so nobody can relabel a checkpoint)."""
    message = canonical_json({
        "kind": "seedbed-audit-checkpoint", "entry": entry_number, "entry_mac": entry_mac,
        "created_at": created_at, "key_id": key.key_id, "reason": reason,
    })
    return hmac.new(key.secret, message.encode("utf-8"), hashlib.sha256).hexdigest()


def macs_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode("ascii", "replace"), right.encode("ascii", "replace"))
