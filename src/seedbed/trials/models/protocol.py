"""A trial's protocol, its frozen versions and its pre-specified harm outcomes."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.trials.models.trial import Trial


class Design(models.TextChoices):
    INDIVIDUAL = "individual", "Individually randomised"
    CLUSTER = "cluster", "Cluster randomised"
    STEPPED_WEDGE = "stepped_wedge", "Stepped-wedge cluster randomised"


class OutcomeType(models.TextChoices):
    CONTINUOUS = "continuous", "Continuous (a measurement or score)"
    BINARY = "binary", "Binary (happened or not)"


class RandomisationMethod(models.TextChoices):
    BLOCKS = "blocks", "Permuted blocks (within each stratum, if there are strata)"
    MINIMISATION = "minimisation", "Minimisation (keeps the arms alike on several factors)"


class Spending(models.TextChoices):
    OBRIEN_FLEMING = "obrien-fleming", "O'Brien-Fleming type (cautious early)"
    POCOCK = "pocock", "Pocock type (even across looks)"


class Protocol(models.Model):
    """The trial's working protocol (the draft, then the latest amended text).

    What was registered, and each amendment, is frozen in ``ProtocolVersion``.
    """

    trial = models.OneToOneField(Trial, on_delete=models.CASCADE, related_name="protocol")
    question = models.TextField()
    population = models.TextField("population and eligibility")
    setting = models.TextField()
    intervention = models.TextField()
    comparator = models.TextField()
    primary_outcome = models.TextField()
    # SPIRIT 2013 item 12: each outcome with how it is measured and when.
    primary_outcome_measure = models.TextField("how the primary outcome is measured", blank=True)
    primary_outcome_timepoint = models.CharField(
        "when the primary outcome is measured", max_length=200, blank=True
    )
    outcome_type = models.CharField(
        max_length=20, choices=OutcomeType.choices, default=OutcomeType.CONTINUOUS
    )
    higher_is_better = models.BooleanField(default=True)
    # One entry per outcome: {"name", "measure", "timepoint"} (``trials.rules.secondary_outcome_entries``
    # also reads the free text of versions frozen before outcomes were structured).
    secondary_outcomes = models.JSONField(default=list, blank=True)
    design = models.CharField(max_length=20, choices=Design.choices, default=Design.INDIVIDUAL)
    randomisation_unit = models.CharField(max_length=100, default="person")
    arms = models.CharField(max_length=200, default="control, intervention")
    strata = models.CharField(max_length=300, blank=True)
    # Random permuted-block sizes (``trials.rules.default_block_sizes``: 2, 3 and 4 units per
    # arm); concealed on the public registry until recruitment ends.
    block_sizes = models.CharField(max_length=50, default="4, 6, 8")
    # Minimisation (``seedbed.stats.minimisation``), individual designs only: one factor per
    # line, "Name: level, level, ..." (``trials.rules.parse_minimisation_factors``); weights in
    # factor order ("" for equal); the probability of the arm that minimises imbalance.
    randomisation_method = models.CharField(
        max_length=20, choices=RandomisationMethod.choices, default=RandomisationMethod.BLOCKS
    )
    minimisation_factors = models.TextField(blank=True)
    minimisation_weights = models.CharField(max_length=100, blank=True)
    minimisation_probability = models.FloatField(
        "probability of the arm that keeps the groups most alike", default=0.8
    )
    clusters = models.TextField(blank=True)
    steps = models.PositiveSmallIntegerField(null=True, blank=True)
    cluster_size = models.PositiveIntegerField(null=True, blank=True)
    icc = models.FloatField("intra-cluster correlation", null=True, blank=True)
    effect_size = models.FloatField(null=True, blank=True)
    p_control = models.FloatField(null=True, blank=True)
    p_treatment = models.FloatField(null=True, blank=True)
    alpha = models.FloatField(default=0.05)
    power = models.FloatField(default=0.8)
    sides = models.PositiveSmallIntegerField(default=2)
    interim_looks = models.PositiveSmallIntegerField(default=3)
    # The stepped-wedge period schedule: period 0 (all clusters unexposed) starts on
    # ``first_period_start``; each period lasts ``period_days``; a cluster whose crossover step
    # is s is exposed from the start of period s. Harm monitoring splits person-time with it.
    first_period_start = models.DateField("first period starts on", null=True, blank=True)
    period_days = models.PositiveSmallIntegerField("period length (days)", null=True, blank=True)
    # Whether the interim looks also test the primary outcome for benefit (efficacy boundary)
    # and, optionally, for futility (non-binding). Without efficacy looks the sample size is
    # not inflated: the looks test the harm outcomes only.
    efficacy_looks = models.BooleanField(default=False)
    futility_looks = models.BooleanField(default=False)
    spending = models.CharField(
        max_length=20, choices=Spending.choices, default=Spending.OBRIEN_FLEMING
    )
    sample_size_per_arm = models.PositiveIntegerField(null=True, blank=True)
    power_calculation = models.JSONField(default=dict, blank=True)
    analysis_plan = models.TextField()
    subgroups = models.CharField("pre-specified subgroups (equity)", max_length=300, blank=True)
    cost_measures = models.TextField(blank=True)
    safeguarding_plan = models.TextField()
    # Registration dates (SPIRIT 2013 item 13; the AEA registry's start, intervention end and
    # end dates).
    start_date = models.DateField("trial starts on", null=True, blank=True)
    recruitment_end_date = models.DateField("recruitment ends on", null=True, blank=True)
    follow_up_end_date = models.DateField("follow-up ends on", null=True, blank=True)
    missing_data_plan = models.TextField("how missing outcome data will be handled", blank=True)
    funding_source = models.TextField("funding", blank=True)
    conflicts_of_interest = models.TextField("conflicts of interest", blank=True)
    data_sharing_statement = models.TextField("data sharing", blank=True)
    ethics_reference = models.CharField("ethics or DPIA reference", max_length=200)
    data_protection_basis = models.CharField(max_length=200)
    outcome_column = models.CharField(max_length=60, default="outcome")
    cost_column = models.CharField(max_length=60, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Protocol of {self.trial}"

    @property
    def arm_list(self) -> list[str]:
        return [a.strip() for a in self.arms.split(",") if a.strip()]

    @property
    def strata_list(self) -> list[str]:
        return [s.strip() for s in self.strata.split(",") if s.strip()]

    @property
    def cluster_list(self) -> list[str]:
        return [c.strip() for c in self.clusters.splitlines() if c.strip()]

    @property
    def subgroup_list(self) -> list[str]:
        return [s.strip() for s in self.subgroups.split(",") if s.strip()]

    @property
    def block_size_list(self) -> list[int]:
        return [int(b) for b in self.block_sizes.replace(" ", "").split(",") if b.isdigit()]


class ProtocolVersion(models.Model):
    """A frozen protocol: version 1 is what was registered, later versions are amendments."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    reason = models.TextField(blank=True)
    frozen_at = models.DateTimeField()
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["trial", "number"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "number"], name="trials_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.trial} v{self.number}"


class HarmOutcome(models.Model):
    """A pre-specified harm with its one-sided stopping boundary (alpha-spending)."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="harm_outcomes")
    name = models.CharField(max_length=200)
    definition = models.TextField()
    boundary_alpha = models.FloatField(default=0.05)
    boundary_spending = models.CharField(
        max_length=20, choices=Spending.choices, default=Spending.POCOCK
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
