"""Stepped-wedge analysis against statsmodels on a generated data set (no Django)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from seedbed.stats.stepped_wedge import WARN_FEW_CLUSTERS, stepped_wedge_effect


def generated(seed: int = 7, clusters: int = 12, steps: int = 4, per_cell: int = 15,
              effect: float = 2.5) -> dict[str, list]:
    """Clusters cross over in ``steps`` groups; random cluster effects and a secular trend."""
    rng = np.random.default_rng(seed)
    rows: dict[str, list] = {"cluster": [], "period": [], "treated": [], "outcome": []}
    crossing = np.repeat(np.arange(1, steps + 1), clusters // steps)
    for c in range(clusters):
        u = rng.normal(0, 1.5)
        for period in range(steps + 1):
            treated = int(period >= crossing[c])
            for _ in range(per_cell):
                rows["cluster"].append(f"C{c:02d}")
                rows["period"].append(str(period))
                rows["treated"].append(treated)
                rows["outcome"].append(50 + u + 0.8 * period + effect * treated + rng.normal(0, 4))
    return rows


def test_matches_statsmodels_mixedlm_reml_with_period_effects() -> None:
    """The registered analysis is the Hussey & Hughes mixed model: statsmodels MixedLM (REML)
    on the same rows gives the same effect, period effects and variance components; the
    standard error is the GLS one at those components (computed densely here)."""
    pd = pytest.importorskip("pandas")
    smf = pytest.importorskip("statsmodels.formula.api")
    rows = generated()
    mine = stepped_wedge_effect(clusters=rows["cluster"], periods=rows["period"],
                                treated=rows["treated"], outcome=rows["outcome"])
    frame = pd.DataFrame(rows)
    fit = smf.mixedlm("outcome ~ treated + C(period)", data=frame,
                      groups=frame["cluster"]).fit(reml=True)
    assert mine.effect == pytest.approx(fit.params["treated"], rel=1e-5)
    assert dict(mine.period_effects)["4"] == pytest.approx(fit.params["C(period)[T.4]"], rel=1e-5)
    assert mine.residual_variance == pytest.approx(fit.scale, rel=1e-5)
    assert mine.cluster_variance == pytest.approx(float(fit.cov_re.iloc[0, 0]), rel=1e-3)
    assert reml_loglike(fit, mine.cluster_variance / mine.residual_variance) >= fit.llf - 1e-9
    x = np.c_[np.ones(len(frame)), frame["treated"],
              pd.get_dummies(frame["period"], drop_first=True, dtype=float)]
    same = frame["cluster"].to_numpy()[:, None] == frame["cluster"].to_numpy()[None, :]
    v = fit.scale * np.eye(len(x)) + float(fit.cov_re.iloc[0, 0]) * same
    gls_se = float(np.sqrt(np.linalg.inv(x.T @ np.linalg.solve(v, x))[1, 1]))
    assert mine.se == pytest.approx(gls_se, rel=1e-4)
    assert mine.ci[0] < 2.5 < mine.ci[1] and mine.p < 0.05
    assert mine.n_clusters == 12 and mine.n_periods == 5 and mine.n == 900
    assert 10 < mine.df < 900  # Satterthwaite: between the cluster count and N
    assert WARN_FEW_CLUSTERS in mine.warnings
    assert mine.method.startswith("Stepped-wedge analysis: linear mixed model")


def reml_loglike(fit, ratio: float) -> float:  # type: ignore[no-untyped-def]
    """statsmodels' own profile REML log-likelihood at a variance ratio tau2 / sigma2."""
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    params = MixedLMParams.from_components(fit.fe_params.to_numpy(), cov_re=np.array([[ratio]]))
    return float(fit.model.loglike(params, profile_fe=True))


