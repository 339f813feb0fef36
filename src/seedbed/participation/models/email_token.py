"""Links emailed to residents without an account (confirm, or see what was sent)."""

from __future__ import annotations

from django.db import models

from seedbed.participation.models.contribution import Contribution


class EmailToken(models.Model):
    """A link emailed to a resident without an account: to confirm a need or idea they sent,
    or to see (and delete) what they sent from that address.

    The link carries a signed token naming this row and a random secret; only the secret's
    SHA-256 is stored. A link works once (``used_at``) and for ``TOKEN_MAX_AGE`` seconds.
    """

    class Purpose(models.TextChoices):
        CONFIRM = "confirm", "Confirm a need or idea"
        ACCESS = "access", "See what was sent"

    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    email = models.EmailField()
    contribution = models.ForeignKey(
        Contribution, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.purpose} link {self.pk}"
