"""Outcome data from a connected database table: a DuckDB file here, and PostgreSQL when
``SEEDBED_TEST_POSTGRES_URL`` is set. Malformed tables are refused with clear messages and
nothing is stored."""

from __future__ import annotations

import io
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from seedbed.core.errors import ValidationProblem
from seedbed.trials.models import Allocation, OutcomeDataset, Trial
from seedbed.trials.services import connections
from seedbed.trials.services.allocation import allocation_draw
from seedbed.trials.services.protocols import trial_close
from seedbed.trials.services.results import analysis_run
from seedbed.trials.uploads import ERROR_REJECTED, DataRejected, parse_connections
from tests.trials.helpers import draft_trial

pytestmark = pytest.mark.django_db

MAPPING = {"unit": "ref", "arm": "group_name", "stratum": "age_band", "outcome": "score"}


@pytest.fixture
def closed_trial(trial_world) -> Trial:  # type: ignore[no-untyped-def]
    trial = draft_trial(trial_world, register=True, seed="connect-test-seed-1a7e3c9f5b0d8264")
    for i in range(24):
        allocation_draw(actor=trial_world["users"]["frontline"], trial=trial, unit_ref=f"U-{i:03d}",
                        stratum=("under 5", "5 to 17")[i % 2])
    return trial_close(actor=trial_world["users"]["lead"], trial=trial)


def _rows(trial: Trial) -> list[tuple[str, str, str, float]]:
    return [(a.unit_ref, a.arm, a.stratum, 50.0 + (i % 7))
            for i, a in enumerate(Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("unit_ref"))]


def _duckdb(path: Path, rows: list[tuple[Any, ...]], *, score_type: str = "DOUBLE") -> str:
    import duckdb

    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE outcomes (ref VARCHAR, group_name VARCHAR, age_band VARCHAR, score {score_type})")
    con.executemany("INSERT INTO outcomes VALUES (?, ?, ?, ?)", rows)
    con.execute("CREATE VIEW outcomes_view AS SELECT * FROM outcomes")
    con.close()
    return f"duckdb://{path}"


def _allow(connection: str, *relations: str) -> None:
    """The administrator's list for ``connection`` (an administrator is made for it)."""
    from seedbed.accounts.models import User

    admin, _ = User.objects.get_or_create(username="connections-admin")
    connections.connection_relations_set(actor=admin, connection=connection, relations=list(relations))


def test_parse_connections_keeps_only_database_urls() -> None:
    assert parse_connections(" a = duckdb:///x.duckdb ; b=postgresql://u:p@h/db?sslmode=require;c=file:///etc;;d") == {
        "a": "duckdb:///x.duckdb", "b": "postgresql://u:p@h/db?sslmode=require"}


def test_a_duckdb_view_is_validated_mapped_and_stored(closed_trial, trial_world, tmp_path, settings) -> None:
    settings.SEEDBED_DATA_CONNECTIONS = "warehouse=" + _duckdb(tmp_path / "w.duckdb", _rows(closed_trial))
    _allow("warehouse", "outcomes_view")
    analyst = trial_world["users"]["analyst"]
    dataset = connections.outcome_connect(actor=analyst, trial=closed_trial, connection="warehouse",
                                          table="outcomes_view", columns=MAPPING)
    assert dataset.rows == 24 and dataset.filename == "warehouse: outcomes_view"
    assert dataset.source == {"connection": "warehouse", "table": "outcomes_view", "columns": MAPPING}
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(bytes(dataset.parquet)))
    assert set(table.column_names) == {"unit", "arm", "stratum", "outcome"}
    result = analysis_run(actor=analyst, trial=closed_trial, assessed=30, plain_summary="Much the same.")
    assert result.effect is not None and result.consort["randomised"] == 24


