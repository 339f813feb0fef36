"""Analysis payloads for the evaluation tests, made the way the product makes them: generated
council-like data written to CSV and run through ``seedbed stats did|its|synth|rd --json``.

Each payload is made once per test run (the commands take a few seconds together).
"""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from seedbed.cli.main import app

# The plan columns each generated data set uses (as a plan names them).
COLUMNS: dict[str, dict[str, Any]] = {
    "did": {"unit_column": "ward", "time_column": "quarter", "outcome_column": "referrals",
            "first_treated_column": "hub_opened"},
    "its": {"time_column": "month", "outcome_column": "visits", "start": 25.0},
    "synth": {"unit_column": "area", "time_column": "year", "outcome_column": "rate",
              "treated_unit": "Northfield", "start": 14.0},
    "rd": {"running_column": "need_score", "outcome_column": "months_at_home", "cutoff": 60.0},
}


def _frame(design: str) -> pd.DataFrame:
    rng = np.random.default_rng(14)
    if design == "did":
        rows = [(f"Ward {u}", t, u * 0.1 + t * 0.5 - (2.0 if g and t >= g else 0.0) + rng.normal(), g)
                for u in range(30) for g in [0 if u < 10 else (5 if u < 20 else 7)]
                for t in range(1, 11)]
        return pd.DataFrame(rows, columns=["ward", "quarter", "referrals", "hub_opened"])
    if design == "its":
        return pd.DataFrame(
            [(t, 50 + 0.3 * t + (t >= 25) * (-5 - 0.2 * (t - 25)) + rng.normal())
             for t in range(1, 49)], columns=["month", "visits"])
    if design == "synth":
        names = ["Northfield", "Eastside", "Westbrook", "Southmoor", "Highcliff", "Lowdale",
                 "Marsh End", "Kingsgate"]
        base = rng.normal(size=len(names))
        rows = [(name, t, 10 + base[u] + 0.2 * t + rng.normal(scale=0.3)
                 + (3.0 if u == 0 and t >= 14 else 0.0))
                for u, name in enumerate(names) for t in range(1, 21)]
        return pd.DataFrame(rows, columns=["area", "year", "rate"])
    x = rng.uniform(0, 100, 800)
    return pd.DataFrame({"need_score": x,
                         "months_at_home": 20 + 0.1 * x + 3 * (x >= 60) + rng.normal(size=800)})


def _arguments(design: str, path: Path) -> list[str]:
    c = COLUMNS[design]
    if design == "did":
        return ["--unit", c["unit_column"], "--time", c["time_column"], "--outcome",
                c["outcome_column"], "--first-treated", c["first_treated_column"]]
    if design == "its":
        return ["--time", c["time_column"], "--outcome", c["outcome_column"], "--start",
                str(c["start"])]
    if design == "synth":
        return ["--unit", c["unit_column"], "--time", c["time_column"], "--outcome",
                c["outcome_column"], "--treated", c["treated_unit"], "--start", str(c["start"])]
    return ["--running", c["running_column"], "--outcome", c["outcome_column"], "--cutoff",
            str(c["cutoff"])]


@functools.cache
def csv_bytes(design: str) -> bytes:
    """The generated data set for ``design`` as CSV."""
    return _frame(design).to_csv(index=False).encode()


@functools.cache
def _payload_text(design: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{design}.csv"
        path.write_bytes(csv_bytes(design))
        result = CliRunner().invoke(app, ["stats", design, str(path), *_arguments(design, path),
                                          "--json"])
    assert result.exit_code == 0, result.output
    return result.stdout


def payload(design: str) -> dict[str, Any]:
    """What ``seedbed stats <design> --json`` prints for the generated data (a fresh copy)."""
    loaded: dict[str, Any] = json.loads(_payload_text(design))
    return loaded
