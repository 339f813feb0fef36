"""Calls of every kind (open call, challenge, micro-grant, PB round) and their applications."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.funding.models.funds import Fund, Record

# The short form is the point of a micro-grant: the services refuse anything longer.
MICRO_MAX_QUESTIONS = 3
MICRO_MAX_WORDS = 250


class Call(Record):
    """A call for applications; ``kind`` says which instrument it is.

    A challenge answers Voices needs (``needs``, needs or ideas) or a theme (``theme``).
    Personal data: none.
    """

    class Kind(models.TextChoices):
        OPEN = "open", "Open call"
        CHALLENGE = "challenge", "Challenge"
        MICRO = "micro", "Micro-grant"
        PB = "pb", "Participatory budget"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        DECIDED = "decided", "Decided"

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="calls")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    min_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    max_amount = models.DecimalField(max_digits=14, decimal_places=2)
    eligible_kinds = models.JSONField(
        default=list, blank=True,
        help_text="Organisation kinds that may apply (empty: any kind).",
    )
    individuals_may_apply = models.BooleanField(default=False)
    needs = models.ManyToManyField("participation.Contribution", blank=True, related_name="funding_calls")
    theme = models.ForeignKey("participation.Theme", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="funding_calls")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status != self.Status.DRAFT


class Stage(Record):
    class Kind(models.TextChoices):
        EOI = "eoi", "Expression of interest"
        FULL = "full", "Full application"
        SHORTLIST = "shortlist", "Shortlist"
        PITCH = "pitch", "Pitch"
        DECISION = "decision", "Decision"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="stages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "kind"], name="stage_once_per_call"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="stage_ends_after_start"),
        ]


class Question(Record):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=300)
    max_words = models.PositiveIntegerField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class Criterion(Record):
    """A scoring criterion; an application's score is the weighted mean over criteria."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=200)
    weight = models.PositiveIntegerField(default=1)
    max_score = models.PositiveIntegerField(default=5)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class PanelMember(Record):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="funding_panels")
    is_chair = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="panel_member_once")]


class Application(Record):
    """An application to a call, from an organisation or from an individual.

    Individuals are shown to reviewers only as their reference (``APP-<id>``).
    Personal data: the applicant link and free text; exported with the applicant's data;
    on erasure the text of an individual's application is replaced and the link kept.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        INELIGIBLE = "ineligible", "Not eligible"
        SHORTLISTED = "shortlisted", "Shortlisted"
        AWARDED = "awarded", "Awarded"
        DECLINED = "declined", "Not funded"

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="funding_applications")
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="funding_applications"
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    answers_contribution = models.ForeignKey("participation.Contribution", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="funding_applications", help_text="The Voices need or idea it answers.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    eligibility_problems = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"APP-{self.pk:04d}" if self.pk else "APP-new"

    @property
    def is_individual(self) -> bool:
        return self.organisation_id is None

    @property
    def applicant_label(self) -> str:
        """What reviewers see: the organisation, or an anonymous label for individuals."""
        if self.organisation_id is None:
            return f"Individual applicant ({self.reference})"
        return self.organisation.name  # type: ignore[union-attr]


class Answer(Record):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["question__position", "question_id"]
        constraints = [models.UniqueConstraint(fields=["application", "question"], name="answer_once")]


class BudgetLine(Record):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    item = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
