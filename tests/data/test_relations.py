"""A shared connection reads only the relations its policy lists, never a refused database,
and reports problems without the database's contents (no Django)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pytest

from seedbed.data import DataError, SourceSpec, TrialSchema
from seedbed.data.errors import (
    KIND_NOT_A_NUMBER,
    KIND_UNKNOWN_ARM,
    MSG_NOT_A_NUMBER,
    MSG_UNKNOWN_ARM,
    Problem,
    build_report,
)
from seedbed.data.relations import (
    KIND_DATABASE_REFUSED,
    KIND_RELATION_NAME,
    KIND_RELATION_NOT_OFFERED,
    MSG_DATABASE_REFUSED,
    MSG_RELATION_NOT_OFFERED,
    ConnectionPolicy,
    database_identity,
    redacted_report,
    relation_allowed,
    relation_list,
)
from seedbed.data.sources import open_engine

SCHEMA = TrialSchema(arm="arm", outcomes=("outcome",), arms=("control", "treatment"))
SECRET = "private.person@example.org"


@pytest.fixture
def warehouse(tmp_path: Path) -> str:
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE outcomes (arm VARCHAR, outcome DOUBLE)")
    con.execute("INSERT INTO outcomes VALUES ('control', 1), ('treatment', 2)")
    con.execute("CREATE TABLE people (arm VARCHAR, outcome VARCHAR)")
    con.execute("INSERT INTO people VALUES (?, 'x')", [SECRET])
    con.execute("CREATE SCHEMA reporting")
    con.execute("CREATE VIEW reporting.outcomes_v AS SELECT * FROM outcomes")
    con.close()
    return f"duckdb://{path}"


def _kind(exc: pytest.ExceptionInfo[DataError]) -> str:
    return exc.value.report.problems[0].kind


def _message(exc: pytest.ExceptionInfo[DataError]) -> str:
    return exc.value.report.problems[0].message


def test_a_listed_table_or_view_opens_and_reads(warehouse: str, tmp_path: Path) -> None:
    policy = ConnectionPolicy(relations=frozenset({"outcomes", "reporting.outcomes_v"}))
    for table in ("outcomes", "reporting.outcomes_v"):
        with open_engine(spec=SourceSpec(location=warehouse, table=table), schema=SCHEMA,
                         workdir=tmp_path, policy=policy) as engine:
            assert engine.column_names() == ["arm", "outcome"]
            assert list(engine.fetch(f"SELECT arm FROM {engine.relation}")["arm"]) == ["control", "treatment"]


@pytest.mark.parametrize("table", ["people", "main.people", "main.outcomes", "OUTCOMES",
                                   "information_schema.tables", "duckdb_tables", "reporting.outcomes_v"])
def test_anything_not_listed_is_refused_before_connecting(warehouse: str, tmp_path: Path, table: str) -> None:
    policy = ConnectionPolicy(relations=frozenset({"outcomes"}))
    # a location that cannot be opened: the refusal must come before any connection
    for location in (warehouse, "duckdb:///nowhere/at/all.duckdb", "postgresql://u:p@127.0.0.1:1/x"):
        with pytest.raises(DataError, match=KIND_RELATION_NOT_OFFERED) as caught, open_engine(
                spec=SourceSpec(location=location, table=table), schema=SCHEMA, workdir=tmp_path,
                policy=policy):
            pass
        assert _kind(caught) == KIND_RELATION_NOT_OFFERED
        assert _message(caught) == MSG_RELATION_NOT_OFFERED.format(relation=table)


@pytest.mark.parametrize("table", ['outcomes"; DROP TABLE people; --', "read_csv('/etc/passwd')",
                                   "a.b.c", "1outcomes", "", "outcomes x", "é"])
def test_names_that_are_not_plain_identifiers_are_refused(warehouse: str, tmp_path: Path, table: str) -> None:
    policy = ConnectionPolicy(relations=frozenset({"outcomes"}))
    with pytest.raises(DataError, match=KIND_RELATION_NAME) as caught, open_engine(
            spec=SourceSpec(location=warehouse, table=table), schema=SCHEMA, workdir=tmp_path, policy=policy):
        pass
    assert _kind(caught) == KIND_RELATION_NAME
    if table:  # blank lines in a list are skipped
        with pytest.raises(DataError, match=KIND_RELATION_NAME):
            relation_list(["outcomes", table])


def test_relation_lists_are_checked_and_deduplicated() -> None:
    assert relation_list([" outcomes ", "", "reporting.v", "outcomes"]) == ("outcomes", "reporting.v")
    assert relation_allowed(" outcomes ", ConnectionPolicy(relations=frozenset({"outcomes"}))) == "outcomes"


def test_a_refused_database_is_not_opened_even_through_another_spelling(tmp_path: Path) -> None:
    app = tmp_path / "app" / "seedbed.sqlite3"
    app.parent.mkdir()
    app.write_bytes(b"")
    (tmp_path / "link").symlink_to(app.parent)
    policy = ConnectionPolicy(relations=frozenset({"accounts_user"}),
                              refused_databases=frozenset({database_identity(str(app)),
                                                           database_identity("postgresql://seedbed@db:5432/seedbed")}))
    for location in (f"duckdb://{app}", f"duckdb://{tmp_path}/link/../app/seedbed.sqlite3",
                     f"duckdb://{tmp_path}/link/seedbed.sqlite3",
                     "postgresql://reader:pw@db/seedbed", "postgres://other@DB:5432/seedbed?sslmode=require",
                     "postgresql:///seedbed?host=db&user=x"):
        with pytest.raises(DataError, match=KIND_DATABASE_REFUSED) as caught, open_engine(
                spec=SourceSpec(location=location, table="accounts_user"), schema=SCHEMA,
                workdir=tmp_path, policy=policy):
            pass
        assert _kind(caught) == KIND_DATABASE_REFUSED, location
        assert _message(caught) == MSG_DATABASE_REFUSED


def test_database_identities_follow_libpq_defaults() -> None:
    same = {database_identity(u) for u in (
        "postgresql://a@localhost/seedbed", "postgresql://b:pw@127.0.0.1:5432/seedbed",
        "postgres:///seedbed", "postgresql://[::1]/seedbed", "postgresql:///seedbed?host=/var/run/postgresql",
        "postgresql://seedbed@localhost")}
    assert same == {"postgresql://local:5432/seedbed"}
    assert database_identity("postgresql://localhost:5433/seedbed") != "postgresql://local:5432/seedbed"
    assert database_identity("postgresql://warehouse.internal/seedbed") != "postgresql://local:5432/seedbed"


def test_a_database_holding_the_marker_table_is_refused_after_connecting(tmp_path: Path) -> None:
    path = tmp_path / "copy.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA audit")
    con.execute("CREATE TABLE audit.core_auditentry (id INTEGER)")
    con.execute("CREATE TABLE accounts_user (arm VARCHAR, outcome VARCHAR)")
    con.close()
    policy = ConnectionPolicy(relations=frozenset({"accounts_user"}), refused_marker="core_auditentry")
    with pytest.raises(DataError, match=KIND_DATABASE_REFUSED) as caught, open_engine(
            spec=SourceSpec(location=f"duckdb://{path}", table="accounts_user"), schema=SCHEMA,
            workdir=tmp_path, policy=policy):
        pytest.fail("the engine was handed out")
    assert _kind(caught) == KIND_DATABASE_REFUSED
    with open_engine(spec=SourceSpec(location=f"duckdb://{path}", table="accounts_user"), schema=SCHEMA,
                     workdir=tmp_path, policy=ConnectionPolicy(relations=frozenset({"accounts_user"}))) as engine:
        assert engine.column_names() == ["arm", "outcome"]


def test_a_shared_connection_must_be_a_database(tmp_path: Path) -> None:
    csv = tmp_path / "outcomes.csv"
    csv.write_text("arm,outcome\ncontrol,1\n")
    for location in (str(csv), "spark://cluster:7077", str(tmp_path / "x.db")):
        with pytest.raises(DataError, match="a shared connection must be a PostgreSQL or DuckDB database"), open_engine(
                spec=SourceSpec(location=location, table="outcomes"), schema=SCHEMA, workdir=tmp_path,
                policy=ConnectionPolicy(relations=frozenset({"outcomes"}))):
            pass


def test_a_shared_duckdb_connection_never_loads_extensions(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "app.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE outcomes (arm TEXT, outcome TEXT)")
        con.execute("INSERT INTO outcomes VALUES (?, 'x')", [SECRET])
    with pytest.raises(DataError, match="Loading external extensions is disabled") as caught, open_engine(
            spec=SourceSpec(location=f"duckdb://{path}", table="outcomes"), schema=SCHEMA,
            workdir=tmp_path, policy=ConnectionPolicy(relations=frozenset({"outcomes"}))):
        pytest.fail("a SQLite file was opened through DuckDB's sqlite extension")
    assert SECRET not in str(caught.value)


def test_a_listed_duckdb_view_cannot_read_files_on_the_server(tmp_path: Path) -> None:
    """Whoever writes the DuckDB file decides what a listed name reads: a view over
    ``read_csv`` must not reach the server's own files through a shared connection."""
    private = tmp_path / "private.csv"
    private.write_text(f"arm,outcome\ncontrol,{SECRET}\n")
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(f"CREATE VIEW outcomes AS SELECT * FROM read_csv('{private}')")
    with pytest.raises((DataError, duckdb.Error), match="file system operations are disabled") as caught, open_engine(
            spec=SourceSpec(location=f"duckdb://{database}", table="outcomes"), schema=SCHEMA,
            workdir=tmp_path, policy=ConnectionPolicy(relations=frozenset({"outcomes"}))) as engine:
        engine.fetch(f"SELECT * FROM {engine.relation}")
        pytest.fail("a listed view read a file on the server")
    assert "file system operations are disabled" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_a_shared_duckdb_connection_locks_its_settings(tmp_path: Path) -> None:
    from seedbed.data.engines import DuckDBEngine

    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("CREATE TABLE outcomes (arm TEXT, outcome DOUBLE)")
    engine = DuckDBEngine(database=str(database), table="outcomes", locked=True)
    settings = dict(engine.con.execute(
        "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
        "'autoload_known_extensions', 'autoinstall_known_extensions', 'lock_configuration')"
    ).fetchall())
    assert settings == {"enable_external_access": "false", "autoload_known_extensions": "false",
                        "autoinstall_known_extensions": "false", "lock_configuration": "true"}
    with pytest.raises(duckdb.Error, match='Cannot change configuration option "enable_external_access"'):
        engine.con.execute("SET enable_external_access = true")


