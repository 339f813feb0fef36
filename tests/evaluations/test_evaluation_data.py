"""Adding data to an evaluation and running its registered analysis, through the services:
effects known by construction are recovered, bad files are refused with the row, column
and plan field named and nothing stored, and the result is replaced, audited, then frozen."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from seedbed.core.errors import AccessDenied, ValidationProblem
from seedbed.core.models import AuditEntry
from seedbed.core.uploads import ERROR_UPLOAD_TOO_LARGE
from seedbed.data.errors import (
    MSG_EMPTY_FILE,
    MSG_MISSING_COLUMN,
    MSG_NO_DATA_ROWS,
    MSG_NOT_A_NUMBER,
)
from seedbed.data.panel import MSG_DUPLICATE_PERIOD, MSG_VARYING_WITHIN_UNIT
from seedbed.evaluations.access import access_evaluation_data
from seedbed.evaluations.models import Design, Evaluation, EvaluationDataset, EvaluationResult
from seedbed.evaluations.rules import ERROR_NOT_REGISTERED, ERROR_REPORTED, plan_label
from seedbed.evaluations.services import dataset_upload, evaluation_analyse, plan_amend
from seedbed.evaluations.services.analysis import ERROR_NO_DATA, ERROR_NOT_ESTIMABLE
from seedbed.evaluations.services.dataset import ERROR_FILE_EMPTY, ERROR_FILE_TYPE
from seedbed.evaluations.uploads import (
    ERROR_ANALYSIS_FIELD,
    ERROR_REJECTED,
    MSG_AND_MORE,
    MSG_PLAN_COLUMN,
    MSG_TOO_MANY_PERIODS,
    MSG_TREATED_MISSING,
    DataRejected,
)
from seedbed.library.rules import engine_codes
from tests.evaluations.datasets import EFFECTS, csv_bytes, file_bytes, frame, registered

ESTIMATE = {Design.DID: ("att", "ci"), Design.ITS: ("level_change", "ci_level"),
            Design.SYNTH: ("att", None), Design.RD: ("estimate", "ci_robust")}


def _upload(world: dict[str, Any], evaluation: Evaluation, content: bytes,
            filename: str = "data.csv") -> EvaluationDataset:
    return dataset_upload(actor=world["users"]["lead"], evaluation=evaluation,
                          filename=filename, content=content)


def _actions(evaluation: Evaluation) -> list[str]:
    return list(AuditEntry.objects.filter(action__startswith="evaluations.")
                .order_by("pk").values_list("action", flat=True))


@pytest.mark.parametrize(("design", "suffix"), [
    (Design.DID, ".csv"), (Design.ITS, ".xlsx"), (Design.SYNTH, ".parquet"), (Design.RD, ".csv"),
])
def test_each_design_is_analysed_as_registered_and_recovers_its_effect(
        trial_world: dict[str, Any], design: str, suffix: str) -> None:
    evaluation = registered(trial_world, design)
    df = frame(design)
    dataset = _upload(trial_world, evaluation, file_bytes(df, suffix), f"data{suffix}")
    assert dataset.rows == len(df)
    assert dataset.content_hash == hashlib.sha256(bytes(dataset.parquet)).hexdigest()

    result = evaluation_analyse(actor=trial_world["users"]["analyst"], evaluation=evaluation)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.ANALYSED
    assert result.dataset == dataset and result.plan_version.number == 1
    assert result.design == design and result.analysed_by == trial_world["users"]["analyst"]
    key, ci = ESTIMATE[design]
    stored = EvaluationResult.objects.get(evaluation=evaluation).payload
    tolerance = {Design.RD: 40.0, Design.SYNTH: 1.0}.get(design, 0.8)
    assert abs(stored[key] - EFFECTS[design]) < tolerance, stored[key]
    if ci:
        assert stored[ci][0] < EFFECTS[design] < stored[ci][1]
    assert result.warnings == stored["warnings"]
    json.dumps(stored, allow_nan=False)  # strict JSON: NaN stored as null
    assert _actions(evaluation)[-2:] == ["evaluations.dataset_upload",
                                          "evaluations.evaluation_analyse"]


def test_the_plan_parameters_drive_the_analysis(trial_world: dict[str, Any]) -> None:
    """The interrupted time series starts where the registered plan says, not elsewhere."""
    early = registered(trial_world, Design.ITS, title="Early", start=13.0)
    _upload(trial_world, early, csv_bytes(frame(Design.ITS)))
    result = evaluation_analyse(actor=trial_world["users"]["lead"], evaluation=early)
    assert result.payload["first_post_time"] == 13 and result.payload["n_pre"] == 12


def test_data_wait_for_registration(trial_world: dict[str, Any]) -> None:
    from seedbed.evaluations.services import evaluation_create

    draft = evaluation_create(actor=trial_world["users"]["lead"],
                              organisation=trial_world["organisations"]["childrens-services"],
                              title="Draft", design=Design.ITS)
    with pytest.raises(ValidationProblem) as caught:
        _upload(trial_world, draft, csv_bytes(frame(Design.ITS)))
    assert caught.value.problems == {"__all__": ERROR_NOT_REGISTERED}
    with pytest.raises(AccessDenied) as denied:
        access_evaluation_data(trial_world["users"]["lead"], draft.pk)
    assert denied.value.reason == ERROR_NOT_REGISTERED
    assert not EvaluationDataset.objects.exists()


def test_analysis_needs_data(trial_world: dict[str, Any]) -> None:
    evaluation = registered(trial_world, Design.RD)
    with pytest.raises(ValidationProblem) as caught:
        evaluation_analyse(actor=trial_world["users"]["lead"], evaluation=evaluation)
    assert caught.value.problems == {"__all__": ERROR_NO_DATA}
    assert not EvaluationResult.objects.exists()


NOT_ESTIMABLE_PLANS = {
    "its_start_after_the_data": (Design.ITS, {"start": 2025.0}, None, "start"),
    "its_start_before_the_data": (Design.ITS, {"start": -5.0}, None, "start"),
    "its_start_at_the_last_period": (Design.ITS, {"start": 48.0}, None, "start"),
    "rd_cutoff_above_every_score": (Design.RD, {"cutoff": 1000.0}, None, "cutoff"),
    "rd_cutoff_below_every_score": (Design.RD, {"cutoff": -1000.0}, None, "cutoff"),
    "rd_no_outcomes": (Design.RD, {}, ("arrears", None), "cutoff"),
    "synth_start_after_the_data": (Design.SYNTH, {"start": 1000.0}, None, "start"),
    "synth_start_before_the_data": (Design.SYNTH, {"start": -1.0}, None, "start"),
    "synth_treated_unit_without_outcomes": (Design.SYNTH, {}, ("reports", ("ward", "Ward 0")),
                                            "start"),
    "did_every_unit_never_treated": (Design.DID, {}, ("started", 0), "first_treated_column"),
    "did_every_unit_treated_at_once": (Design.DID, {}, ("started", 5), "first_treated_column"),
}


@pytest.mark.parametrize("case", sorted(NOT_ESTIMABLE_PLANS))
def test_an_analysis_that_estimates_nothing_is_refused_and_the_plan_stays_amendable(
        trial_world: dict[str, Any], case: str) -> None:
    design, plan, change, field = NOT_ESTIMABLE_PLANS[case]
    evaluation = registered(trial_world, design, **plan)
    df = frame(design)
    if change is not None:
        column, value = change
        if isinstance(value, tuple):
            df.loc[df[value[0]] == value[1], column] = float("nan")
        else:
            df[column] = float("nan") if value is None else value
    _upload(trial_world, evaluation, csv_bytes(df))
    with pytest.raises(ValidationProblem) as caught:
        evaluation_analyse(actor=trial_world["users"]["lead"], evaluation=evaluation)
    assert list(caught.value.problems) == [field]
    message = caught.value.problems[field]
    assert message.startswith(ERROR_NOT_ESTIMABLE.split("{")[0])
    assert plan_label(field) in message
    assert not EvaluationResult.objects.filter(evaluation=evaluation).exists()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.REGISTERED
    plan_amend(actor=trial_world["users"]["lead"], evaluation=evaluation,
               changes={"success": "Any fall"}, reason="The plan could not be analysed")


def _rejected(world: dict[str, Any], evaluation: Evaluation, content: bytes,
              filename: str = "data.csv") -> ValidationProblem:
    with pytest.raises(ValidationProblem) as caught:
        _upload(world, evaluation, content, filename)
    assert not EvaluationDataset.objects.exists()
    return caught.value


def _messages(problem: ValidationProblem) -> list[str]:
    assert isinstance(problem, DataRejected), problem
    return [p.message for p in problem.report.problems]


def test_bad_files_are_refused_naming_row_column_and_plan_field(trial_world: dict[str, Any]) -> None:
    did = registered(trial_world, Design.DID)
    header = "team,quarter,rereferrals,started\n"

    missing = _messages(_rejected(trial_world, did, b"team,quarter,rereferrals\nA,1,2\n"))
    assert missing == [MSG_PLAN_COLUMN.format(
        message=MSG_MISSING_COLUMN.format(column="started",
                                          found='"team", "quarter", "rereferrals"'),
        label="first-treated column")]

    text = _messages(_rejected(trial_world, did, (header + "A,1,2,0\nA,2,lots,0\n").encode()))
    assert text == [MSG_NOT_A_NUMBER.format(row=3, column="rereferrals", value="lots")]

    twice = _messages(_rejected(trial_world, did, (header + "A,1,2,0\nB,1,2,0\nA,1,3,0\n").encode()))
    assert twice == [MSG_DUPLICATE_PERIOD.format(row=4, column="quarter", unit="A", period="1",
                                                 first=2)]

    varying = _messages(_rejected(trial_world, did, (header + "A,1,2,3\nA,2,2,4\n").encode()))
    assert varying == [MSG_VARYING_WITHIN_UNIT.format(row=3, column="started", unit="A",
                                                      value="4", first_value="3", first=2)]

    assert _messages(_rejected(trial_world, did, header.encode())) == [MSG_NO_DATA_ROWS]
    assert _messages(_rejected(trial_world, did, b"\n")) == [MSG_EMPTY_FILE]
    assert _rejected(trial_world, did, b"").problems == {"file": ERROR_FILE_EMPTY}
    assert _rejected(trial_world, did, b"MZ\x90", "data.exe").problems == {"file": ERROR_FILE_TYPE}


def test_a_file_past_the_upload_limit_is_refused_without_being_kept(
        trial_world: dict[str, Any], settings: Any) -> None:
    settings.SEEDBED_UPLOAD_MAX_MB = 1
    its = registered(trial_world, Design.ITS)
    chunks = (b"month,delays\n" + b"1,2\n" * 100_000 for _ in range(4))  # about 1.6 MB
    problem = _rejected(trial_world, its, chunks)  # type: ignore[arg-type]
    assert problem.problems["file"].startswith(ERROR_UPLOAD_TOO_LARGE.split("{size}")[0])
    assert "the largest file Seedbed accepts is 1 MB" in problem.problems["file"]


def test_too_many_periods_are_refused(trial_world: dict[str, Any], monkeypatch: Any) -> None:
    import seedbed.evaluations.uploads as uploads

    monkeypatch.setattr(uploads, "MAX_PERIODS", 40)
    its = registered(trial_world, Design.ITS)
    assert _messages(_rejected(trial_world, its, csv_bytes(frame(Design.ITS)))) == [
        MSG_TOO_MANY_PERIODS.format(column="month", count=48, limit=40)]


def test_a_treated_unit_missing_from_the_data_is_named(trial_world: dict[str, Any]) -> None:
    synth = registered(trial_world, Design.SYNTH, treated_unit="Ward 99")
    assert _messages(_rejected(trial_world, synth, csv_bytes(frame(Design.SYNTH)))) == [
        MSG_TREATED_MISSING.format(column="ward", unit="Ward 99")]

    # Amended after the data were added: the analysis names the plan field, stores nothing.
    fine = registered(trial_world, Design.SYNTH, title="Amended")
    _upload(trial_world, fine, csv_bytes(frame(Design.SYNTH)))
    plan_amend(actor=trial_world["users"]["lead"], evaluation=fine,
               changes={"treated_unit": "Ward 42"}, reason="The scheme moved ward")
    with pytest.raises(ValidationProblem) as caught:
        evaluation_analyse(actor=trial_world["users"]["lead"], evaluation=fine)
    assert list(caught.value.problems) == ["treated_unit"]
    assert caught.value.problems["treated_unit"].startswith(
        ERROR_ANALYSIS_FIELD.format(label="treated unit", detail=""))
    assert "Ward 42" in caught.value.problems["treated_unit"]
    assert not EvaluationResult.objects.exists()


def test_new_data_replace_the_result_until_it_is_reported(trial_world: dict[str, Any]) -> None:
    rd = registered(trial_world, Design.RD)
    lead = trial_world["users"]["lead"]
    first = _upload(trial_world, rd, csv_bytes(frame(Design.RD, seed=1)))
    evaluation_analyse(actor=lead, evaluation=rd)
    second = _upload(trial_world, rd, csv_bytes(frame(Design.RD, seed=2)), "corrected.csv")
    rd.refresh_from_db()
    result = evaluation_analyse(actor=lead, evaluation=rd)
    assert EvaluationResult.objects.count() == 1 and result.dataset == second
    entry = AuditEntry.objects.filter(action="evaluations.evaluation_analyse").latest("pk")
    assert entry.data["replaced_dataset"] == first.pk
    assert entry.data["dataset_hash"] == second.content_hash

    Evaluation.objects.filter(pk=rd.pk).update(status=Evaluation.Status.REPORTED)
    rd.refresh_from_db()
    for attempt in (lambda: evaluation_analyse(actor=lead, evaluation=rd),
                    lambda: _upload(trial_world, rd, csv_bytes(frame(Design.RD)))):
        with pytest.raises(ValidationProblem) as caught:
            attempt()
        assert caught.value.problems == {"__all__": ERROR_REPORTED}
    assert EvaluationResult.objects.get().dataset == second
    assert EvaluationDataset.objects.count() == 2


def test_only_those_who_may_change_the_evaluation_add_data(trial_world: dict[str, Any]) -> None:
    evaluation = registered(trial_world, Design.ITS)
    for role in ("frontline", "safety", "provider"):
        with pytest.raises(AccessDenied):
            access_evaluation_data(trial_world["users"][role], evaluation.pk)
    assert access_evaluation_data(trial_world["users"]["analyst"], evaluation.pk) == evaluation


def test_the_stored_warnings_hold_the_nested_codes_the_library_case_reads(
        trial_world: dict[str, Any]) -> None:
    evaluation = registered(trial_world, Design.DID)
    df = frame(Design.DID)
    df = df[df["quarter"].isin([4, 5]) & df["team"].isin([f"Team {i}" for i in range(8)])].copy()
    df.loc[df["started"] == 7, "started"] = 0
    _upload(trial_world, evaluation, csv_bytes(df))
    result = evaluation_analyse(actor=trial_world["users"]["lead"], evaluation=evaluation)
    nested = (result.payload.get("two_by_two") or {}).get("warnings") or []
    assert nested and set(nested) <= set(result.warnings)
    assert result.warnings == engine_codes(result.payload, result.warnings)


def test_a_rejected_file_is_headed_by_its_first_problem_and_how_many_more(
        trial_world: dict[str, Any]) -> None:
    evaluation = registered(trial_world, Design.ITS)
    one = _rejected(trial_world, evaluation, b"month,delays\n1,40\n2,forty-one\n")
    first = MSG_NOT_A_NUMBER.format(row=3, column="delays", value="forty-one")
    assert one.problems == {"file": ERROR_REJECTED.format(summary=first)}
    three = _rejected(trial_world, evaluation, b"month,delays\n1,a\n2,b\n3,c\n")
    assert three.problems["file"] == ERROR_REJECTED.format(summary=MSG_NOT_A_NUMBER.format(
        row=2, column="delays", value="a") + MSG_AND_MORE.format(count=2, s="s"))


def test_a_constant_series_is_refused_naming_the_outcome_column(trial_world: dict[str, Any]) -> None:
    evaluation = registered(trial_world, Design.ITS)
    df = frame(Design.ITS)
    df["delays"] = 5.0
    _upload(trial_world, evaluation, csv_bytes(df))
    with pytest.raises(ValidationProblem) as caught:
        evaluation_analyse(actor=trial_world["users"]["lead"], evaluation=evaluation)
    assert list(caught.value.problems) == ["outcome_column"]
    assert plan_label("outcome_column") in caught.value.problems["outcome_column"]
    assert not EvaluationResult.objects.filter(evaluation=evaluation).exists()
