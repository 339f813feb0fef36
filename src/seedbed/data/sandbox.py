"""Read untrusted spreadsheets in a child process with a memory cap and a time limit.

A spreadsheet reader is native code: a crafted file can make it ask for hundreds of GiB (the
Rust allocator then aborts the whole process, which no ``except`` can catch) or spin for
minutes. So the web process never reads an Excel file itself: ``stage_excel_isolated`` starts
a fresh interpreter running ``seedbed.data.sandbox_child``, which sets its own address-space and CPU limits
(``resource.setrlimit``) before it imports the reader, stages the sheet to Parquet (validated
text columns plus row numbers, ``seedbed.data.staging``), and answers with one JSON line.
A crash, an out-of-memory stop or a timeout becomes a ``DataError`` with a clear message, and
the caller's process, and every other user of it, carries on.

Limits come from the environment (documented in ``.env.example``): ``SEEDBED_PARSE_MEMORY_MB``
(address space of the child, default 2048), ``SEEDBED_PARSE_TIMEOUT_SECONDS`` (wall clock and
CPU, default 120) and ``SEEDBED_SHEET_MAX_CELLS`` (rows x columns a sheet may span, default 20
million; checked before the reader runs, see ``seedbed.data.sheetscan``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from seedbed.data.errors import (
    KIND_UNREADABLE,
    MSG_PARSE_FAILED,
    MSG_PARSE_TIMEOUT,
    DataError,
    Problem,
    build_report,
)
from seedbed.data.schema import TrialSchema

ENV_MEMORY_MB = "SEEDBED_PARSE_MEMORY_MB"
ENV_TIMEOUT_SECONDS = "SEEDBED_PARSE_TIMEOUT_SECONDS"
ENV_MAX_CELLS = "SEEDBED_SHEET_MAX_CELLS"
DEFAULT_MEMORY_MB = 2048
DEFAULT_TIMEOUT_SECONDS = 120
DEFAULT_MAX_CELLS = 20_000_000
MIN_MEMORY_MB = 768
"""Below this the child cannot even import numpy and pyarrow (about 530 MB of address space)."""

ERROR_BAD_LIMIT = "{name} must be a whole number of at least {minimum} (got {value!r})"
ANSWER_PREFIX = "seedbed-sandbox:"
_CHILD = "import sys; from seedbed.data.sandbox_child import child_main; sys.exit(child_main())"


@dataclass(frozen=True)
class ParseLimits:
    """Memory (MiB of address space), time (seconds) and sheet size (cells) for one parse."""

    memory_mb: int = DEFAULT_MEMORY_MB
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    max_cells: int = DEFAULT_MAX_CELLS

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ParseLimits:
        """Limits from the environment, defaults for unset variables; ValueError if invalid."""
        env = os.environ if environ is None else environ
        return cls(
            memory_mb=_env_int(env, ENV_MEMORY_MB, DEFAULT_MEMORY_MB, MIN_MEMORY_MB),
            timeout_seconds=_env_int(env, ENV_TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS, 1),
            max_cells=_env_int(env, ENV_MAX_CELLS, DEFAULT_MAX_CELLS, 1),
        )


def _env_int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ValueError(ERROR_BAD_LIMIT.format(name=name, minimum=minimum, value=raw))
    return value


def schema_from(data: dict[str, Any]) -> TrialSchema:
    tuples = ("outcomes", "strata", "subgroups", "arms")
    fields: dict[str, Any] = {k: tuple(v) if k in tuples else v for k, v in data.items()}
    return TrialSchema(**fields)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    env["RUST_BACKTRACE"] = "0"
    return env


def _failure(returncode: int, stderr: bytes, limits: ParseLimits) -> DataError:
    text = stderr.decode("utf-8", "replace")
    if "memory allocation" in text or "MemoryError" in text or "bad_alloc" in text:
        detail = "it needed more memory than allowed"
    elif returncode < 0:
        try:
            detail = f"stopped by {signal.Signals(-returncode).name}"
        except ValueError:
            detail = f"stopped by signal {-returncode}"
    else:
        detail = f"exit status {returncode}"
    return DataError.single(kind=KIND_UNREADABLE, message=MSG_PARSE_FAILED.format(
        detail=detail, memory=limits.memory_mb))


def stage_excel_isolated(*, path: Path, schema: TrialSchema, out: Path, sheet: str | None,
                         limits: ParseLimits) -> int:
    """Stage an Excel sheet into ``out`` in a limited child process; the data row count.

    Raises ``DataError`` for everything the file gets wrong, including a reader that crashes,
    runs out of memory or time (``out`` is then removed).
    """
    request = {"path": str(path), "out": str(out), "sheet": sheet, "schema": asdict(schema),
               "memory_mb": limits.memory_mb, "timeout_seconds": limits.timeout_seconds,
               "max_cells": limits.max_cells}
    try:
        proc = subprocess.run(  # noqa: S603 - our own module, run by this interpreter
            [sys.executable, "-c", _CHILD], input=json.dumps(request).encode(),
            capture_output=True, timeout=limits.timeout_seconds, env=_child_env(), check=False)
    except subprocess.TimeoutExpired:
        out.unlink(missing_ok=True)
        raise DataError.single(kind=KIND_UNREADABLE, message=MSG_PARSE_TIMEOUT.format(
            seconds=limits.timeout_seconds)) from None
    answer = next((line[len(ANSWER_PREFIX):] for line in proc.stdout.decode("utf-8", "replace")
                   .splitlines() if line.startswith(ANSWER_PREFIX)), None)
    reply = json.loads(answer) if answer and proc.returncode == 0 else {}
    if "rows" in reply:
        return int(reply["rows"])
    out.unlink(missing_ok=True)
    if "problems" in reply:
        problems = [Problem(*p) for p in reply["problems"]]
        raise DataError(build_report(problems, Counter(dict(reply["counts"]))))
    raise _failure(proc.returncode, proc.stderr, limits)
