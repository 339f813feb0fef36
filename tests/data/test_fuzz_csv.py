"""Hypothesis fuzzing of the CSV reader: any bytes give a report or a DataError, never a crash."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedbed.data import DataError, TrialSchema, ingest, validate_file

SCHEMA = TrialSchema(arm="arm", outcomes=("y",), unit="unit", arms=("control", "treatment"))

cell = st.one_of(
    st.sampled_from(["control", "treatment", "", "1", "-2.5e3", "nan", "inf", "x", '"', "a,b",
                     "\n", "\r\n", ";", "\t", " ", "\x00", "é", "1e309"]),
    st.text(max_size=6),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_bytes(b"unit,arm,y\n" + data if data[:1] != b"!" else data)
        try:
            report = validate_file(path=path, schema=SCHEMA)
        except DataError as exc:
            assert exc.report.total >= 1 and str(exc)
        else:
            assert all(p.message for p in report.problems)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(cell, cell, cell), max_size=12),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_structured_rows_never_crash(rows: list[tuple[str, str, str]], delimiter: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        lines = [delimiter.join(["unit", "arm", "y"])] + [delimiter.join(r) for r in rows]
        path.write_text("\n".join(lines), encoding="utf-8")
        try:
            validate_file(path=path, schema=SCHEMA, delimiter=delimiter)
        except DataError as exc:
            assert exc.report.total >= 1


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64),
                       min_size=2, max_size=30))
def test_valid_files_round_trip_exactly(values: list[float]) -> None:
    arms = ["control", "treatment"] * len(values)
    df = pd.DataFrame({"unit": [f"u{i}" for i in range(len(values))],
                       "arm": arms[: len(values)], "y": values})
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "t.csv"
        df.to_csv(src, index=False, float_format="%.17g")
        stored = ingest(path=src, schema=SCHEMA, out=Path(tmp) / "o.parquet")
        back = pd.read_parquet(stored.path)
    assert back["y"].tolist() == values
    assert back["unit"].tolist() == df["unit"].tolist()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300), bom=st.booleans(),
       encoding=st.sampled_from(["utf-8", "cp1252", "latin-1", "utf-16", "ascii"]))
def test_arbitrary_bytes_in_any_encoding_never_crash(data: bytes, bom: bool,
                                                     encoding: str) -> None:
    """Any bytes, with or without a byte-order mark, in any encoding: a report or a DataError
    whose problems all name a row, never a crash."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + b"unit,arm,y\n" + data)
        try:
            report = validate_file(path=path, schema=SCHEMA, encoding=encoding)
        except DataError as exc:
            assert exc.report.total >= 1 and str(exc)
            for p in exc.report.problems:
                if p.kind == "bad_encoding":
                    assert p.row is not None and p.column and f"row {p.row}" in p.message
        else:
            assert all(p.message for p in report.problems)
