"""`seedbed stats did` with `--cluster` and with `--base-period universal`, through the command
on generated files, against csdid (a port of R's ``did``: ``att_gt`` with ``est_method="reg"``,
analytic errors, ``clustervar`` for clustered errors, ``base_period="universal"``; then
``aggte``). Point estimates to 1e-6, standard errors to 2%, a NaN on one side only where the
other has one too."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from seedbed.cli.main import app
from tests.stats.test_did import _close, panel

runner = CliRunner()


def _command(df: pd.DataFrame, path: Path, *extra: str) -> dict[str, Any]:
    df.to_parquet(path, index=False) if path.suffix == ".parquet" else df.to_csv(path, index=False)
    result = runner.invoke(app, ["stats", "did", str(path), "--unit", "unit", "--time", "t",
                                 "--outcome", "y", "--first-treated", "g", *extra, "--json"])
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def _csdid(df: pd.DataFrame, *, control: str, cluster: str | None = None,
           base_period: str = "varying") -> tuple[Any, dict, dict]:
    att_gt = pytest.importorskip("csdid.att_gt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = att_gt.ATTgt(
            yname="y", tname="t", idname="id", gname="g",
            data=df.assign(id=df.unit.str[1:].astype(int)),
            control_group="nevertreated" if control == "never" else "notyettreated",
            clustervar=cluster,
        ).fit(est_method="reg", bstrap=False, base_period=base_period)
        group = model.aggte(typec="group", na_rm=True).atte
        dynamic = model.aggte(typec="dynamic", na_rm=True).atte
    return model, group, dynamic


def _agree(out: dict[str, Any], model: Any, group: dict, dynamic: dict) -> None:
    res = model.results
    cells = out["group_time"]
    assert [(c["group"], c["time"]) for c in cells] == [
        (int(g), int(t)) for g, t in zip(res["group"], res["year"], strict=True)]
    _close([c["att"] for c in cells], res["att"], [c["se"] for c in cells], res["se"])
    _close([out["att"]], [group["overall_att"]], [out["se"]], [group["overall_se"]])
    _close([b["att"] for b in out["by_group"]], group["att_egt"],
           [b["se"] for b in out["by_group"]], group["se_egt"])
    assert [e["e"] for e in out["event_study"]] == [int(e) for e in dynamic["egt"]]
    _close([e["att"] for e in out["event_study"]], dynamic["att_egt"],
           [e["se"] for e in out["event_study"]], dynamic["se_egt"])
    assert out["dynamic"]["att"] == pytest.approx(dynamic["overall_att"], abs=1e-6)
    assert out["dynamic"]["se"] == pytest.approx(dynamic["overall_se"], rel=0.02)
    assert out["pretrend_p"] == pytest.approx(model.MP["Wpval"], abs=1e-5)  # did rounds


def _clustered_panel(seed: int, clusters: int, **shape: Any) -> pd.DataFrame:
    """``panel`` with units in ``clusters`` clusters sharing a shock each period, so that
    clustered errors differ from errors by unit."""
    df = panel(seed, **shape)
    rng = np.random.default_rng(seed + 1000)
    index = df.unit.str[1:].astype(int) % clusters
    shock = rng.normal(0, 0.8, (clusters, int(df.t.max()) + 1))
    return df.assign(cl=[f"team{k}" for k in index], y=df.y + shock[index, df.t])


@pytest.mark.parametrize(("seed", "clusters", "control", "suffix", "shape"), [
    (611, 30, "never", ".csv", {}),
    (612, 12, "not-yet", ".parquet", {}),
    (613, 16, "never", ".csv", {"cohorts": (0, 2, 4), "periods": 5}),
])
def test_clustered_did_command_matches_csdid(tmp_path: Path, seed: int, clusters: int,
                                            control: str, suffix: str, shape: dict) -> None:
    df = _clustered_panel(seed, clusters, n=160, **shape)
    out = _command(df, tmp_path / f"panel{suffix}", "--cluster", "cl", "--control", control)
    assert out["n_clusters"] == clusters
    model, group, dynamic = _csdid(df, control=control, cluster="cl")
    _agree(out, model, group, dynamic)
    _, by_unit, _ = _csdid(df, control=control)
    assert abs(out["se"] / by_unit["overall_se"] - 1) > 0.05  # the clusters were used


@pytest.mark.parametrize(("seed", "control", "suffix", "shape"), [
    (621, "never", ".csv", {}),
    (622, "not-yet", ".parquet", {"pre_trend": 0.3}),
    (623, "not-yet", ".csv", {"cohorts": (3, 5, 6)}),  # no never-treated units
])
def test_universal_base_period_command_matches_csdid(tmp_path: Path, seed: int, control: str,
                                                     suffix: str, shape: dict) -> None:
    df = panel(seed, n=150, **shape)
    out = _command(df, tmp_path / f"panel{suffix}", "--base-period", "universal",
                   "--control", control)
    assert out["base_period"] == "universal"
    model, group, dynamic = _csdid(df, control=control, base_period="universal")
    _agree(out, model, group, dynamic)
    # the reference period e = -1 is the base itself: an effect of 0 with no error
    minus_one = next(e for e in out["event_study"] if e["e"] == -1)
    assert minus_one["att"] == 0 and minus_one["se"] is None
    varying = _command(df, tmp_path / f"varying{suffix}", "--control", control)
    assert [e["att"] for e in varying["event_study"] if e["e"] < -1] != pytest.approx(
        [e["att"] for e in out["event_study"] if e["e"] < -1], abs=1e-6)  # a different base
