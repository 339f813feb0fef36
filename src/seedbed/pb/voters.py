"""Per-voter results for a results page: how many of a voter's projects were funded."""

from __future__ import annotations

from seedbed.pb.model import POINTS_TYPES, Election
from seedbed.pb.outcome import Outcome


def voter_funded_counts(election: Election, outcome: Outcome) -> dict[str, tuple[int, int]]:
    """Map voter id → (funded projects they supported, projects they supported).

    A project counts as supported when the ballot approves it (or gives it positive points).
    """
    funded = set(outcome.selected)
    points = election.vote_type in POINTS_TYPES
    out: dict[str, tuple[int, int]] = {}
    for b in election.ballots:
        backed = [p for k, p in enumerate(b.projects) if not points or b.points[k] > 0]
        out[b.voter_id] = (sum(1 for p in backed if p in funded), len(backed))
    return out
