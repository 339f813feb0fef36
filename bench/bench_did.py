"""Benchmark of the pushed-down difference-in-differences (issue 14), side by side in one run.

A balanced panel (units x periods, four cohorts: never treated and first treated at a quarter,
half and three quarters of the periods) in Parquet, analysed by

- Seedbed: ``seedbed.data.did`` (cohort moments computed by DuckDB where the file is) and
  ``seedbed.stats.did`` (Callaway & Sant'Anna, group aggregation), and
- the analyst's route and oracle: pandas ``read_parquet`` + ``csdid`` (a port of R's ``did``:
  ``att_gt`` with ``est_method="reg"``, analytic errors, then ``aggte(typec="group")``).

Each side runs in its own process so its peak memory and CPU time (getrusage) are its own
(CPU time, including every thread's, is the fairer figure on a shared machine); the estimates
are compared. The issue's target is 50,000 units x 200 periods (10 million rows): at least
10x faster than pandas + the oracle, under 2 GB.

Usage: .venv/bin/python bench/bench_did.py [--units N] [--periods T] [--skip-oracle]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def generate(path: Path, units: int, periods: int) -> None:
    if path.exists():
        return
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    q = periods // 4
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    tmp = path.with_suffix(".partial")
    con.execute(f"""
        COPY (
          SELECT u AS unit, t, g,
                 (hash(u * 13 + 5) % 1000) / 250.0 + 0.05 * t
                   + CASE WHEN g > 0 AND t >= g THEN 1.0 + 0.01 * (t - g) ELSE 0 END
                   + sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS y
          FROM (SELECT u.range AS u, t.range AS t,
                       [0, {q}, {2 * q}, {3 * q}][CAST(1 + hash(u.range) % 4 AS BIGINT)] AS g
                FROM range({int(units)}) u, range(1, {int(periods) + 1}) t)
          ORDER BY unit, t
        ) TO '{tmp}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
    """)
    con.close()
    os.replace(tmp, path)


def child(mode: str, path: str) -> None:
    start = time.perf_counter()
    if mode == "seedbed":
        sys.path.insert(0, str(HERE.parents[1] / "src"))
        from seedbed.data import SourceSpec
        from seedbed.data.did import did_moments_source
        from seedbed.stats.did import did_staggered_moments

        m = did_moments_source(spec=SourceSpec(location=path), unit="unit", time="t",
                               outcome="y", first_treated="g")
        res = did_staggered_moments(moments=m)
        att, se = res.att, res.se
    else:
        import warnings

        import pandas as pd
        from csdid.att_gt import ATTgt

        df = pd.read_parquet(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ATTgt(yname="y", tname="t", idname="unit", gname="g",
                          data=df).fit(est_method="reg", bstrap=False)
            out = model.aggte(typec="group")
        agg = out.atte if hasattr(out, "atte") else out
        att, se = float(agg["overall_att"]), float(agg["overall_se"])
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"mode": mode, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
                      "peak_mb": usage.ru_maxrss / 1024, "att": att, "se": se}))


def run(mode: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, str(HERE), "--child", mode, "--path", str(path)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=50_000)
    ap.add_argument("--periods", type=int, default=200)
    ap.add_argument("--skip-oracle", action="store_true")
    ap.add_argument("--child")
    ap.add_argument("--path")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.path)
        return
    base = Path(os.environ.get("BENCH_DIR", "/tmp/seedbed-bench"))
    path = base / f"did_{args.units}x{args.periods}.parquet"
    generate(path, args.units, args.periods)
    rows = [run("seedbed", path)]
    if not args.skip_oracle:
        rows.append(run("pandas-csdid", path))
    print(f"{args.units:,} units x {args.periods} periods = {args.units * args.periods:,} rows")
    print("| route | wall s | CPU s | peak MB | overall ATT | SE |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['mode']} | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['peak_mb']:.0f} | "
              f"{r['att']:.6f} | {r['se']:.6f} |")
    if len(rows) == 2:
        print(f"speed-up {rows[1]['seconds'] / rows[0]['seconds']:.1f}x wall, "
              f"{rows[1]['cpu'] / rows[0]['cpu']:.1f}x CPU; "
              f"|ATT difference| {abs(rows[0]['att'] - rows[1]['att']):.2e}; "
              f"SE ratio {rows[0]['se'] / rows[1]['se']:.6f}")


if __name__ == "__main__":
    main()
