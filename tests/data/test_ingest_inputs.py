"""Inputs that cannot mislead: byte-order marks, encodings, missing-value markers, arm case."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from seedbed.cli.main import app
from seedbed.data import DataError, TrialSchema, ingest, validate_file
from seedbed.data import staging as staging_module
from seedbed.data.errors import (
    KIND_ARM_CASE,
    KIND_BAD_ENCODING,
    KIND_MISSING_COLUMN,
    KIND_UNKNOWN_ARM,
    KIND_UNREADABLE,
    MSG_ARM_CASE,
    MSG_BAD_ENCODING,
    MSG_BAD_ENCODING_CP1252,
    MSG_BAD_ENCODING_OTHER,
    MSG_UNKNOWN_ENCODING,
)
from seedbed.data.schema import MISSING_VALUE_MARKERS
from seedbed.data.staging import undecodable_bytes

SCHEMA = TrialSchema(arm="arm", outcomes=("y",), unit="unit")
runner = CliRunner()


def _reject(path: Path, schema: TrialSchema = SCHEMA, *, kind: str, **options: str) -> DataError:
    """The refusal validating ``path`` gives, which must count a problem of ``kind``."""
    with pytest.raises(DataError, match=rf"\b{kind}: \d") as info:
        validate_file(path=path, schema=schema, **options)
    return info.value


# --- byte-order mark -------------------------------------------------------------------


def test_utf8_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "excel-utf8.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"unit,arm,y\nu1,control,1.5\nu2,treatment,2.5\n")
    stored = ingest(path=path, schema=SCHEMA, out=tmp_path / "o.parquet")
    back = pd.read_parquet(stored.path)
    assert back["unit"].tolist() == ["u1", "u2"] and back["y"].tolist() == [1.5, 2.5]


def test_byte_order_mark_never_shows_in_a_message(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"id,arm,y\nu1,control,1\n")
    problem = _reject(path, kind=KIND_MISSING_COLUMN).report.problems[0]
    assert problem.kind == KIND_MISSING_COLUMN and problem.column == "unit"
    assert "\ufeff" not in problem.message and '(found: "id", "arm", "y")' in problem.message


# --- encodings -------------------------------------------------------------------------


def _cp1252_file(path: Path, rows: int) -> bytes:
    data = (b"unit,arm,y\n" + b"".join(b"u%d,control,%d\n" % (i, i % 7) for i in range(rows))
            + b"u-last,Contr\xf4le,2\n")
    path.write_bytes(data)
    return data


def test_windows_1252_byte_is_named_by_row_column_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "saved-by-excel.csv"
    data = _cp1252_file(path, 120_000)  # the byte is well past the first MiB
    assert data.index(b"\xf4") > 1 << 20
    problem = _reject(path, kind=KIND_BAD_ENCODING).report.problems[0]
    assert problem.kind == KIND_BAD_ENCODING
    assert (problem.row, problem.column) == (120_002, "arm")
    assert problem.message == MSG_BAD_ENCODING.format(
        row=120_002, column="arm", byte="0xF4", offset=data.index(b"\xf4"), encoding="utf-8",
        hint=MSG_BAD_ENCODING_CP1252.format(char="ô"))


def test_the_same_file_reads_with_the_encoding_chosen(tmp_path: Path) -> None:
    path = tmp_path / "saved-by-excel.csv"
    _cp1252_file(path, 3)
    stored = ingest(path=path, schema=SCHEMA, out=tmp_path / "o.parquet", encoding="cp1252")
    assert pd.read_parquet(stored.path)["arm"].tolist()[-1] == "Contrôle"
    latin = ingest(path=path, schema=SCHEMA, out=tmp_path / "l.parquet",
                   encoding="windows-1252")
    assert latin.rows == 4


def test_bad_byte_in_the_header_names_row_1_and_the_column_letter(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"unit,arm,y,r\xe9gion\nu1,control,1,n\n")
    problem = _reject(path, kind=KIND_BAD_ENCODING).report.problems[0]
    assert (problem.kind, problem.row, problem.column) == (KIND_BAD_ENCODING, 1, "D")
    assert '"é" in Windows-1252' in problem.message


def test_byte_that_is_not_windows_1252_gets_the_general_hint(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"unit,arm,y\nu1,control,1\nu2,treat\x81,2\n")
    problem = _reject(path, encoding="cp1252", kind=KIND_BAD_ENCODING).report.problems[0]
    assert (problem.row, problem.column) == (3, "arm")
    assert problem.message.endswith("is not cp1252 text" + MSG_BAD_ENCODING_OTHER)


def test_bad_byte_in_a_malformed_row_is_named_without_a_traceback(tmp_path: Path,
                                                                   capfd) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"unit,arm,y\nu1,control,1\nu2,tr\x92eat\n")
    problem = _reject(path, kind=KIND_BAD_ENCODING).report.problems[0]
    assert (problem.kind, problem.row, problem.column) == (KIND_BAD_ENCODING, 3, "arm")
    assert "Traceback" not in capfd.readouterr().err


def test_unknown_encoding_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("unit,arm,y\nu1,control,1\n")
    error = _reject(path, encoding="klingon", kind=KIND_UNREADABLE)
    assert error.report.problems[0].message == MSG_UNKNOWN_ENCODING.format(encoding="klingon")


def _reference_bad_offsets(data: bytes, encoding: str) -> list[int]:
    """Start of every undecodable sequence, by Python's whole-buffer decoder."""
    found: list[int] = []

    def record(exc: UnicodeDecodeError) -> tuple[str, int]:
        found.append(exc.start)
        return "\ufffd", exc.end

    codecs.register_error("seedbed-test-record", record)
    data.decode(encoding, errors="seedbed-test-record")
    return found


