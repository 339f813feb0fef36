"""A test's safeguards: its risk register and stopping rules (a trial's or a probe's)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from seedbed.trials.models.probe import Probe
from seedbed.trials.models.trial import Trial


class RiskLevel(models.IntegerChoices):
    VERY_LOW = 1, "1 – very low"
    LOW = 2, "2 – low"
    MEDIUM = 3, "3 – medium"
    HIGH = 4, "4 – high"
    VERY_HIGH = 5, "5 – very high"


class RiskItem(models.Model):
    """A line of a test's risk register (exactly one of trial or probe)."""

    class Treatment(models.TextChoices):
        TOLERATE = "tolerate", "Tolerate"
        TREAT = "treat", "Treat"
        TRANSFER = "transfer", "Transfer"
        TERMINATE = "terminate", "Terminate"

    trial = models.ForeignKey(
        Trial, null=True, blank=True, on_delete=models.CASCADE, related_name="risks"
    )
    probe = models.ForeignKey(
        Probe, null=True, blank=True, on_delete=models.CASCADE, related_name="risks"
    )
    description = models.TextField()
    likelihood = models.PositiveSmallIntegerField(choices=RiskLevel.choices)
    impact = models.PositiveSmallIntegerField(choices=RiskLevel.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    treatment = models.CharField(max_length=20, choices=Treatment.choices)
    treatment_plan = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(trial__isnull=False) & Q(probe__isnull=True))
                | (Q(trial__isnull=True) & Q(probe__isnull=False)),
                name="trials_risk_one_parent",
            )
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def score(self) -> int:
        return int(self.likelihood) * int(self.impact)


class StoppingRule(models.Model):
    """A rule that stops a test (exactly one of trial or probe)."""

    trial = models.ForeignKey(
        Trial, null=True, blank=True, on_delete=models.CASCADE, related_name="stopping_rules"
    )
    probe = models.ForeignKey(
        Probe, null=True, blank=True, on_delete=models.CASCADE, related_name="stopping_rules"
    )
    rule = models.TextField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(trial__isnull=False) & Q(probe__isnull=True))
                | (Q(trial__isnull=True) & Q(probe__isnull=False)),
                name="trials_rule_one_parent",
            )
        ]

    def __str__(self) -> str:
        return self.rule[:60]
