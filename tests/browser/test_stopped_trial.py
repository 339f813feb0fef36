"""A trial stopped for harm, as a member of the public sees it in a browser: the registry,
the result page, the report, the PDF and the library case all say "Stopped early for harm",
with axe (WCAG 2.2 AA) clean on every page visited."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import expect_not_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_trial_stopped_for_harm_says_so_everywhere(as_persona, demo_world) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from seedbed.demo.trial_outcomes import STOPPED_TITLE
    from seedbed.library.models import Case
    from seedbed.trials.models import Trial

    trial = Trial.objects.get(title=STOPPED_TITLE)
    case = Case.objects.get(trial=trial)
    headline = f"Stopped early for harm on {trial.stopped_at:%-d %B %Y}"
    public = as_persona("anonymous")

    page = public.go("/trials/")
    row = page.get_by_role("row").filter(has_text=STOPPED_TITLE)
    expect(row).to_contain_text("Stopped early for harm")

    page = public.go(f"/trials/registry/{trial.pk}/")
    expect(page.locator("#stopped-heading")).to_have_text(headline)

    page = public.go(f"/trials/registry/{trial.pk}/result/")
    expect(page.locator("#stopped-heading")).to_have_text(headline)
    expect(page.locator("#stopped-reasons")).to_contain_text("harm boundary was crossed")
    expect(page.locator("#result-finding")).to_have_text("Stopped early for harm: the intervention did harm")
    expect(page.locator("#evidence-reasons")).to_contain_text("stopped early for harm")
    expect_not_in_page(page, "Null (no clear difference)")

    public.follow("Read the full report (printable)")
    expect(page.locator("#stopped-heading")).to_have_text(headline)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (PDF)").click()
    with open(download.value.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = " ".join(" ".join((p.extract_text() or "") for p in reader.pages).split())
    assert headline in text and "the intervention did harm" in text
    assert "Null (no clear difference)" not in text

    page = public.go(f"/trials/registry/{trial.pk}/result/")
    public.follow(page.locator("#library-case-link"))
    expect(page.get_by_role("heading", level=1)).to_have_text(case.title)
    expect(page.locator("#case-direction")).to_have_text("Harmful (stopped early for harm)")
    expect(page.locator("#case-stopped-banner")).to_contain_text(headline)

    page = public.go("/library/?stopped=harm")
    expect(page.locator("#case-results")).to_contain_text(STOPPED_TITLE)
    expect(page.locator(f'[data-case="{case.pk}"]')).to_contain_text("Stopped early for harm")
