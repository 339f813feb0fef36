"""The pre-registered plan of an evaluation and its frozen versions.

The plan says, before the data are analysed, what is measured, against what, over which
period, on which assumptions, and what would count as success; the design-specific fields name
the data columns and parameters the engine needs (``seedbed stats did|its|synth|rd``).
Registration freezes it as version 1 (canonical JSON and its SHA-256); amendments are later
versions, each with its reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.evaluations.models.evaluation import Evaluation


class Control(models.TextChoices):
    """Which units a difference-in-differences compares the treated ones with."""

    NEVER = "never", "Teams or areas that never started the change (never treated)"
    NOT_YET = "not-yet", ("Teams or areas that have not started yet, including those that "
                          "start later (not yet treated)")


class Plan(models.Model):
    """The current plan (a draft, or the registered plan as last amended)."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.CASCADE, related_name="plan")
    question = models.TextField("question", blank=True)
    outcome = models.TextField("outcome", blank=True,
                               help_text="What is measured, how and when.")
    comparison = models.TextField("comparison", blank=True,
                                  help_text="What the change is compared with.")
    period = models.TextField("period", blank=True,
                              help_text="The periods before and after the change.")
    assumptions = models.TextField("assumptions", blank=True,
                                   help_text="What must hold for the estimate to be trusted.")
    success = models.TextField("what would count as success", blank=True)
    # Columns in the data, and the design's parameters.
    outcome_column = models.CharField("outcome column", max_length=100, blank=True)
    unit_column = models.CharField("unit column", max_length=100, blank=True)
    time_column = models.CharField("time column", max_length=100, blank=True)
    first_treated_column = models.CharField("first-treated column", max_length=100, blank=True)
    start = models.FloatField("first period of the change", null=True, blank=True)
    treated_unit = models.CharField("treated unit", max_length=100, blank=True)
    running_column = models.CharField("running variable (score) column", max_length=100,
                                      blank=True)
    cutoff = models.FloatField("cutoff", null=True, blank=True)
    # Optional choices of the design (empty: the engine's default).
    control = models.CharField(
        "comparison units", max_length=10, choices=Control.choices, default=Control.NEVER,
        help_text="Who the teams that started the change are compared with. When every team "
                  "starts sooner or later (a roll-out), choose the teams that have not "
                  "started yet.")
    cluster_column = models.CharField(
        "cluster column", max_length=100, blank=True,
        help_text="Optional. A column grouping teams whose results tend to move together "
                  "(for example the area each team belongs to); the margin of error allows "
                  "for it. Leave empty to group by team.")
    comparison_column = models.CharField(
        "comparison series column", max_length=100, blank=True,
        help_text="Optional. A column holding the same measure for a place or group the "
                  "change did not reach, in the same periods; the change is then judged "
                  "against it.")
    season_column = models.CharField(
        "season column", max_length=100, blank=True,
        help_text="Optional. A column naming each period's season (for example its month or "
                  "quarter), so that seasonal ups and downs are not mistaken for the change.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Plan for {self.evaluation}"


class PlanVersion(models.Model):
    """A frozen plan: version 1 is what was registered, later versions are amendments."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    reason = models.TextField(blank=True)
    frozen_at = models.DateTimeField()
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["evaluation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "number"],
                                    name="evaluations_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} v{self.number}"
