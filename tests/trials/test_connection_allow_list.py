"""A data connection reads only the tables and views an administrator has listed for it, and
a refused or rejected table never shows the analyst what the database holds (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from seedbed.core.errors import ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.trials.models import Allocation, DataConnection, OutcomeDataset, Trial
from seedbed.trials.services import connections
from seedbed.trials.services.allocation import allocation_draw
from seedbed.trials.services.protocols import trial_close
from seedbed.trials.uploads import ERROR_REJECTED, DataRejected
from tests.trials.helpers import draft_trial

pytestmark = pytest.mark.django_db

MAPPING = {"unit": "ref", "arm": "group_name", "stratum": "age_band", "outcome": "score"}
SECRET_EMAIL = "director.private@council.example"


@pytest.fixture
def trial_world(trial_world):  # type: ignore[no-untyped-def]
    """The trials world with an administrator, who keeps the connections' lists."""
    from seedbed.accounts.models import Role
    from seedbed.accounts.services import membership_grant, person_create

    admin = person_create(username="admin", email="", display_name="Administrator", password="x" * 20)
    membership_grant(user=admin, organisation=trial_world["organisations"]["childrens-services"],
                     role=Role.ADMINISTRATOR)
    trial_world["users"]["admin"] = admin
    return trial_world


@pytest.fixture
def closed_trial(trial_world) -> Trial:  # type: ignore[no-untyped-def]
    trial = draft_trial(trial_world, register=True, seed="allow-list-seed-5c1d9e2f7a3b8046")
    for i in range(12):
        allocation_draw(actor=trial_world["users"]["frontline"], trial=trial, unit_ref=f"U-{i:03d}",
                        stratum=("under 5", "5 to 17")[i % 2])
    return trial_close(actor=trial_world["users"]["lead"], trial=trial)


def _warehouse(path: Path, trial: Trial) -> str:
    """A DuckDB file with the trial's outcomes, one bad row, and a staff table not meant for analysts."""
    import duckdb

    rows = [(a.unit_ref, a.arm, a.stratum, str(50 + i % 7)) for i, a in enumerate(
        Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("unit_ref"))]
    rows[1] = (rows[1][0], rows[1][1], rows[1][2], "private-note-7731")
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE outcomes (ref VARCHAR, group_name VARCHAR, age_band VARCHAR, score VARCHAR)")
    con.executemany("INSERT INTO outcomes VALUES (?, ?, ?, ?)", rows)
    con.execute("CREATE TABLE staff_contacts (ref VARCHAR, group_name VARCHAR, age_band VARCHAR, "
                "score VARCHAR, salary_band VARCHAR)")
    con.executemany("INSERT INTO staff_contacts VALUES (?, ?, ?, ?, 'band 9')",
                    [(f"S-{i}", SECRET_EMAIL, "under 5", "n/a") for i in range(3)])
    con.close()
    return f"duckdb://{path}"


def _allow(world: dict[str, Any], connection: str, *relations: str) -> None:
    connections.connection_relations_set(actor=world["users"]["admin"], connection=connection,
                                         relations=list(relations))


def _refused(analyst: Any, trial: Trial, *, match: str, **kwargs: Any) -> ValidationProblem:
    with pytest.raises(ValidationProblem, match=match) as caught:
        connections.outcome_connect(actor=analyst, trial=trial, **({"connection": "warehouse",
                                    "columns": MAPPING} | kwargs))
    return caught.value


def _everything_shown(problem: ValidationProblem) -> str:
    shown = list(problem.problems.values())
    if isinstance(problem, DataRejected):
        shown += [f"{p.column} {p.message}" for p in problem.report.problems]
    return "\n".join(shown)


def test_an_analyst_cannot_read_a_table_the_connection_does_not_list(
        closed_trial, trial_world, tmp_path, settings) -> None:
    settings.SEEDBED_DATA_CONNECTIONS = "warehouse=" + _warehouse(tmp_path / "w.duckdb", closed_trial)
    analyst = trial_world["users"]["analyst"]
    # before any list is kept, a connection reads nothing
    assert _refused(analyst, closed_trial, table="outcomes",
                    match=re.escape(connections.ERROR_NOTHING_OFFERED.format(name="warehouse"))).problems["table"] == (
        connections.ERROR_NOTHING_OFFERED.format(name="warehouse"))
    _allow(trial_world, "warehouse", "outcomes")
    for table in ("staff_contacts", "information_schema.columns", "main.staff_contacts", "main.outcomes"):
        with capture_logs() as logged:
            refusal = _refused(analyst, closed_trial, table=table, match=re.escape(
                connections.ERROR_NOT_OFFERED.format(name="warehouse", table=table)))
        assert {"event": "data_connection_refused", "connection": "warehouse", "reason": "relation_not_offered",
                "user_id": analyst.pk, "log_level": "warning"} in logged
        assert refusal.problems == {"table": connections.ERROR_NOT_OFFERED.format(name="warehouse", table=table)}
        shown = _everything_shown(refusal)
        assert SECRET_EMAIL not in shown and "band 9" not in shown, shown
        assert "salary_band" not in shown and "table_catalog" not in shown, shown
    # a wrong column on an unlisted table must not list that table's columns either
    shown = _everything_shown(_refused(analyst, closed_trial, table="staff_contacts",
                                       columns=MAPPING | {"outcome": "nothing"}, match=re.escape(
                                           connections.ERROR_NOT_OFFERED.format(name="warehouse",
                                                                                table="staff_contacts"))))
    assert "salary_band" not in shown, shown
    assert not OutcomeDataset.objects.filter(trial=closed_trial).exists()


