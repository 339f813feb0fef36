"""Fuzz every API operation from the OpenAPI schema: no 5xx, documented responses match the
schema, and any response the schema does not list is a client error with a clear message."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance, status_code_conformance

from seedbed.config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def fuzz_token(demo_world):  # type: ignore[no-untyped-def]
    from seedbed.accounts.services import api_token_issue

    return api_token_issue(user=demo_world["users"]["admin"], name="fuzz", scopes=("read", "write"))[1]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db(transaction=True)
def test_api_operations(case, fuzz_token) -> None:  # type: ignore[no-untyped-def]
    # Input the API rejects (422 from validation, 400 for NUL bytes, 404) need not be listed per
    # operation, even when the schema's string types would allow it;
    # instead every such answer must be a 4xx JSON body that says what was wrong.
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_token}"}, excluded_checks=[status_code_conformance, positive_data_acceptance]
    )
    documented = {str(code) for code in case.operation.definition.raw.get("responses", {})}
    if str(response.status_code) not in documented:
        assert 400 <= response.status_code < 500, f"{case.path}: undocumented {response.status_code}"
        try:
            body = response.json()
        except ValueError:  # a path or method the router itself refuses (404 page, 405)
            assert response.status_code in (404, 405), f"{case.path}: {response.status_code} {response.text[:200]}"
        else:
            assert body.get("detail"), f"{case.path}: a {response.status_code} without a message"
