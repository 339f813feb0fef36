"""Awards, their payment schedule, payments, reports and clawback."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.funding.models.calls import Application
from seedbed.funding.models.funds import Fund, Record


class Award(Record):
    """Money awarded to an application (committed on the fund when made), or to a project
    that won a participatory-budgeting round (its cost was committed when voting opened).

    Exactly one of ``application`` and ``pb_project`` is set; ``title`` and ``recipient_label``
    read either. The innovation an award funds is held by the portfolio (its links), not here.
    Personal data: none beyond the application's.
    """

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined by the recipient"
        COMPLETED = "completed", "Completed"
        CLAWED_BACK = "clawed_back", "Clawed back"

    application = models.OneToOneField(Application, null=True, blank=True, on_delete=models.PROTECT, related_name="award")
    pb_project = models.OneToOneField("funding.PbProject", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="award")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="awards")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    conditions = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OFFERED)
    awarded_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    paid = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    clawed_back = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["-awarded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(application__isnull=False, pb_project__isnull=True)
                | models.Q(application__isnull=True, pb_project__isnull=False),
                name="award_for_application_or_pb_project",
            ),
        ]

    def __str__(self) -> str:
        return f"Award {self.reference}"

    @property
    def reference(self) -> str:
        return f"AWD-{self.pk:04d}" if self.pk else "AWD-new"

    @property
    def title(self) -> str:
        if self.application_id is not None:
            return self.application.title  # type: ignore[union-attr]
        return self.pb_project.title  # type: ignore[union-attr]

    @property
    def recipient_label(self) -> str:
        """The application's applicant (anonymised for individuals), or who delivers a PB project."""
        if self.application_id is not None:
            return self.application.applicant_label  # type: ignore[union-attr]
        return f"Delivered by {self.fund.owner.name}"


class Instalment(Record):
    """A scheduled payment, due on a date or on a milestone."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="instalments")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    due_on = models.DateField(null=True, blank=True)
    milestone = models.CharField(max_length=200, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]


class Payment(Record):
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="payments")
    instalment = models.ForeignKey(Instalment, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    paid_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["paid_on", "id"]


class Report(Record):
    class Kind(models.TextChoices):
        PROGRESS = "progress", "Progress report"
        FINAL = "final", "Final report"

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_on = models.DateField()
    received_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "id"]


class Clawback(Record):
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="clawbacks")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
