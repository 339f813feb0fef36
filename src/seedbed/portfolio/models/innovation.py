"""Innovations: one record from latent idea to embedded practice, the organisations
involved, and the links on its golden thread.

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
from seedbed.portfolio.models.lifecycle import Stage, StageSet
from seedbed.portfolio.models.service_area import ServiceArea


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
