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
        return int((self.mult[self.supporters[s]] * self.utility[s]).sum())


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
    if points and utility == "points":
        groups: Counter[tuple[tuple[int, Fraction], ...]] = Counter(
            tuple(sorted(zip((index[x] for x in b.projects), b.points, strict=True)))
            for b in election.ballots
        )
        pscale = _lcm_of_denominators([v for key in groups for _, v in key])
        keys = [tuple((p, int(v * pscale)) for p, v in key if v > 0) for key in groups]
        counts = list(groups.values())
        uscale = pscale
    else:
        uscale = 1
        merged: Counter[frozenset[int]] = Counter()
        if points:  # approval reading of a points ballot: every project given points
            merged.update(
                frozenset(index[x] for x, v in zip(b.projects, b.points, strict=True) if v > 0)
                for b in election.ballots
            )
        else:
            for proj, count in Counter(b.projects for b in election.ballots).items():
                merged[frozenset(index[x] for x in proj)] += count
        keys = [tuple((p, 1) for p in sorted(key)) for key in merged]
        counts = list(merged.values())
    mult = np.asarray(counts, dtype=np.int64)
    n_proj = len(ids)
    per_proj: list[list[int]] = [[] for _ in range(n_proj)]
    per_util: list[list[int]] = [[] for _ in range(n_proj)]
    for d, key in enumerate(keys):
        for p, v in key:
            u = costs[p] * v if utility == "cost" else v
            if u > 0:
                per_proj[p].append(d)
                per_util[p].append(u)
    sizes = np.fromiter((len(x) for x in per_proj), dtype=np.int64, count=n_proj)
    ptr = np.zeros(n_proj + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    sup = np.fromiter((d for x in per_proj for d in x), dtype=np.int64, count=int(ptr[-1]))
    util = np.fromiter((u for x in per_util for u in x), dtype=np.int64, count=int(ptr[-1]))
    votes = tuple(int(mult[sup[ptr[p]:ptr[p + 1]]].sum()) for p in range(n_proj))
    return Profile(
        ids=ids, costs=costs, budget=budget, scale=scale, n_voters=len(election.ballots),
        mult=mult, ptr=ptr, supporters=sup, utility=util, votes=votes, uscale=uscale, measure=utility,
        ballot_projects=tuple(tuple(p for p, _ in key) for key in keys),
    )
