"""Shared helpers for command output: JSON on stdout, one-line errors on stderr."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from typing import Any, NoReturn

import typer


def _default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _clean(value: Any) -> Any:
    """Replace NaN and infinities by None so the output is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def emit_json(payload: Any) -> None:
    """Print ``payload`` as strict JSON (NaN becomes null) on stdout."""
    if dataclasses.is_dataclass(payload) and not isinstance(payload, type):
        payload = dataclasses.asdict(payload)
    text = json.dumps(_clean(json.loads(json.dumps(payload, default=_default))), indent=2)
    sys.stdout.write(text + "\n")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a one-line error on stderr and exit with ``code`` (no traceback)."""
    sys.stderr.write(f"seedbed: error: {message}\n")
    raise typer.Exit(code)
