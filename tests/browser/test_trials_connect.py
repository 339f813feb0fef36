"""An administrator lists the tables a connection may read; an analyst connects a database
table as a trial's outcome data: an unlisted table is refused, a rejected one shows its problems
by row and column (without the values), a good one is stored; axe clean on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from seedbed.demo.personas import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, describe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_connects_a_table(page, live_server, demo_world, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    import duckdb

    from seedbed.trials.models import Allocation, OutcomeDataset, Trial
    from seedbed.trials.services.protocols import trial_close

    trial = trial_close(actor=demo_world["users"]["lead"],
                        trial=Trial.objects.get(title="Weekly family-support calls"))
    enrolled = list(Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("unit_ref"))
    path = tmp_path / "reporting.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE good (unit VARCHAR, arm VARCHAR, stratum VARCHAR, outcome DOUBLE, deprivation VARCHAR)")
    con.executemany("INSERT INTO good VALUES (?, ?, ?, ?, 'low')",
                    [(a.unit_ref, a.arm, a.stratum, 50.0 + i % 5) for i, a in enumerate(enrolled)])
    con.execute("CREATE TABLE bad AS SELECT unit, arm, stratum, CAST(outcome AS VARCHAR) AS outcome, "
                "deprivation FROM good")
    con.execute(f"UPDATE bad SET outcome = 'missing' WHERE unit = '{enrolled[0].unit_ref}'")
    con.close()
    settings.SEEDBED_DATA_CONNECTIONS = f"reporting=duckdb://{path}"

    def clean() -> None:
        violations = axe_violations(page)
        assert not violations, f"{page.url}\n{describe(violations)}"

    sign_in(page, live_server.url, "admin", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/trials/work/connections/")
    clean()
    page.get_by_role("link", name="Change the list for reporting").click()
    page.get_by_label("Tables and views it may read").fill("good\nbad; DROP TABLE good")
    page.get_by_role("button", name="Save the list").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    clean()
    page.get_by_label("Tables and views it may read").fill("good\nbad")
    page.get_by_role("button", name="Save the list").click()
    expect(page.get_by_text("The list for reporting is saved.")).to_be_visible()
    clean()
    page.context.clear_cookies()

    sign_in(page, live_server.url, "analyst", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/trials/work/{trial.pk}/data/table/")
    clean()
    page.get_by_label("Connection", exact=True).select_option("reporting")
    page.get_by_label("Table or view", exact=True).fill("information_schema.tables")
    page.get_by_role("button", name="Read and check the table").click()
    expect(page.get_by_text('"reporting" does not offer "information_schema.tables"').first).to_be_visible()
    page.get_by_label("Table or view", exact=True).fill("bad")
    page.get_by_role("button", name="Read and check the table").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    problems = page.get_by_role("table", name="Problems found in the table")
    expect(problems).to_contain_text('row 1, column "outcome": not a number')
    expect(problems).not_to_contain_text("missing")
    clean()
    assert not OutcomeDataset.objects.filter(trial=trial).exists()
    page.get_by_label("Table or view", exact=True).fill("good")
    page.get_by_role("button", name="Read and check the table").click()
    expect(page.get_by_text("reporting: good accepted")).to_be_visible()
    clean()
    assert OutcomeDataset.objects.get(trial=trial).rows == len(enrolled)
