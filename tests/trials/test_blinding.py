"""Blinding: while a trial recruits, the people who may not know the arms (the innovation
lead and the analyst) learn nothing about any allocation from uploading outcome data, by
file or by connected table: not an arm, not who is enrolled, not from a differing answer.

The trial's named safety lead is unblinded; once recruitment has closed (or the trial has
stopped) everyone running the analysis may see the arms, and the full check is shown.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from seedbed.core.errors import ValidationProblem
from seedbed.data.errors import KIND_NOT_ALLOCATED, KIND_WRONG_ARM
from seedbed.trials.models import Allocation, OutcomeDataset, Trial
from seedbed.trials.services import connections
from seedbed.trials.services.allocation import allocation_draw
from seedbed.trials.services.monitoring import interim_look_run
from seedbed.trials.services.protocols import trial_close
from seedbed.trials.services.results import NOTICE_BLINDED, analysis_run, outcome_upload
from seedbed.trials.uploads import ERROR_ALLOCATION_MISMATCH, ERROR_REJECTED, DataRejected
from tests.trials.helpers import draft_trial

REJECTED = re.escape(ERROR_REJECTED.format(summary=""))

pytestmark = pytest.mark.django_db

RUNNING = "Weekly family-support calls"
HEADER = "unit,arm,outcome,stratum,deprivation\n"


def _other(trial: Trial, arm: str) -> str:
    return next(a for a in trial.protocol.arm_list if a != arm)


def _files(trial: Trial) -> dict[str, str]:
    """One-row files: an enrolled unit in its own arm, the same unit in the other arm, and a
    unit that was never enrolled."""
    enrolled = list(Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("id"))
    unit = enrolled[0]
    # one more enrolled unit of each arm, in its own arm, so that every file has both arms
    others = "".join(f"{a.unit_ref},{a.arm},51,{a.stratum},high\n" for a in (
        next(b for b in enrolled[1:] if b.arm == arm) for arm in trial.protocol.arm_list))
    return {
        "right arm": HEADER + f"{unit.unit_ref},{unit.arm},50,{unit.stratum},low\n" + others,
        "wrong arm": HEADER + f"{unit.unit_ref},{_other(trial, unit.arm)},50,{unit.stratum},low\n"
        + others,
        "not enrolled": HEADER + f"NEVER-ENROLLED-1,{unit.arm},50,{unit.stratum},low\n" + others,
    }


def _page(response: Any) -> str:
    """The page with what legitimately differs between two requests taken out."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return re.sub(r'nonce="[^"]+"', "", text)


@pytest.mark.parametrize("role", ["lead", "analyst"])
def test_blinded_roles_get_the_same_answer_whatever_the_allocation(demo_world, client_as, role) -> None:
    trial = Trial.objects.get(title=RUNNING)
    assert trial.status == Trial.Status.RECRUITING
    client = client_as(role)
    url = reverse("trials:data", args=[trial.pk])
    answers = {}
    for name, text in _files(trial).items():
        response = client.post(url, {"file": SimpleUploadedFile("o.csv", text.encode())}, follow=True)
        answers[name] = (response.redirect_chain, _page(response))
        page = response.content.decode()
        assert "allocated arm" not in page and "allocation list" not in page.replace(
            "concealed allocation list", "")
    # Whichever arm the unit is in, and whether it is enrolled at all, the answer is the same.
    assert answers["right arm"] == answers["wrong arm"] == answers["not enrolled"]
    assert answers["right arm"][0], "a well-formed file is accepted while blinded"
    assert NOTICE_BLINDED.split(",")[0] in answers["right arm"][1]


@pytest.mark.parametrize("role", ["lead", "analyst"])
def test_blinded_upload_reports_only_what_is_in_the_file(demo_world, role) -> None:
    trial = Trial.objects.get(title=RUNNING)
    unit = Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("id").first()
    assert unit is not None
    wrong = _other(trial, unit.arm)
    bad = (HEADER + f"{unit.unit_ref},{wrong},fifty,{unit.stratum},low\n"
           f"NEVER-ENROLLED-2,{unit.arm},51,{unit.stratum},low\n")
    with pytest.raises(DataRejected, match=REJECTED) as caught:
        outcome_upload(actor=demo_world["users"][role], trial=trial, filename="o.csv",
                       content=bad.encode())
    report = caught.value.report
    kinds = {kind for kind, _ in report.counts}
    assert kinds == {"not_a_number"}, kinds
    text = "\n".join(report.lines())
    assert unit.arm not in text.replace(f"expected one of: {', '.join(trial.protocol.arm_list)}", "")
    assert "allocation" not in text
    assert not OutcomeDataset.objects.filter(trial=trial).exists()


def test_the_safety_lead_is_unblinded_and_sees_the_full_check(demo_world) -> None:
    trial = Trial.objects.get(title=RUNNING)
    text = _files(trial)["wrong arm"]
    with pytest.raises(DataRejected, match=REJECTED) as caught:
        outcome_upload(actor=demo_world["users"]["safety"], trial=trial, filename="o.csv",
                       content=text.encode())
    assert dict(caught.value.report.counts) == {KIND_WRONG_ARM: 1}


def test_after_recruitment_closes_the_lead_sees_the_full_check(demo_world, client_as) -> None:
    trial = trial_close(actor=demo_world["users"]["lead"], trial=Trial.objects.get(title=RUNNING))
    files = _files(trial)
    url = reverse("trials:data", args=[trial.pk])
    wrong = client_as("lead").post(url, {"file": SimpleUploadedFile("o.csv", files["wrong arm"].encode())})
    assert wrong.status_code == 200 and "differs from the allocated arm" in wrong.content.decode()
    missing = client_as("lead").post(url, {"file": SimpleUploadedFile("o.csv", files["not enrolled"].encode())})
    assert "is not in the allocation list" in missing.content.decode()


def _recruiting(world: dict[str, Any], **design: Any) -> Trial:
    trial = draft_trial(world, register=True, seed="blinding-test-seed-5c1e9a7b3d2f8064",
                        strata="", **design)
    for i in range(20):
        allocation_draw(actor=world["users"]["frontline"], trial=trial, unit_ref=f"B{i}")
    return trial


def _wrong_file(trial: Trial) -> str:
    lines = ["unit,arm,outcome"]
    for i, a in enumerate(Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("id")):
        arm = _other(trial, a.arm) if i < 3 else a.arm
        lines.append(f"{a.unit_ref},{arm},{50 + i % 7}")
    lines.append(f"NEVER-ENROLLED-3,{trial.protocol.arm_list[0]},52")
    return "\n".join(lines) + "\n"


def test_data_stored_while_blinded_are_checked_before_the_analysis(trial_world) -> None:
    users = trial_world["users"]
    trial = _recruiting(trial_world)
    dataset = outcome_upload(actor=users["analyst"], trial=trial, filename="o.csv",
                             content=_wrong_file(trial).encode())
    assert dataset.rows == 21  # every row received: the count does not depend on the allocation
    trial = trial_close(actor=users["lead"], trial=trial)
    with pytest.raises(ValidationProblem, match=re.escape(ERROR_ALLOCATION_MISMATCH.format(count=4, s="s"))) as caught:
        analysis_run(actor=users["analyst"], trial=trial, assessed=30, plain_summary="Same.")
    assert caught.value.problems["__all__"] == ERROR_ALLOCATION_MISMATCH.format(count=4, s="s")


def test_an_efficacy_look_does_not_test_data_that_do_not_match_the_allocation(
    trial_world, django_capture_on_commit_callbacks
) -> None:
    users = trial_world["users"]
    trial = _recruiting(trial_world, efficacy_looks=True)
    outcome_upload(actor=users["analyst"], trial=trial, filename="o.csv",
                   content=_wrong_file(trial).encode())
    with django_capture_on_commit_callbacks(execute=True):
        look = interim_look_run(actor=users["safety"], trial=trial)
    assert look.efficacy["status"] == "allocation_mismatch"
    assert look.efficacy["message"] == ERROR_ALLOCATION_MISMATCH.format(count=4, s="s")


MAPPING = {"unit": "ref", "arm": "group_name", "outcome": "score"}


def _duckdb(path: Path, rows: list[tuple[Any, ...]]) -> str:
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE outcomes (ref VARCHAR, group_name VARCHAR, score DOUBLE)")
    con.executemany("INSERT INTO outcomes VALUES (?, ?, ?)", rows)
    con.close()
    return f"duckdb://{path}"


def test_a_connected_table_tells_the_blinded_analyst_nothing_about_arms(
    trial_world, tmp_path, settings
) -> None:
    users = trial_world["users"]
    trial = _recruiting(trial_world)
    enrolled = list(Allocation.objects.filter(trial=trial).exclude(unit_ref="").order_by("id"))
    unit = enrolled[0]
    others = [(a.unit_ref, a.arm, 51.0) for a in (
        next(b for b in enrolled[1:] if b.arm == arm) for arm in trial.protocol.arm_list)]
    tables = {
        "right": [(unit.unit_ref, unit.arm, 50.0), *others],
        "wrong": [(unit.unit_ref, _other(trial, unit.arm), 50.0), *others],
        "absent": [("NEVER-ENROLLED-4", unit.arm, 50.0), *others],
    }
    settings.SEEDBED_DATA_CONNECTIONS = ";".join(
        f"{name}=" + _duckdb(tmp_path / f"{name}.duckdb", rows) for name, rows in tables.items())
    for name in tables:  # each connection offers only its outcomes table
        connections.connection_relations_set(actor=users["lead"], connection=name, relations=["outcomes"])
    for name in tables:
        dataset = connections.outcome_connect(actor=users["analyst"], trial=trial, connection=name,
                                              table="outcomes", columns=MAPPING)
        assert dataset.rows == 3
    # the unblinded safety lead gets the full check (the table is not in the allocation list)
    with pytest.raises(DataRejected, match=REJECTED) as caught:
        connections.outcome_connect(actor=users["safety"], trial=trial, connection="absent",
                                    table="outcomes", columns=MAPPING)
    assert dict(caught.value.report.counts) == {KIND_NOT_ALLOCATED: 1}
