"""Engines that run the push-down aggregation where the data live: DuckDB, PostgreSQL, Spark.

Each engine takes the same SQL text from ``seedbed.data.sql`` (only identifier quoting and type
names differ by dialect) and returns the small result as a ``pyarrow.Table``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from seedbed.data.sql import DUCKDB, POSTGRES, SPARK, Dialect


@dataclass(frozen=True)
class Encoded:
    """A text column dictionary-encoded by the engine: codes (-1 for null) into ``levels``."""

    codes: np.ndarray
    levels: Any


Columns = dict[str, Any]
"""A small query result: column name to a numpy array (object arrays hold None for null,
numeric arrays may be masked) or an ``Encoded`` text column."""

_NUMPY_TYPES = {
    "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
    "float": np.float32, "double": np.float64,
}


def _validity(arr: Any) -> np.ndarray | None:
    """True where ``arr`` (a pyarrow Array) holds a value; None when it has no nulls."""
    if arr.null_count == 0:
        return None
    bits = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little")[arr.offset : arr.offset + len(arr)].astype(bool)


SMALL_TEXT_ROWS = 256
"""Text columns of at most this many rows are returned as Python strings (importing the
Arrow compute kernels costs more than encoding them in Python)."""


def arrow_columns(table: Any) -> Columns:
    """Numpy columns from a pyarrow Table without a pandas round trip.

    Numbers are read straight from the Arrow buffers; text is dictionary-encoded in Arrow.
    """
    import pyarrow as pa

    out: Columns = {}
    for name in table.column_names:
        arr = table[name].combine_chunks()
        valid = _validity(arr)
        text = pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)
        if text and len(arr) <= SMALL_TEXT_ROWS:  # a few labels: no need for Arrow kernels
            values = np.empty(len(arr), dtype=object)
            values[:] = arr.to_pylist()
            out[name] = values
        elif text:
            import pyarrow.compute as pc

            enc = pc.dictionary_encode(arr)
            idx = enc.indices
            codes = np.frombuffer(idx.buffers()[1], dtype=np.int32)[
                idx.offset : idx.offset + len(idx)].astype(np.int64)
            if valid is not None:
                codes[~valid] = -1
            out[name] = Encoded(codes=codes, levels=enc.dictionary)
        elif str(arr.type) in _NUMPY_TYPES:
            data = np.frombuffer(arr.buffers()[1], dtype=_NUMPY_TYPES[str(arr.type)])[
                arr.offset : arr.offset + len(arr)]
            out[name] = data if valid is None else np.ma.MaskedArray(data, mask=~valid)
        else:
            values = np.empty(len(arr), dtype=object)
            values[:] = arr.to_pylist()
            out[name] = values
    return out

ProgressCallback = Callable[[float], None]
"""Called with the fraction of the scan done (0..1), or -1 when the engine cannot tell."""

SPARK_MASTER_ENV = "SEEDBED_SPARK_MASTER"


class Engine(Protocol):
    """Somewhere the trial data live and SQL can be run."""

    dialect: Dialect
    relation: str

    def fetch(self, sql: str, *, progress: ProgressCallback | None = None) -> Columns: ...

    def column_names(self) -> list[str]: ...

    def close(self) -> None: ...


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _numpy(relation: Any) -> Columns:
    """A DuckDB result as numpy columns, through Arrow (text stays in Arrow buffers)."""
    method = getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table
    return arrow_columns(method())


def parquet_not_null(path: str) -> frozenset[str]:
    """Top-level columns that every row group's statistics say hold no nulls."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:
        return frozenset()
    names = set()
    for j in range(meta.num_columns):
        col = meta.row_group(0).column(j) if meta.num_row_groups else None
        if col is None or "." in col.path_in_schema:
            continue
        ok = True
        for g in range(meta.num_row_groups):
            stats = meta.row_group(g).column(j).statistics
            if stats is None or not stats.has_null_count or stats.null_count != 0:
                ok = False
                break
        if ok:
            names.add(col.path_in_schema)
    return frozenset(names)


class DuckDBEngine:
    """DuckDB in process, over Parquet files or a table in a DuckDB database file."""

    dialect = DUCKDB
    not_null: frozenset[str] = frozenset()

    def __init__(self, *, parquet: str | None = None, database: str | None = None,
                 table: str | None = None, threads: int | None = None,
                 locked: bool = False) -> None:
        import duckdb

        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if locked:
            # A shared connection: the DuckDB file only. No extensions fetched or loaded, and no
            # file system access from SQL (a view in the file could otherwise read any file the
            # server can, e.g. ``read_csv('/etc/...')``); the settings are locked below.
            config |= {"autoload_known_extensions": False, "autoinstall_known_extensions": False,
                       "allow_community_extensions": False, "enable_external_access": False}
        if database is not None:
            self.con = duckdb.connect(database, read_only=True, config=config)
            if not table:
                raise ValueError("a DuckDB database needs --table")
            self.relation = ".".join(self.dialect.ident(p) for p in table.split("."))
        else:
            self.con = duckdb.connect(config=config)
            if parquet is None:
                raise ValueError("DuckDBEngine needs a Parquet path or a database")
            self.relation = f"read_parquet({_sql_string(parquet)})"
            self.not_null = parquet_not_null(parquet)
        # progress is tracked for the callback but never printed (stdout may carry JSON)
        self.con.execute("SET enable_progress_bar = true")
        self.con.execute("SET enable_progress_bar_print = false")
        if locked:  # nothing run later on this connection can turn file access back on
            self.con.execute("SET lock_configuration = true")

    def fetch(self, sql: str, *, progress: ProgressCallback | None = None) -> Columns:
        out: Columns = self._run(lambda: _numpy(self.con.sql(sql)), progress)
        return out

    def materialise(self, sql: str, *, name: str,
                    progress: ProgressCallback | None = None) -> str:
        """Keep the result of ``sql`` in a temporary table; returns its quoted name."""
        table = self.dialect.ident(name)
        self._run(lambda: self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {sql}"),
                  progress)
        return table

    def _run(self, work: Callable[[], Any], progress: ProgressCallback | None) -> Any:
        """Run ``work``, reporting DuckDB's query progress to ``progress`` meanwhile."""
        if progress is None:
            return work()
        result: dict[str, Any] = {}

        def run() -> None:
            try:
                result["table"] = work()
            except BaseException as exc:
                result["error"] = exc

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
            try:
                done = float(self.con.query_progress())
            except Exception:
                done = -1.0
            progress(done / 100.0 if done >= 0 else -1.0)
        progress(1.0)
        if "error" in result:
            raise result["error"]
        return result["table"]

    def column_names(self) -> list[str]:
        sql = f"SELECT * FROM {self.relation} LIMIT 0"  # noqa: S608 - relation is quoted
        return [d[0] for d in self.con.sql(sql).description]

    def close(self) -> None:
        self.con.close()


