"""An evaluation's data and its analysis.

``EvaluationDataset`` is an accepted data set (an upload, or a table read through a named
connection), stored as validated, typed Parquet with its SHA-256; a rejected file is never
stored. ``EvaluationResult`` is the registered plan's analysis on one data set: the engine's
payload for the design (``seedbed.data.quasi``, as ``seedbed stats did|its|synth|rd --json``
prints it, NaN as None) and its warning codes, tied to the plan version it followed.

Personal data: an evaluation's data are aggregates by area, team or period, or scores without
names; the uploader and analyst are staff (pseudonymous ids; kept on erasure).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.evaluations.models.evaluation import Design, Evaluation
from seedbed.evaluations.models.plan import PlanVersion


class EvaluationDataset(models.Model):
    """An accepted data set for an evaluation, as validated, typed Parquet."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE,
                                   related_name="datasets")
    filename = models.CharField(max_length=200)
    rows = models.PositiveIntegerField()
    parquet = models.BinaryField()
    # A table read through a named connection: {"connection": name, "table": table}.
    source = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.filename


class EvaluationResult(models.Model):
    """The analysis of an evaluation's data under its registered plan (one per evaluation;
    replaced by re-analysis until the evaluation is reported)."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.CASCADE,
                                      related_name="result")
    dataset = models.ForeignKey(EvaluationDataset, on_delete=models.PROTECT, related_name="+")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    design = models.CharField(max_length=10, choices=Design.choices)
    payload = models.JSONField(default=dict)
    warnings = models.JSONField(default=list)
    analysed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    analysed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Result of {self.evaluation}"
