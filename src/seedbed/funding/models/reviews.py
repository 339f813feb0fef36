"""Reviewing: conflicts of interest, score sets (written and pitch), decisions and the pitch."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.funding.models.calls import Application, Call, Criterion
from seedbed.funding.models.funds import Record


class Conflict(Record):
    """A reviewer's declaration about one application, made before they may open it.

    ``none``: no conflict; ``declared``: a conflict, awaiting the chair; ``waived``: the chair
    let them review anyway (a reason is required); ``recused``: they do not review it;
    ``withdrawn``: another funding manager withdrew a declaration made in error (the reason is
    kept in ``waiver_reason``). Declarations only tighten; the audit log keeps their history.
    Personal data: ``detail`` may describe a relationship; exported with the reviewer's data
    and cleared on their erasure (the status and the audit entry stay).
    """

    class Status(models.TextChoices):
        NONE = "none", "No conflict"
        DECLARED = "declared", "Conflict declared"
        WAIVED = "waived", "Conflict waived"
        RECUSED = "recused", "Recused"
        WITHDRAWN = "withdrawn", "Conflict withdrawn"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflicts")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="funding_conflicts")
    status = models.CharField(max_length=10, choices=Status.choices)
    detail = models.TextField(blank=True)
    waiver_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="conflict_once"),
            models.CheckConstraint(
                condition=~models.Q(status="waived") | ~models.Q(waiver_reason=""), name="conflict_waiver_has_reason"
            ),
        ]

    @property
    def may_review(self) -> bool:
        return self.status in (self.Status.NONE, self.Status.WAIVED, self.Status.WITHDRAWN)


class Review(Record):
    """One reviewer's score set on one application, written or during the pitch.

    Personal data: the comment; exported with the reviewer's data; kept on erasure because
    it is part of a funding decision's record (the reviewer link is pseudonymous).
    """

    class Mode(models.TextChoices):
        WRITTEN = "written", "Written review"
        PITCH = "pitch", "Pitch"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="funding_reviews")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.WRITTEN)
    comment = models.TextField(blank=True)
    weighted = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True,
                                   help_text="Weighted score out of 100.")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application_id", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "reviewer", "mode"], name="review_once")]


class Score(Record):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="score_once")]


class Moderation(Record):
    """The chair's note on an outlier score: kept as it is, or adjusted (with the reason)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="moderations")
    outcome = models.CharField(max_length=10, choices=[("kept", "Kept"), ("adjusted", "Adjusted")])
    reason = models.TextField()
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class Decision(Record):
    """The decision on an application, with the reason published with it."""

    class Outcome(models.TextChoices):
        FUND = "fund", "Funded"
        DECLINE = "decline", "Not funded"

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    public_reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField()


class AwardException(Record):
    """A funding manager's approval to award an application more than it asked for, or more
    than its call's maximum, up to ``amount``, with the reason. The manager who then makes the
    award must be someone else (``decision_make`` checks); approvals are audited.
    Personal data: none."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="award_exceptions")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.TextField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-amount", "-pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="award_exception_has_reason")]


class PitchSlot(Record):
    """A place in the running order of a pitch event."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        PITCHING = "pitching", "Pitching now"
        DONE = "done", "Done"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="pitch_slots")
    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="pitch_slot")
    position = models.PositiveIntegerField()
    starts_at = models.TimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["call", "position"], name="pitch_position_once")]
