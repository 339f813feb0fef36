"""Shared fixtures for the participatory-budgeting engine tests (no Django needed)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pb_helpers import pabulib_path


@pytest.fixture(scope="session")
def reference() -> dict[str, Any]:
    """Winners per rule computed by pabutools 1.2.3 (exact fractions) and city selections."""
    path = pabulib_path("reference_outcomes.json")
    data = json.loads(path.read_text())
    return {item["file"]: item for item in data["instances"]}


@pytest.fixture(scope="session")
def elections() -> dict[str, Any]:
    """The real elections, parsed once (lazily, so a missing file skips only its tests)."""
    from seedbed.pb import parse

    cache: dict[str, Any] = {}

    class _Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, name: str) -> Any:
            cache[name] = parse(pabulib_path(name))
            self[name] = cache[name]
            return cache[name]

    return _Lazy()
