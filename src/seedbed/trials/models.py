"""Probes and trials: protocols, risks and safeguards, allocations, monitoring and results.

Two kinds of test share one family of safeguard records (risk items, stopping rules and a
named safety lead): a *probe* (safe-to-fail, small and fast) and a *trial* (a registered
protocol with concealed randomisation and harm monitoring).

Personal data: ``Allocation.unit_ref`` and ``SafetyEvent.unit_ref`` hold the service's own
pseudonymous reference for a person or cluster, never a name; ``SafetyEvent.description``
is free text written by staff and is erased with the trial's data on request. Staff are
referenced by foreign key. Export: a trial's records are exported as its registry page,
its published result and (for the safety lead) the monitoring table.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q

# The ``app`` of the messages trials queue in the core outbox.
NOTIFICATION_APP = "trials"


class Design(models.TextChoices):
    INDIVIDUAL = "individual", "Individually randomised"
    CLUSTER = "cluster", "Cluster randomised"
    STEPPED_WEDGE = "stepped_wedge", "Stepped-wedge cluster randomised"


class OutcomeType(models.TextChoices):
    CONTINUOUS = "continuous", "Continuous (a measurement or score)"
    BINARY = "binary", "Binary (happened or not)"


class Spending(models.TextChoices):
    OBRIEN_FLEMING = "obrien-fleming", "O'Brien-Fleming type (cautious early)"
    POCOCK = "pocock", "Pocock type (even across looks)"


class StopReason(models.TextChoices):
    """Why a trial stopped before its planned end (shown wherever the trial appears)."""

    HARM = "harm", "Stopped early for harm"
    BENEFIT = "benefit", "Stopped early for benefit"
    FUTILITY = "futility", "Stopped early for futility"
    OTHER = "other", "Stopped early for another reason"


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


class Trial(models.Model):
    """A randomised trial. Its protocol is drafted, registered (frozen) and amended."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RECRUITING = "recruiting", "Registered and recruiting"
        PAUSED = "paused", "Enrolment paused for safety review"
        STOPPED = "stopped", "Stopped"
        CLOSED = "closed", "Recruitment closed"
        PUBLISHED = "published", "Result published"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="trials"
    )
    title = models.CharField(max_length=200)
    safety_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="trials_safety_led",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    registered_at = models.DateTimeField(null=True, blank=True)
    # The seed is concealed until the result is published; its commitment is public.
    seed = models.CharField(max_length=128, blank=True)
    seed_commitment = models.CharField(max_length=64, blank=True)
    seed_revealed_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.TextField(blank=True)
    # Set when the trial stops before its planned end (a safety decision or a lead's stop).
    stopped_for = models.CharField(max_length=20, choices=StopReason.choices, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Messages about it (serious events, boundary crossings) in the core outbox.
    notifications = GenericRelation(
        "core.Notification", content_type_field="about_type", object_id_field="about_id",
        related_query_name="trial",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_registered(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def enrolment_open(self) -> bool:
        return self.status == self.Status.RECRUITING


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
    outcome_type = models.CharField(
        max_length=20, choices=OutcomeType.choices, default=OutcomeType.CONTINUOUS
    )
    higher_is_better = models.BooleanField(default=True)
    secondary_outcomes = models.TextField(blank=True)
    design = models.CharField(max_length=20, choices=Design.choices, default=Design.INDIVIDUAL)
    randomisation_unit = models.CharField(max_length=100, default="person")
    arms = models.CharField(max_length=200, default="control, intervention")
    strata = models.CharField(max_length=300, blank=True)
    # Random permuted-block sizes (``trials.rules.default_block_sizes``: 2, 3 and 4 units per
    # arm); concealed on the public registry until recruitment ends.
    block_sizes = models.CharField(max_length=50, default="4, 6, 8")
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


class Allocation(models.Model):
    """One slot of the pre-generated, concealed allocation sequence.

    Generated in full at registration. A slot is revealed (``unit_ref`` set) when a unit is
    enrolled; no page or endpoint shows a slot before that.
    For cluster and stepped-wedge designs there is one slot per declared cluster
    (``cluster``; ``step`` is the period in which a stepped-wedge cluster crosses over).
    """

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="allocations")
    stratum = models.CharField(max_length=100, blank=True)
    position = models.PositiveIntegerField()
    block = models.IntegerField(default=-1)
    block_size = models.PositiveIntegerField(default=0)
    arm = models.CharField(max_length=100)
    cluster = models.CharField(max_length=100, blank=True)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    unit_ref = models.CharField(max_length=100, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enrolled_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["trial", "stratum", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["trial", "stratum", "position"], name="trials_slot_unique"
            ),
            models.UniqueConstraint(
                fields=["trial", "unit_ref"], condition=~Q(unit_ref=""),
                name="trials_unit_once",
            ),
            models.UniqueConstraint(
                fields=["trial", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="trials_allocation_idempotency",
            ),
        ]
        indexes = [models.Index(fields=["trial", "stratum", "enrolled_at"])]

    def __str__(self) -> str:
        return f"{self.trial_id}:{self.stratum}:{self.position}"


class Participant(models.Model):
    """A person enrolled within an enrolled cluster (cluster and stepped-wedge designs).

    In these designs an ``Allocation`` is a cluster, randomised as a unit; harm monitoring
    counts people, so each person taking part is enrolled here with the date they joined.
    Personal data: ``unit_ref`` is the service's pseudonymous reference, never a name.
    """

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="participants")
    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="participants"
    )
    unit_ref = models.CharField(max_length=100)
    enrolled_on = models.DateField()
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    enrolled_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["trial", "enrolled_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "unit_ref"], name="trials_participant_once"),
            models.UniqueConstraint(
                fields=["trial", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="trials_participant_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trial_id}:{self.unit_ref}"


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"
    SERIOUS = "serious", "Serious (life-threatening or causing lasting harm)"


class SafetyEvent(models.Model):
    """A safety event reported by staff about an enrolled unit.

    In cluster designs the event is about a person (``participant``) within the cluster
    whose slot is ``allocation``; in individually randomised trials ``participant`` is empty.
    """

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="safety_events")
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="events")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    harm_outcome = models.ForeignKey(
        HarmOutcome, on_delete=models.PROTECT, related_name="events"
    )
    severity = models.CharField(max_length=20, choices=Severity.choices)
    description = models.TextField()
    occurred_on = models.DateField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=100, blank=True)
    # The safety lead marks an event reviewed from their workspace.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trial", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="trials_event_idempotency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} event in {self.trial}"


class InterimLook(models.Model):
    """An interim look at the harm outcomes against their registered boundaries."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="looks")
    number = models.PositiveIntegerField()
    information_rate = models.FloatField()
    results = models.JSONField(default=list)
    crossed_harm = models.BooleanField(default=False)
    # A boundary was crossed (harm, or the primary outcome's efficacy or futility boundary):
    # the safety lead's decision is awaited until one is recorded against this look.
    decision_needed = models.BooleanField(default=False)
    # The primary outcome against the efficacy (and futility) boundary, when planned.
    efficacy = models.JSONField(default=dict, blank=True)
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["trial", "number"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "number"], name="trials_look_unique")
        ]

    def __str__(self) -> str:
        return f"Look {self.number} of {self.trial}"


class SafetyDecision(models.Model):
    """What the safety lead decided after a boundary was crossed (harm, benefit or futility)."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", "Continue the trial"
        STOP = "stop", "Stop the trial"

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="decisions")
    look = models.ForeignKey(
        InterimLook, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    # With decision "stop": why (harm, benefit, futility, other).
    stop_reason = models.CharField(max_length=20, choices=StopReason.choices, blank=True)
    reasons = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.trial})"


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


class DataConnection(models.Model):
    """The tables and views one named database connection may read.

    The connection's address stays in the ``SEEDBED_DATA_CONNECTIONS`` setting (never in the
    database or on a page); ``relations`` (``name`` or ``schema.name``) is the allow-list an
    administrator keeps through ``connection_relations_set``, audited. A connection with no
    row here, or an empty list, reads nothing.
    """

    name = models.CharField(max_length=100, unique=True)
    relations = models.JSONField(default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
