"""The provider's own pages in Chromium (docs/access.md): its organisation's page without
residents' names, its applications, its award with the innovation named but not linked, and
the council's pages refused; each page it may open passes axe."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_provider_walks_its_own_pages(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.models import Award
    from seedbed.portfolio.models import Innovation
    from seedbed.portfolio.services.innovation import innovation_link_add

    award = Award.objects.get(application__title="Family breakfast club")
    innovation = Innovation.objects.order_by("pk").first()
    innovation_link_add(innovation=innovation, kind="award", label=award.reference, target=award,
                        actor=demo_world["users"]["lead"])
    provider = as_persona("provider", timeout_ms=60000)
    page = provider.open("accounts:organisation_detail", demo_world["organisations"]["family-support-cic"].pk)
    expect(page.locator("#residents-not-listed")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Demo provider worker")
    provider.open("funding:my_applications")
    expect(page.locator("table")).to_contain_text("Kinship carers' peer circle")
    provider.open("funding:award_detail", award.pk)
    cell = page.locator("#award-innovation")
    expect(cell).to_contain_text(innovation.title)
    expect(cell.get_by_role("link")).to_have_count(0)
    for name in ("accounts:organisations", "funding:fund_list", "portfolio:index", "participation:themes"):
        provider.go(reverse(name), status=403, scan=False)
