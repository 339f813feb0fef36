"""``seedbed.data.quasi``: one payload function per design, shared by the command line and the
evaluations app. Effects known by construction are recovered; bad parameters name the field;
bad rows name the row and column; ``json_safe`` gives strict JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seedbed.data import DataError, SourceSpec
from seedbed.data.errors import MSG_NOT_A_NUMBER
from seedbed.data.quasi import (
    MSG_TREATED_NOT_FOUND,
    ParameterError,
    did_payload,
    its_payload,
    json_safe,
    rd_payload,
    synth_payload,
)


def _spec(df: pd.DataFrame, path: Path) -> SourceSpec:
    df.to_csv(path, index=False)
    return SourceSpec(location=str(path))


def test_did_payload_recovers_a_staggered_effect(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rows = []
    for u in range(60):
        first = (0, 3, 4)[u % 3]
        level = rng.normal(10, 2)
        for t in range(1, 7):
            y = level + 0.5 * t + (3.0 if first and t >= first else 0.0) + rng.normal(0, 0.3)
            rows.append({"team": f"t{u}", "year": t, "y": y, "first": first})
    out = did_payload(spec=_spec(pd.DataFrame(rows), tmp_path / "did.csv"), unit="team",
                      time="year", outcome="y", first_treated="first")
    assert abs(out["att"] - 3.0) < 0.2
    assert out["ci"][0] < 3.0 < out["ci"][1]
    assert out["groups"] == [3, 4] and out["periods"] == [1, 2, 3, 4, 5, 6]


def test_its_payload_recovers_level_change(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    t = np.arange(1, 49)
    y = 50 + 0.2 * t - 8.0 * (t >= 25) + rng.normal(0, 0.5, t.size)
    out = its_payload(spec=_spec(pd.DataFrame({"month": t, "y": y}), tmp_path / "its.csv"),
                      time="month", outcome="y", start=25)
    assert abs(out["level_change"] + 8.0) < 1.0
    assert out["first_post_time"] == 25 and out["n_pre"] == 24


def test_its_payload_gives_the_comparison_series_at_each_period(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    t = np.arange(1, 37)
    comp = 40 + 0.1 * t + rng.normal(0, 0.5, t.size)
    y = comp + 5 - 4.0 * (t >= 19) + rng.normal(0, 0.5, t.size)
    frame = pd.DataFrame({"month": t, "y": y, "other": comp})
    out = its_payload(spec=_spec(frame, tmp_path / "its.csv"), time="month", outcome="y",
                      start=19, comparison="other")
    assert [p["time"] for p in out["series"]] == t.tolist()
    assert [p["comparison"] for p in out["series"]] == pytest.approx(comp.tolist())
    assert [p["observed"] for p in out["series"]] == pytest.approx(y.tolist())
    alone = its_payload(spec=_spec(frame, tmp_path / "alone.csv"), time="month", outcome="y",
                        start=19)
    assert all(p["comparison"] is None for p in alone["series"])


def test_synth_payload_names_an_unknown_treated_unit(tmp_path: Path) -> None:
    df = pd.DataFrame({"ward": ["a", "a", "b", "b"], "t": [1, 2, 1, 2], "y": [1, 2, 1, 2]})
    with pytest.raises(ParameterError) as caught:
        synth_payload(spec=_spec(df, tmp_path / "s.csv"), unit="ward", time="t", outcome="y",
                      treated="z", start=2)
    assert caught.value.field == "treated"
    assert str(caught.value) == MSG_TREATED_NOT_FOUND.format(unit="z", column="ward")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"cutoff": math.nan}, "cutoff"), ({"cutoff": 0.0, "alpha": 1.5}, "alpha"),
    ({"cutoff": 0.0, "bandwidth": -1.0}, "bandwidth"),
])
def test_rd_payload_refuses_bad_parameters_by_name(tmp_path: Path, kwargs: dict,
                                                   field: str) -> None:
    spec = _spec(pd.DataFrame({"x": [-1, 1], "y": [0, 1]}), tmp_path / "rd.csv")
    with pytest.raises(ParameterError) as caught:
        rd_payload(spec=spec, running="x", outcome="y", **kwargs)
    assert caught.value.field == field


def test_rd_payload_names_the_row_with_text_in_a_number(tmp_path: Path) -> None:
    path = tmp_path / "rd.csv"
    path.write_text("x,y\n-1,0\n1,abc\n")
    with pytest.raises(DataError) as caught:
        rd_payload(spec=SourceSpec(location=str(path)), running="x", outcome="y", cutoff=0.0)
    assert MSG_NOT_A_NUMBER.format(row=3, column="y", value="abc") in str(caught.value)


def test_json_safe_gives_strict_json() -> None:
    out = json_safe({"a": math.nan, "b": [np.float64(1.5), math.inf], "c": {1: np.int64(2)},
                     "d": (1, 2)})
    assert out == {"a": None, "b": [1.5, None], "c": {"1": 2}, "d": [1, 2]}
    json.dumps(out, allow_nan=False)
