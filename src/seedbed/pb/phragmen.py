"""Sequential Phragmén for approval ballots, exact at float speed.

Method (Phragmén 1894; for budgets Los, Christoff & Grossi, "Proportional budget
allocations", AAAI 2022; as pabutools 1.2.3 `sequential_phragmen`): voters earn virtual money
continuously; project p can be bought once its supporters' loads reach

    ℓ_p = (Σ_{i ∋ p} ℓ_i + c_p) / |{i ∋ p}|,

and each round buys the project with the smallest ℓ_p (ties: smallest project id), setting
its supporters' loads to ℓ_p. Counting stops as soon as one of the projects with the
smallest ℓ_p would overrun the budget. Projects costing more than the budget never enter.

Every voter's load is one of the round values ℓ^(r), so sums are kept in floats and any
near-tie is decided exactly from integer counts of supporters per round value.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from seedbed.pb.profile import Profile


@dataclass(frozen=True)
class PhragmenStep:
    """A bought project: its round and the supporters' new load (money per voter)."""

    project: int
    round: int
    load: Fraction


def phragmen(prof: Profile) -> tuple[list[int], list[PhragmenStep], int | None]:
    """Run sequential Phragmén; return funded projects, steps and the project that stopped it."""
    n_proj = len(prof.ids)
    ptr = prof.ptr
    sup = prof.supporters
    mult_nnz = prof.mult[sup].astype(np.float64)
    score = np.array(prof.votes, dtype=np.float64)
    costs_f = np.array(prof.costs, dtype=np.float64)
    load_id = np.zeros(len(prof.mult), dtype=np.int64)
    loads: list[Fraction] = [Fraction(0)]
    loads_f = np.zeros(n_proj + 1, dtype=np.float64)
    remaining = {p for p in range(n_proj) if prof.costs[p] <= prof.budget}
    spent = 0
    chosen: list[int] = []
    steps: list[PhragmenStep] = []
    starts = ptr[:-1]
    nonempty = ptr[1:] > starts

    def exact(p: int) -> Fraction | None:
        if prof.votes[p] == 0:
            return None
        ids = load_id[sup[ptr[p]:ptr[p + 1]]]
        counts = np.bincount(ids, weights=prof.mult[sup[ptr[p]:ptr[p + 1]]])
        total = sum((int(round(c)) * loads[r] for r, c in enumerate(counts) if c), Fraction(0))
        return (total + prof.costs[p]) / prof.votes[p]

    stopper: int | None = None
    while remaining:
        per_nnz = loads_f[load_id[sup]] * mult_nnz
        sums = np.zeros(n_proj)
        if len(per_nnz):
            sums[nonempty] = np.add.reduceat(per_nnz, starts[nonempty])
        with np.errstate(divide="ignore", invalid="ignore"):
            new = np.where(score > 0, (sums + costs_f) / np.where(score > 0, score, 1), np.inf)
        rem = sorted(remaining)
        vals = new[rem]
        low = float(vals.min())
        if np.isinf(low):
            tied = [p for p in rem if prof.votes[p] == 0]
            value: Fraction | None = None
        else:
            cands = [p for p, v in zip(rem, vals, strict=True) if v <= low * (1 + 1e-9)]
            if len(cands) == 1:
                tied = cands
                value = exact(cands[0])
            else:
                ex = {p: exact(p) for p in cands}
                value = min(v for v in ex.values() if v is not None)
                tied = [p for p in cands if ex[p] == value]
        misfit = [p for p in tied if spent + prof.costs[p] > prof.budget]
        if misfit:
            stopper = min(misfit, key=lambda q: prof.ids[q])
            break
        p = min(tied, key=lambda q: prof.ids[q])
        rnd = len(chosen) + 1
        if value is not None:
            loads.append(value)
            loads_f[len(loads) - 1] = float(value)
            load_id[sup[ptr[p]:ptr[p + 1]]] = len(loads) - 1
        steps.append(PhragmenStep(p, rnd, value if value is not None else Fraction(0)))
        chosen.append(p)
        spent += prof.costs[p]
        remaining.discard(p)
    return chosen, steps, stopper
