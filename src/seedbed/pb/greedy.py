"""Greedy rules: fund projects in order of satisfaction per unit of cost.

Method (utilitarian greedy, as pabutools 1.2.3 `greedy_utilitarian_welfare`): order projects
by density  d_p = (Σ_i u_ip) / c_p  (largest first; ∞ for a free project someone supports,
0 for a project nobody supports), ties by project id, then walk the order funding each
project that still fits the remaining budget. With cost utility d_p is the number of votes,
so this is "greedy by votes"; with cardinality utility it is votes per unit of cost.
Variants: a minimum-support threshold (projects with fewer votes, or points, are left out),
and stopping at the first project that does not fit instead of skipping it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from seedbed.pb.profile import Profile

_INF = Fraction(10) ** 100  # larger than any real density; keeps the sort key exact


@dataclass(frozen=True)
class GreedyStep:
    """A project considered by a greedy rule: its place in the order and what happened."""

    project: int
    rank: int
    funded: bool
    remaining_after: int  # scaled currency
    excluded: bool = False


def density(prof: Profile, p: int) -> Fraction:
    total = prof.total_utility(p)
    if total == 0:
        return Fraction(0)
    if prof.costs[p] == 0:
        return _INF
    return Fraction(total, prof.costs[p])


def greedy(
    prof: Profile,
    *,
    start: tuple[int, ...] = (),
    threshold: int | None = None,
    support: tuple[int, ...] | None = None,
    stop_at_first_misfit: bool = False,
) -> tuple[list[int], list[GreedyStep]]:
    """Run the greedy rule after the projects in `start` (already funded).

    Returns the projects funded (those in `start` first) and one step per considered
    project. `support` (votes, or total points) and `threshold` exclude weak projects.
    """
    chosen = list(start)
    remaining = prof.budget - sum(prof.costs[p] for p in start)
    taken = set(start)
    order = sorted(
        (p for p in range(len(prof.ids)) if p not in taken),
        key=lambda p: (-density(prof, p), prof.ids[p]),
    )
    steps: list[GreedyStep] = []
    stopped = False
    for rank, p in enumerate(order, start=1):
        if threshold is not None and support is not None and support[p] < threshold:
            steps.append(GreedyStep(p, rank, False, remaining, excluded=True))
            continue
        if not stopped and prof.costs[p] <= remaining:
            remaining -= prof.costs[p]
            chosen.append(p)
            steps.append(GreedyStep(p, rank, True, remaining))
        else:
            steps.append(GreedyStep(p, rank, False, remaining))
            if stop_at_first_misfit:
                stopped = True
    return chosen, steps