def test_rejected_rows_are_named_by_row_and_column_without_their_values(
        closed_trial, trial_world, tmp_path, settings) -> None:
    settings.SEEDBED_DATA_CONNECTIONS = "warehouse=" + _warehouse(tmp_path / "w.duckdb", closed_trial)
    _allow(trial_world, "warehouse", "outcomes")
    problem = _refused(trial_world["users"]["analyst"], closed_trial, table="outcomes",
                       match=re.escape(ERROR_REJECTED.format(summary="")))
    assert isinstance(problem, DataRejected)
    listed = [(p.row, p.column) for p in problem.report.problems]
    assert (2, "score") in listed, listed
    assert "private-note-7731" not in _everything_shown(problem)


def test_a_copy_of_seedbeds_own_database_is_never_read(closed_trial, trial_world, tmp_path, settings) -> None:
    import duckdb

    path = tmp_path / "looks-like-seedbed.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE core_auditentry (id INTEGER)")
    con.execute("CREATE TABLE accounts_user (ref VARCHAR, group_name VARCHAR, age_band VARCHAR, score VARCHAR)")
    con.execute("INSERT INTO accounts_user VALUES ('U-000', ?, 'under 5', 'argon2$secret')", [SECRET_EMAIL])
    con.close()
    settings.SEEDBED_DATA_CONNECTIONS = f"warehouse=duckdb://{path}"
    _allow(trial_world, "warehouse", "accounts_user")  # even when an administrator lists it
    refusal = _refused(trial_world["users"]["analyst"], closed_trial, table="accounts_user",
                       match=re.escape(connections.ERROR_APP_DATABASE.format(name="warehouse")))
    assert refusal.problems == {"connection": connections.ERROR_APP_DATABASE.format(name="warehouse")}
    shown = _everything_shown(refusal)
    assert SECRET_EMAIL not in shown and "argon2" not in shown, shown
    assert "Seedbed's own database" in shown, shown
    settings.SEEDBED_DATA_CONNECT_APP_DATABASE = True  # the explicit, documented exception
    assert isinstance(_refused(trial_world["users"]["analyst"], closed_trial, table="accounts_user",
                               match=re.escape(ERROR_REJECTED.format(summary=""))), DataRejected)


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_seedbeds_own_database_file_is_refused_by_its_address(
        closed_trial, trial_world, tmp_path, settings) -> None:
    """The application's SQLite file, under whatever spelling, is never opened."""
    app = tmp_path / "var" / "seedbed.sqlite3"
    app.parent.mkdir()
    import sqlite3

    with sqlite3.connect(app) as con:
        con.execute("CREATE TABLE accounts_user (email TEXT)")
    # Seedbed configured on that SQLite file (whatever database this test run itself uses)
    settings.DATABASES = {**settings.DATABASES, "default": {
        **settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3", "NAME": str(app)}}
    settings.SEEDBED_DATA_CONNECTIONS = f"app=duckdb://{tmp_path}/var/../var/seedbed.sqlite3"
    _allow(trial_world, "app", "accounts_user")
    refusal = _refused(trial_world["users"]["analyst"], closed_trial, connection="app", table="accounts_user",
                       match=re.escape(connections.ERROR_APP_DATABASE.format(name="app")))
    assert refusal.problems == {"connection": connections.ERROR_APP_DATABASE.format(name="app")}


def test_only_a_listed_name_is_kept_and_every_change_is_audited(trial_world, settings, tmp_path) -> None:
    settings.SEEDBED_DATA_CONNECTIONS = f"warehouse=duckdb://{tmp_path}/w.duckdb"
    admin = trial_world["users"]["admin"]
    _allow(trial_world, "warehouse", " outcomes ", "reporting.outcomes_v", "outcomes", "")
    _allow(trial_world, "warehouse", "reporting.outcomes_v")
    assert DataConnection.objects.get(name="warehouse").relations == ["reporting.outcomes_v"]
    entries = AuditEntry.objects.filter(action="trials.connection_relations_set").order_by("pk")
    assert [(e.data["before"], e.data["after"]) for e in entries] == [
        ([], ["outcomes", "reporting.outcomes_v"]), (["outcomes", "reporting.outcomes_v"], ["reporting.outcomes_v"])]
    assert entries.last().actor_id == admin.pk  # type: ignore[union-attr]
    for bad in (["outcomes; DROP TABLE x"], ["read_csv('/etc/passwd')"], ["a.b.c"]):
        with pytest.raises(ValidationProblem, match="Enter one table or view per line") as caught:
            _allow(trial_world, "warehouse", *bad)
        assert caught.value.problems["relations"].startswith("Enter one table or view per line")
    with pytest.raises(ValidationProblem, match=connections.ERROR_CONNECTION) as caught:
        _allow(trial_world, "elsewhere", "outcomes")
    assert caught.value.problems == {"connection": connections.ERROR_CONNECTION}
    assert DataConnection.objects.get(name="warehouse").relations == ["reporting.outcomes_v"]


def test_only_an_administrator_keeps_the_lists_through_the_page(demo_world, client_as, tmp_path, settings) -> None:
    from django.urls import reverse

    settings.SEEDBED_DATA_CONNECTIONS = f"reporting=duckdb://{tmp_path}/secret-place.duckdb"
    url = reverse("trials:data_connections")
    posted = {"connection": "reporting", "relations": "outcomes\nreporting.outcomes_v"}
    for role in ("lead", "analyst", "safety", "frontline", "provider", "resident"):
        client = client_as(role)
        assert client.get(url).status_code == 403, role
        assert client.post(url, posted).status_code == 403, role
    assert not DataConnection.objects.exists()
    assert client_as("anonymous").post(url, posted).status_code == 302
    admin = client_as("admin")
    page = admin.get(url).content.decode()
    assert "reporting" in page and "secret-place" not in page and "None: reads nothing" in page
    form = admin.get(url, {"connection": "reporting"}).content.decode()
    assert "Change the list for reporting" in form
    bad = admin.post(url, posted | {"relations": "outcomes\nusers; DROP TABLE x"})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()
    assert not DataConnection.objects.exists()
    assert admin.post(url, posted).status_code == 302
    assert DataConnection.objects.get(name="reporting").relations == ["outcomes", "reporting.outcomes_v"]
    entry = AuditEntry.objects.get(action="trials.connection_relations_set")
    assert entry.actor_id == demo_world["users"]["admin"].pk
    assert entry.data == {"connection": "reporting", "before": [], "after": ["outcomes", "reporting.outcomes_v"]}
    assert "<code>reporting.outcomes_v</code>" in admin.get(url).content.decode()
    # an unknown connection named in the address or the form is not a page or a list
    assert "Change the list" not in admin.get(url, {"connection": "elsewhere"}).content.decode()
    admin.post(url, {"connection": "elsewhere", "relations": "outcomes"})
    assert not DataConnection.objects.filter(name="elsewhere").exists()


def test_the_analysts_page_refuses_an_unlisted_table_without_reading_it(
        demo_world, client_as, tmp_path, settings) -> None:
    from django.urls import reverse

    trial = trial_close(actor=demo_world["users"]["lead"], trial=Trial.objects.get(title="Weekly family-support calls"))
    import duckdb

    path = tmp_path / "reporting.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE staff (unit VARCHAR, arm VARCHAR, stratum VARCHAR, outcome VARCHAR, deprivation VARCHAR)")
    con.execute("INSERT INTO staff VALUES ('U-1', ?, 'x', 'y', 'z')", [SECRET_EMAIL])
    con.close()
    settings.SEEDBED_DATA_CONNECTIONS = f"reporting=duckdb://{path}"
    connections.connection_relations_set(actor=demo_world["users"]["admin"], connection="reporting",
                                         relations=["outcomes"])
    url = reverse("trials:data_connect", args=[trial.pk])
    analyst = client_as("analyst")
    assert "<code>outcomes</code>" in analyst.get(url).content.decode()
    response = analyst.post(url, {"connection": "reporting", "table": "staff", "column_unit": "unit",
                                  "column_arm": "arm", "column_stratum": "stratum", "column_outcome": "outcome",
                                  "column_deprivation": "deprivation"})
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "does not offer &quot;staff&quot;" in page
    assert SECRET_EMAIL not in page
    assert not OutcomeDataset.objects.filter(trial=trial).exists()


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_seedbeds_own_postgresql_database_is_refused_by_its_address(
        closed_trial, trial_world, settings) -> None:
    settings.DATABASES = {**settings.DATABASES, "reporting_copy": {
        "ENGINE": "django.db.backends.postgresql", "NAME": "seedbed", "HOST": "localhost", "PORT": "",
        "USER": "seedbed"}}
    # another user, the loopback address and the default port: the same database
    settings.SEEDBED_DATA_CONNECTIONS = "app=postgresql://reader:pw@127.0.0.1:5432/seedbed"
    _allow(trial_world, "app", "accounts_user")
    refusal = _refused(trial_world["users"]["analyst"], closed_trial, connection="app", table="accounts_user",
                       match=re.escape(connections.ERROR_APP_DATABASE.format(name="app")))
    assert refusal.problems == {"connection": connections.ERROR_APP_DATABASE.format(name="app")}
