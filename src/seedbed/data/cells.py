"""Fetching the cell aggregation from an engine into sorted numpy arrays.

Engines return cells in no particular order; sorting them by key before any further summing
makes the Python-side arithmetic identical whichever engine produced the cells, so the three
engines agree to the rounding of their in-engine sums (about 1e-15 relative per cell).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from seedbed.data.engines import Columns, Encoded, Engine, ProgressCallback
from seedbed.data.schema import TrialSchema
from seedbed.data.sql import cells_query, key_alias


@dataclass(frozen=True)
class KeyColumn:
    """Integer codes per cell (-1 for a missing label) into the sorted ``levels``."""

    codes: np.ndarray
    levels: Any

    def labels(self) -> list[str | None]:
        """The distinct labels as text, in code (sorted) order."""
        values = self.levels.to_pylist() if hasattr(self.levels, "to_pylist") else \
            self.levels.tolist()
        return [str(v) for v in values]

    def label(self, code: int) -> str | None:
        """The label of one code (None for a missing label)."""
        if code < 0:
            return None
        value = self.levels[code]
        for method in ("as_py", "item"):
            if hasattr(value, method):
                value = getattr(value, method)()
                break
        return str(value)

    def take(self, mask: np.ndarray) -> KeyColumn:
        return KeyColumn(codes=self.codes[mask], levels=self.levels)


MeatFunction = Callable[
    [dict[str, str], np.ndarray, "int | None", np.ndarray], tuple[np.ndarray, np.ndarray]]
"""(statistic names, design rows of the cells, covariate column, coefficients) ->
(sum over clusters of s_g s_g', clusters with observations per arm code)."""


@dataclass(frozen=True)
class PushedClusters:
    """Clusters that stayed in the engine (``seedbed.data.pushdown``).

    The cells are then per-arm totals, ``clusters_per_arm`` counts each arm's clusters (by
    arm code) and ``meat`` returns the CR1 score sums computed where the data live.
    """

    clusters_per_arm: np.ndarray
    meat: MeatFunction


@dataclass(frozen=True)
class Cells:
    """One entry per arm x stratum x cluster x subgroup cell, sorted by key.

    ``keys`` maps each key column name (schema order) to its codes and levels; ``stats`` maps
    each statistic column of the cell query to a float64 array.
    """

    keys: dict[str, KeyColumn]
    stats: dict[str, np.ndarray]
    pushed: PushedClusters | None = None

    @property
    def size(self) -> int:
        return len(next(iter(self.stats.values()))) if self.stats else 0

    def take(self, mask: np.ndarray) -> Cells:
        """The cells where ``mask`` is true (order kept; not for pushed clusters)."""
        if self.pushed is not None:
            raise ValueError("cells whose clusters stayed in the engine cannot be subset")
        return Cells(
            keys={k: v.take(mask) for k, v in self.keys.items()},
            stats={k: v[mask] for k, v in self.stats.items()},
        )


def sort_columns(schema: TrialSchema) -> list[str]:
    """Cluster first (so a cluster's cells are contiguous), then the other keys."""
    keys = list(schema.key_columns)
    if schema.cluster:
        keys.remove(schema.cluster)
        keys.insert(0, schema.cluster)
    return keys


def _null_mask(values: np.ndarray) -> np.ndarray:
    if isinstance(values, np.ma.MaskedArray):
        return np.ma.getmaskarray(values)
    if values.dtype == object:
        return np.fromiter((v is None or (isinstance(v, float) and v != v) for v in values),
                           dtype=bool, count=len(values))
    if values.dtype.kind == "f":
        return np.isnan(values)
    return np.zeros(len(values), dtype=bool)


def _encode(values: Any) -> KeyColumn:
    """Codes that are ranks in sorted label order (-1 for missing) and the sorted labels.

    Labels are compared in their own type (numbers as numbers, text by code point), which
    every engine returns identically, so the cell order is the same whatever the engine.
    """
    if isinstance(values, Encoded):
        import pyarrow as pa
        import pyarrow.compute as pc

        order = np.frombuffer(pc.sort_indices(values.levels).buffers()[1], dtype=np.uint64)
        order = order[: len(values.levels)].astype(np.int64)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        codes = np.where(values.codes >= 0, rank[np.clip(values.codes, 0, None)], -1) \
            if len(order) else values.codes
        # indices handed over as an Arrow buffer: converting a numpy array would import pandas
        taken = pa.Array.from_buffers(pa.int64(), len(order), [None, pa.py_buffer(order)])
        return KeyColumn(codes=codes, levels=values.levels.take(taken))
    mask = _null_mask(values)
    data = np.asarray(values.data if isinstance(values, np.ma.MaskedArray) else values)
    codes = np.full(len(data), -1, dtype=np.int64)
    present = data[~mask]
    if data.dtype == object:
        index: dict[object, int] = {}
        raw = np.fromiter((index.setdefault(v, len(index)) for v in present), dtype=np.int64,
                          count=len(present))
        labels: list[Any] = list(index)
        by_label = sorted(range(len(labels)), key=lambda i: labels[i])
        rank = np.empty(len(labels), dtype=np.int64)
        rank[by_label] = np.arange(len(labels))
        codes[~mask] = rank[raw] if len(raw) else raw
        levels = np.empty(len(labels), dtype=object)
        levels[:] = [labels[i] for i in by_label]
    else:
        levels, inverse = np.unique(present, return_inverse=True)
        codes[~mask] = inverse.reshape(-1)
    return KeyColumn(codes=codes, levels=levels)


def _as_float(values: Any) -> np.ndarray:
    """Float64 sums with null (an empty sum) as 0."""
    if isinstance(values, np.ma.MaskedArray):
        return np.ma.filled(values.astype(float), 0.0)
    if values.dtype == object:
        return np.array([0.0 if v is None else float(v) for v in values], dtype=float)
    out = np.asarray(values, dtype=float)
    nan = np.isnan(out)
    return np.where(nan, 0.0, out) if nan.any() else out


def cells_from_columns(*, columns: Columns, schema: TrialSchema) -> Cells:
    """Sort an engine's cells by key (see ``_encode``) and convert them to float arrays.

    An integer first sort key without nulls (the usual cluster id) is sorted on its values
    directly and its codes read off the sorted run boundaries: one sort instead of two.
    """
    names = list(schema.key_columns)
    alias = {name: key_alias(i) for i, name in enumerate(names)}
    size = len(columns["n_rows"]) if "n_rows" in columns else 0
    by = sort_columns(schema)
    first = columns.get(alias[by[0]]) if by else None
    direct = (isinstance(first, np.ndarray) and not isinstance(first, np.ma.MaskedArray)
              and first.dtype.kind in "iu" and size > 0)
    keys = {n: _encode(columns[alias[n]]) for n in names if not (direct and n == by[0])}
    order = np.arange(size)
    if size:
        sort_keys = [np.where(keys[c].codes >= 0, keys[c].codes, len(keys[c].levels))
                     for c in by if c in keys]
        if direct:
            sort_keys.insert(0, np.asarray(first))
        order = np.lexsort(sort_keys[::-1])
    keys = {n: KeyColumn(codes=k.codes[order], levels=k.levels) for n, k in keys.items()}
    if direct:
        ordered = np.asarray(first)[order]
        change = np.r_[True, ordered[1:] != ordered[:-1]]
        keys[by[0]] = KeyColumn(codes=np.cumsum(change) - 1, levels=ordered[change])
        keys = {n: keys[n] for n in names}
    converted: dict[int, np.ndarray] = {}
    stats: dict[str, np.ndarray] = {}
    key_aliases = set(alias.values())
    for a, v in columns.items():
        if a in key_aliases:
            continue
        if id(v) not in converted:
            converted[id(v)] = _as_float(v)[order]
        stats[a] = converted[id(v)]
    return Cells(keys=keys, stats=stats)


def fetch_cells(
    *, engine: Engine, schema: TrialSchema, progress: ProgressCallback | None = None
) -> Cells:
    """Run the cell aggregation on ``engine`` and return the sorted cells."""
    query = cells_query(schema=schema, relation=engine.relation, dialect=engine.dialect,
                        not_null=getattr(engine, "not_null", frozenset()))
    columns = engine.fetch(query.sql, progress=progress)
    for alias, source in query.copies:
        columns[alias] = columns[source]
    return cells_from_columns(columns=columns, schema=schema)
