"""Malformed inputs are rejected whole with row and column messages, and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seedbed.data import DataError, TrialSchema, ingest, validate_file
from seedbed.data import staging as staging_module
from seedbed.data.errors import (
    KIND_BAD_HEADER,
    KIND_BAD_ROW,
    KIND_CLUSTER_IN_SEVERAL_ARMS,
    KIND_DUPLICATE_UNIT,
    KIND_EMPTY_ARM,
    KIND_EMPTY_FILE,
    KIND_MISSING_ARM,
    KIND_MISSING_COLUMN,
    KIND_NOT_A_NUMBER,
    KIND_NOT_ALLOCATED,
    KIND_UNKNOWN_ARM,
    MAX_LISTED_PROBLEMS,
    MSG_CLUSTER_IN_SEVERAL_ARMS,
    MSG_DUPLICATE_UNIT,
    MSG_EMPTY_ARM,
    MSG_EMPTY_FILE,
    MSG_MISSING_ARM,
    MSG_MISSING_COLUMN_DELIMITER_HINT,
    MSG_MORE,
    MSG_NO_DATA_ROWS,
    MSG_NOT_A_NUMBER,
    MSG_NOT_ALLOCATED,
    MSG_UNKNOWN_ARM,
)

SCHEMA = TrialSchema(arm="arm", outcomes=("y",), unit="unit", arms=("control", "treatment"))
CLUSTERED = TrialSchema(arm="arm", outcomes=("y",), unit="unit", cluster="school",
                        arms=("control", "treatment"))


def _write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _reject(tmp_path: Path, path: Path, schema: TrialSchema = SCHEMA, *, kind: str) -> DataError:
    """The refusal ingesting ``path`` gives, which must count a problem of ``kind``."""
    out = tmp_path / "store" / "trial.parquet"
    with pytest.raises(DataError, match=rf"\b{kind}: \d") as info:
        ingest(path=path, schema=schema, out=out)
    assert not out.exists()
    assert not any(out.parent.glob("*")) if out.parent.exists() else True
    return info.value


def test_the_documented_unknown_arm_message(tmp_path: Path) -> None:
    path = _write(tmp_path, "unit,arm,y\n" + "".join(f"u{i},control,1\n" for i in range(15))
                  + "u15,tretment,2\nu16,treatment,3\n")
    err = _reject(tmp_path, path, kind=KIND_UNKNOWN_ARM)
    assert 'row 17, column "arm": unknown arm label "tretment" (expected one of: control, '\
        'treatment)' in err.report.lines()
    assert MSG_UNKNOWN_ARM.format(row=17, column="arm", value="tretment",
                                  expected="control, treatment") in str(err)


def test_every_problem_reported_with_row_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "unit,arm,y\nu1,control,1.5\nu2,,2\nu3,treatment,abc\n"
                            "u1,treatment,3\nu5,control,4,extra\nu6,treatment,5\n")
    err = _reject(tmp_path, path, kind=KIND_MISSING_ARM)
    kinds = dict(err.report.counts)
    assert kinds == {KIND_MISSING_ARM: 1, KIND_NOT_A_NUMBER: 1, KIND_DUPLICATE_UNIT: 1,
                     KIND_BAD_ROW: 1}
    messages = [p.message for p in err.report.problems]
    assert MSG_MISSING_ARM.format(row=3, column="arm") in messages
    assert MSG_NOT_A_NUMBER.format(row=4, column="y", value="abc") in messages
    assert MSG_DUPLICATE_UNIT.format(row=5, column="unit", value="u1", first=2) in messages
    assert "row 6: expected 3 fields, found 4" in messages
    assert [p.row for p in err.report.problems] == sorted(p.row for p in err.report.problems)


def test_empty_file(tmp_path: Path) -> None:
    err = _reject(tmp_path, _write(tmp_path, ""), kind=KIND_EMPTY_FILE)
    assert err.report.problems[0].kind == KIND_EMPTY_FILE
    assert err.report.problems[0].message == MSG_EMPTY_FILE


def test_header_only(tmp_path: Path) -> None:
    err = _reject(tmp_path, _write(tmp_path, "unit,arm,y\n"), kind=KIND_EMPTY_FILE)
    assert err.report.problems[0].message == MSG_NO_DATA_ROWS


def test_wrong_delimiter_names_the_likely_one(tmp_path: Path) -> None:
    err = _reject(tmp_path, _write(tmp_path, "unit;arm;y\nu1;control;1\n"), kind=KIND_MISSING_COLUMN)
    assert dict(err.report.counts) == {KIND_MISSING_COLUMN: 3}
    assert err.report.problems[0].message == MSG_MISSING_COLUMN_DELIMITER_HINT.format(
        column="arm", found='"unit;arm;y"', delimiter=";", expected=",")


def test_text_value_in_numeric_column(tmp_path: Path) -> None:
    err = _reject(tmp_path, _write(tmp_path, "unit,arm,y\nu1,control,1\nu2,treatment,n/a x\n"), kind=KIND_NOT_A_NUMBER)
    assert err.report.problems[0].message == MSG_NOT_A_NUMBER.format(row=3, column="y",
                                                                     value="n/a x")


def test_arm_with_no_rows(tmp_path: Path) -> None:
    err = _reject(tmp_path, _write(tmp_path, "unit,arm,y\nu1,control,1\nu2,control,2\n"), kind=KIND_EMPTY_ARM)
    assert err.report.problems[0].kind == KIND_EMPTY_ARM
    assert err.report.problems[0].message == MSG_EMPTY_ARM.format(column="arm", value="treatment")


def test_cluster_in_both_arms(tmp_path: Path) -> None:
    path = _write(tmp_path, "unit,arm,y,school\nu1,control,1,A\nu2,treatment,2,B\n"
                            "u3,treatment,3,A\nu4,control,4,C\n")
    err = _reject(tmp_path, path, CLUSTERED, kind=KIND_CLUSTER_IN_SEVERAL_ARMS)
    assert dict(err.report.counts) == {KIND_CLUSTER_IN_SEVERAL_ARMS: 1}
    assert err.report.problems[0].message == MSG_CLUSTER_IN_SEVERAL_ARMS.format(
        row=4, column="school", value="A", arm="treatment", first_arm="control", first=2)


def test_unit_not_in_allocation_list(tmp_path: Path) -> None:
    path = _write(tmp_path, "unit,arm,y\nu1,control,1\nu2,treatment,2\nu9,treatment,3\n")
    alloc = _write(tmp_path, "unit,arm\nu1,control\nu2,treatment\n", "alloc.csv")
    out = tmp_path / "o.parquet"
    with pytest.raises(DataError, match=rf"\b{KIND_NOT_ALLOCATED}: \d") as info:
        ingest(path=path, schema=SCHEMA, out=out, allocation=alloc)
    assert dict(info.value.report.counts) == {KIND_NOT_ALLOCATED: 1}
    assert info.value.report.problems[0].message == MSG_NOT_ALLOCATED.format(
        row=4, column="unit", value="u9")
    assert not out.exists()


def test_100000_bad_rows_capped_list_with_counts(tmp_path: Path) -> None:
    n = 100_000
    df = pd.DataFrame({"unit": [f"u{i}" for i in range(n + 10)],
                       "arm": ["tretment"] * n + ["control"] * 5 + ["treatment"] * 5,
                       "y": np.arange(n + 10, dtype=float)})
    path = tmp_path / "big.csv"
    df.to_csv(path, index=False)
    err = _reject(tmp_path, path, kind=KIND_UNKNOWN_ARM)
    assert dict(err.report.counts) == {KIND_UNKNOWN_ARM: n}
    assert len(err.report.problems) == MAX_LISTED_PROBLEMS
    assert err.report.problems[0].row == 2
    assert err.report.problems[-1].row == MAX_LISTED_PROBLEMS + 1
    rest = n - MAX_LISTED_PROBLEMS
    assert err.report.lines()[-1] == MSG_MORE.format(count=f"{rest:,}", s="s")


def test_excel_merged_header_cells(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["unit", "arm", "outcome", None])
    ws.merge_cells("C1:D1")
    ws.append(["u1", "control", 1.0, 2.0])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    err = _reject(tmp_path, path, kind=KIND_BAD_HEADER)
    assert err.report.problems[0].kind == KIND_BAD_HEADER
    assert "C1:D1" in err.report.problems[0].message


def test_excel_round_trip_and_row_numbers(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["unit", "arm", "y"])
    ws.append([1, "control", 1.5])
    ws.append([2, "treatment", "lots"])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    report = validate_file(path=path, schema=SCHEMA)
    assert [p.message for p in report.problems] == [
        MSG_NOT_A_NUMBER.format(row=3, column="y", value="lots")]
    ws["C3"] = 2.0
    wb.save(path)
    stored = ingest(path=path, schema=SCHEMA, out=tmp_path / "o.parquet")
    back = pd.read_parquet(stored.path)
    assert back["unit"].tolist() == ["1", "2"] and back["y"].tolist() == [1.5, 2.0]


def test_parquet_rows_are_record_numbers(tmp_path: Path) -> None:
    df = pd.DataFrame({"unit": ["a", "b", "c"], "arm": ["control", "treatment", "oops"],
                       "y": [1.0, 2.0, 3.0]})
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    report = validate_file(path=path, schema=SCHEMA)
    assert report.problems[0].row == 3 and report.problems[0].column == "arm"


def test_valid_csv_is_stored_typed(tmp_path: Path) -> None:
    path = _write(tmp_path, 'unit,arm,y,other\nu1,control," 1.5 "\nu2,treatment,,x\n'
                  .replace('1.5 "\n', '1.5 ",z\n'))
    stored = ingest(path=path, schema=SCHEMA, out=tmp_path / "o.parquet")
    back = pd.read_parquet(stored.path)
    assert list(back.columns) == ["unit", "arm", "y"]
    assert back["y"].iloc[0] == 1.5 and np.isnan(back["y"].iloc[1])


def test_csv_is_streamed_in_blocks(tmp_path: Path, monkeypatch) -> None:
    """A large file is parsed block by block (never whole): many row groups are written."""
    import pyarrow.parquet as pq

    monkeypatch.setattr(staging_module, "BLOCK_BYTES", 4096)
    rows = "".join(f"u{i},{'control' if i % 2 else 'treatment'},{i}\n" for i in range(20_000))
    path = _write(tmp_path, "unit,arm,y\n" + rows)
    staged = tmp_path / "staged.parquet"
    report = staging_module.stage_csv(path=path, schema=SCHEMA, out=staged)
    assert report.ok
    meta = pq.ParquetFile(staged).metadata
    assert meta.num_rows == 20_000 and meta.num_row_groups > 20
