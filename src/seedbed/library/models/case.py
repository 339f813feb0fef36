"""Library cases: what was tried, what it cost, what the evidence says and what was learnt.

Personal data: none about residents. ``created_by`` links to the member of staff who wrote
the case (pseudonymous id; kept on erasure). Published numbers pass disclosure control
(arm sizes below the threshold are suppressed before they are stored for publication).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from seedbed.portfolio.models import Innovation, ServiceArea, Typology


class Design(models.TextChoices):
    """How the finding was produced; maps to a Nesta comparison (none, non-random, randomised).

    The quasi-experimental designs are those of Seedbed's evaluations (``seedbed stats
    did|its|synth|rd``); an interrupted time series is one design or the other depending on
    whether it had a comparison series, because only with one does it have a comparison.
    """

    DESCRIPTIVE = "descriptive", "Descriptive account (no data on change)"
    PROBE = "probe", "Safe-to-fail probe"
    BEFORE_AFTER = "before_after", "Before and after, no comparison group"
    NON_RANDOM = "non_random", "Comparison group, not randomised"
    ITS = "its", "Interrupted time series, no comparison series"
    CONTROLLED_ITS = "its_comparison", "Interrupted time series with a comparison series"
    DID = "did", "Difference-in-differences"
    SYNTH = "synth", "Synthetic control"
    RD = "rd", "Regression discontinuity"
    RCT = "rct", "Randomised controlled trial"
    CLUSTER_RCT = "cluster_rct", "Cluster randomised trial"
    STEPPED_WEDGE = "stepped_wedge", "Stepped-wedge randomised trial"


COMPARISON_OF_DESIGN = {
    Design.DESCRIPTIVE: "none",
    Design.PROBE: "none",
    Design.BEFORE_AFTER: "none",
    Design.NON_RANDOM: "non-random",
    Design.ITS: "none",
    Design.CONTROLLED_ITS: "non-random",
    Design.DID: "non-random",
    Design.SYNTH: "non-random",
    Design.RD: "non-random",
    Design.RCT: "randomised",
    Design.CLUSTER_RCT: "randomised",
    Design.STEPPED_WEDGE: "randomised",
}
MEASURES_CHANGE = {Design.BEFORE_AFTER, Design.NON_RANDOM, Design.ITS, Design.CONTROLLED_ITS,
                   Design.DID, Design.SYNTH, Design.RD, Design.RCT, Design.CLUSTER_RCT,
                   Design.STEPPED_WEDGE}


class Direction(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NULL = "null", "Null (no clear difference)"
    NEGATIVE = "negative", "Negative"
    HARMFUL = "harmful", "Harmful (stopped early for harm)"
    UNKNOWN = "not measured", "Not measured"


class StoppedFor(models.TextChoices):
    """Why a trial stopped before its planned end (blank: it did not)."""

    HARM = "harm", "Stopped early for harm"
    BENEFIT = "benefit", "Stopped early for benefit"
    FUTILITY = "futility", "Stopped early for futility"
    OTHER = "other", "Stopped early for another reason"


class Case(models.Model):
    """One finished probe, trial or evaluation, or imported external evidence, as a
    searchable case."""

    class Source(models.TextChoices):
        TRIAL = "trial", "Trial"
        PROBE = "probe", "Probe"
        EVALUATION = "evaluation", "Evaluation"
        EXTERNAL = "external", "External evidence"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    summary = models.TextField("summary in plain language")
    problem = models.TextField()
    what_was_done = models.TextField()
    setting = models.TextField(blank=True)
    design = models.CharField(max_length=20, choices=Design.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.CharField(max_length=64, blank=True)
    source_record = GenericForeignKey("source_type", "source_id")
    trial = models.OneToOneField("trials.Trial", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="library_case")
    probe = models.OneToOneField("trials.Probe", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="library_case")
    registry_url = models.CharField(max_length=500, blank=True)
    citation = models.CharField(max_length=500, blank=True)
    external_url = models.URLField(blank=True)
    # Results: effect with its interval on the outcome's own scale.
    outcome = models.CharField(max_length=300, blank=True)
    effect = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    effect_unit = models.CharField(max_length=100, blank=True)
    higher_is_better = models.BooleanField(default=True)
    n_intervention = models.PositiveIntegerField(null=True, blank=True)
    n_comparison = models.PositiveIntegerField(null=True, blank=True)
    n_total = models.PositiveIntegerField(null=True, blank=True)
    numbers_suppressed = models.BooleanField(default=False)
    # A trial that stopped early: why, when, the decision's reasons and the harm it found
    # (counts in ``harm_finding`` have passed disclosure control).
    stopped_for = models.CharField(max_length=20, choices=StoppedFor.choices, blank=True)
    stopped_on = models.DateField(null=True, blank=True)
    stop_reasons = models.TextField(blank=True)
    harm_finding = models.TextField(blank=True)
    # Evidence (Nesta Standards of Evidence), computed, and overridable with a reason.
    theory_of_change = models.BooleanField(default=True)
    independent_replications = models.PositiveSmallIntegerField(default=0)
    manualised = models.BooleanField(default=False)
    evidence_level = models.PositiveSmallIntegerField(default=0)
    # Maryland Scientific Methods Scale (1-5), for cases whose design was scored on it (an
    # evaluation's); empty for older cases and for those written by hand.
    sms_level = models.PositiveSmallIntegerField("Maryland Scientific Methods Scale level",
                                                 null=True, blank=True)
    direction = models.CharField(max_length=20, choices=Direction.choices, default=Direction.UNKNOWN)
    evidence_reasons = models.JSONField(default=list, blank=True)
    evidence_warnings = models.JSONField(default=list, blank=True)
    level_override = models.PositiveSmallIntegerField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    # Cost and what it bought.
    cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    outcomes_achieved = models.PositiveIntegerField(null=True, blank=True)
    outcome_unit = models.CharField(max_length=100, blank=True)
    lessons_worked = models.TextField(blank=True)
    lessons_did_not = models.TextField(blank=True)
    lessons_differently = models.TextField(blank=True)
    # Facets.
    innovation = models.ForeignKey(
        Innovation, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    service_area = models.ForeignKey(
        ServiceArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    typology = models.CharField(max_length=20, choices=Typology.choices, blank=True)
    stage_reached = models.CharField(max_length=150, blank=True)
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(evidence_level__lte=5), name="case_level_max_5"),
            models.CheckConstraint(
                condition=models.Q(level_override__isnull=True) | models.Q(level_override__lte=5),
                name="case_override_max_5",
            ),
            models.CheckConstraint(
                condition=models.Q(sms_level__isnull=True)
                | models.Q(sms_level__gte=1, sms_level__lte=5),
                name="case_sms_level_1_to_5",
            ),
            models.UniqueConstraint(
                fields=["source_type", "source_id"], condition=models.Q(source_type__isnull=False),
                name="case_one_per_source",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def level(self) -> int:
        """The evidence level shown: the override when one was recorded, else the computed one."""
        return self.level_override if self.level_override is not None else self.evidence_level

    @property
    def stopped_early(self) -> bool:
        return bool(self.stopped_for)

    @property
    def cost_per_outcome(self) -> Decimal | None:
        if self.cost is None or not self.outcomes_achieved:
            return None
        return (self.cost / self.outcomes_achieved).quantize(Decimal("0.01"))

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def search_text(self) -> str:
        return " ".join([self.title, self.summary, self.problem, self.what_was_done, self.setting,
                         self.outcome])
