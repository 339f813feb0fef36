"""Risks: each innovation's register (its own, or rolled up from its probes and trials)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from seedbed.portfolio.models.innovation import Innovation


class Risk(models.Model):
    """An entry in an innovation's risk register (its own, or rolled up from a test)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    likelihood = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    mitigation = models.TextField(blank=True)
    residual_likelihood = models.PositiveSmallIntegerField()
    residual_impact = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    source_label = models.CharField(max_length=200, blank=True)
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-residual_likelihood", "-residual_impact", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5,
                                   residual_likelihood__gte=1, residual_likelihood__lte=5,
                                   residual_impact__gte=1, residual_impact__lte=5),
                name="risk_scores_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def inherent_score(self) -> int:
        return self.likelihood * self.impact

    @property
    def residual_score(self) -> int:
        return self.residual_likelihood * self.residual_impact
