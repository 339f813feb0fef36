"""People supporting a need or idea (once each)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.participation.models.contribution import Contribution


class Support(models.Model):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contribution", "user"], name="support_once")
        ]

    def __str__(self) -> str:
        return f"support of {self.contribution_id} by {self.user_id}"
