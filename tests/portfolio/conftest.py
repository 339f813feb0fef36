from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest


@pytest.fixture
def make_innovation(db) -> Any:  # type: ignore[no-untyped-def]
    """An innovation in a given stage of the default lifecycle, owned by a fresh lead."""
    from seedbed.accounts.services import membership_grant, organisation_create, person_create
    from seedbed.portfolio import services
    from seedbed.portfolio.models import Stage

    org = organisation_create(name="Test Council", slug="test-council", kind="council")
    lead = person_create(username="t-lead", email="l@example.org", display_name="Lead", password=None)
    reviewer = person_create(username="t-rev", email="r@example.org", display_name="Reviewer", password=None)
    membership_grant(user=lead, organisation=org, role="innovation_lead")
    membership_grant(user=reviewer, organisation=org, role="panel_member")
    area = services.service_area_create(name="Test area", slug="test-area", appetite="cautious", actor=lead)
    default = services.stage_set_install(slug="seedbed-default", actor=lead)

    def make(at: str = "latent", budget: int = 1000) -> Any:
        stage = Stage.objects.get(stage_set=default, slug=at)
        innovation = services.innovation_create(
            title=f"Innovation at {at}", problem="A problem", owner=lead, lead_organisation=org,
            typology="service", service_area=area, stage=stage, budget=Decimal(budget), actor=lead)
        innovation.test_lead = lead
        innovation.test_reviewer = reviewer
        return innovation

    return make
