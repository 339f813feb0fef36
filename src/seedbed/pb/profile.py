"""The counting form of an election: identical ballots collapsed, integer utilities.

Rules never look at single ballots. Identical ballots are merged into one *distinct ballot*
with a multiplicity (Łódź 2022: 90,494 ballots become far fewer), which changes no outcome
because identical voters always hold identical budgets and loads. Costs and the budget are
scaled by a common integer so that every cost, the budget and every utility is an integer;
all rules used here are invariant under that scaling (the add1 completion's one-unit step is
scaled with it).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from seedbed.pb.model import POINTS_TYPES, Election, ElectionError

UTILITIES = ("cost", "cardinality", "points")

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Profile:
    """Distinct ballots in compressed sparse form, by project.

    For project `p`, `supporters[ptr[p]:ptr[p+1]]` are the distinct ballots giving it a
    positive utility and `utility[...]` those utilities (integers). `mult[d]` is how many
    voters cast distinct ballot `d`. `costs` and `budget` are multiplied by `scale`.
    """

    ids: tuple[str, ...]
    costs: tuple[int, ...]
    budget: int
    scale: int
    n_voters: int
    mult: IntArray
    ptr: IntArray
    supporters: IntArray
    utility: IntArray
    votes: tuple[int, ...]
    uscale: int
    measure: str
    ballot_projects: tuple[tuple[int, ...], ...]

    def project_slice(self, p: int) -> slice:
        return slice(int(self.ptr[p]), int(self.ptr[p + 1]))

    def total_utility(self, p: int) -> int:
        s = self.project_slice(p)
        return exact_dot(self.mult[self.supporters[s]], self.utility[s])


def exact_dot(a: IntArray, b: IntArray) -> int:
    """Σ a_i·b_i as a Python int: int64 when it provably cannot overflow, else exact."""
    if len(a) == 0:
        return 0
    if int(np.abs(a).max()) * int(np.abs(b).max()) * len(a) < 2**62:
        return int((a * b).sum())
    return sum(int(x) * int(y) for x, y in zip(a.tolist(), b.tolist(), strict=True))


def _lcm_of_denominators(values: list[Fraction]) -> int:
    out = 1
    for v in values:
        out = math.lcm(out, v.denominator)
    return out


def compile_profile(election: Election, utility: str) -> Profile:
    """Collapse the ballots of `election` and attach integer utilities.

    `utility` is "cost" (a voter's satisfaction from a funded project is its cost),
    "cardinality" (1 per funded approved project) or "points" (the points the ballot gives;
    cumulative and scoring elections only).
    """
    if utility not in UTILITIES:
        raise ElectionError(f"unknown utility {utility!r}; expected one of {UTILITIES}")
    if election.vote_type == "ordinal":
        raise ElectionError("ordinal ballots cannot be counted by these rules")
    points = election.vote_type in POINTS_TYPES
    if utility == "points" and not points:
        raise ElectionError("points utility needs a cumulative or scoring election")
    ids = election.project_ids
    index = {pid: i for i, pid in enumerate(ids)}
    raw_costs = [p.cost for p in election.projects]
    scale = _lcm_of_denominators([*raw_costs, election.budget])
    costs = tuple(int(c * scale) for c in raw_costs)
    budget = int(election.budget * scale)
    if max(costs, default=0) >= 2**62:
        raise ElectionError("project costs must be below 4.6e18 currency units")
    if points and utility == "points":
        groups: Counter[tuple[tuple[int, Fraction], ...]] = Counter(
            tuple(sorted(zip((index[x] for x in b.projects), b.points, strict=True)))
            for b in election.ballots
        )
        uscale = _lcm_of_denominators([v for key in groups for _, v in key])
        pairs = [[(p, int(v * uscale)) for p, v in key if v > 0] for key in groups]
        keys = [tuple(p for p, _ in pair) for pair in pairs]
        flat_v = np.fromiter((v for pair in pairs for _, v in pair), dtype=np.int64)
        counts = list(groups.values())
    else:
        uscale = 1
        merged: Counter[tuple[int, ...]] = Counter()
        if points:  # approval reading of a points ballot: every project given points
            merged.update(
                tuple(sorted({index[x] for x, v in zip(b.projects, b.points, strict=True)
                              if v > 0}))
                for b in election.ballots
            )
        else:
            for proj, count in Counter(map(itemgetter(1), election.ballots)).items():
                merged[tuple(sorted({index[x] for x in proj}))] += count
        keys = list(merged)
        counts = list(merged.values())
        flat_v = None
    mult = np.asarray(counts, dtype=np.int64)
    n_proj = len(ids)
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    flat_p = np.fromiter((p for k in keys for p in k), dtype=np.int64, count=int(lengths.sum()))
    flat_d = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
    cost_arr = np.array(costs, dtype=np.int64)
    if utility == "cost":
        flat_u = cost_arr[flat_p]
    elif flat_v is not None:
        flat_u = flat_v
    else:
        flat_u = np.ones(len(flat_p), dtype=np.int64)
    keep = flat_u > 0
    order = np.argsort(flat_p[keep], kind="stable")
    sup = flat_d[keep][order]
    util = flat_u[keep][order]
    ptr = np.zeros(n_proj + 1, dtype=np.int64)
    np.cumsum(np.bincount(flat_p[keep], minlength=n_proj), out=ptr[1:])
    votes = tuple(np.bincount(flat_p, weights=mult[flat_d], minlength=n_proj).astype(np.int64)
                  .tolist())
    return Profile(
        ids=ids, costs=costs, budget=budget, scale=scale, n_voters=len(election.ballots),
        mult=mult, ptr=ptr, supporters=sup, utility=util, votes=votes, uscale=uscale, measure=utility,
        ballot_projects=tuple(keys),
    )
