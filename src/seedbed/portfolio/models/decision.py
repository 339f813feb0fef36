"""Gate decisions: advance, adapt, hold on the shelf or stop, with reasons and reviewers."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.portfolio.models.innovation import Innovation
from seedbed.portfolio.models.lifecycle import Stage


class GateDecision(models.Model):
    """A decision at a stage gate: advance, adapt, hold on the shelf or stop."""

    class Decision(models.TextChoices):
        ADVANCE = "advance", "Advance to the next stage"
        ADAPT = "adapt", "Adapt and test again"
        HOLD = "hold", "Hold on the shelf"
        STOP = "stop", "Stop"

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    from_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField()
    checklist_done = models.JSONField(default=list, blank=True)
    evidence_level = models.PositiveSmallIntegerField(default=0)
    exception = models.BooleanField(default=False)
    exception_reasons = models.TextField(blank=True)
    learning = models.TextField(blank=True)
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} — {self.innovation}"
