"""The plan's optional choices (a difference-in-differences' comparison units and cluster
column, an interrupted time series' comparison series and season column): frozen with the
plan, checked against the data, used by the analysis and stated in words; and amendments made
after the first data arrived are marked in the report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from django.template.loader import render_to_string

from seedbed.evaluations import selectors
from seedbed.evaluations.forms import plan_form_for
from seedbed.evaluations.models import Control, Design, Evaluation, EvaluationDataset, PlanVersion
from seedbed.evaluations.reports import REPORT_TEMPLATE, report_context
from seedbed.evaluations.rules import content_hash, plan_value_text
from seedbed.evaluations.services import dataset_upload, evaluation_analyse, plan_amend
from seedbed.evaluations.uploads import DataRejected
from tests.evaluations.datasets import csv_bytes, frame, registered

pytestmark = pytest.mark.django_db

WARN_NO_NEVER_TREATED = "no_never_treated_units"


def _roll_out(effect: float = -3.0, seed: int = 3) -> pd.DataFrame:
    """Every team starts the change, in one of three waves; teams sit in six areas."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(45):
        started = (4, 6, 8)[u % 3]
        level = rng.normal(20, 3)
        for t in range(1, 11):
            y = level + 0.3 * t + (effect if t >= started else 0) + rng.normal(0, 0.5)
            rows.append({"team": f"Team {u}", "quarter": t, "rereferrals": y,
                         "started": started, "area": f"Area {u % 6}"})
    return pd.DataFrame(rows)


def _upload(world: dict[str, Any], evaluation: Evaluation, df: pd.DataFrame) -> EvaluationDataset:
    return dataset_upload(actor=world["users"]["lead"], evaluation=evaluation,
                          filename="data.csv", content=csv_bytes(df))


def test_a_roll_out_is_compared_with_teams_not_yet_started(trial_world: dict[str, Any]) -> None:
    never = registered(trial_world, Design.DID, title="Never")
    assert never.plan.control == Control.NEVER
    _upload(trial_world, never, _roll_out())
    result = evaluation_analyse(actor=trial_world["users"]["lead"], evaluation=never)
    assert WARN_NO_NEVER_TREATED in result.warnings and result.payload["control"] == "never"

    not_yet = registered(trial_world, Design.DID, title="Not yet", control=Control.NOT_YET,
                         cluster_column="area")
    assert not_yet.versions.get(number=1).content["control"] == "not-yet"
    _upload(trial_world, not_yet, _roll_out())
    result = evaluation_analyse(actor=trial_world["users"]["lead"], evaluation=not_yet)
    assert result.payload["control"] == "not-yet" and result.payload["n_clusters"] == 6
    assert abs(result.payload["att"] - -3.0) < 0.8

    summary = selectors.analysis_summary(result=result)
    assert dict(summary["plan_choices"]) == {
        "comparison units": Control.NOT_YET.label, "cluster column": "area"}


def test_a_named_column_missing_from_the_file_is_refused(trial_world: dict[str, Any]) -> None:
    evaluation = registered(trial_world, Design.DID, cluster_column="district")
    with pytest.raises(DataRejected) as caught:
        _upload(trial_world, evaluation, _roll_out())
    assert "cluster column" in " ".join(caught.value.report.lines())
    assert not evaluation.datasets.exists()


def test_a_comparison_series_reaches_the_library_level(trial_world: dict[str, Any]) -> None:
    df = frame(Design.ITS)
    rng = np.random.default_rng(5)
    df["elsewhere"] = 55 + 0.3 * df["month"] + rng.normal(0, 1.0, len(df))
    df["season"] = [f"M{(m - 1) % 12 + 1}" for m in df["month"]]
    evaluation = registered(trial_world, Design.ITS, comparison_column="elsewhere",
                            season_column="season")
    _upload(trial_world, evaluation, df)
    result = evaluation_analyse(actor=trial_world["users"]["lead"], evaluation=evaluation)
    assert result.payload["comparison"]
    evaluation.refresh_from_db()
    preview = selectors.case_preview(evaluation=evaluation)
    assert preview is not None and preview.design == "its_comparison"

    plain = registered(trial_world, Design.ITS, title="Plain")
    _upload(trial_world, plain, frame(Design.ITS))
    evaluation_analyse(actor=trial_world["users"]["lead"], evaluation=plain)
    plain.refresh_from_db()
    preview = selectors.case_preview(evaluation=plain)
    assert preview is not None and preview.design == "its"


def test_a_version_frozen_before_the_choices_existed_still_verifies_and_reads(
        trial_world: dict[str, Any]) -> None:
    evaluation = registered(trial_world, Design.DID)
    version = evaluation.versions.get(number=1)
    old = {k: v for k, v in version.content.items()
           if k not in ("control", "cluster_column", "comparison_column", "season_column")}
    PlanVersion.objects.filter(pk=version.pk).update(content=old, content_hash=content_hash(old))
    version.refresh_from_db()
    assert content_hash(version.content) == version.content_hash
    _upload(trial_world, evaluation, frame(Design.DID))
    result = evaluation_analyse(actor=trial_world["users"]["lead"], evaluation=evaluation)
    assert result.payload["control"] == "never"
    assert plan_value_text("control", None, design=Design.DID) == Control.NEVER.label


def test_the_report_marks_amendments_made_after_the_first_data(trial_world: dict[str, Any]) -> None:
    lead = trial_world["users"]["lead"]
    evaluation = registered(trial_world, Design.ITS)
    plan_amend(actor=lead, evaluation=evaluation, changes={"period": "Five years"},
               reason="Longer follow-up")
    dataset = _upload(trial_world, evaluation, frame(Design.ITS))
    first = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)
    EvaluationDataset.objects.filter(pk=dataset.pk).update(uploaded_at=first)
    PlanVersion.objects.filter(evaluation=evaluation, number=2).update(
        frozen_at=first - dt.timedelta(days=1))
    plan_amend(actor=lead, evaluation=evaluation, changes={"start": 26.0},
               reason="The change went live a month late")
    result = evaluation_analyse(actor=lead, evaluation=evaluation)

    context = report_context(evaluation, result)
    assert context["first_data_at"] == first
    assert [(v.number, after) for v, after in context["amendments"]] == [(2, False), (3, True)]
    html = render_to_string(REPORT_TEMPLATE, context)
    assert "Data were first added on 4 March 2026" in html
    assert html.count("data-after-data") == 1
    assert "Amended after data were first added on 4 March 2026" in html


def test_the_plan_form_offers_the_choices_and_leaves_them_optional() -> None:
    form_class = plan_form_for(Design.DID, amend=True)
    fields = form_class().fields
    assert [value for value, _ in fields["control"].choices] == ["never", "not-yet"]  # type: ignore[attr-defined]
    assert not fields["control"].required and not fields["cluster_column"].required
    assert fields["outcome_column"].required
    form = form_class(data={"reason": "Clearer", "control": "", "cluster_column": "",
                            "outcome_column": "x"})
    form.is_valid()
    changes = form.plan_changes()
    assert "control" not in changes and changes["cluster_column"] == ""
