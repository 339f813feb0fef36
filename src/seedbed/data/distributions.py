"""Per-arm histograms of each outcome, pushed down to the engine like the cell aggregation.

Bins are equal-width between the smallest and largest value over all arms; bin counts below
the disclosure threshold are suppressed (None) before they leave this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from seedbed.data.checks import DEFAULT_SUPPRESS_BELOW
from seedbed.data.engines import Engine
from seedbed.data.schema import TrialSchema
from seedbed.data.sql import histogram_query, range_query

DEFAULT_BINS = 20


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
    ranges = engine.fetch(range_query(schema=schema, relation=engine.relation,
                                      dialect=engine.dialect)).to_pylist()
    out = []
    for i, outcome in enumerate(schema.outcomes):
        lows = [r[f"o{i}_min"] for r in ranges if r[f"o{i}_min"] is not None]
        highs = [r[f"o{i}_max"] for r in ranges if r[f"o{i}_max"] is not None]
        if not lows:
            out.append(Histogram(outcome=outcome, edges=(), counts=()))
            continue
        low, high = float(min(lows)), float(max(highs))
        width = (high - low) / bins if high > low else 1.0
        if not math.isfinite(width) or width <= 0:
            width = 1.0
        rows = engine.fetch(histogram_query(
            schema=schema, relation=engine.relation, dialect=engine.dialect, outcome=outcome,
            low=low, width=width, bins=bins)).to_pylist()
        per_arm: dict[str, list[int | None]] = {}
        for r in rows:
            arm = str(r["k0"])
            counts = per_arm.setdefault(arm, [0] * bins)
            b = min(max(int(r["bin"]), 0), bins - 1)
            counts[b] = (counts[b] or 0) + int(r["n"])
        shown = tuple(
            (arm, tuple(None if c is not None and 0 < c < suppress_below else c for c in counts))
            for arm, counts in sorted(per_arm.items())
        )
        edges = tuple(low + width * j for j in range(bins + 1))
        out.append(Histogram(outcome=outcome, edges=edges, counts=shown))
    return tuple(out)
