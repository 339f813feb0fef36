"""Outcome data and the registered analysis of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.trials.models.trial import Trial


class OutcomeDataset(models.Model):
    """An accepted outcome file, stored as validated, typed Parquet (never a rejected one)."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="datasets")
    filename = models.CharField(max_length=200)
    rows = models.PositiveIntegerField()
    parquet = models.BinaryField()
    # A connected table: {"connection": name, "table": ..., "columns": {trial column: table column}}
    source = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.filename


class TrialResult(models.Model):
    """The registered analysis on the final data, and what is published."""

    class Direction(models.TextChoices):
        POSITIVE = "positive", "Positive (the intervention helped)"
        NULL = "null", "Null (no clear difference)"
        NEGATIVE = "negative", "Negative (the intervention did worse)"
        UNKNOWN = "not measured", "Not measured"

    trial = models.OneToOneField(Trial, on_delete=models.CASCADE, related_name="result")
    dataset = models.ForeignKey(OutcomeDataset, on_delete=models.PROTECT, related_name="+")
    analysis = models.JSONField(default=dict)
    consort = models.JSONField(default=dict)
    assessed = models.PositiveIntegerField()
    effect = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    direction = models.CharField(max_length=20, choices=Direction.choices)
    cost_per_outcome = models.FloatField(null=True, blank=True)
    evidence_level = models.PositiveSmallIntegerField(default=0)
    # Each downgrade of the evidence level with its reason: [{"code", "text"}, ...]
    evidence_reasons = models.JSONField(default=list, blank=True)
    plain_summary = models.TextField()
    lessons = models.TextField(blank=True)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    run_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Result of {self.trial}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
