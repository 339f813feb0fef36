"""The concealed allocation sequence and the people enrolled in clusters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from seedbed.trials.models.trial import Trial


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
    # Minimisation: the slot is made at enrolment. ``factors`` holds the unit's level of each
    # registered factor; ``minimisation`` the engine's explanation of the arm (counts and
    # imbalance score per candidate arm, and whether the random element chose it).
    factors = models.JSONField(default=dict, blank=True)
    minimisation = models.JSONField(default=dict, blank=True)

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