def test_malformed_tables_are_refused_and_nothing_is_stored(closed_trial, trial_world, tmp_path, settings) -> None:
    rows = _rows(closed_trial)
    bad = [(rows[0][0], rows[0][1], rows[0][2], "high"), (rows[1][0], "placebo", rows[1][2], "51"),
           ("NOT-ENROLLED", "control", "under 5", "52"), *[(*r[:3], str(r[3])) for r in rows[3:]]]
    settings.SEEDBED_DATA_CONNECTIONS = ";".join([
        "good=" + _duckdb(tmp_path / "good.duckdb", rows),
        "text=" + _duckdb(tmp_path / "text.duckdb", bad, score_type="VARCHAR"),
        "missing=duckdb://" + str(tmp_path / "nowhere.duckdb"),
        "refused=postgresql://reader:hunter2@127.0.0.1:1/warehouse",
    ])
    for name in ("good", "text", "missing", "refused"):
        _allow(name, "outcomes", "nothing_here")
    analyst = trial_world["users"]["analyst"]

    def refused(connection: str, table: str = "outcomes", columns: dict[str, str] = MAPPING, *,
                match: str) -> ValidationProblem:
        with pytest.raises(ValidationProblem, match=match) as caught:
            connections.outcome_connect(actor=analyst, trial=closed_trial, connection=connection,
                                        table=table, columns=columns)
        return caught.value

    wrong = refused("text", match=re.escape(ERROR_REJECTED.format(summary="")))
    assert isinstance(wrong, DataRejected)
    lines = [f"row {p.row}, column {p.column}: {p.message}" for p in wrong.report.problems]
    # rows are numbered in the order of the unit column: NOT-ENROLLED sorts first; the table's
    # values are not echoed back (issue 13), only the row, the column and what is wrong
    assert any(line.startswith("row 1, column ref") and "not in the allocation list" in line for line in lines), lines
    assert any(line.startswith("row 2, column score") and "not a number" in line for line in lines), lines
    assert any(line.startswith("row 3, column group_name") and "arm labels" in line for line in lines), lines
    assert not any(value in line for line in lines for value in ("NOT-ENROLLED", "high", "placebo")), lines
    missing_column = refused("good", columns=MAPPING | {"outcome": "wellbeing"},
                             match='The table has no column "wellbeing"')
    assert missing_column.problems["column_outcome"].startswith('The table has no column "wellbeing"')
    assert "ref, group_name, age_band, score" in missing_column.problems["column_outcome"]
    assert refused("good", table="nothing_here", match='There is no table or view "nothing_here"').problems["table"] == (
        'There is no table or view "nothing_here" in "good"')
    assert "letters, digits" in refused("good", table="outcomes; DROP TABLE x",
                                        match=re.escape(connections.ERROR_TABLE)).problems["table"]
    for name in ("refused", "missing"):
        message = refused(name, match=f'Seedbed could not connect to "{name}"').problems["connection"]
        assert message.startswith(f'Seedbed could not connect to "{name}"')
        assert "hunter2" not in message and "127.0.0.1" not in message
    assert refused("elsewhere", match=connections.ERROR_CONNECTION).problems["connection"] == connections.ERROR_CONNECTION
    assert "column_unit" in refused("good", columns=MAPPING | {"unit": ""},
                                    match=re.escape(connections.ERROR_COLUMN.format(role="unit"))).problems
    assert not OutcomeDataset.objects.filter(trial=closed_trial).exists()


def test_the_page_offers_names_never_connection_strings(demo_world, client_as, tmp_path, settings) -> None:
    trial = Trial.objects.get(title="Weekly family-support calls")
    trial = trial_close(actor=demo_world["users"]["lead"], trial=trial)
    rows = [(a.unit_ref, a.arm, a.stratum, 60.0)
            for a in Allocation.objects.filter(trial=trial).exclude(unit_ref="")]
    import duckdb

    path = tmp_path / "secret-location.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE outcomes (unit VARCHAR, arm VARCHAR, stratum VARCHAR, outcome DOUBLE, deprivation VARCHAR)")
    con.executemany("INSERT INTO outcomes VALUES (?, ?, ?, ?, 'low')", rows)
    con.close()
    url = reverse("trials:data_connect", args=[trial.pk])
    analyst = client_as("analyst")
    settings.SEEDBED_DATA_CONNECTIONS = ""
    assert "No database connections are set up" in analyst.get(url).content.decode()
    settings.SEEDBED_DATA_CONNECTIONS = f"reporting=duckdb://{path}"
    _allow("reporting", "outcomes", "missing_table")
    page = analyst.get(url).content.decode()
    assert "reporting" in page and "secret-location" not in page
    posted = {"connection": "reporting", "table": "outcomes", "column_unit": "unit", "column_arm": "arm",
              "column_stratum": "stratum", "column_outcome": "outcome", "column_deprivation": "deprivation"}
    unknown = analyst.post(url, posted | {"table": "missing_table"})
    assert unknown.status_code == 200 and "There is a problem" in unknown.content.decode()
    assert 'There is no table or view &quot;missing_table&quot;' in unknown.content.decode()
    assert analyst.post(url, posted).status_code == 302
    assert OutcomeDataset.objects.get(trial=trial).source["connection"] == "reporting"


@pytest.mark.skipif(not os.environ.get("SEEDBED_TEST_POSTGRES_URL"),
                    reason="set SEEDBED_TEST_POSTGRES_URL to test a PostgreSQL connection")
def test_a_postgresql_table(closed_trial, trial_world, settings) -> None:
    import psycopg

    url = os.environ["SEEDBED_TEST_POSTGRES_URL"]
    name = f"seedbed_outcomes_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {name} (ref text, group_name text, age_band text, score numeric)")  # type: ignore[arg-type]
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {name} VALUES (%s, %s, %s, %s)", _rows(closed_trial))  # type: ignore[arg-type]
    try:
        settings.SEEDBED_DATA_CONNECTIONS = f"warehouse={url}"
        _allow("warehouse", f"public.{name}", "public.no_such_table")
        dataset = connections.outcome_connect(actor=trial_world["users"]["analyst"], trial=closed_trial,
                                              connection="warehouse", table=f"public.{name}", columns=MAPPING)
        assert dataset.rows == 24
        with pytest.raises(ValidationProblem, match="There is no table or view") as caught:
            connections.outcome_connect(actor=trial_world["users"]["analyst"], trial=closed_trial,
                                        connection="warehouse", table="public.no_such_table", columns=MAPPING)
        assert caught.value.problems["table"].startswith("There is no table or view")
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP TABLE {name}")  # type: ignore[arg-type]
