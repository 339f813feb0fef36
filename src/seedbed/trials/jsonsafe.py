"""JSON-safe copies of engine results for JSON fields (NaN and infinity become None)."""

from __future__ import annotations

import math
from typing import Any


def json_safe(value: Any) -> Any:
    """Copy with tuples as lists, numpy scalars as Python numbers, NaN/inf as None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
