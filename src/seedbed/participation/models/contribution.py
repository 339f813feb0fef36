"""Needs and ideas: one table, told apart by ``kind``; ``Need`` and ``Idea`` are proxies."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

TITLE_MAX = 150
TEXT_MAX = 5000
SHORT_TEXT_MAX = 1000
COMMENT_MAX = 2000
REASON_MAX = 1000
MAX_COMMENT_DEPTH = 3
# The ``app`` of the messages Voices queues in the core outbox.
OUTBOX_APP = "participation"


class Kind(models.TextChoices):
    NEED = "need", "Need"
    IDEA = "idea", "Idea"


class Status(models.TextChoices):
    RECEIVED = "received", "Received"
    UNDER_CONSIDERATION = "under_consideration", "Under consideration"
    TAKEN_FORWARD = "taken_forward", "Taken forward"
    NOT_TAKEN_FORWARD = "not_taken_forward", "Not taken forward"
    MERGED = "merged", "Merged"


class VoiceOf(models.TextChoices):
    RESIDENT = "resident", "Resident"
    FRONTLINE = "frontline", "Frontline staff"
    PROVIDER = "provider", "Provider organisation"


class Frequency(models.TextChoices):
    UNKNOWN = "", "Not said"
    ONCE = "once", "It happened once"
    SOMETIMES = "sometimes", "Sometimes"
    OFTEN = "often", "Often"
    ALWAYS = "always", "All the time"


class EfficiencyTag(models.TextChoices):
    """The four radical-efficiency lenses on an idea."""

    NEW_INSIGHT = "new_insight", "New insight"
    NEW_CUSTOMERS = "new_customers", "New customers"
    NEW_SUPPLIERS = "new_suppliers", "New suppliers"
    NEW_RESOURCES = "new_resources", "New resources"


class Contribution(models.Model):
    """A need or an idea, with its public status and handling."""

    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField("what", max_length=TEXT_MAX)
    who_affected = models.TextField(max_length=SHORT_TEXT_MAX, blank=True)
    how_often = models.CharField(max_length=20, choices=Frequency.choices, blank=True)
    area_name = models.CharField(max_length=150, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    answers_need = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="answering_ideas",
        limit_choices_to={"kind": Kind.NEED},
    )
    answers_call = models.ForeignKey(
        "funding.Call", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="voices_ideas", verbose_name="answers the challenge",
    )
    efficiency_tags = models.JSONField(default=list, blank=True)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="contributions"
    )
    # A resident without an account: the address they gave, and whether it is still waiting
    # for them to follow the emailed link (held: not public, not in themes or open data).
    submitter_email = models.EmailField(blank=True)
    held = models.BooleanField(default=False)
    voice_of = models.CharField(max_length=20, choices=VoiceOf.choices, default=VoiceOf.RESIDENT)
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="contributions",
    )
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.RECEIVED)
    status_reason = models.TextField(max_length=REASON_MAX, blank=True)
    # What it became: a generic link (content type + id + label) to a challenge, award or
    # trial in another app, and a local URL to show it.
    outcome_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_id = models.PositiveBigIntegerField(null=True, blank=True)
    outcome = GenericForeignKey("outcome_type", "outcome_id")
    outcome_label = models.CharField(max_length=200, blank=True)
    outcome_url = models.CharField(max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(max_length=REASON_MAX, blank=True)
    idempotency_key = models.UUIDField(unique=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Messages about it in the core outbox (deleted with it).
    notifications = GenericRelation(
        "core.Notification", content_type_field="about_type", object_id_field="about_id",
        related_query_name="contribution",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "hidden", "status"]),
            models.Index(fields=["submitter_email"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="contribution_point_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="contribution_merged_has_target",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        return f"{'N' if self.kind == Kind.NEED else 'I'}-{self.pk}"

    @property
    def is_need(self) -> bool:
        return self.kind == Kind.NEED

    @property
    def efficiency_labels(self) -> list[str]:
        labels = dict(EfficiencyTag.choices)
        return [labels.get(tag, tag) for tag in self.efficiency_tags]


class NeedManager(models.Manager["Need"]):
    def get_queryset(self) -> models.QuerySet[Need]:
        return super().get_queryset().filter(kind=Kind.NEED)


class IdeaManager(models.Manager["Idea"]):
    def get_queryset(self) -> models.QuerySet[Idea]:
        return super().get_queryset().filter(kind=Kind.IDEA)


class Need(Contribution):
    objects = NeedManager()  # type: ignore[misc]

    class Meta:
        proxy = True


class Idea(Contribution):
    objects = IdeaManager()  # type: ignore[misc]

    class Meta:
        proxy = True
