"""Scale: an election with 60,000+ distinct ballots over 85 projects is counted with add1 and
the greedy fill well inside the issue's 10 s (CPU time, so a busy machine does not decide)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from seedbed.pb import count, election_from
from seedbed.pb.profile import compile_profile


def _large_election(distinct: int = 62_000, projects: int = 85, seed: int = 3):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    ids = [f"P{i:03d}" for i in range(projects)]
    weights = 1.0 / (np.arange(projects) + 3.0) ** 0.8
    weights /= weights.sum()
    n = int(distinct * 1.3)
    # weighted sampling without replacement, all ballots at once (Gumbel top-k)
    keys = np.log(weights) + rng.gumbel(size=(n, projects))
    order = np.argsort(-keys, axis=1)[:, :7]
    sizes = rng.integers(2, 8, size=n)
    ballots = [[ids[k] for k in sorted(row[:size].tolist())]
               for row, size in zip(order, sizes, strict=True)]
    costs = {p: int(c) for p, c in zip(ids, rng.integers(20, 900, projects) * 1000, strict=True)}
    return election_from(budget=sum(costs.values()) // 4, projects=costs, ballots=ballots)


@pytest.mark.slow
def test_sixty_thousand_distinct_ballots_with_add1_and_fill() -> None:
    election = _large_election()
    assert len(compile_profile(election, "cost").mult) >= 60_000
    start = time.process_time()
    outcome = count(election, rule="mes-add1-fill")
    spent = time.process_time() - start
    assert spent < 10.0
    assert outcome.cost <= election.budget
    assert outcome.add1_steps is not None and outcome.add1_steps > 0
    left = election.budget - outcome.cost
    unfunded = set(election.project_ids) - set(outcome.selected)
    assert all(election.project(p).cost > left for p in unfunded)  # the fill exhausts
