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