@settings(max_examples=80, deadline=None)
@given(
    pieces=st.lists(st.sampled_from([b"a", "é".encode(), "€".encode(), "𝄞".encode(), b",",
                                     b"\n", b"\xff", b"\x80", b"\xe2\x82"]), max_size=40),
    block=st.integers(1, 9),
)
def test_streaming_scan_matches_the_whole_file_decoder(tmp_path_factory, pieces, block) -> None:
    """Blocks of any size, multi-byte characters split across blocks: the same offsets."""
    data = b"".join(pieces)
    path = tmp_path_factory.mktemp("scan") / "t.csv"
    path.write_bytes(data)
    old = staging_module.SCAN_BYTES
    staging_module.SCAN_BYTES = block
    try:
        found = list(undecodable_bytes(path, "utf-8"))
    finally:
        staging_module.SCAN_BYTES = old
    assert [b.offset for b in found] == _reference_bad_offsets(data, "utf-8")
    for bad in found:
        assert bad.line == data[: bad.offset].count(b"\n") + 1


def test_cli_analyse_encoding_option(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    lines = ["unit,arm,y"] + [
        f"u{i},{'Contrôle' if i % 2 else 'traité'},{rng.normal():.6f}" for i in range(40)]
    path = tmp_path / "t.csv"
    path.write_bytes("\n".join(lines).encode("cp1252"))
    args = [str(path), "--arm", "arm", "--outcome", "y", "--control", "Contrôle", "--json"]
    plain = runner.invoke(app, ["stats", "analyse", *args])
    assert plain.exit_code != 0
    assert "row 2" in plain.output and "cp1252" in plain.output
    chosen = runner.invoke(app, ["stats", "analyse", *args, "--encoding", "cp1252"])
    assert chosen.exit_code == 0, chosen.output
    assert json.loads(chosen.stdout)["arms"] == ["Contrôle", "traité"]
    unknown = runner.invoke(app, ["stats", "analyse", *args, "--encoding", "klingon"])
    assert unknown.exit_code == 2 and "--encoding" in unknown.output
    assert "Traceback" not in unknown.output


# --- missing-value markers -------------------------------------------------------------


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("marker", [*MISSING_VALUE_MARKERS, " NA ", ""])
def test_missing_markers_read_the_same_in_csv_and_excel(tmp_path: Path, marker: str) -> None:
    rows = [["unit", "arm", "y"], ["u1", "control", "1.5"], ["u2", "treatment", marker],
            ["u3", "control", "2"]]
    csv_path = tmp_path / "t.csv"
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(csv_path, index=False)
    from_csv = pd.read_parquet(ingest(path=csv_path, schema=SCHEMA,
                                      out=tmp_path / "c.parquet").path)
    from_xlsx = pd.read_parquet(ingest(path=_xlsx(tmp_path / "t.xlsx", rows), schema=SCHEMA,
                                       out=tmp_path / "x.parquet").path)
    pd.testing.assert_frame_equal(from_csv, from_xlsx)
    assert from_csv["y"].isna().tolist() == [False, True, False]


def test_a_text_that_is_not_a_marker_is_still_refused_in_both(tmp_path: Path) -> None:
    rows = [["unit", "arm", "y"], ["u1", "control", "missing"], ["u2", "treatment", "2"]]
    csv_path = tmp_path / "t.csv"
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(csv_path, index=False)
    for path in (csv_path, _xlsx(tmp_path / "t.xlsx", rows)):
        problem = validate_file(path=path, schema=SCHEMA).problems[0]
        assert (problem.row, problem.column) == (2, "y") and '"missing"' in problem.message


# --- arm labels that differ only in case -----------------------------------------------


def test_arm_labels_differing_only_in_case_are_flagged(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("unit,arm,y\nu1,Treatment,1\nu2,control,2\nu3,treatment,3\nu4,Treatment,4\n"
                    "u5,TREATMENT,5\nu6,Control,6\n")
    report = validate_file(path=path, schema=SCHEMA)
    assert dict(report.counts) == {KIND_ARM_CASE: 3}
    assert [p.message for p in report.problems] == [
        MSG_ARM_CASE.format(row=4, column="arm", value="treatment", first="Treatment",
                            first_row=2),
        MSG_ARM_CASE.format(row=6, column="arm", value="TREATMENT", first="Treatment",
                            first_row=2),
        MSG_ARM_CASE.format(row=7, column="arm", value="Control", first="control", first_row=3),
    ]
    with pytest.raises(DataError, match=rf"\b{KIND_ARM_CASE}: 3"):
        ingest(path=path, schema=SCHEMA, out=tmp_path / "o.parquet")
    assert not (tmp_path / "o.parquet").exists()


def test_case_check_alongside_declared_arms(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("unit,arm,y\nu1,control,1\nu2,treatment,2\nu3,Treatment,3\n")
    declared = TrialSchema(arm="arm", outcomes=("y",), unit="unit",
                           arms=("control", "treatment"))
    counts = dict(validate_file(path=path, schema=declared).counts)
    assert counts == {KIND_ARM_CASE: 1, KIND_UNKNOWN_ARM: 1}
    same_case = tmp_path / "ok.csv"
    same_case.write_text("unit,arm,y\nu1,control,1\nu2,treatment,2\nu3,treatment,3\n")
    assert validate_file(path=same_case, schema=declared).ok
