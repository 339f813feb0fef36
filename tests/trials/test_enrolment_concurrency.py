"""200 concurrent enrolment requests over HTTP: one allocation per unit, the pre-generated
sequence exactly, on whichever database the suite runs (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from seedbed.accounts.services import api_token_issue
from seedbed.core.audit import audit_verify
from seedbed.core.models import AuditEntry
from seedbed.stats.allocation import allocation_sequence
from seedbed.trials.models import Allocation
from tests.trials.helpers import draft_trial

pytestmark = pytest.mark.django_db(transaction=True)

UNITS = 200
RETRIED = 40


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 "Idempotency-Key": body["idempotency_key"]},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        text = exc.read()
        try:
            return exc.code, json.loads(text or b"{}")
        except ValueError:
            return exc.code, {"detail": text.decode(errors="replace")[-2000:]}


def test_200_concurrent_enrolments_follow_the_sequence(live_server, trial_world) -> None:
    trial = draft_trial(trial_world, register=True, seed="concurrency-seed-8d2b6f0a4c1e9375")
    _, token = api_token_issue(user=trial_world["users"]["frontline"], name="tablet", scopes=("write",))
    url = f"{live_server.url}/api/trials/{trial.pk}/enrolments"
    strata = trial.protocol.strata_list
    rng = random.Random(7)
    requests = [
        {"unit_ref": f"U{i:04d}", "stratum": strata[i % 2], "idempotency_key": f"key-{i}"}
        for i in range(UNITS)
    ]
    retries = [dict(r) for r in rng.sample(requests, RETRIED)]
    work = requests + retries
    rng.shuffle(work)
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda body: (body, *_post(url, token, body)), work))

    statuses = [status for _, status, _ in answers]
    assert set(statuses) <= {200, 201}, [a for a in answers if a[1] not in (200, 201)][:3]
    assert statuses.count(201) == UNITS
    arm_of: dict[str, str] = {}
    for body, _, data in answers:  # a retried request gets the same arm as the first
        assert arm_of.setdefault(body["unit_ref"], data["arm"]) == data["arm"]

    enrolled = Allocation.objects.filter(trial=trial).exclude(unit_ref="")
    assert enrolled.count() == UNITS
    assert enrolled.values("unit_ref").distinct().count() == UNITS
    protocol = trial.protocol
    expected = allocation_sequence(arms=protocol.arm_list, seed="concurrency-seed-8d2b6f0a4c1e9375",
                                   length=protocol.sample_size_per_arm * 2, strata=strata,
                                   block_sizes=protocol.block_size_list)
    assert strata
    for stratum in strata:
        taken = list(enrolled.filter(stratum=stratum).order_by("position"))
        assert taken, stratum
        assert [a.position for a in taken] == list(range(1, len(taken) + 1))
        assert [a.arm for a in taken] == [e.arm for e in expected.by_stratum[stratum][: len(taken)]]
        assert all(arm_of[a.unit_ref] == a.arm for a in taken)
    assert AuditEntry.objects.filter(action="trials.allocation", data__trial=trial.pk).count() == UNITS
    assert audit_verify().ok
