"""A randomised trial and why it stopped early."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models

# The ``app`` of the messages trials queue in the core outbox.
NOTIFICATION_APP = "trials"


class StopReason(models.TextChoices):
    """Why a trial stopped before its planned end (shown wherever the trial appears)."""

    HARM = "harm", "Stopped early for harm"
    BENEFIT = "benefit", "Stopped early for benefit"
    FUTILITY = "futility", "Stopped early for futility"
    OTHER = "other", "Stopped early for another reason"


class Trial(models.Model):
    """A randomised trial. Its protocol is drafted, registered (frozen) and amended."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RECRUITING = "recruiting", "Registered and recruiting"
        PAUSED = "paused", "Enrolment paused for safety review"
        STOPPED = "stopped", "Stopped"
        CLOSED = "closed", "Recruitment closed"
        PUBLISHED = "published", "Result published"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="trials"
    )
    title = models.CharField(max_length=200)
    safety_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="trials_safety_led",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    registered_at = models.DateTimeField(null=True, blank=True)
    # The seed is concealed until the result is published; its commitment is public.
    seed = models.CharField(max_length=128, blank=True)
    seed_commitment = models.CharField(max_length=64, blank=True)
    seed_revealed_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.TextField(blank=True)
    # Set when the trial stops before its planned end (a safety decision or a lead's stop).
    stopped_for = models.CharField(max_length=20, choices=StopReason.choices, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Messages about it (serious events, boundary crossings) in the core outbox.
    notifications = GenericRelation(
        "core.Notification", content_type_field="about_type", object_id_field="about_id",
        related_query_name="trial",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_registered(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def enrolment_open(self) -> bool:
        return self.status == self.Status.RECRUITING
