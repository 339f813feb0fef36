"""A need or idea's public history: one row per status change."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.participation.models.contribution import REASON_MAX, Contribution, Status


class StatusChange(models.Model):
    """One step in a contribution's public history."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=30, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=Status.choices)
    reason = models.TextField(max_length=REASON_MAX, blank=True)
    outcome_label = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.contribution_id}: {self.from_status or 'new'} -> {self.to_status}"
