"""Fetching the cell aggregation from an engine into sorted numpy arrays.

Engines return cells in no particular order; sorting them by key before any further summing
makes the Python-side arithmetic identical whichever engine produced the cells, so the three
engines agree to the rounding of their in-engine sums (about 1e-15 relative per cell).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seedbed.data.engines import Engine, ProgressCallback
from seedbed.data.schema import TrialSchema
from seedbed.data.sql import cells_query, key_alias


@dataclass(frozen=True)
class KeyColumn:
    """Integer codes per cell (-1 for a missing label) into ``levels`` (a pyarrow array)."""

    codes: np.ndarray
    levels: pa.Array

    def labels(self) -> list[str | None]:
        """The distinct labels as text, in code (sorted) order."""
        return [None if v is None else str(v) for v in self.levels.to_pylist()]

    def label(self, code: int) -> str | None:
        """The label of one code (None for a missing label)."""
        return None if code < 0 else str(self.levels[code].as_py())

    def take(self, mask: np.ndarray) -> KeyColumn:
        return KeyColumn(codes=self.codes[mask], levels=self.levels)


@dataclass(frozen=True)
class Cells:
    """One entry per arm x stratum x cluster x subgroup cell, sorted by key.

    ``keys`` maps each key column name (schema order) to its codes and levels; ``stats`` maps
    each statistic column of the cell query to a float64 array.
    """

    keys: dict[str, KeyColumn]
    stats: dict[str, np.ndarray]

    @property
    def size(self) -> int:
        return len(next(iter(self.stats.values()))) if self.stats else 0

    def take(self, mask: np.ndarray) -> Cells:
        """The cells where ``mask`` is true (order kept)."""
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


def _encode(column: pa.ChunkedArray) -> KeyColumn:
    """Codes that are ranks in sorted label order (-1 for missing) and the sorted labels."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    dictionary = encoded.dictionary
    order = np.asarray(pc.sort_indices(dictionary).to_numpy(zero_copy_only=False), np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    indices = encoded.indices
    raw = indices.to_numpy(zero_copy_only=False)
    if indices.null_count:
        valid = np.asarray(indices.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        raw = np.where(valid, np.nan_to_num(raw.astype(float), nan=0.0), -1.0)
    raw = np.asarray(raw, dtype=np.int64)
    codes = np.where(raw >= 0, rank[np.clip(raw, 0, None)], -1) if len(raw) else raw
    return KeyColumn(codes=codes.astype(np.int64), levels=dictionary.take(pa.array(order)))


def cells_from_table(*, table: pa.Table, schema: TrialSchema) -> Cells:
    """Sort an engine's cell table by key and convert it to numpy arrays.

    Keys are compared in their own type (numbers as numbers, text bytewise), which every engine
    returns identically, so the cell order - and with it every later sum - is engine-free.
    """
    names = list(schema.key_columns)
    rename = {key_alias(i): name for i, name in enumerate(names)}
    table = table.rename_columns([rename.get(c, c) for c in table.column_names])
    keys = {n: _encode(table[n]) for n in names}
    order = np.arange(table.num_rows)
    if table.num_rows:
        sort_keys = [np.where(keys[c].codes >= 0, keys[c].codes, len(keys[c].levels))
                     for c in sort_columns(schema)]
        order = np.lexsort(sort_keys[::-1])
    keys = {n: KeyColumn(codes=k.codes[order], levels=k.levels) for n, k in keys.items()}
    stats: dict[str, np.ndarray] = {}
    for name in table.column_names:
        if name in rename.values():
            continue
        col = pc.cast(table[name], pa.float64()).to_numpy(zero_copy_only=False)
        stats[name] = np.nan_to_num(np.asarray(col, dtype=float), nan=0.0)[order]
    return Cells(keys=keys, stats=stats)


def fetch_cells(
    *, engine: Engine, schema: TrialSchema, progress: ProgressCallback | None = None
) -> Cells:
    """Run the cell aggregation on ``engine`` and return the sorted cells."""
    sql = cells_query(schema=schema, relation=engine.relation, dialect=engine.dialect)
    return cells_from_table(table=engine.fetch(sql, progress=progress), schema=schema)
