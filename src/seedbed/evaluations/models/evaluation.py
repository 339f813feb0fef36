"""An evaluation: a change that could not be randomised, judged by a quasi-experimental
design chosen before the data are analysed.

Personal data: none about residents. ``created_by`` links to the member of staff who started
it (pseudonymous id; kept on erasure).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Design(models.TextChoices):
    """The quasi-experimental designs the statistics engine offers (``seedbed stats``)."""

    DID = "did", "Difference-in-differences"
    ITS = "its", "Interrupted time series"
    SYNTH = "synth", "Synthetic control"
    RD = "rd", "Regression discontinuity"


class Evaluation(models.Model):
    """An evaluation of a change; its plan is drafted, registered (frozen) and amended."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REGISTERED = "registered", "Plan registered"
        ANALYSED = "analysed", "Analysed"
        REPORTED = "reported", "Reported"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="evaluations"
    )
    service_area = models.ForeignKey(
        "portfolio.ServiceArea", null=True, blank=True, on_delete=models.PROTECT,
        related_name="evaluations",
    )
    title = models.CharField(max_length=200)
    design = models.CharField(max_length=10, choices=Design.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    registered_at = models.DateTimeField(null=True, blank=True)
    # When the report was published (the evaluation became reported and its report frozen).
    reported_at = models.DateTimeField(null=True, blank=True)
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

    @property
    def is_registered(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def is_reported(self) -> bool:
        return self.status == self.Status.REPORTED
