"""Shared fixtures for the statistics engine tests (no Django needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REFERENCE_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "reference"


def _load(name: str) -> dict[str, Any]:
    path = REFERENCE_DIR / name
    if not path.exists():
        pytest.skip(f"reference data {name} not found at {path} (../shared/data is absent)")
    return json.loads(path.read_text())


@pytest.fixture(scope="session")
def group_sequential_reference() -> dict[str, Any]:
    """Boundary table (rpact 3.3.4, cross-checked with Jennison & Turnbull 2000)."""
    return _load("group_sequential.json")


@pytest.fixture(scope="session")
def sample_size_reference() -> dict[str, Any]:
    """Worked sample-size examples with their published sources."""
    return _load("sample_size.json")
