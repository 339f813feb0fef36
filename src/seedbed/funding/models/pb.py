"""Participatory-budgeting rounds: projects, ballots and the count."""

from __future__ import annotations

import secrets

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


def random_row_id() -> int:
    """A random 62-bit row id (above 2**32, clear of any sequence's ids).

    Ballots, their choices and the register's marks take random ids and ballots keep no time,
    so the order of rows cannot pair a voter's mark with their ballot.
    """
    return secrets.randbelow(2**62 - 2**32) + 2**32


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


class PbElector(Record):
    """A verified resident's account matched to the council's register reference.

    The register reference is the one key of the round's voter register in both channels: a
    resident votes online only once their account is matched, and a paper ballot names the
    voter by the same reference, so one person has one vote whichever way they cast it.

    Personal data: the register reference, tied to the account and deleted with it.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pb_elector")
    reference = models.CharField(max_length=40, unique=True, help_text="Canonical form (see funding.ballot_numbers).")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)


class PbOfficer(Record):
    """A person assigned by a funding manager to key in the paper ballots of one round.

    An assignment is withdrawn, never deleted, so the register of who could key ballots stays.
    """

    round = models.ForeignKey(PbRound, on_delete=models.PROTECT, related_name="officers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pb_officer_roles")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], condition=models.Q(withdrawn_at__isnull=True),
                                    name="pb_officer_once_per_round"),
        ]

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class PbBallotNumber(Record):
    """One issued paper-ballot number of a round's register (printed on one ballot paper).

    Stored in canonical form; a number is used by at most one ballot (``PbBallot.paper_number``
    is one-to-one), so the database refuses a second use even under concurrent requests.
    """

    round = models.ForeignKey(PbRound, on_delete=models.PROTECT, related_name="ballot_numbers")
    number = models.CharField(max_length=10)
    batch = models.PositiveIntegerField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["round", "number"], name="pb_ballot_number_once")]

    def __str__(self) -> str:
        return f"{self.number[:5]}-{self.number[5:]}"


class PbVoterMark(Record):
    """The round's marked register: who has voted (not how), across both channels.

    One mark per register reference and one per account in each round, whatever the channel;
    online marks carry both. Ballots carry no voter, so how someone voted is not stored with
    who they are; marks keep only the day, and marks, ballots and choices take random ids.

    Personal data: the account and the register reference; kept with the round as its marked
    register.
    """

    class Channel(models.TextChoices):
        ONLINE = "online", "Online"
        PAPER = "paper", "Paper"

    id = models.BigIntegerField(primary_key=True, default=random_row_id, editable=False)
    round = models.ForeignKey(PbRound, on_delete=models.PROTECT, related_name="voter_marks")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="pb_marks")
    reference = models.CharField(max_length=40, blank=True)
    channel = models.CharField(max_length=6, choices=Channel.choices)
    marked_on = models.DateField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], condition=models.Q(voter__isnull=False),
                                    name="pb_mark_one_per_voter"),
            models.UniqueConstraint(fields=["round", "reference"], condition=~models.Q(reference=""),
                                    name="pb_mark_one_per_reference"),
            models.CheckConstraint(condition=models.Q(voter__isnull=False) | ~models.Q(reference=""),
                                   name="pb_mark_names_someone"),
        ]


class PbBallot(Record):
    """One ballot, cast online or keyed in from paper by the round's ballot officer.

    A ballot holds no voter and no time: who voted is in ``PbVoterMark``, and the ballot's
    random id says nothing about when it was cast. A paper ballot holds the issued
    number it was printed with (used once) and the officer who keyed it in.
    ``paper_reference`` is the free-text reference of paper ballots keyed in before the
    register of numbers existed; new ballots leave it empty.
    """

    class Channel(models.TextChoices):
        ONLINE = "online", "Online"
        PAPER = "paper", "Paper"

    id = models.BigIntegerField(primary_key=True, default=random_row_id, editable=False)
    round = models.ForeignKey(PbRound, on_delete=models.PROTECT, related_name="ballots")
    channel = models.CharField(max_length=6, choices=Channel.choices, default=Channel.ONLINE)
    paper_number = models.OneToOneField(PbBallotNumber, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="ballot")
    paper_reference = models.CharField(max_length=40, blank=True)
    keyed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "paper_reference"], condition=~models.Q(paper_reference=""), name="pb_paper_ballot_once"),
            models.CheckConstraint(
                condition=(models.Q(channel="online", paper_number__isnull=True, paper_reference="")
                           | models.Q(channel="paper", paper_number__isnull=False)
                           | models.Q(channel="paper", paper_number__isnull=True) & ~models.Q(paper_reference="")),
                name="pb_ballot_channel_consistent"),
        ]


class PbChoice(Record):
    id = models.BigIntegerField(primary_key=True, default=random_row_id, editable=False)
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
