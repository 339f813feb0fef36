"""Innovations on one lifecycle: stage sets, gate decisions, risks, appetite and links.

Personal data: ``Innovation.owner``, ``GateDecision.decided_by``/``reviewers`` and
``Risk.owner`` are links to people (pseudonymous ids); exported with the person's own data,
kept on erasure (the person's name is replaced by the accounts erasure). Free text here is
about services, never about individual residents.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from seedbed.accounts.models import Organisation

METHOD_AREAS = (
    ("teams_and_meetings", "Teams and meetings"),
    ("finance", "Finance"),
    ("people_and_skills", "People and skills"),
    ("alliances_and_networks", "Alliances and networks"),
    ("organisational_form", "Organisational form"),
)


class Typology(models.TextChoices):
    POLICY = "policy", "Policy"
    SERVICE = "service", "Service"
    DELIVERY = "delivery", "Delivery"
    PROCESS = "process", "Process"
    SYSTEM = "system", "System"


class EfficiencyTag(models.TextChoices):
    """Radical efficiency: where the better outcome for less money comes from."""

    NEW_INSIGHT = "new_insight", "New insight"
    NEW_CUSTOMERS = "new_customers", "New customers"
    NEW_SUPPLIERS = "new_suppliers", "New suppliers"
    NEW_RESOURCES = "new_resources", "New resources"


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


class StageSet(models.Model):
    """A lifecycle: the ordered stages an innovation moves through."""

    class Kind(models.TextChoices):
        DEFAULT = "default", "Seedbed default"
        NESTA_SPIRAL = "nesta_spiral", "Nesta innovation spiral"
        OPSI = "opsi", "OPSI innovation lifecycle"
        CUSTOM = "custom", "Custom"

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    description = models.TextField(blank=True)
    stuck_after_days = models.PositiveIntegerField(
        default=180, help_text="An innovation in one stage for longer than this is flagged as stuck."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """One stage: what must be done to leave it, the evidence it asks for, and methods."""

    stage_set = models.ForeignKey(StageSet, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField()
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    exit_checklist = models.JSONField(default=list, blank=True)
    evidence_asked = models.TextField(blank=True)
    min_evidence_level = models.PositiveSmallIntegerField(
        default=0, help_text="Nesta evidence level needed to enter this stage (0: none)."
    )
    methods = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["stage_set", "order"]
        constraints = [
            models.UniqueConstraint(fields=["stage_set", "order"], name="stage_unique_order"),
            models.UniqueConstraint(fields=["stage_set", "slug"], name="stage_unique_slug"),
            models.CheckConstraint(
                condition=models.Q(min_evidence_level__lte=5), name="stage_evidence_level_max_5"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def methods_rows(self) -> list[tuple[str, str]]:
        return [(label, self.methods.get(key, "")) for key, label in METHOD_AREAS]


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


class Innovation(models.Model):
    """One innovation, from latent idea to embedded practice, on one record."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ON_SHELF = "on_shelf", "Held on the shelf"
        STOPPED = "stopped", "Stopped"

    title = models.CharField(max_length=200)
    problem = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_innovations"
    )
    lead_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="led_innovations"
    )
    typology = models.CharField(max_length=20, choices=Typology.choices)
    efficiency_tags = models.JSONField(default=list, blank=True)
    service_area = models.ForeignKey(ServiceArea, on_delete=models.PROTECT, related_name="innovations")
    stage_set = models.ForeignKey(StageSet, on_delete=models.PROTECT, related_name="innovations")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="innovations")
    stage_entered_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    budget = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    spend = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    expected_outcomes = models.TextField(blank=True)
    expected_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    expected_saving = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    evidence_level = models.PositiveSmallIntegerField(default=0)
    evidence_direction = models.CharField(max_length=20, blank=True)
    evidence_source = models.CharField(max_length=300, blank=True)
    # The golden thread: the needs, ideas, awards, probes and trials behind it (each also has an
    # InnovationLink, which carries its label and page and serves external evidence too).
    needs = models.ManyToManyField("participation.Need", blank=True, related_name="innovations_as_need")
    ideas = models.ManyToManyField("participation.Idea", blank=True, related_name="innovations_as_idea")
    awards = models.ManyToManyField("funding.Award", blank=True, related_name="innovations")
    probes = models.ManyToManyField("trials.Probe", blank=True, related_name="innovations")
    trials = models.ManyToManyField("trials.Trial", blank=True, related_name="innovations")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(budget__gte=0), name="innovation_budget_not_negative"),
            models.CheckConstraint(condition=models.Q(spend__gte=0), name="innovation_spend_not_negative"),
            models.CheckConstraint(
                condition=models.Q(evidence_level__lte=5), name="innovation_evidence_level_max_5"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def efficiency_labels(self) -> list[str]:
        return [EfficiencyTag(t).label for t in self.efficiency_tags if t in EfficiencyTag.values]


class InnovationOrganisation(models.Model):
    """An organisation involved in an innovation, and how."""

    class Part(models.TextChoices):
        COMMISSIONER = "commissioner", "Commissioner"
        PROVIDER = "provider", "Provider"
        COMMUNITY = "community", "Community group"
        PARTNER = "partner", "Partner"

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="involvements")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    part = models.CharField(max_length=20, choices=Part.choices)

    class Meta:
        ordering = ["part", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["innovation", "organisation", "part"], name="involvement_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_part_display()})"


class InnovationLink(models.Model):
    """A record on the golden thread (need, idea, award, probe, trial) or external evidence.

    Held as a generic reference (content type + object id) so that it works before and
    after the other capabilities' tables exist, and for evidence held elsewhere (``url``).
    """

    class Kind(models.TextChoices):
        NEED = "need", "Need"
        IDEA = "idea", "Idea"
        AWARD = "award", "Award"
        PROBE = "probe", "Probe"
        TRIAL = "trial", "Trial"
        EVIDENCE = "evidence", "External evidence"

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    label = models.CharField(max_length=200)
    url = models.CharField(max_length=500, blank=True, help_text="A path on this site or a web address.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["innovation", "content_type", "object_id"],
                condition=models.Q(content_type__isnull=False),
                name="innovation_link_unique_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"


class GateDecision(models.Model):
    """A decision at a stage gate: advance, adapt, hold on the shelf or stop."""

    class Decision(models.TextChoices):
        ADVANCE = "advance", "Advance to the next stage"
        ADAPT = "adapt", "Adapt and test again"
        HOLD = "hold", "Hold on the shelf"
        STOP = "stop", "Stop"

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    from_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField()
    checklist_done = models.JSONField(default=list, blank=True)
    evidence_level = models.PositiveSmallIntegerField(default=0)
    exception = models.BooleanField(default=False)
    exception_reasons = models.TextField(blank=True)
    learning = models.TextField(blank=True)
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} — {self.innovation}"


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
