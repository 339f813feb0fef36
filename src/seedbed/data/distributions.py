"""Per-arm histograms of each outcome, pushed down to the engine like the cell aggregation.

Bins are equal-width between the smallest and largest value over all arms; bin counts below
the disclosure threshold are suppressed (None) before they leave this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from seedbed.data.checks import DEFAULT_SUPPRESS_BELOW, suppress_counts
from seedbed.data.engines import Columns, Encoded, Engine
from seedbed.data.schema import TrialSchema
from seedbed.data.sql import histogram_query, range_query

DEFAULT_BINS = 20


def _finite(v: Any) -> bool:
    return v is not None and math.isfinite(float(v))


def _decoded(column: Any) -> Any:
    if isinstance(column, Encoded):
        levels = column.levels.to_pylist()
        out = np.empty(len(column.codes), dtype=object)
        out[:] = [levels[c] if c >= 0 else None for c in column.codes.tolist()]
        return out
    return column


def _rows(columns: Columns) -> list[dict[str, Any]]:
    columns = {n: _decoded(c) for n, c in columns.items()}
    names = list(columns)
    size = len(columns[names[0]]) if names else 0
    out = []
    for i in range(size):
        row: dict[str, Any] = {}
        for n in names:
            col = columns[n]
            masked = isinstance(col, np.ma.MaskedArray) and bool(np.ma.getmaskarray(col)[i])
            v: Any = None if masked else col[i]
            row[n] = v.item() if v is not None and hasattr(v, "item") else v
        out.append(row)
    return out


@dataclass(frozen=True)
class Histogram:
    """Bin edges and, per arm, the (disclosure-controlled) count in each bin."""

    outcome: str
    edges: tuple[float, ...]
    counts: tuple[tuple[str, tuple[int | None, ...]], ...]


def histograms(
    *, engine: Engine, schema: TrialSchema, bins: int = DEFAULT_BINS,
    suppress_below: int = DEFAULT_SUPPRESS_BELOW,
) -> tuple[Histogram, ...]:
    """One histogram per outcome: two small aggregation queries each (range, then counts)."""
    ranges = _rows(engine.fetch(range_query(schema=schema, relation=engine.relation,
                                            dialect=engine.dialect)))
    out = []
    for i, outcome in enumerate(schema.outcomes):
        lows = [r[f"o{i}_min"] for r in ranges if _finite(r[f"o{i}_min"])]
        highs = [r[f"o{i}_max"] for r in ranges if _finite(r[f"o{i}_max"])]
        if not lows:
            out.append(Histogram(outcome=outcome, edges=(), counts=()))
            continue
        low, high = float(min(lows)), float(max(highs))
        width = (high - low) / bins if high > low else 1.0
        if not math.isfinite(width) or width <= 0:
            width = 1.0
        rows = _rows(engine.fetch(histogram_query(
            schema=schema, relation=engine.relation, dialect=engine.dialect, outcome=outcome,
            low=low, width=width, bins=bins)))
        per_arm: dict[str, list[int | None]] = {}
        for r in rows:
            arm = str(r["k0"])
            counts = per_arm.setdefault(arm, [0] * bins)
            b = min(max(int(r["bin"]), 0), bins - 1)
            counts[b] = (counts[b] or 0) + int(r["n"])
        # each arm's bins add up to its published size, so they are protected as a line
        shown = tuple(
            (arm, tuple(suppress_counts([c or 0 for c in counts], below=suppress_below)))
            for arm, counts in sorted(per_arm.items())
        )
        edges = tuple(low + width * j for j in range(bins + 1))
        out.append(Histogram(outcome=outcome, edges=edges, counts=shown))
    return tuple(out)
