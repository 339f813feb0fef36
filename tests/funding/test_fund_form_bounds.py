"""A fund form posted with a huge programme row number is refused at once, naming the field,
instead of building a form (and a page) with that many rows."""

from __future__ import annotations

import time
from typing import Any

from django.urls import reverse

from seedbed.funding.forms import ERROR_TOO_MANY_PROGRAMMES, PROGRAMME_ROWS_MAX
from seedbed.funding.models import Fund
from tests.funding.conftest import client_for
from tests.funding.test_funds_ui import _post


def test_a_huge_programme_row_number_is_refused_quickly_naming_the_field(world: dict[str, Any]) -> None:
    lead = client_for(world["users"]["lead"])
    started = time.perf_counter()
    response = lead.post(reverse("funding:fund_create"), _post(world, programme_100000_name="Flood"))
    elapsed = time.perf_counter() - started
    assert response.status_code == 400
    page = response.content.decode()
    assert ERROR_TOO_MANY_PROGRAMMES.format(maximum=PROGRAMME_ROWS_MAX) in page
    assert "There is a problem" in page
    # At most the bounded number of rows is drawn, so the page stays small and quick.
    assert f'id="id_programme_{PROGRAMME_ROWS_MAX + 1}_name"' not in page
    assert len(response.content) < 1_000_000 and elapsed < 10
    assert not Fund.objects.filter(name="Innovation fund 2027/28").exists()


def test_rows_up_to_the_maximum_are_accepted(world: dict[str, Any]) -> None:
    lead = client_for(world["users"]["lead"])
    rows = {f"programme_{i}_{part}": value for i in range(1, PROGRAMME_ROWS_MAX + 1)
            for part, value in (("name", f"Programme {i}"), ("amount", "1000"), ("organisation", ""))}
    response = lead.post(reverse("funding:fund_create"), _post(world, total="100", ring_fence_share="0.1", **rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Fund.objects.get(name="Innovation fund 2027/28").programmes.count() == PROGRAMME_ROWS_MAX


def test_the_service_refuses_too_many_programmes_naming_the_field() -> None:
    import datetime as dt
    from decimal import Decimal

    from seedbed.funding.rules import ERROR_PROGRAMMES_TOO_MANY, fund_problems

    problems = fund_problems(
        name="Fund", total=Decimal(1), ring_fence_share=Decimal("0.5"), currency="GBP",
        period_start=dt.date(2026, 1, 1), period_end=dt.date(2027, 1, 1),
        programmes=[(f"P{i}", Decimal(1), None) for i in range(PROGRAMME_ROWS_MAX + 1)])
    assert problems == {"programmes": ERROR_PROGRAMMES_TOO_MANY.format(maximum=PROGRAMME_ROWS_MAX)}
