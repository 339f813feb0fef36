"""Voices test helpers."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    """Rate-limit counters and the themes debounce live in the cache; start each test clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _only_the_voices_demo(monkeypatch):  # type: ignore[no-untyped-def]
    """Build the personas and the Voices demo only: these tests need nothing else, and the
    other capabilities' demo data would only slow them down."""
    from seedbed.demo import build

    monkeypatch.setattr(build, "CAPABILITY_STEPS", ("participation",))
