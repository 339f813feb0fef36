"""Core models: the append-only, hash-chained audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One decision or event on the golden thread, chained to the one before it.

    ``entry_hash`` is the entry's MAC: HMAC-SHA256, keyed by ``SEEDBED_AUDIT_KEY`` (held
    outside the database), over the previous entry's MAC and a canonical JSON of this row
    (see ``seedbed.core.audit.entry_mac``). ``key_id`` names the key by its fingerprint;
    entries written before the chain was keyed have an empty ``key_id`` and a plain SHA-256
    hash. Database triggers block UPDATE and DELETE on both SQLite and PostgreSQL; entries
    are only ever appended by ``audit_append``.

    Personal data: ``actor`` is a foreign key (pseudonymous id); ``data`` must not hold free
    text about people. On erasure the actor link is kept: the chain cannot be rewritten.
    """

    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    @property
    def is_keyed(self) -> bool:
        return bool(self.key_id)


class AuditCheckpoint(models.Model):
    """A published mark of the chain's head: entry number, its MAC and when it was taken.

    ``mac`` is HMAC-SHA256 with the audit key over the other fields, so a checkpoint cannot
    be forged without the key. Checkpoints are published (``/audit/checkpoints.json`` and in
    each published result) so that copies live outside the database; ``audit_verify`` checks
    the chain still holds every checkpointed entry with the same MAC, which catches removal of
    the newest entries. Append-only like the log. ``reason`` is a short label with no personal
    data (``"scheduled"``, ``"every 100 entries"``, ``"trials.result_publish trial 12"``).
    """

    created_at = models.DateTimeField()
    entry_number = models.BigIntegerField()
    entry_mac = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16)
    mac = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "audit checkpoint"
        verbose_name_plural = "audit checkpoints"

    def __str__(self) -> str:
        return f"checkpoint at entry #{self.entry_number}"

    @property
    def token(self) -> str:
        """``ENTRY:MAC``, the form ``seedbed audit verify --checkpoint`` takes."""
        return f"{self.entry_number}:{self.entry_mac}"
