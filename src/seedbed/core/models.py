"""Core models: the append-only, hash-chained audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One decision or event on the golden thread, chained to the one before it.

    ``entry_hash`` is SHA-256 over the previous entry's hash and a canonical JSON of this
    row (see ``seedbed.core.audit.entry_digest``). Database triggers block UPDATE and DELETE
    on both SQLite and PostgreSQL; entries are only ever appended by ``audit_append``.

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

    class Meta:
        ordering = ["id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"
