"""Reports that flag a need, an idea or a comment for moderation."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.participation.models.comment import Comment
from seedbed.participation.models.contribution import REASON_MAX, Contribution


class Report(models.Model):
    """Someone flags a contribution or a comment for moderation."""

    class Outcome(models.TextChoices):
        OPEN = "", "Open"
        HIDDEN = "hidden", "Hidden"
        DISMISSED = "dismissed", "Kept (no action)"

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(max_length=REASON_MAX)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.contribution_id}"
