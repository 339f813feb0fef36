"""Core models: the append-only, hash-chained audit log, and the notification outbox."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import Q


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


MAX_DELIVERY_ATTEMPTS = 20


class Notification(models.Model):
    """The outbox: one message to one person, kept in the service and delivered by email.

    Every app queues its messages here (``seedbed.core.notifications.notification_queue``):
    Voices' news for submitters and followers, trials' serious-event and boundary alerts.
    ``app`` names the app that queued it; ``about`` is what it is about (a contribution, a
    trial), so each app lists its own messages. ``immediate`` messages are sent after the
    change commits; the rest wait for a digest that the app sends. ``sent_at`` is set when a
    message is handed to the email service (alone or in a digest); every attempt is counted
    and the last failure kept, so an undelivered message is never silent and is retried until
    ``MAX_DELIVERY_ATTEMPTS``.
    """

    app = models.CharField(max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    # For a resident without an account: the address that gets the message instead.
    email = models.EmailField(blank=True)
    about_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    immediate = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=20, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    failure = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["sent_at", "immediate"]),
            models.Index(fields=["about_type", "about_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""), name="core_notification_has_recipient"
            )
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def address(self) -> str:
        """Where the message goes: the person's account email, or the address given."""
        if self.user_id is not None:
            return self.user.email  # type: ignore[union-attr]
        return self.email

    @property
    def retrying(self) -> bool:
        """Unsent and still to be tried again (False once the attempts are used up)."""
        return self.sent_at is None and self.attempts < MAX_DELIVERY_ATTEMPTS
