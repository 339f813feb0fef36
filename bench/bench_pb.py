"""Participatory-budgeting benchmark: Seedbed against pabutools 1.2.3, side by side.

    .venv/bin/python bench/bench_pb.py [--data ../shared/data/pabulib] [--no-pabutools]

Every measurement runs in a fresh Python process that reads the file itself (parsing is
included), counts once and reports wall time, CPU time and its own peak resident memory
(`ru_maxrss`, the figure `/usr/bin/time -v` prints). pabutools runs as its reference outcomes
were made: exact fractions (gmpy2), lexicographic tie-breaking, `profile.as_multiprofile()`.
The winners of both are compared. A synthetic election with 60,000+ distinct ballots over 90
projects (bench/bench_pb_generate.py, seed 5) checks the scale target for Seedbed.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "pabulib"
LODZ = "Poland_Lodz_2022.pb"

SEEDBED_RULES = ("greedy", "mes", "mes-add1-fill")


def _seedbed(path: str, rule: str) -> list[str]:
    from seedbed.pb import count, parse

    return sorted(count(parse(path), rule=rule, utility="cost").selected)


def _pabutools(path: str, rule: str) -> list[str]:
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    instance, profile = parse_pabulib(path)
    profile = profile.as_multiprofile()
    if rule == "greedy":
        out = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    elif rule == "mes":
        out = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    elif rule == "mes-add1-fill":
        out = completion_by_rule_combination(
            instance, profile, [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
        )
    else:
        raise ValueError(rule)
    return sorted(p.name for p in out)


def worker(engine: str, path: str, rule: str) -> None:
    """Child process: count once and print the measurement as JSON."""
    wall, cpu = time.perf_counter(), time.process_time()
    winners = (_seedbed if engine == "seedbed" else _pabutools)(path, rule)
    result = {
        "engine": engine, "rule": rule, "file": Path(path).name,
        "wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "winners": winners,
    }
    sys.stdout.write(json.dumps(result) + "\n")


def measure(engine: str, path: Path, rule: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", engine, str(path), rule],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _row(r: dict[str, Any]) -> str:
    return (f"| {r['file']} | {r['rule']} | {r['engine']} | {r['wall_s']:.2f} | "
            f"{r['cpu_s']:.2f} | {r['peak_mb']:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--no-pabutools", action="store_true", help="Seedbed figures only.")
    parser.add_argument("--worker", nargs=3, metavar=("ENGINE", "FILE", "RULE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    lodz = args.data / LODZ
    if not lodz.exists():
        sys.exit(f"{lodz} not found: the benchmark needs ../shared/data/pabulib")
    print(f"# pb benchmark — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"Python {platform.python_version()}, {platform.platform()}")
    print("| file | rule | engine | wall s | CPU s | peak MB |")
    print("|---|---|---|---:|---:|---:|")
    results: dict[tuple[str, str], dict[str, Any]] = {}
    for rule in SEEDBED_RULES:
        for engine in ("seedbed",) + (() if args.no_pabutools else ("pabutools",)):
            r = measure(engine, lodz, rule)
            results[(engine, rule)] = r
            print(_row(r), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        synth = Path(tmp) / "synthetic_60k.pb"
        subprocess.run([sys.executable, str(ROOT / "bench" / "bench_pb_generate.py"),
                        str(synth)], check=True)
        r = measure("seedbed", synth, "mes-add1-fill")
        print(_row(r), flush=True)
        synth_result = r
    print()
    for rule in SEEDBED_RULES:
        ours = results[("seedbed", rule)]
        line = (f"{rule}: Seedbed {ours['wall_s']:.2f} s wall / {ours['cpu_s']:.2f} s CPU, "
                f"{ours['peak_mb']:.0f} MB")
        if ("pabutools", rule) in results:
            ref = results[("pabutools", rule)]
            same = "identical" if ref["winners"] == ours["winners"] else "DIFFERENT"
            line += (f"; pabutools {ref['wall_s']:.1f} s / {ref['cpu_s']:.1f} s CPU, "
                     f"{ref['peak_mb']:.0f} MB; speed-up ×{ref['wall_s'] / ours['wall_s']:.0f} "
                     f"wall, ×{ref['cpu_s'] / ours['cpu_s']:.0f} CPU; winners {same}")
        print(line)
    print(f"synthetic 60k distinct ballots, mes-add1-fill: {synth_result['wall_s']:.2f} s wall, "
          f"{synth_result['cpu_s']:.2f} s CPU, {synth_result['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
