"""The provider's own pages in Chromium (docs/access.md): its organisation's page without
residents' names, its applications, its award with the innovation named but not linked, and
the council's pages refused; each page it may open passes axe."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_provider_walks_its_own_pages(browser, live_server, demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.funding.models import Award
    from seedbed.portfolio.models import Innovation
    from seedbed.portfolio.services.innovation import innovation_link_add

    award = Award.objects.get(application__title="Family breakfast club")
    innovation = Innovation.objects.order_by("pk").first()
    innovation_link_add(innovation=innovation, kind="award", label=award.reference, target=award,
                        actor=demo_world["users"]["lead"])
    provider = Persona(browser, live_server.url, "provider", timeout_ms=60000)
    page = provider.go(reverse("accounts:organisation_detail", args=[demo_world["organisations"]["family-support-cic"].pk]))
    assert page.locator("#residents-not-listed").is_visible()
    assert "Demo provider worker" in page.locator("table").inner_text()
    page = provider.go(reverse("funding:my_applications"))
    assert "Kinship carers' peer circle" in page.locator("table").inner_text()
    page = provider.go(reverse("funding:award_detail", args=[award.pk]))
    cell = page.locator("#award-innovation")
    assert innovation.title in cell.inner_text() and cell.get_by_role("link").count() == 0
    for name in ("accounts:organisations", "funding:fund_list", "portfolio:index", "participation:themes"):
        response = provider.page.goto(live_server.url + reverse(name))
        assert response is not None and response.status == 403, name
    provider.close()
