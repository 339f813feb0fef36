"""Where a trial's data live: a file path or a database URL, opened as an engine.

* a ``.csv``/``.xlsx``/``.parquet`` path: DuckDB in process (or Spark with ``engine="spark"``);
  CSV and Excel are validated and staged to typed Parquet first.
* ``postgresql://...`` (or ``postgres://``) with a table: PostgreSQL.
* ``duckdb:///path/to/file.duckdb`` (or a ``.duckdb`` path) with a table: a DuckDB database.
* ``spark://host:port`` with a table, or ``engine="spark"``: Spark SQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from seedbed.data.engines import DuckDBEngine, Engine, PostgresEngine, SparkEngine
from seedbed.data.errors import KIND_UNREADABLE, DataError
from seedbed.data.ingest import FORMAT_PARQUET, detect_format, ingest, validate_file
from seedbed.data.relations import (
    ConnectionPolicy,
    check_database,
    check_location,
    relation_allowed,
)
from seedbed.data.schema import DEFAULT_ENCODING, TrialSchema

KIND_SOURCE = "source_error"
MSG_SOURCE_NOT_FOUND = 'no file or database at "{location}"'
MSG_TABLE_NEEDED = "a database source needs --table"
MSG_ENGINE_FAILED = "the {engine} engine could not run the analysis: {detail}"
MSG_NOT_NUMERIC_COLUMN = 'column "{column}" has type {type}; expected numbers'
MSG_CONNECTION_NOT_DATABASE = "a shared connection must be a PostgreSQL or DuckDB database"
ENGINES = ("auto", "duckdb", "postgres", "spark")


@dataclass(frozen=True)
class SourceSpec:
    """A trial data source and how to read it."""

    location: str
    table: str | None = None
    engine: str = "auto"
    delimiter: str = ","
    sheet: str | None = None
    allocation: Path | None = None
    encoding: str = DEFAULT_ENCODING

    @property
    def is_file(self) -> bool:
        loc = self.location
        return "://" not in loc and not loc.endswith((".duckdb", ".db"))


def source_error(message: str) -> DataError:
    """A DataError for a source that cannot be opened or queried."""
    return DataError.single(kind=KIND_SOURCE, message=message)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def open_engine(*, spec: SourceSpec, schema: TrialSchema, workdir: Path,
                policy: ConnectionPolicy | None = None) -> Iterator[Engine]:
    """Open the engine for ``spec``; files are validated (and staged) on the way.

    With a ``policy`` (a connection shared with other people) the source must be a
    PostgreSQL or DuckDB database, its address must not be a refused database, and the table
    must be one the policy lists: all checked before connecting (``DataError`` naming only the
    table as given). Once connected, a database holding the policy's marker table is refused.
    """
    loc = spec.location
    if policy is not None:
        if not loc.startswith(("postgres://", "postgresql://", "postgresql+psycopg://", "duckdb://")):
            raise source_error(MSG_CONNECTION_NOT_DATABASE)
        relation_allowed(spec.table or "", policy)
        check_location(loc, policy)
    try:
        engine: Engine
        if loc.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
            if not spec.table:
                raise source_error(MSG_TABLE_NEEDED)
            engine = PostgresEngine(url=loc, table=spec.table, locked=policy is not None)
        elif policy is None and (loc.startswith("spark://") or (spec.engine == "spark" and spec.table)):
            if not spec.table:
                raise source_error(MSG_TABLE_NEEDED)
            if loc.startswith("spark://"):
                os.environ.setdefault("SEEDBED_SPARK_MASTER", loc)
            engine = SparkEngine(table=spec.table)
        elif loc.startswith("duckdb://") or loc.endswith((".duckdb", ".db")):
            path = loc.removeprefix("duckdb://")
            if not Path(path).exists():
                raise source_error(MSG_SOURCE_NOT_FOUND.format(location=loc))
            if not spec.table:
                raise source_error(MSG_TABLE_NEEDED)
            engine = DuckDBEngine(database=path, table=spec.table, locked=policy is not None)
        else:
            parquet = prepare_file(spec=spec, schema=schema, workdir=workdir)
            engine = (SparkEngine(parquet=str(parquet)) if spec.engine == "spark"
                      else DuckDBEngine(parquet=str(parquet)))
    except DataError:
        raise
    except Exception as exc:
        raise source_error(MSG_ENGINE_FAILED.format(engine=spec.engine if spec.engine != "auto"
                                                    else "data", detail=_first_line(exc))
                           ) from None
    try:
        if policy is not None:
            try:
                check_database(engine, policy)
            except DataError:
                raise
            except Exception:
                raise source_error(MSG_ENGINE_FAILED.format(engine="data", detail="the catalogue "
                                                            "could not be read")) from None
        yield engine
    finally:
        engine.close()


def prepare_file(*, spec: SourceSpec, schema: TrialSchema, workdir: Path) -> Path:
    """A typed Parquet file for ``spec``: the file itself if it is Parquet with numeric
    columns, otherwise a validated typed copy under ``workdir`` (``DataError`` on problems).
    """
    path = Path(spec.location)
    if not path.is_file():
        raise source_error(MSG_SOURCE_NOT_FOUND.format(location=spec.location))
    if path.stat().st_size == 0:
        from seedbed.data.errors import KIND_EMPTY_FILE, MSG_EMPTY_FILE

        raise DataError.single(kind=KIND_EMPTY_FILE, message=MSG_EMPTY_FILE)
    fmt = detect_format(path)
    if fmt == FORMAT_PARQUET and spec.allocation is None and _parquet_is_typed(path, schema):
        return path
    out = workdir / "typed.parquet"
    ingest(path=path, schema=schema, out=out, delimiter=spec.delimiter, sheet=spec.sheet,
           allocation=spec.allocation, encoding=spec.encoding)
    return out


def _parquet_is_typed(path: Path, schema: TrialSchema) -> bool:
    """True when every declared column exists and the numeric ones hold numbers."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        file_schema = pq.read_schema(path)
    except Exception as exc:
        raise DataError.single(kind=KIND_UNREADABLE, message=f"could not read the file as "
                               f"Parquet: {_first_line(exc)}") from None
    names = set(file_schema.names)
    if any(c not in names for c in schema.columns):
        return False
    return all(
        pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
        for t in (file_schema.field(c).type for c in schema.numeric_columns)
    )


def explain_file_problems(*, spec: SourceSpec, schema: TrialSchema) -> DataError | None:
    """Row-level problems of a file source (used when a cell-level check failed)."""
    if not spec.is_file:
        return None
    report = validate_file(path=Path(spec.location), schema=schema, delimiter=spec.delimiter,
                           sheet=spec.sheet, allocation=spec.allocation, encoding=spec.encoding)
    return None if report.ok else DataError(report)
