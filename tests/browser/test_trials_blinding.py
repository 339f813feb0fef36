"""While a trial recruits, the blinded analyst's upload pages say why units are not checked
against the allocation list, and a file is answered from its own content; axe clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_blinded_analyst_upload_pages(as_persona, demo_world, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    from seedbed.trials.models import Allocation, Trial
    from seedbed.trials.services.results import NOTICE_BLINDED

    trial = Trial.objects.get(title="Weekly family-support calls")
    assert trial.status == Trial.Status.RECRUITING
    unit = Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("id").first()
    assert unit is not None
    other = next(a for a in trial.protocol.arm_list if a != unit.arm)

    settings.SEEDBED_DATA_CONNECTIONS = f"reporting=duckdb://{tmp_path / 'reporting.duckdb'}"

    analyst = as_persona("analyst")
    page = analyst.page
    for path in ("data/", "data/table/"):
        analyst.go(f"/trials/work/{trial.pk}/{path}")
        expect(page.locator("#blinded-notice")).to_have_text(NOTICE_BLINDED)
    analyst.go(f"/trials/work/{trial.pk}/data/", scan=False)
    text = ("unit,arm,outcome,stratum,deprivation\n"
            f"{unit.unit_ref},{other},fifty,{unit.stratum},low\n"
            f"NEVER-ENROLLED,{unit.arm},50,{unit.stratum},low\n")
    page.get_by_label("Outcome file").set_input_files(
        files=[{"name": "interim.csv", "mimeType": "text/csv", "buffer": text.encode()}])
    analyst.submit("Upload and check", problem_expected=True)
    problems = page.get_by_role("table", name="Problems found in the file")
    expect(problems).to_contain_text('"fifty" is not a number')
    expect(problems).not_to_contain_text("allocat")


def test_block_sizes_warning_and_concealment(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.trials.models import Trial
    from seedbed.trials.rules import WARN_PREDICTABLE_BLOCKS, WHY_SMALL
    from seedbed.trials.selectors import CONCEALED_TEXT
    from tests.trials.helpers import draft_trial

    draft = draft_trial(demo_world, title="Blocks of two and four", block_sizes="2, 4")
    running = Trial.objects.get(title="Weekly family-support calls")

    page = as_persona("anonymous").go(f"/trials/registry/{running.pk}/")
    expect(page.get_by_text(CONCEALED_TEXT)).to_be_visible()
    page = as_persona("lead").go(f"/trials/work/{draft.pk}/")
    warning = WARN_PREDICTABLE_BLOCKS.format(sizes="2, 4", why=WHY_SMALL, suggested="4, 6, 8")
    expect(page.locator("#block-warning")).to_contain_text(warning)
