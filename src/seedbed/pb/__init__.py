"""Participatory budgeting: the Pabulib format and counting rules. No Django.

Public API::

    election = seedbed.pb.parse("Poland_Lodz_2022.pb")        # or the file's text
    election = seedbed.pb.election_from(budget=..., projects={...}, ballots=[...])
    outcome = seedbed.pb.count(election, rule="mes-add1-fill", utility="cost", explain=True)
    problems = seedbed.pb.validate("file.pb")                   # () when valid
    text = seedbed.pb.write(election, "copy.pb")
"""

from seedbed.pb.count import count
from seedbed.pb.model import Ballot, Election, ElectionError, Project, election_from
from seedbed.pb.outcome import RULES, Outcome, ProjectExplanation, VoterSummary
from seedbed.pb.pabulib import parse, validate, write
from seedbed.pb.problems import PabulibError, Problem
from seedbed.pb.voters import voter_funded_counts

__all__ = [
    "RULES",
    "Ballot",
    "Election",
    "ElectionError",
    "Outcome",
    "PabulibError",
    "Problem",
    "Project",
    "ProjectExplanation",
    "VoterSummary",
    "count",
    "election_from",
    "parse",
    "validate",
    "voter_funded_counts",
    "write",
]