def test_a_redacted_report_keeps_rows_columns_and_kinds_but_no_values() -> None:
    problems = [
        Problem(2, "score", KIND_NOT_A_NUMBER, MSG_NOT_A_NUMBER.format(row=2, column="score", value=SECRET)),
        Problem(3, "group", KIND_UNKNOWN_ARM, MSG_UNKNOWN_ARM.format(row=3, column="group", value=SECRET,
                                                                    expected="control, treatment")),
        Problem(None, "group", "some_future_kind", f'column "group": "{SECRET}" is odd'),
        Problem(4, None, "another_kind", f"row 4: {SECRET}"),
    ]
    report = build_report(problems, Counter(p.kind for p in problems))
    redacted = redacted_report(report)
    assert SECRET not in "\n".join(redacted.lines())
    assert [(p.row, p.column, p.kind) for p in redacted.problems] == [
        (p.row, p.column, p.kind) for p in report.problems]
    assert redacted.counts == report.counts
    messages = {p.row: p.message for p in redacted.problems}
    assert messages[2] == 'row 2, column "score": not a number'
    assert messages[3] == 'row 3, column "group": not one of the trial\'s arm labels'
    assert messages[4] == "row 4: this value cannot be used (another_kind)"
    assert messages[None] == 'column "group": this value cannot be used (some_future_kind)'


