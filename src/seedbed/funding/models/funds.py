"""Funds, the programme budgets they are ring-fenced from, and the ledger of money moved."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class Record(models.Model):
    """Base of funding models: a readable name in the admin and logs."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Fund(Record):
    """A ring-fenced experimentation fund owned by an organisation.

    ``committed`` and ``paid`` are running totals kept by the services under a row lock on
    the fund (they always equal the sums of the ledger); the database refuses a committed
    amount above the total or a negative one.
    Personal data: none.
    """

    owner = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="funds")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    currency = models.CharField(max_length=3, default="GBP")
    total = models.DecimalField(max_digits=14, decimal_places=2)
    ring_fence_share = models.DecimalField(
        max_digits=5, decimal_places=4,
        help_text="Target share of programme budgets set aside for experimentation (0.03 is 3%).",
    )
    period_start = models.DateField()
    period_end = models.DateField()
    committed = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    paid = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(committed__gte=0), name="fund_committed_not_negative"),
            models.CheckConstraint(condition=models.Q(committed__lte=models.F("total")), name="fund_never_overcommitted"),
            models.CheckConstraint(condition=models.Q(paid__gte=0), name="fund_paid_not_negative"),
            models.CheckConstraint(condition=models.Q(paid__lte=models.F("committed")), name="fund_paid_within_committed"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def remaining(self) -> Decimal:
        return self.total - self.committed


class ProgrammeBudget(Record):
    """A programme budget the fund's ring-fence is drawn from (e.g. Children's Services)."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="programmes")
    name = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LedgerEntry(Record):
    """One movement of money on a fund. Append-only; written by the budget services only."""

    class Kind(models.TextChoices):
        COMMIT = "commit", "Committed"
        RELEASE = "release", "Released"
        PAYMENT = "payment", "Paid"
        CLAWBACK = "clawback", "Clawed back"

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    award = models.ForeignKey("funding.Award", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    pb_round = models.ForeignKey("funding.PbRound", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "ledger entries"
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="ledger_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
