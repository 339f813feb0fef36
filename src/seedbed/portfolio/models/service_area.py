"""Service areas and their appetite for risk (averse ... eager)."""

from __future__ import annotations

from django.db import models

from seedbed.accounts.models import Organisation


class Appetite(models.TextChoices):
    AVERSE = "averse", "Averse"
    MINIMAL = "minimal", "Minimal"
    CAUTIOUS = "cautious", "Cautious"
    OPEN = "open", "Open"
    EAGER = "eager", "Eager"


# The highest residual risk score (likelihood x impact, each 1-5) each appetite tolerates.
APPETITE_LIMITS = {
    Appetite.AVERSE: 3,
    Appetite.MINIMAL: 6,
    Appetite.CAUTIOUS: 9,
    Appetite.OPEN: 12,
    Appetite.EAGER: 16,
}


class ServiceArea(models.Model):
    """A service area with its appetite for risk (averse ... eager)."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appetite = models.CharField(max_length=10, choices=Appetite.choices, default=Appetite.CAUTIOUS)
    appetite_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def appetite_limit(self) -> int:
        return APPETITE_LIMITS[Appetite(self.appetite)]
