"""An administrator lists the tables a connection may read; an analyst connects a database
table as a trial's outcome data: an unlisted table is refused, a rejected one shows its problems
by row and column (without the values), a good one is stored; axe clean on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_connects_a_table(as_persona, demo_world, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    import duckdb

    from seedbed.trials.models import Allocation, OutcomeDataset, Trial
    from seedbed.trials.services.protocols import trial_close

    trial = trial_close(actor=demo_world["users"]["lead"],
                        trial=Trial.objects.get(title="Weekly family-support calls"))
    enrolled = list(Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("unit_ref"))
    assert enrolled
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

    admin = as_persona("admin")
    page = admin.go("/trials/work/connections/")
    admin.follow("Change the list for reporting", scan=False)
    page.get_by_label("Tables and views it may read").fill("good\nbad; DROP TABLE good")
    admin.submit("Save the list", problem_expected=True)
    expect(page.get_by_text("There is a problem")).to_be_visible()
    page.get_by_label("Tables and views it may read").fill("good\nbad")
    admin.submit("Save the list")
    expect(page.get_by_text("The list for reporting is saved.")).to_be_visible()
    admin.close()

    analyst = as_persona("analyst")
    page = analyst.go(f"/trials/work/{trial.pk}/data/table/")
    page.get_by_label("Connection", exact=True).select_option("reporting")
    page.get_by_label("Table or view", exact=True).fill("information_schema.tables")
    analyst.submit("Read and check the table", problem_expected=True, scan=False)
    expect(page.get_by_text('"reporting" does not offer "information_schema.tables"').first).to_be_visible()
    page.get_by_label("Table or view", exact=True).fill("bad")
    analyst.submit("Read and check the table", problem_expected=True)
    expect(page.get_by_text("There is a problem")).to_be_visible()
    problems = page.get_by_role("table", name="Problems found in the table")
    expect(problems).to_contain_text('row 1, column "outcome": not a number')
    expect(problems).not_to_contain_text("missing")
    assert not OutcomeDataset.objects.filter(trial=trial).exists()
    page.get_by_label("Table or view", exact=True).fill("good")
    analyst.submit("Read and check the table")
    expect(page.get_by_text("reporting: good accepted")).to_be_visible()
    assert OutcomeDataset.objects.get(trial=trial).rows == len(enrolled)
