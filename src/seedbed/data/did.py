"""Difference-in-differences pushed down: the cohort moments computed where the data live.

The staggered estimator (``seedbed.stats.did``) needs, per cohort h (first-treated period),
the number of units, the sums S_h[t] of the outcome by period (the group-time means are
S_h[t] / n_h) and the cross-products M_h[t, s] = sum_i y_it y_is; with errors clustered above
the unit also the sums by cluster, cohort and period. Four small queries compute them in the
engine (DuckDB, PostgreSQL or Spark SQL, one dialect-neutral text), so only
O(cohorts x periods^2) numbers leave it, never the rows:

1. the periods and the row counts (rows without an outcome are counted, then left out; rows
   without a unit, period or cluster are refused, counted by column);
2. the balanced units (an outcome in every period) and group-time sums and counts;
3. per cohort, sums of products of the period-centred outcomes, on a per-unit pivot
   (at most ``MAX_PRODUCTS_PER_QUERY`` products per query);
4. with a cluster column, the sums by cluster, cohort and period.

With DuckDB, which runs in this process, steps 2 to 4 are replaced by reading the balanced
units' rows into a units x periods matrix (nothing crosses a network, and numpy's matrix
product is much faster than thousands of SQL sums); ``LOCAL_PIVOT = False`` turns this off.

Centring uses the period means of the balanced units, exactly as
``seedbed.stats.did.cohort_moments`` does on rows, so both routes give the same moments.

A database table's numbers kept as text are read as numbers, and text that is not a number
is refused naming its column and unit (``seedbed.data.tablecheck``). Checks first, in the
engine: one row per unit and period, and the first-treated period (and
cluster) the same in every row of a unit, by unit (one GROUP BY). When they fail on a file,
the offending rows are then found and named (the file is staged with row numbers,
``seedbed.data.panel``); for a database table the unit is named.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from seedbed.data.engines import DuckDBEngine, Engine
from seedbed.data.errors import MAX_LISTED_PROBLEMS, DataError, Problem, build_report
from seedbed.data.panel import (
    KIND_DUPLICATE_PERIOD,
    KIND_VARYING_WITHIN_UNIT,
    MSG_DUPLICATE_PERIOD,
    MSG_VARYING_WITHIN_UNIT,
    ROW,
    _schema,
    typed_file,
)
from seedbed.data.sources import SourceSpec, open_engine
from seedbed.data.tablecheck import (
    check_numbers,
    fetch,
    label_sql,
    missing_problem,
    not_finite_problem,
    number_sql,
    text_columns,
)
from seedbed.stats.did.moments import CohortMoments, moments_from_wide

MAX_PRODUCTS_PER_QUERY = 1000
WIDE_TABLE = "seedbed_did_wide"
LOCAL_PIVOT = True
"""With DuckDB (in this process), build the moments from the balanced rows with numpy."""
MSG_UNIT_DUPLICATE_PERIOD = 'column "{column}": unit "{unit}" has more than one row for a period'
MSG_UNIT_VARIES = 'column "{column}": unit "{unit}" has more than one value ({first} and {other})'


def did_moments_source(*, spec: SourceSpec, unit: str, time: str, outcome: str,
                       first_treated: str, cluster: str | None = None) -> CohortMoments:
    """Cohort moments of a file or database table (``DataError`` naming bad rows or units)."""
    text = [unit] + ([cluster] if cluster else [])
    numeric = [time, outcome, first_treated]
    per_unit = [first_treated] + ([cluster] if cluster else [])
    with tempfile.TemporaryDirectory(prefix="seedbed-") as tmp:
        if spec.is_file:
            typed = typed_file(spec=spec, text=text, numeric=numeric, required=[*text, time],
                               workdir=Path(tmp))
            engine: Any = DuckDBEngine(parquet=str(typed.path))
            try:
                return did_moments(engine=engine, unit=unit, time=time, outcome=outcome,
                                   first_treated=first_treated, cluster=cluster, checked=True)
            except DataError:  # a unit-level check failed: name the rows instead
                _check_rows(engine.con, typed.relation, unit, time, per_unit)
                raise
            finally:
                engine.close()
        with open_engine(spec=spec, schema=_schema([*text, *numeric], numeric),
                         workdir=Path(tmp)) as engine:
            return did_moments(engine=engine, unit=unit, time=time, outcome=outcome,
                               first_treated=first_treated, cluster=cluster)


def _fetch(engine: Engine, sql: str) -> dict[str, np.ndarray]:
    return fetch(engine, sql)


def _base(engine: Engine, unit: str, time: str, outcome: str, first_treated: str,
          cluster: str | None, *, checked: bool) -> str:
    """Rows as su (unit), st (period), sy (outcome), sg (first treated, 0 for never) and sk
    (cluster). A checked file is read as it is; a database table's labels are trimmed (empty
    is missing) and its text columns read as numbers (``seedbed.data.tablecheck``)."""
    d = engine.dialect
    q = d.ident
    texts = frozenset() if checked else text_columns(engine, [time, outcome, first_treated])
    if not checked and texts:
        check_numbers(engine, columns=[c for c in (time, outcome, first_treated) if c in texts],
                      unit=unit)

    def label(c: str) -> str:
        return f"CAST({q(c)} AS {d.text_type})" if checked else label_sql(d, c)

    def number(c: str) -> str:
        return number_sql(d, c, text=c in texts)

    k = f", {label(cluster)} AS sk" if cluster else ""
    return (
        f"SELECT {label(unit)} AS su, {number(time)} AS st, {number(outcome)} AS sy, "  # noqa: S608
        f"COALESCE({number(first_treated)}, 0) AS sg{k} FROM {engine.relation}"
    )


def did_moments(*, engine: Engine, unit: str, time: str, outcome: str, first_treated: str,
                cluster: str | None = None, checked: bool = False) -> CohortMoments:
    """The cohort moments of the balanced panel in ``engine`` (module docstring).

    ``checked``: the rows were checked already (a staged file: labels and periods present,
    numbers typed). Otherwise a row with no unit, period or cluster is refused, counted by
    column, and so is a text value that is not a number (``seedbed.data.tablecheck``).
    """
    base = ("WITH base AS ("
            f"{_base(engine, unit, time, outcome, first_treated, cluster, checked=checked)})")
    local = LOCAL_PIVOT and isinstance(engine, DuckDBEngine)
    head = _fetch(engine, f"{base} SELECT st, COUNT(*) AS n_rows, COUNT(sy) AS n_y"  # noqa: S608
                          f"{'' if checked else _HEAD_CHECKS[bool(cluster)]} FROM base "
                          "GROUP BY st")
    if not checked:
        _check_missing(head, {"su": unit, "st": time, "sk": cluster or "", "sy": outcome,
                              "sg": first_treated})
    order = np.argsort(np.asarray(head["st"], dtype=float), kind="stable")
    head = {k: np.asarray(v)[order] for k, v in head.items()}
    times = [float(t) for t in head["st"]]

    def check(periods: int | None) -> None:
        _check_units(engine, base, unit, time, first_treated, cluster, periods)

    # locally a cheap check (more rows than periods); the rest is checked on the pivot
    check(len(times) if local else None)
    rows_dropped = int(np.sum(head["n_rows"]) - np.sum(head["n_y"]))
    kcol = ", MIN(sk) AS k" if cluster else ""
    kept = (f"{base}, kept AS (SELECT su, MIN(sg) AS g{kcol} FROM base GROUP BY su "  # noqa: S608
            f"HAVING COUNT(sy) = {len(times)})")
    totals = _fetch(engine, f"{kept} SELECT (SELECT COUNT(DISTINCT su) FROM base) AS units, "  # noqa: S608
                            "(SELECT COUNT(*) FROM kept) AS kept")
    units_dropped = int(totals["units"][0] - totals["kept"][0])
    if local:
        return _moments_local(engine, kept, times, cluster is not None, lambda: check(None),
                              units_dropped=units_dropped, rows_dropped=rows_dropped)
    joined = "FROM base JOIN kept ON base.su = kept.su"
    sums = _fetch(engine, f"{kept} SELECT kept.g AS g, base.st AS st, COUNT(*) AS n, "
                          f"SUM(base.sy) AS s {joined} GROUP BY kept.g, base.st")
    cohorts = sorted({float(g) for g in sums["g"]})
    h_of = {g: i for i, g in enumerate(cohorts)}
    t_of = {t: i for i, t in enumerate(times)}
    n = np.zeros(len(cohorts))
    s_raw = np.zeros((len(cohorts), len(times)))
    for g, t, c, s in zip(sums["g"], sums["st"], sums["n"], sums["s"], strict=True):
        n[h_of[float(g)]] = float(c)
        s_raw[h_of[float(g)], t_of[float(t)]] = float(s)
    total = n.sum()
    means = s_raw.sum(axis=0) / total if total else np.zeros(len(times))
    cross = _cross(engine, kept, joined, times, means, h_of)
    cluster_n = cluster_sums = None
    if cluster:
        cluster_n, cluster_sums = _clusters(engine, kept, joined, times, means, h_of, t_of)
    return CohortMoments(
        times=tuple(times), cohorts=tuple(cohorts), n=n, sums=s_raw - n[:, None] * means,
        cross=cross, cluster_n=cluster_n, cluster_sums=cluster_sums,
        units_dropped=units_dropped, rows_dropped=rows_dropped,
    )


def _finite_count(c: str) -> str:
    """Rows whose value is NaN or infinite (x - x = 0 holds only for finite numbers)."""
    return f", SUM(CASE WHEN {c} - {c} = 0 OR {c} IS NULL THEN 0 ELSE 1 END) AS nf_{c}"


_HEAD_CHECKS = {
    clustered: ", COUNT(*) - COUNT(su) AS no_su, COUNT(*) - COUNT(st) AS no_st"
    + (", COUNT(*) - COUNT(sk) AS no_sk" if clustered else "")
    + "".join(_finite_count(c) for c in ("st", "sy", "sg"))
    for clustered in (False, True)
}
"""Counts added to the first query for a table: rows with no unit, period or cluster, and
numbers that are NaN or infinite, in each period."""


def _check_missing(head: dict[str, np.ndarray], columns: dict[str, str]) -> None:
    """Refuse rows with no unit, period or cluster, and numbers that are NaN or infinite
    (which a file refuses as not a number), counted by column: ``head`` holds the counts by
    period (``_HEAD_CHECKS``), ``columns`` the column behind each of su, st, sk, sy, sg. A
    file refuses such rows one by one (``seedbed.data.panel``); a table has no row numbers,
    so they are counted."""

    def total(key: str) -> int:
        return int(np.nansum(np.asarray(head[key], dtype=float))) if key in head else 0

    problems = [missing_problem(columns[k], n) for k in ("su", "st", "sk")
                if (n := total(f"no_{k}"))]
    problems += [not_finite_problem(columns[k], n) for k in ("st", "sy", "sg")
                 if (n := total(f"nf_{k}"))]
    if problems:  # one problem per column, its message counting the rows
        raise DataError(build_report(problems, Counter(p.kind for p in problems)))


def _moments_local(engine: Engine, kept: str, times: list[float], clustered: bool,
                   recheck: Any, *, units_dropped: int, rows_dropped: int) -> CohortMoments:
    """With DuckDB in this process: the balanced units' rows placed in a units x periods
    matrix by numpy (no SQL pivot, no sort), then the moments as on rows. A unit with two
    rows for a period shows as a cell filled twice (then ``recheck`` names it)."""
    nt = len(times)
    k = ", k" if clustered else ""
    indexed = (f"{kept}, kidx AS (SELECT su, g{k}, ROW_NUMBER() OVER (ORDER BY su) - 1 AS ui "  # noqa: S608
               "FROM kept)")
    units = _fetch(engine, f"{indexed} SELECT ui, g{k} FROM kidx")  # noqa: S608
    periods = ", ".join(f"({t!r}, {j})" for j, t in enumerate(times))
    rows = _fetch(engine, f"{indexed}, periods (st, ti) AS (VALUES {periods}) "  # noqa: S608
                          f"SELECT kidx.ui * {nt} + periods.ti AS cell, base.sy AS y FROM base "
                          "JOIN kidx ON base.su = kidx.su JOIN periods ON base.st = periods.st")
    n_units = len(units["ui"])
    cell = np.asarray(rows["cell"], dtype=np.int64)
    if cell.size != n_units * nt or np.any(np.bincount(cell, minlength=n_units * nt) != 1):
        recheck()
    wide = np.empty(n_units * nt)
    wide[cell] = np.asarray(rows["y"], dtype=float)
    order = np.asarray(units["ui"], dtype=np.int64)
    g_unit = np.empty(n_units)
    g_unit[order] = np.asarray(units["g"], dtype=float)
    codes = None
    if clustered:
        labels = np.empty(n_units, dtype=object)
        labels[order] = [str(v) for v in units["k"]]
        codes = np.unique(labels.astype(str), return_inverse=True)[1]
    return moments_from_wide(wide=wide.reshape(n_units, nt), first_treated=g_unit, times=times,
                             cluster=codes, units_dropped=units_dropped,
                             rows_dropped=rows_dropped)


def _cross(engine: Engine, kept: str, joined: str, times: list[float], means: np.ndarray,
           h_of: dict[float, int]) -> np.ndarray:
    nt = len(times)
    cross = np.zeros((len(h_of), nt, nt))
    if not h_of:
        return cross
    pivot = ", ".join(
        f"MAX(CASE WHEN base.st = {t!r} THEN base.sy - {m!r} END) AS y{j}"
        for j, (t, m) in enumerate(zip(times, means.tolist(), strict=True)))
    pivot_sql = f"SELECT MIN(kept.g) AS g, {pivot} {joined} GROUP BY base.su"
    pairs = [(a, b) for a in range(nt) for b in range(a, nt)]
    materialise = getattr(engine, "materialise", None)
    if len(pairs) > MAX_PRODUCTS_PER_QUERY and materialise is not None:
        table = materialise(f"{kept} {pivot_sql}", name=WIDE_TABLE)
        head, source = "", table  # the pivot is built once and kept in the engine
    else:
        head, source = f"{kept}, wide AS ({pivot_sql})", "wide"
    for start in range(0, len(pairs), MAX_PRODUCTS_PER_QUERY):
        chunk = pairs[start : start + MAX_PRODUCTS_PER_QUERY]
        sums = ", ".join(f"SUM(y{a} * y{b}) AS p{i}" for i, (a, b) in enumerate(chunk))
        got = _fetch(engine, f"{head} SELECT g, {sums} FROM {source} GROUP BY g")  # noqa: S608
        for r, g in enumerate(got["g"]):
            h = h_of[float(g)]
            for i, (a, b) in enumerate(chunk):
                cross[h, a, b] = cross[h, b, a] = float(got[f"p{i}"][r])
    return cross


def _clusters(engine: Engine, kept: str, joined: str, times: list[float], means: np.ndarray,
              h_of: dict[float, int], t_of: dict[float, int]) -> tuple[np.ndarray, np.ndarray]:
    got = _fetch(engine, f"{kept} SELECT kept.k AS k, kept.g AS g, base.st AS st, "
                         f"COUNT(*) AS n, SUM(base.sy) AS s {joined} GROUP BY kept.k, kept.g, "
                         "base.st")
    labels = sorted({str(k) for k in got["k"]})
    k_of = {k: i for i, k in enumerate(labels)}
    cn = np.zeros((len(labels), len(h_of)))
    cs = np.zeros((len(labels), len(h_of), len(times)))
    for k, g, t, c, s in zip(got["k"], got["g"], got["st"], got["n"], got["s"], strict=True):
        ki, h, ti = k_of[str(k)], h_of[float(g)], t_of[float(t)]
        cn[ki, h] = float(c)
        cs[ki, h, ti] = float(s) - float(c) * means[ti]
    return cn, cs


def _check_units(engine: Engine, base: str, unit: str, time: str, first_treated: str,
                 cluster: str | None, periods: int | None = None) -> None:
    """One row per unit and period, first-treated (and cluster) constant: names the unit.

    With ``periods`` (the number of periods in the data) only units with more rows than
    periods count as repeating a period, which needs no COUNT(DISTINCT); the caller checks
    the rest.
    """
    k = ", MIN(sk) AS k1, MAX(sk) AS k2" if cluster else ""
    cond = " OR k1 <> k2" if cluster else ""
    distinct = "COUNT(DISTINCT st)" if periods is None else str(int(periods))
    dup = "n_rows <> n_periods" if periods is None else "n_rows > n_periods"
    got = _fetch(engine, f"{base} SELECT * FROM (SELECT su, MIN(sg) AS g1, MAX(sg) AS g2, "  # noqa: S608
                         f"COUNT(*) AS n_rows, {distinct} AS n_periods{k} FROM base "
                         f"GROUP BY su) u WHERE g1 <> g2 OR {dup}{cond} "
                         f"ORDER BY su LIMIT {MAX_LISTED_PROBLEMS}")
    problems: list[Problem] = []
    counts: Counter[str] = Counter()
    for i, u in enumerate(got["su"]):
        rows, per = got["n_rows"][i], got["n_periods"][i]
        if (rows != per) if periods is None else (rows > per):
            counts[KIND_DUPLICATE_PERIOD] += 1
            problems.append(Problem(None, time, KIND_DUPLICATE_PERIOD,
                                    MSG_UNIT_DUPLICATE_PERIOD.format(column=time, unit=u)))
        if got["g1"][i] != got["g2"][i]:
            counts[KIND_VARYING_WITHIN_UNIT] += 1
            problems.append(Problem(None, first_treated, KIND_VARYING_WITHIN_UNIT,
                                    MSG_UNIT_VARIES.format(column=first_treated, unit=u,
                                                           first=_num(got["g1"][i]),
                                                           other=_num(got["g2"][i]))))
        if cluster and got["k1"][i] != got["k2"][i]:
            counts[KIND_VARYING_WITHIN_UNIT] += 1
            problems.append(Problem(None, cluster, KIND_VARYING_WITHIN_UNIT,
                                    MSG_UNIT_VARIES.format(column=cluster, unit=u,
                                                           first=got["k1"][i],
                                                           other=got["k2"][i])))
    if problems:
        raise DataError(build_report(problems, counts))


def _check_rows(con: Any, relation: str, unit: str, time: str, per_unit: list[str]) -> None:
    """The same checks on a staged file, naming each offending row and the unit's first row."""
    from seedbed.data.validation import _q

    u, t = _q(unit), _q(time)
    problems: list[Problem] = []
    counts: Counter[str] = Counter()
    dup = con.execute(
        f"SELECT {ROW}, {u}, {t}, first, COUNT(*) OVER () FROM (SELECT {ROW}, {u}, {t}, "  # noqa: S608
        f"MIN({ROW}) OVER (PARTITION BY {u}, {t}) AS first FROM {relation}) "
        f"WHERE {ROW} > first ORDER BY {ROW} LIMIT {MAX_LISTED_PROBLEMS}").fetchall()
    for r in dup:
        counts[KIND_DUPLICATE_PERIOD] = int(r[4])
        problems.append(Problem(int(r[0]), time, KIND_DUPLICATE_PERIOD, MSG_DUPLICATE_PERIOD.format(
            row=r[0], column=time, unit=r[1], period=_num(r[2]), first=r[3])))
    for col in per_unit:
        c = _q(col)
        rows = con.execute(
            f"SELECT {ROW}, {u}, v, first_v, first, COUNT(*) OVER () FROM (SELECT {ROW}, {u}, "  # noqa: S608
            f"{c} AS v, arg_min({c}, {ROW}) OVER w AS first_v, MIN({ROW}) OVER w AS first "
            f"FROM {relation} WINDOW w AS (PARTITION BY {u})) WHERE v IS DISTINCT FROM first_v "
            f"ORDER BY {ROW} LIMIT {MAX_LISTED_PROBLEMS}").fetchall()
        for r in rows:
            problems.append(Problem(int(r[0]), col, KIND_VARYING_WITHIN_UNIT,
                                    MSG_VARYING_WITHIN_UNIT.format(
                                        row=r[0], column=col, unit=r[1], value=_show(r[2]),
                                        first_value=_show(r[3]), first=r[4])))
        if rows:
            counts[KIND_VARYING_WITHIN_UNIT] += int(rows[0][5])
    if problems:
        raise DataError(build_report(problems, counts))


def _show(value: object) -> str:
    if value is None:
        return ""
    return _num(value) if isinstance(value, float) else str(value)


def _num(value: Any) -> str:
    f = float(value)
    return str(int(f)) if f.is_integer() else repr(f)
