"""Harm monitoring: safety events, interim looks and the safety lead's decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from seedbed.trials.models.allocation import Allocation, Participant
from seedbed.trials.models.protocol import HarmOutcome
from seedbed.trials.models.trial import StopReason, Trial


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"
    SERIOUS = "serious", "Serious (life-threatening or causing lasting harm)"


class SafetyEvent(models.Model):
    """A safety event reported by staff about an enrolled unit.

    In cluster designs the event is about a person (``participant``) within the cluster
    whose slot is ``allocation``; in individually randomised trials ``participant`` is empty.
    """

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="safety_events")
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="events")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    harm_outcome = models.ForeignKey(
        HarmOutcome, on_delete=models.PROTECT, related_name="events"
    )
    severity = models.CharField(max_length=20, choices=Severity.choices)
    description = models.TextField()
    occurred_on = models.DateField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=100, blank=True)
    # The safety lead marks an event reviewed from their workspace.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trial", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="trials_event_idempotency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} event in {self.trial}"


class InterimLook(models.Model):
    """An interim look at the harm outcomes against their registered boundaries."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="looks")
    number = models.PositiveIntegerField()
    information_rate = models.FloatField()
    results = models.JSONField(default=list)
    crossed_harm = models.BooleanField(default=False)
    # A boundary was crossed (harm, or the primary outcome's efficacy or futility boundary):
    # the safety lead's decision is awaited until one is recorded against this look.
    decision_needed = models.BooleanField(default=False)
    # The primary outcome against the efficacy (and futility) boundary, when planned.
    efficacy = models.JSONField(default=dict, blank=True)
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["trial", "number"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "number"], name="trials_look_unique")
        ]

    def __str__(self) -> str:
        return f"Look {self.number} of {self.trial}"


class SafetyDecision(models.Model):
    """What the safety lead decided after a boundary was crossed (harm, benefit or futility)."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", "Continue the trial"
        STOP = "stop", "Stop the trial"

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="decisions")
    look = models.ForeignKey(
        InterimLook, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    # With decision "stop": why (harm, benefit, futility, other).
    stop_reason = models.CharField(max_length=20, choices=StopReason.choices, blank=True)
    reasons = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.trial})"
