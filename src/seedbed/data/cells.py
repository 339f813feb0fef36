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
        """The distinct labels, in code order."""
        return [None if v is None else str(v) for v in self.levels.to_pylist()]

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


def cells_from_table(*, table: pa.Table, schema: TrialSchema) -> Cells:
    """Sort an engine's cell table by key and convert it to numpy arrays."""
    names = list(schema.key_columns)
    rename = {key_alias(i): name for i, name in enumerate(names)}
    table = table.rename_columns([rename.get(c, c) for c in table.column_names])
    for name in names:
        if not pa.types.is_string(table.schema.field(name).type):
            table = table.set_column(
                table.schema.get_field_index(name), name, pc.cast(table[name], pa.string())
            )
    if table.num_rows:
        order = pc.sort_indices(
            table, sort_keys=[(c, "ascending", "at_end") for c in sort_columns(schema)]
        )
        table = table.take(order)
    keys: dict[str, KeyColumn] = {}
    for n in names:
        encoded = pc.dictionary_encode(table[n].combine_chunks())
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        keys[n] = KeyColumn(codes=codes.astype(np.int64), levels=encoded.dictionary)
    stats: dict[str, np.ndarray] = {}
    for name in table.column_names:
        if name in rename.values():
            continue
        col = pc.cast(table[name], pa.float64())
        stats[name] = np.nan_to_num(col.to_numpy(zero_copy_only=False), nan=0.0)
    return Cells(keys=keys, stats=stats)


def fetch_cells(
    *, engine: Engine, schema: TrialSchema, progress: ProgressCallback | None = None
) -> Cells:
    """Run the cell aggregation on ``engine`` and return the sorted cells."""
    sql = cells_query(schema=schema, relation=engine.relation, dialect=engine.dialect)
    return cells_from_table(table=engine.fetch(sql, progress=progress), schema=schema)
