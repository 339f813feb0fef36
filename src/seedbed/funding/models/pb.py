"""Participatory-budgeting rounds: projects, ballots and the count."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seedbed.funding.models.calls import Call
from seedbed.funding.models.funds import Record

# The rules a round may use, as named by ``seedbed.pb.count``.
PB_RULES = (
    ("greedy", "Greedy (most votes first)"),
    ("mes-add1", "Method of Equal Shares (add1)"),
    ("mes-add1-fill", "Method of Equal Shares (add1, then fill with greedy)"),
    ("phragmen", "Sequential Phragmén"),
)


class PbRound(Record):
    """The voting side of a participatory-budgeting call. The rule is fixed when voting opens."""

    class Ballot(models.TextChoices):
        APPROVAL = "approval", "Approval (choose between a minimum and a maximum)"
        KNAPSACK = "knapsack", "Knapsack (choose within the budget)"
        CUMULATIVE = "cumulative", "Cumulative (share out points)"

    class Status(models.TextChoices):
        SETUP = "setup", "Projects being prepared"
        VOTING = "voting", "Voting open"
        CLOSED = "closed", "Voting closed"
        COUNTED = "counted", "Counted"

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="pb_round")
    budget = models.DecimalField(max_digits=14, decimal_places=2)
    ballot_kind = models.CharField(max_length=10, choices=Ballot.choices, default=Ballot.APPROVAL)
    min_choices = models.PositiveIntegerField(default=1)
    max_choices = models.PositiveIntegerField(default=3)
    points = models.PositiveIntegerField(default=10)
    rule = models.CharField(max_length=20, choices=PB_RULES, default="mes-add1-fill")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SETUP)
    voting_opened_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.call.title


class PbProject(Record):
    class Feasibility(models.TextChoices):
        PENDING = "pending", "Not yet checked"
        FEASIBLE = "feasible", "Feasible"
        NOT_FEASIBLE = "not_feasible", "Not feasible"

    round = models.ForeignKey(PbRound, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(max_length=200)
    description = models.TextField()
    cost = models.DecimalField(max_digits=14, decimal_places=2)
    idea = models.ForeignKey("participation.Contribution", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="pb_projects", help_text="The Voices idea it came from.")
    feasibility = models.CharField(max_length=12, choices=Feasibility.choices, default=Feasibility.PENDING)
    feasibility_note = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title

    @property
    def code(self) -> str:
        return f"P{self.pk}"


class PbBallot(Record):
    """One ballot: online by a verified resident, or a paper ballot keyed in by staff.

    Personal data: the voter link exists only to stop double voting; results and the
    Pabulib export carry no voter identity.
    """

    round = models.ForeignKey(PbRound, on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="pb_ballots")
    paper_reference = models.CharField(max_length=40, blank=True)
    keyed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], condition=models.Q(voter__isnull=False), name="pb_one_ballot_per_voter"),
            models.UniqueConstraint(fields=["round", "paper_reference"], condition=~models.Q(paper_reference=""), name="pb_paper_ballot_once"),
            models.CheckConstraint(condition=models.Q(voter__isnull=False) | ~models.Q(paper_reference=""), name="pb_ballot_has_voter_or_paper"),
        ]


class PbChoice(Record):
    ballot = models.ForeignKey(PbBallot, on_delete=models.CASCADE, related_name="choices")
    project = models.ForeignKey(PbProject, on_delete=models.PROTECT, related_name="choices")
    points = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["ballot", "project"], name="pb_choice_once")]


class PbResult(Record):
    """The count of a round: one per round, so ballots are never counted twice."""

    round = models.OneToOneField(PbRound, on_delete=models.PROTECT, related_name="result")
    rule = models.CharField(max_length=20)
    selected = models.JSONField(default=list)
    cost = models.DecimalField(max_digits=14, decimal_places=2)
    voters = models.PositiveIntegerField()
    explanations = models.JSONField(default=dict)
    voter_summary = models.JSONField(default=dict)
    warnings = models.JSONField(default=list)
    pabulib = models.TextField()
    counted_at = models.DateTimeField()
