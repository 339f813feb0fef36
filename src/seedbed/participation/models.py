"""Voices: needs and ideas, what happened to them, and the people who support and follow them.

A need (a problem someone faces) and an idea (a proposed change) share one table,
``Contribution``, told apart by ``kind``; ``Need`` and ``Idea`` are proxies for readable code.
They share handling (status and history), supports, follows, comments, reports, merging
and export, so one table keeps each of those written once.

Personal data: ``Contribution.submitter``, ``Support.user``, ``Follow.user``,
``Comment.author`` and ``Report.reporter`` point at people, as does ``user`` on the messages
Voices queues in the core outbox (``seedbed.core.models.Notification``, ``app="participation"``). A person's
own data is exported by ``selectors.personal_data_export``; on erasure
(``services.account_erase``) follows, notifications and reports by them are deleted, their
user record is pseudonymised, and their needs, ideas, supports and comments stay.

A resident without an account gives an email address instead (``Contribution.submitter_email``,
the outbox's ``email``, ``EmailToken.email``). Their data is exported by
``selectors.email_data_export`` and erased by ``services.email_data_erase``: contributions never
confirmed are deleted, the address is removed from the rest (which stay), and messages and links
for it are deleted.
"""

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


class StatusChange(models.Model):
    """One step in a contribution's public history."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=30, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=Status.choices)
    reason = models.TextField(max_length=REASON_MAX, blank=True)
    outcome_label = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.contribution_id}: {self.from_status or 'new'} -> {self.to_status}"


class Support(models.Model):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contribution", "user"], name="support_once")
        ]

    def __str__(self) -> str:
        return f"support of {self.contribution_id} by {self.user_id}"


class Follow(models.Model):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contribution", "user"], name="follow_once")
        ]

    def __str__(self) -> str:
        return f"follow of {self.contribution_id} by {self.user_id}"


class Comment(models.Model):
    """A comment or a reply; ``depth`` is 1 for a top-level comment, at most 3."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=COMMENT_MAX)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(depth__gte=1, depth__lte=MAX_COMMENT_DEPTH), name="comment_depth_limit"
            )
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.contribution_id}"


class Report(models.Model):
    """Someone flags a contribution or a comment for moderation."""

    class Outcome(models.TextChoices):
        OPEN = "", "Open"
        HIDDEN = "hidden", "Hidden"
        DISMISSED = "dismissed", "Kept (no action)"

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(max_length=REASON_MAX)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.contribution_id}"


class EmailToken(models.Model):
    """A link emailed to a resident without an account: to confirm a need or idea they sent,
    or to see (and delete) what they sent from that address.

    The link carries a signed token naming this row and a random secret; only the secret's
    SHA-256 is stored. A link works once (``used_at``) and for ``TOKEN_MAX_AGE`` seconds.
    """

    class Purpose(models.TextChoices):
        CONFIRM = "confirm", "Confirm a need or idea"
        ACCESS = "access", "See what was sent"

    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    email = models.EmailField()
    contribution = models.ForeignKey(
        Contribution, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.purpose} link {self.pk}"


class ThemeRun(models.Model):
    """One refresh of the themes across needs."""

    created_at = models.DateTimeField()
    backend = models.CharField(max_length=20)
    needs_count = models.PositiveIntegerField()
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"themes of {self.created_at:%Y-%m-%d %H:%M}"


class Theme(models.Model):
    """A group of similar needs found in one run; kept so links to it stay valid."""

    run = models.ForeignKey(ThemeRun, on_delete=models.CASCADE, related_name="themes")
    label = models.CharField(max_length=200)
    words = models.JSONField(default=list)
    size = models.PositiveIntegerField()
    representative = models.ForeignKey(
        Contribution, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    members = models.ManyToManyField(Contribution, related_name="themes")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["run", "position"]

    def __str__(self) -> str:
        return self.label
