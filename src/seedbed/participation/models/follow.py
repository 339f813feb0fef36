"""People following a need or idea: its status changes reach them in a daily digest."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.participation.models.contribution import Contribution


class Follow(models.Model):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contribution", "user"], name="follow_once")
        ]

    def __str__(self) -> str:
        return f"follow of {self.contribution_id} by {self.user_id}"
