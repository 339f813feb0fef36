"""A safe-to-fail probe and how it ended."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ProbeOutcome(models.TextChoices):
    AMPLIFY = "amplify", "Amplify"
    ADAPT = "adapt", "Adapt"
    DAMPEN = "dampen", "Dampen"
    STOP = "stop", "Stop"


class Probe(models.Model):
    """A safe-to-fail probe on a challenge; several may run in parallel on one challenge."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        PUBLISHED = "published", "Published"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="probes"
    )
    title = models.CharField(max_length=200)
    challenge = models.CharField(max_length=300)
    hypothesis = models.TextField()
    monitored = models.TextField("what we will monitor")
    success_signs = models.TextField("signs of success")
    amplify_plan = models.TextField("how we would amplify")
    failure_signs = models.TextField("signs of failure")
    recover_plan = models.TextField("how we would recover or dampen")
    unintended_consequences = models.TextField(blank=True)
    cost_cap = models.DecimalField("cost cap (£)", max_digits=12, decimal_places=2)
    end_date = models.DateField()
    safety_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="probes_safety_led",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    outcome = models.CharField(max_length=20, choices=ProbeOutcome.choices, blank=True)
    outcome_reasons = models.TextField(blank=True)
    spent = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT
