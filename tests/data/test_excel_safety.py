"""Malicious and careless Excel files: bounded sheets, a sandboxed reader, formula cells.

Before the sandbox, the far-cell file below made python-calamine ask for 512 GiB and the Rust
allocator aborted the whole test process (and, on the server, every user's requests).
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from seedbed.cli.main import app
from seedbed.data import sandbox
from seedbed.data.errors import (
    KIND_FORMULA_WITHOUT_VALUE,
    KIND_SHEET_TOO_LARGE,
    KIND_UNREADABLE,
    MSG_FORMULA_WITHOUT_VALUE,
    MSG_PARSE_FAILED,
    MSG_PARSE_TIMEOUT,
    MSG_SHEET_TOO_LARGE,
    DataError,
)
from seedbed.data.sandbox import ENV_MAX_CELLS, ENV_MEMORY_MB, ParseLimits
from seedbed.data.schema import TrialSchema
from seedbed.data.sheetscan import cell_name, parse_cell, scan_sheet
from seedbed.data.staging import stage_excel
from tests.malicious_files import (
    far_cell_bomb,
    formula_cell,
    table_rows,
    text_cell,
    xlsx_bytes,
)

SCHEMA = TrialSchema(arm="arm", outcomes=("y",))


def _write(tmp_path: Path, content: bytes, name: str = "t.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _stage(path: Path, limits: ParseLimits | None = None) -> int:
    return stage_excel(path=path, schema=SCHEMA, out=path.with_suffix(".parquet"),
                       limits=limits or ParseLimits())


def _only_problem(exc: pytest.ExceptionInfo[DataError]):  # type: ignore[no-untyped-def]
    assert len(exc.value.report.problems) == 1
    return exc.value.report.problems[0]


def test_cell_references_round_trip() -> None:
    assert parse_cell("XFD1048576") == (1048575, 16383)
    assert parse_cell("$C$7") == (6, 2)
    assert parse_cell("7C") is None
    assert cell_name(1048575, 16383) == "XFD1048576"
    assert cell_name(0, 26) == "AA1"


def test_far_cell_file_is_refused_by_name_before_reading(tmp_path: Path) -> None:
    path = _write(tmp_path, far_cell_bomb(["arm", "y"]))
    assert path.stat().st_size < 2000
    with pytest.raises(DataError, match='sheet "Sheet1" spans A1:XFD1048576') as exc:
        _stage(path)
    problem = _only_problem(exc)
    assert problem.kind == KIND_SHEET_TOO_LARGE
    assert problem.message == MSG_SHEET_TOO_LARGE.format(
        sheet="Sheet1", ref="A1:XFD1048576", rows=1048576, columns=16384,
        cells=1048576 * 16384, limit=sandbox.DEFAULT_MAX_CELLS)
    assert not path.with_suffix(".parquet").exists()


def test_declared_dimension_alone_is_enough_to_refuse(tmp_path: Path) -> None:
    rows = table_rows([["arm", "y"], ["control", 1.0], ["treatment", 2.0]])
    path = _write(tmp_path, xlsx_bytes(rows, dimension="A1:ZZ100000", sheet="Outcomes"))
    with pytest.raises(DataError, match='sheet "Outcomes" spans A1:ZZ100000') as exc:
        scan_sheet(path=path, sheet=None, max_cells=1_000_000)
    message = _only_problem(exc).message
    assert 'sheet "Outcomes"' in message and "A1:ZZ100000" in message and "1,000,000" in message


def test_a_sheet_that_unpacks_too_far_is_refused_before_it_is_streamed(tmp_path: Path) -> None:
    """A zip bomb: 40 MB of empty rows packs to a few tens of kilobytes. It is refused from
    the zip's directory, in well under a second, naming the sheet and both sizes."""
    import time

    from seedbed.data.sheetscan import EXPANSION_FLOOR, MAX_EXPANSION

    filler = "<row/>" * ((40 << 20) // 6)
    path = _write(tmp_path, xlsx_bytes(table_rows([["arm", "y"], ["control", 1.0]]) + filler))
    assert path.stat().st_size * MAX_EXPANSION < (40 << 20)
    started = time.perf_counter()
    with pytest.raises(DataError, match=r'sheet "Sheet1" unpacks from [\d,]+ bytes to [\d,]+ bytes') as exc:
        scan_sheet(path=path, sheet=None, max_cells=1_000_000)
    assert time.perf_counter() - started < 5.0
    assert _only_problem(exc).kind == KIND_SHEET_TOO_LARGE
    with pytest.raises(DataError, match="unpacks from"):
        _stage(path)
    assert not path.with_suffix(".parquet").exists()
    # A sheet that packs as far but is small streams as before: the floor protects real files.
    small = _write(tmp_path, xlsx_bytes(table_rows([["arm", "y"], ["control", 1.0]])
                                        + "<row/>" * ((EXPANSION_FLOOR // 2) // 6)), "small.xlsx")
    assert scan_sheet(path=small, sheet=None, max_cells=1_000_000).last == (1, 1)


def test_cells_without_positions_are_counted_in_place(tmp_path: Path) -> None:
    """``<c>`` without ``r`` is the next column, ``<row>`` without ``r`` the next row."""
    wide = "<row>" + "<c><v>1</v></c>" * 30 + "</row>"
    path = _write(tmp_path, xlsx_bytes("<row>" + text_cell("A1", "arm") + "</row>" + wide))
    scan = scan_sheet(path=path, sheet=None, max_cells=60)
    assert scan.first == (0, 0) and scan.last == (1, 29)
    with pytest.raises(DataError, match='spans A1:AD2 .* at most 59 cells') as exc:
        scan_sheet(path=path, sheet=None, max_cells=59)
    assert "A1:AD2" in _only_problem(exc).message


def test_a_file_within_the_limits_reads_as_before(tmp_path: Path) -> None:
    rows = table_rows([["arm", "y"], ["control", 1.5], ["treatment", 2.0]])
    path = _write(tmp_path, xlsx_bytes(rows))
    assert _stage(path, ParseLimits(max_cells=6)) == 2
    table = pq.read_table(path.with_suffix(".parquet")).to_pydict()
    assert table == {"_row": [2, 3], "arm": ["control", "treatment"], "y": ["1.5", "2"]}
    with pytest.raises(DataError, match='spans A1:B3 .* at most 5 cells'):
        _stage(path, ParseLimits(max_cells=5))


def test_reader_that_runs_out_of_memory_leaves_this_process_running(tmp_path: Path) -> None:
    """With the size check switched off, the reader itself hits the child's memory cap."""
    path = _write(tmp_path, far_cell_bomb(["arm", "y"]))
    with pytest.raises(DataError, match="it needed more memory than allowed") as exc:
        _stage(path, ParseLimits(max_cells=10**12, memory_mb=1024))
    problem = _only_problem(exc)
    assert problem.kind == KIND_UNREADABLE
    assert problem.message == MSG_PARSE_FAILED.format(
        detail="it needed more memory than allowed", memory=1024)
    assert not path.with_suffix(".parquet").exists()
    assert os.getpid() > 0  # still here


def test_a_reader_that_hangs_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "_CHILD", "import time; time.sleep(60)")
    path = _write(tmp_path, xlsx_bytes(table_rows([["arm", "y"], ["control", 1.0]])))
    with pytest.raises(DataError, match="could not read the file as Excel within 1 seconds") as exc:
        _stage(path, ParseLimits(timeout_seconds=1))
    assert _only_problem(exc).message == MSG_PARSE_TIMEOUT.format(seconds=1)


def test_a_reader_that_crashes_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "_CHILD", "import os; os.abort()")
    path = _write(tmp_path, xlsx_bytes(table_rows([["arm", "y"], ["control", 1.0]])))
    with pytest.raises(DataError, match="the reader stopped .stopped by SIGABRT.") as exc:
        _stage(path)
    assert _only_problem(exc).message == MSG_PARSE_FAILED.format(
        detail="stopped by SIGABRT", memory=sandbox.DEFAULT_MEMORY_MB)


def test_limits_come_from_the_environment() -> None:
    limits = ParseLimits.from_environ({ENV_MEMORY_MB: "1024", ENV_MAX_CELLS: "500"})
    assert limits == ParseLimits(memory_mb=1024, max_cells=500)
    with pytest.raises(ValueError, match=ENV_MEMORY_MB):
        ParseLimits.from_environ({ENV_MEMORY_MB: "64"})
    with pytest.raises(ValueError, match=ENV_MAX_CELLS):
        ParseLimits.from_environ({ENV_MAX_CELLS: "lots"})


def test_formula_without_saved_value_is_named(tmp_path: Path) -> None:
    rows = (table_rows([["arm", "y"], ["control", 1.0]])
            + '<row r="3">' + text_cell("A3", "treatment") + formula_cell("B3", "B2*2")
            + "</row>")
    path = _write(tmp_path, xlsx_bytes(rows))
    with pytest.raises(DataError, match="Sheet1!B3 holds a formula with no saved value") as exc:
        _stage(path)
    problem = _only_problem(exc)
    assert problem.kind == KIND_FORMULA_WITHOUT_VALUE and problem.row == 3
    assert problem.message == MSG_FORMULA_WITHOUT_VALUE.format(
        row=3, column="y", sheet="Sheet1", cell="B3")
    assert problem.message.startswith('row 3, column "y": Sheet1!B3 holds a formula')


def test_formula_with_saved_value_and_formulas_outside_the_data_are_read(tmp_path: Path) -> None:
    rows = (table_rows([["arm", "y", "note"], ["control", 1.0, "x"]])
            + '<row r="3">' + text_cell("A3", "treatment") + formula_cell("B3", "B2*2", 2.0)
            + formula_cell("C3", "NOW()") + "</row>")
    path = _write(tmp_path, xlsx_bytes(rows))
    assert _stage(path) == 2
    assert pq.read_table(path.with_suffix(".parquet")).column("y").to_pylist() == ["1", "2"]


def test_cli_analyse_refuses_the_far_cell_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_MAX_CELLS, raising=False)
    path = _write(tmp_path, far_cell_bomb(["arm", "y"]))
    result = CliRunner().invoke(app, ["stats", "analyse", str(path), "--arm", "arm",
                                      "--outcome", "y", "--json"])
    assert result.exit_code != 0
    assert "XFD1048576" in result.output and "20,000,000 cells" in result.output
    assert "Traceback" not in result.output


def test_cli_analyse_obeys_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = table_rows([["arm", "y"]] + [["control" if i % 2 else "treatment", float(i)]
                                        for i in range(10)])
    path = _write(tmp_path, xlsx_bytes(rows))
    args = ["stats", "analyse", str(path), "--arm", "arm", "--outcome", "y", "--json"]
    assert CliRunner().invoke(app, args).exit_code == 0
    monkeypatch.setenv(ENV_MAX_CELLS, "10")
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code != 0 and "at most 10 cells" in refused.output


def test_a_small_declared_dimension_does_not_hide_a_far_cell(tmp_path: Path) -> None:
    rows = table_rows([["arm", "y"]]) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = _write(tmp_path, xlsx_bytes(rows, dimension="A1:B2"))
    with pytest.raises(DataError, match='sheet "Sheet1" spans A1:XFD1048576') as exc:
        scan_sheet(path=path, sheet=None, max_cells=1_000_000)
    assert "A1:XFD1048576" in _only_problem(exc).message


def test_prefixed_element_names_are_read_too(tmp_path: Path) -> None:
    """Some writers bind the main namespace to a prefix (``<x:c>``)."""
    sheet = ('<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
             '<x:row r="9"><x:c r="C9"><x:f>A1*2</x:f></x:c></x:row>')
    path = _write(tmp_path, xlsx_bytes(sheet).replace(
        b'<worksheet xmlns="', b'<worksheet xmlns:x="').replace(
        b"<sheetData>", b"<x:sheetData>").replace(b"</sheetData>", b"</x:sheetData>"))
    scan = scan_sheet(path=path, sheet=None, max_cells=100)
    assert (scan.first, scan.last) == ((0, 0), (8, 2))
    assert scan.formulas_without_value == ((8, 2),)
