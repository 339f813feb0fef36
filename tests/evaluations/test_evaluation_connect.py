"""An evaluation's data read from a connected database table (a DuckDB file here), through
the connections the trials app keeps and registers with ``core.registry``: only listed
tables, the plan's columns checked as for a file, problems named by row and column without
the database's values, and nothing stored on a refusal."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.evaluations.models import Design, EvaluationDataset, EvaluationResult
from seedbed.evaluations.services import dataset_connect, evaluation_analyse
from seedbed.evaluations.services.dataset import ERROR_CONNECTION, ERROR_NO_CONNECTIONS
from seedbed.evaluations.uploads import DataRejected
from tests.evaluations.datasets import PLANS, frame, registered


def _duckdb(path: Path, rows: list[tuple[Any, ...]], *, outcome_type: str = "DOUBLE") -> str:
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE delays (month INTEGER, delays " + outcome_type + ", note VARCHAR)")
    con.executemany("INSERT INTO delays VALUES (?, ?, ?)", rows)
    con.execute("CREATE TABLE secret (x INTEGER)")
    con.close()
    return f"duckdb://{path}"


def _connect(settings: Any, tmp_path: Path, rows: list[tuple[Any, ...]], **kwargs: Any) -> None:
    from seedbed.accounts.models import User
    from seedbed.trials.services.connections import connection_relations_set

    settings.SEEDBED_DATA_CONNECTIONS = "warehouse=" + _duckdb(tmp_path / "w.duckdb", rows, **kwargs)
    admin, _ = User.objects.get_or_create(username="connections-admin")
    connection_relations_set(actor=admin, connection="warehouse", relations=["delays"])


def _its_rows() -> list[tuple[Any, ...]]:
    df = frame(Design.ITS)
    return [(int(m), float(d), "fine") for m, d in zip(df["month"], df["delays"], strict=True)]


def test_a_listed_table_is_read_checked_stored_and_analysed(
        trial_world: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    _connect(settings, tmp_path, _its_rows()[::-1])  # the table's order is not the periods'
    evaluation = registered(trial_world, Design.ITS)
    dataset = dataset_connect(actor=trial_world["users"]["analyst"], evaluation=evaluation,
                              connection="warehouse", table="delays")
    assert dataset.rows == 48 and dataset.filename == "warehouse: delays"
    assert dataset.source == {"connection": "warehouse", "table": "delays"}
    entry = AuditEntry.objects.filter(action="evaluations.dataset_connect").get()
    assert entry.data["content_hash"] == dataset.content_hash
    result = evaluation_analyse(actor=trial_world["users"]["analyst"], evaluation=evaluation)
    assert result.payload["first_post_time"] == PLANS[Design.ITS]["start"]
    assert abs(result.payload["level_change"] + 8.0) < 1.0


def test_only_listed_tables_of_configured_connections_are_read(
        trial_world: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    evaluation = registered(trial_world, Design.ITS)
    analyst = trial_world["users"]["analyst"]
    settings.SEEDBED_DATA_CONNECTIONS = ""
    with pytest.raises(ValidationProblem) as caught:
        dataset_connect(actor=analyst, evaluation=evaluation, connection="warehouse", table="delays")
    assert caught.value.problems == {"connection": ERROR_NO_CONNECTIONS}
    _connect(settings, tmp_path, _its_rows())
    for connection, table in (("warehouse", "secret"), ("elsewhere", "delays")):
        with pytest.raises(ValidationProblem) as caught:
            dataset_connect(actor=analyst, evaluation=evaluation, connection=connection, table=table)
        assert caught.value.problems == {"connection": ERROR_CONNECTION}
    assert not EvaluationDataset.objects.exists()


def test_a_table_without_the_plans_column_is_named(
        trial_world: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    _connect(settings, tmp_path, _its_rows())
    evaluation = registered(trial_world, Design.ITS, outcome_column="delayed")
    with pytest.raises(ValidationProblem) as caught:
        dataset_connect(actor=trial_world["users"]["lead"], evaluation=evaluation,
                        connection="warehouse", table="delays")
    assert list(caught.value.problems) == ["table"]
    assert 'no column "delayed"' in caught.value.problems["table"]
    assert not EvaluationDataset.objects.exists()


def test_bad_values_are_named_by_row_and_column_without_echoing_them(
        trial_world: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    rows = [(m, str(v), n) for m, v, n in _its_rows()]
    rows[6] = (7, "confidential-value", "x")
    _connect(settings, tmp_path, rows, outcome_type="VARCHAR")
    evaluation = registered(trial_world, Design.ITS)
    with pytest.raises(DataRejected) as caught:
        dataset_connect(actor=trial_world["users"]["lead"], evaluation=evaluation,
                        connection="warehouse", table="delays")
    [problem] = caught.value.report.problems
    assert (problem.row, problem.column) == (7, "delays")
    assert "confidential-value" not in problem.message
    assert not EvaluationDataset.objects.exists() and not EvaluationResult.objects.exists()


def test_the_page_offers_the_listed_tables(client_as, demo_world: dict[str, Any], settings: Any,  # type: ignore[no-untyped-def]
                                           tmp_path: Path) -> None:
    from seedbed.evaluations.services import evaluation_create, evaluation_register, plan_update
    from tests.evaluations.datasets import COMMON

    lead = demo_world["users"]["lead"]
    evaluation = evaluation_create(actor=lead, organisation=demo_world["organisations"]["northfield"],
                                   title="Delays from the warehouse", design=Design.ITS)
    plan_update(actor=lead, evaluation=evaluation, changes={**COMMON, **PLANS[Design.ITS]})
    evaluation = evaluation_register(actor=lead, evaluation=evaluation)
    url = reverse("evaluations:dataset_connect", args=[evaluation.pk])
    settings.SEEDBED_DATA_CONNECTIONS = ""
    assert 'id="no-connections"' in client_as("lead").get(url).content.decode()

    _connect(settings, tmp_path, _its_rows())
    page = client_as("lead").get(url).content.decode()
    assert 'value="warehouse/delays"' in page and "secret" not in page
    refused = client_as("lead").post(url, {"source": "warehouse/secret"})
    assert "There is a problem" in html.unescape(refused.content.decode())
    response = client_as("lead").post(url, {"source": "warehouse/delays"})
    assert response.status_code == 302
    assert EvaluationDataset.objects.get(evaluation=evaluation).rows == 48
