"""A light world for service tests: two organisations and the personas trials need, built
through the accounts services without the rest of the demo (which is slow to build)."""

from __future__ import annotations

from typing import Any

import pytest

from seedbed.demo.personas import DEMO_PASSWORD

PEOPLE = (
    ("lead", "Demo innovation lead", "innovation_lead", "childrens-services"),
    ("analyst", "Demo analyst", "analyst", "childrens-services"),
    ("safety", "Demo safety lead", "safety_lead", "childrens-services"),
    ("frontline", "Demo frontline worker", "frontline", "childrens-services"),
    ("provider", "Demo provider worker", "frontline", "family-support-cic"),
)


@pytest.fixture
def trial_world(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from seedbed.accounts.services import membership_grant, organisation_create, person_create

    organisations = {
        "childrens-services": organisation_create(
            name="Children's Services", slug="childrens-services", kind="service"),
        "family-support-cic": organisation_create(
            name="Northfield Family Support CIC", slug="family-support-cic", kind="provider"),
    }
    users = {}
    for username, name, role, org in PEOPLE:
        users[username] = person_create(username=username, email="", display_name=name,
                                        password=DEMO_PASSWORD)
        membership_grant(user=users[username], organisation=organisations[org], role=role)
    return {"users": users, "organisations": organisations}