class PostgresEngine:
    """A PostgreSQL database reached by URL; the query runs in the server."""

    dialect = POSTGRES

    def __init__(self, *, url: str, table: str, locked: bool = False) -> None:
        import psycopg

        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        if locked:  # a shared connection: every transaction is read-only
            self.conn.read_only = True
        self.relation = ".".join(self.dialect.ident(p) for p in table.split("."))

    def materialise(self, sql: str, *, name: str,
                    progress: ProgressCallback | None = None) -> str:
        """Keep the result of ``sql`` in a temporary table (this session's); returns its
        quoted name."""
        if progress is not None:
            progress(-1.0)
        table = self.dialect.ident(name)
        with self.conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {table}".encode())
            cur.execute(f"CREATE TEMP TABLE {table} AS {sql}".encode())
        if progress is not None:
            progress(1.0)
        return table

    def fetch(self, sql: str, *, progress: ProgressCallback | None = None) -> Columns:
        if progress is not None:
            progress(-1.0)
        with self.conn.cursor() as cur:
            cur.execute(sql.encode())
            names = [c.name for c in cur.description or []]
            rows = cur.fetchall()
        if progress is not None:
            progress(1.0)
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        out: Columns = {}
        for name, col in zip(names, columns, strict=True):
            arr = np.empty(len(col), dtype=object)
            arr[:] = list(col)
            out[name] = arr
        return out

    def column_names(self) -> list[str]:
        with self.conn.cursor() as cur:
            sql = f"SELECT * FROM {self.relation} LIMIT 0"  # noqa: S608 - relation is quoted
            cur.execute(sql.encode())
            return [c.name for c in cur.description or []]

    def close(self) -> None:
        self.conn.close()


_SPARK_LOCK = threading.Lock()


def spark_session() -> Any:
    """The process's SparkSession (local mode unless SEEDBED_SPARK_MASTER names a cluster)."""
    from pyspark.sql import SparkSession

    with _SPARK_LOCK:
        session = (
            SparkSession.builder.master(os.environ.get(SPARK_MASTER_ENV, "local[*]"))
            .appName("seedbed")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        return session


class SparkEngine:
    """Spark SQL over a Parquet path or a table in the Spark catalog."""

    dialect = SPARK

    def __init__(self, *, parquet: str | None = None, table: str | None = None,
                 session: Any = None) -> None:
        self.spark = session if session is not None else spark_session()
        self._cached: list[tuple[str, Any]] = []
        if parquet is not None:
            self.view = f"seedbed_{os.getpid()}_{int(time.monotonic_ns())}"
            self.spark.read.parquet(parquet).createOrReplaceTempView(self.view)
            self.relation = self.dialect.ident(self.view)
            self._owns_view = True
        elif table:
            self.relation = ".".join(self.dialect.ident(p) for p in table.split("."))
            self._owns_view = False
        else:
            raise ValueError("SparkEngine needs a Parquet path or a table")

    def materialise(self, sql: str, *, name: str,
                    progress: ProgressCallback | None = None) -> str:
        """Keep the result of ``sql`` cached under a temporary view; returns its quoted name."""
        if progress is not None:
            progress(-1.0)
        view = f"{name}_{os.getpid()}_{int(time.monotonic_ns())}"
        df = self.spark.sql(sql).cache()
        df.count()
        df.createOrReplaceTempView(view)
        self._cached.append((view, df))
        if progress is not None:
            progress(1.0)
        return self.dialect.ident(view)

    def fetch(self, sql: str, *, progress: ProgressCallback | None = None) -> Columns:
        if progress is not None:
            progress(-1.0)
        df = self.spark.sql(sql)
        if hasattr(df, "toArrow"):  # PySpark >= 4: cells travel as Arrow, not Python rows
            out = arrow_columns(df.toArrow())
        else:  # pragma: no cover - older PySpark
            rows = df.collect()
            out = {}
            for i, name in enumerate(df.columns):
                arr = np.empty(len(rows), dtype=object)
                arr[:] = [r[i] for r in rows]
                out[name] = arr
        if progress is not None:
            progress(1.0)
        return out

    def column_names(self) -> list[str]:
        sql = f"SELECT * FROM {self.relation} LIMIT 0"  # noqa: S608 - relation is quoted
        return list(self.spark.sql(sql).columns)

    def close(self) -> None:
        for view, df in self._cached:
            self.spark.catalog.dropTempView(view)
            df.unpersist()
        self._cached.clear()
        if self._owns_view:
            self.spark.catalog.dropTempView(self.view)
