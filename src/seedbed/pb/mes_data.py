"""Records of a Method of Equal Shares run, and per-project arrays shared by runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from seedbed.pb.profile import Profile, exact_dot

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass
class Purchase:
    """One funded project in a MES run (round is 1-based)."""

    project: int
    round: int
    rho: float
    exact_rho: Fraction | None
    payers: int
    paid_all: int
    poor_cls: IntArray = field(repr=False)
    poor_u: IntArray = field(repr=False)
    poor_w: IntArray = field(repr=False)
    rich_den: int = 0


@dataclass
class MesRun:
    """The outcome of one MES run at a given per-voter budget."""

    selected: list[int]
    purchases: list[Purchase]
    dropped_round: dict[int, int]
    money_left: dict[int, float] | None
    budget_per_voter: Fraction
    engine: Any = field(default=None, repr=False)  # the run itself, for exact ρ on demand


class MesData:
    """Per-project arrays of a profile, shared by the runs of the add1 completion."""

    def __init__(self, prof: Profile) -> None:
        self.prof = prof
        n_proj = len(prof.ids)
        self.idx = [prof.supporters[prof.project_slice(p)] for p in range(n_proj)]
        self.u = [prof.utility[prof.project_slice(p)] for p in range(n_proj)]
        self.m = [prof.mult[i] for i in self.idx]
        self.uf = [u.astype(np.float64) for u in self.u]
        self.mf = [m.astype(np.float64) for m in self.m]
        self.total = [exact_dot(m, u) for m, u in zip(self.m, self.u, strict=True)]
        self.msum = [int(m.sum()) for m in self.m]
        self.uniform = [bool(len(u) == 0 or (u == u[0]).all()) for u in self.u]
        self.u0 = [float(u[0]) if len(u) else 1.0 for u in self.u]
