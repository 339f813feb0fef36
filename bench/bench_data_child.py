"""One measured run for bench_data.py, in its own process so its peak memory is its own.

Usage: python bench/bench_data_child.py {seedbed,statsmodels,duckdb-floor,ingest-csv} FILE
Prints one JSON line: wall seconds of the work (imports included), CPU seconds of the whole
process, peak resident memory (MiB) of this process,
and the treatment effect and CR1 standard error where the mode computes them.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def run_seedbed(path: str) -> dict[str, float]:
    from seedbed.data import SourceSpec, TrialSchema, analyse_source

    schema = TrialSchema(arm="arm", outcomes=("y",), covariate="x", cluster="cluster")
    run = analyse_source(spec=SourceSpec(location=path), schema=schema)
    est = run.result.outcomes[0].adjusted[0]
    return {"effect": est.effect, "se": est.se, "n_clusters": float(est.n_clusters or 0)}


def run_statsmodels(path: str) -> dict[str, float]:
    import pandas as pd
    import statsmodels.formula.api as smf

    df = pd.read_parquet(path, columns=["arm", "y", "x", "cluster"])
    fit = smf.ols("y ~ C(arm) + x", df).fit(
        cov_type="cluster", cov_kwds={"groups": df["cluster"]}, use_t=True
    )
    term = "C(arm)[T.treatment]"
    return {"effect": float(fit.params[term]), "se": float(fit.bse[term])}


def run_ingest_csv(path: str) -> dict[str, float]:
    from pathlib import Path

    from seedbed.data import TrialSchema, ingest

    schema = TrialSchema(arm="arm", outcomes=("y",), unit="unit", covariate="x",
                         cluster="cluster", arms=("control", "treatment"))
    out = Path(path).with_suffix(".ingested.parquet")
    stored = ingest(path=Path(path), schema=schema, out=out)
    out.unlink()
    return {"rows": float(stored.rows)}


def run_floor(path: str) -> dict[str, float]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    table = con.sql(
        f"SELECT arm, cluster, COUNT(*) AS n, SUM(y) AS sy, SUM(x) AS sx "
        f"FROM read_parquet('{path}') GROUP BY arm, cluster"
    ).to_arrow_table()
    return {"groups": float(table.num_rows)}


def main() -> None:
    mode, path = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    runs = {"seedbed": run_seedbed, "statsmodels": run_statsmodels, "duckdb-floor": run_floor,
            "ingest-csv": run_ingest_csv}
    out = runs[mode](path)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024.0
    cpu = usage.ru_utime + usage.ru_stime  # whole process, imports included
    print(json.dumps({"mode": mode, "wall_s": wall, "cpu_s": cpu, "peak_mib": peak, **out}))


if __name__ == "__main__":
    main()
