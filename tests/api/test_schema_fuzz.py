"""Fuzz every API operation from the OpenAPI schema: no 5xx, responses match the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from seedbed.config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def fuzz_token(demo_world):  # type: ignore[no-untyped-def]
    from seedbed.accounts.services import api_token_issue

    return api_token_issue(user=demo_world["users"]["admin"], name="fuzz")[1]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db(transaction=True)
def test_api_operations(case, fuzz_token) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_token}"})
