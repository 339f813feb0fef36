"""Generate a large synthetic Pabulib election for the pb benchmark (seeded, reproducible).

    python bench/bench_pb_generate.py OUT.pb [--distinct 60000] [--projects 90] [--seed 5]

Projects get costs between 20,000 and 900,000 and a popularity weight; each voter approves
2-7 projects drawn by popularity. Ballots are drawn until at least `distinct` different
ballots exist, then popular ballots are repeated (a quarter more voters), as in real
city votes where many residents back the same few projects.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path


def generate(*, distinct: int, projects: int, seed: int) -> str:
    rng = random.Random(seed)
    ids = [f"P{i:03d}" for i in range(1, projects + 1)]
    costs = {p: rng.randrange(20_000, 900_000, 1000) for p in ids}
    weights = [1.0 / (k + 3) ** 0.8 for k in range(projects)]
    rng.shuffle(weights)
    seen: dict[tuple[str, ...], int] = {}
    ballots: list[tuple[str, ...]] = []
    while len(seen) < distinct:
        size = rng.randint(2, 7)
        chosen: set[str] = set()
        while len(chosen) < size:
            chosen.add(rng.choices(ids, weights)[0])
        key = tuple(sorted(chosen))
        seen[key] = seen.get(key, 0) + 1
        ballots.append(key)
    popular = sorted(seen, key=seen.__getitem__, reverse=True)[: max(1, distinct // 20)]
    ballots.extend(rng.choice(popular) for _ in range(len(ballots) // 4))
    rng.shuffle(ballots)
    budget = sum(costs.values()) // 4
    votes = {p: 0 for p in ids}
    for b in ballots:
        for p in b:
            votes[p] += 1
    lines = ["META", "key;value", "description;Synthetic city-wide vote (Seedbed benchmark)",
             "country;Nowhere", "unit;Benchmark", "instance;2026",
             f"num_projects;{projects}", f"num_votes;{len(ballots)}", f"budget;{budget}",
             "vote_type;approval", "rule;equalshares/add1", "PROJECTS",
             "project_id;cost;votes;name"]
    lines += [f"{p};{costs[p]};{votes[p]};Project {p}" for p in ids]
    lines += ["VOTES", "voter_id;vote"]
    lines += [f"{i};{','.join(b)}" for i, b in enumerate(ballots, start=1)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--distinct", type=int, default=60_000)
    parser.add_argument("--projects", type=int, default=90)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    args.out.write_text(generate(distinct=args.distinct, projects=args.projects,
                                 seed=args.seed), encoding="utf-8")


if __name__ == "__main__":
    main()