@pytest.mark.slow
def test_mixed_model_recovers_the_precision_the_design_was_planned_with() -> None:
    """Regression: the former cluster-robust OLS analysis had an estimate SD of about 0.3 and
    detected an effect of 0.4 (16 clusters, ICC 0.33) about 20% of the time, against about
    90% for the mixed model the design is planned under. 200 simulated trials."""
    rng = np.random.default_rng(12)
    clusters, steps, per_cell, icc, effect = 16, 4, 10, 0.33, 0.4
    crossing = np.repeat(np.arange(1, steps + 1), clusters // steps)
    estimates, detected = [], 0
    cl = np.repeat(np.arange(clusters), (steps + 1) * per_cell)
    period = np.tile(np.repeat(np.arange(steps + 1), per_cell), clusters)
    treated = (period >= crossing[cl]).astype(float)
    labels_c, labels_p = [str(c) for c in cl], [str(p) for p in period]
    for _ in range(200):
        u = rng.normal(0, np.sqrt(icc), clusters)
        y = u[cl] + 0.2 * period + effect * treated + rng.normal(0, np.sqrt(1 - icc), len(cl))
        est = stepped_wedge_effect(clusters=labels_c, periods=labels_p, treated=treated,
                                   outcome=y)
        estimates.append(est.effect)
        detected += est.p < 0.05
    assert np.std(estimates) < 0.2
    assert detected / 200 > 0.8


def test_periods_are_ordered_as_numbers_and_no_contrast_is_flagged() -> None:
    rows = generated(clusters=4, steps=2, per_cell=3)
    periods = [str(int(p) * 5) for p in rows["period"]]  # 0, 5, 10: "10" sorts after "5"
    mine = stepped_wedge_effect(clusters=rows["cluster"], periods=periods,
                                treated=rows["treated"], outcome=rows["outcome"])
    assert [p for p, _ in mine.period_effects] == ["5", "10"]
    flat = stepped_wedge_effect(clusters=rows["cluster"], periods=periods,
                                treated=[0] * len(periods), outcome=rows["outcome"])
    assert "no_treated_and_untreated_periods" in flat.warnings


# --- a stepped-wedge trial in the platform: upload, validation, analysis, report ---------

CLUSTERS = [f"School {i}" for i in range(1, 9)]


@pytest.fixture
def wedge(trial_world):  # type: ignore[no-untyped-def]
    from seedbed.trials.services.allocation import allocation_draw
    from seedbed.trials.services.protocols import trial_close
    from tests.trials.helpers import draft_trial

    trial = draft_trial(trial_world, register=True, seed="wedge-seed-4e9a1c7d0b6f2358", design="stepped_wedge", icc=0.05,
                        cluster_size=20, steps=4, clusters="\n".join(CLUSTERS), strata="",
                        first_period_start=dt.date(2026, 1, 5), period_days=30,
                        title="Stepped rollout of family hubs")
    for name in CLUSTERS:
        allocation_draw(actor=trial_world["users"]["frontline"], trial=trial, unit_ref="", cluster=name)
    return trial_close(actor=trial_world["users"]["lead"], trial=trial)


def _wedge_csv(trial, rng_seed: int = 3) -> tuple[str, dict[str, list]]:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(rng_seed)
    rows: dict[str, list] = {"cluster": [], "period": [], "treated": [], "outcome": []}
    lines = ["cluster,period,treated,outcome"]
    for slot in trial.allocations.order_by("position"):
        u = rng.normal(0, 2)
        for period in range(5):
            treated = int(period >= slot.step)
            for _ in range(6):
                y = round(40 + u + period + 3 * treated + rng.normal(0, 5), 3)
                lines.append(f"{slot.cluster},{period},{treated},{y}")
                for key, value in zip(rows, (slot.cluster, str(period), treated, y), strict=True):
                    rows[key].append(value)
    return "\n".join(lines) + "\n", rows


@pytest.mark.django_db
def test_stepped_wedge_upload_is_analysed_with_period_effects(wedge, trial_world) -> None:
    from seedbed.trials.reports import report_context
    from seedbed.trials.services.results import analysis_run, outcome_upload

    analyst = trial_world["users"]["analyst"]
    text, rows = _wedge_csv(wedge)
    dataset = outcome_upload(actor=analyst, trial=wedge, filename="wedge.csv", content=text.encode())
    assert dataset.rows == 8 * 5 * 6
    result = analysis_run(actor=analyst, trial=wedge, assessed=8, plain_summary="Hubs helped a little.")
    expected = stepped_wedge_effect(clusters=rows["cluster"], periods=rows["period"],
                                    treated=rows["treated"], outcome=rows["outcome"])
    assert result.effect == pytest.approx(expected.effect, rel=1e-9)
    assert (result.ci_low, result.ci_high) == pytest.approx(expected.ci, rel=1e-9)
    assert result.analysis["stepped_wedge"]["n_clusters"] == 8
    assert [a["arm"] for a in result.consort["arms"]] == ["control", "intervention"]
    assert {s["arm"] for s in result.analysis["outcomes"][0]["summaries"]} == {"control", "intervention"}
    context = report_context(wedge, result)
    assert context["stepped_wedge"]["method"].startswith("Stepped-wedge analysis")


@pytest.mark.django_db
def test_stepped_wedge_rows_without_cluster_or_period_are_refused(wedge, trial_world) -> None:
    from seedbed.trials.models import OutcomeDataset
    from seedbed.trials.services.results import outcome_upload
    from seedbed.trials.uploads import ERROR_REJECTED, DataRejected

    text, _ = _wedge_csv(wedge)
    lines = text.splitlines()
    lines[1] = "School 1,,1,40"          # row 2: no period
    lines[2] = "School 99,1,0,41"        # row 3: not a registered cluster
    lines[3] = "School 1,1,2,42"         # row 4: treated must be 0 or 1
    with pytest.raises(DataRejected, match=re.escape(ERROR_REJECTED.format(summary=""))) as caught:
        outcome_upload(actor=trial_world["users"]["analyst"], trial=wedge, filename="w.csv",
                       content=("\n".join(lines) + "\n").encode())
    found = {(p.row, p.column) for p in caught.value.report.problems}
    assert {(2, "period"), (3, "cluster"), (4, "treated")} <= found, found
    assert not OutcomeDataset.objects.filter(trial=wedge).exists()


def test_cli_html_report_of_a_stepped_wedge_has_no_sample_ratio_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Regression: the report printed "Observed [12, 0] against expected [nan, nan]" for a
    stepped wedge, whose treated share of cluster-periods is set by the design."""
    import pandas as pd
    from typer.testing import CliRunner

    from seedbed.cli.main import app

    source, report = tmp_path / "sw.csv", tmp_path / "sw.html"
    pd.DataFrame(generated()).to_csv(source, index=False)
    args = ["stats", "analyse", str(source), "--arm", "treated", "--outcome", "outcome",
            "--cluster", "cluster", "--period", "period", "--control", "0", "--report", str(report)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    html = report.read_text()
    assert "Trial analysis" in html and "Sample ratio check" not in html and "against expected" not in html