def test_postgresql_reads_only_listed_relations_and_spots_the_marker_whatever_the_grants(
        postgres_url: str, tmp_path: Path) -> None:
    """A reader without any right on the marker table still has its database refused."""
    import uuid

    import psycopg

    schema = f"seedbed_rel_{uuid.uuid4().hex[:8]}"
    reader = f"reader_{uuid.uuid4().hex[:8]}"
    secret = uuid.uuid4().hex  # the server may ask for a password even on the local host
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')  # type: ignore[arg-type]
        conn.execute(f'CREATE TABLE "{schema}".outcomes (arm TEXT, outcome DOUBLE PRECISION)')  # type: ignore[arg-type]
        conn.execute(f"INSERT INTO \"{schema}\".outcomes VALUES ('control', 1), ('treatment', 2)")  # type: ignore[arg-type]
        conn.execute(f'CREATE TABLE "{schema}".people (arm TEXT, outcome TEXT)')  # type: ignore[arg-type]
        conn.execute(f"CREATE ROLE {reader} LOGIN PASSWORD '{secret}'")  # type: ignore[arg-type]
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {reader}')  # type: ignore[arg-type]
        conn.execute(f'GRANT SELECT ON "{schema}".outcomes TO {reader}')  # type: ignore[arg-type]
    parts = postgres_url.split("://", 1)[1].split("@")[-1]
    url = f"postgresql://{reader}:{secret}@{parts}"
    listed = f"{schema}.outcomes"
    try:
        policy = ConnectionPolicy(relations=frozenset({listed}), refused_marker=f"marker_{schema}")
        with open_engine(spec=SourceSpec(location=url, table=listed), schema=SCHEMA, workdir=tmp_path,
                         policy=policy) as engine:
            assert engine.column_names() == ["arm", "outcome"]
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction, match="read-only transaction"):
                engine.conn.execute("CREATE TEMP TABLE scratch (id INTEGER)")  # type: ignore[attr-defined]
        for table in (f"{schema}.people", "pg_catalog.pg_authid", "information_schema.columns", "outcomes"):
            with pytest.raises(DataError, match=KIND_RELATION_NOT_OFFERED) as caught, open_engine(
                    spec=SourceSpec(location=url, table=table), schema=SCHEMA, workdir=tmp_path, policy=policy):
                pass
            assert _kind(caught) == KIND_RELATION_NOT_OFFERED
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE TABLE "{schema}"."marker_{schema}" (id INTEGER)')  # type: ignore[arg-type]
        with pytest.raises(DataError, match=KIND_DATABASE_REFUSED) as caught, open_engine(
                spec=SourceSpec(location=url, table=listed), schema=SCHEMA, workdir=tmp_path, policy=policy):
            pytest.fail("the engine was handed out")
        assert _kind(caught) == KIND_DATABASE_REFUSED
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')  # type: ignore[arg-type]
            conn.execute(f"DROP ROLE {reader}")  # type: ignore[arg-type]
