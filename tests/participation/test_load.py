"""Acceptance: 1,000 concurrent submissions over loopback lose none and duplicate none.

Real HTTP against ``live_server`` (threads with ``http.client``): 1,000 distinct needs from
20 signed-in residents, 200 of them sent twice at the same time (a double-click), and any
failed request retried with the same form token, as a browser retry would.
"""

from __future__ import annotations

import http.client
import secrets
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.test import Client

from seedbed.accounts.services import person_create
from seedbed.core.audit import audit_verify
from seedbed.participation.models import Contribution, Follow, StatusChange
from seedbed.participation.services import themes as themes_service
from seedbed.participation.views import rate_limits as limits

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SUBMISSIONS = 1000
DOUBLE_CLICKS = 200
PEOPLE = 20
WORKERS = 24
TIME_LIMIT_S = 300
RETRIES = 5


def test_thousand_concurrent_submissions_lose_none_and_duplicate_none(live_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for scope in ("submit:user", "submit:address"):
        monkeypatch.setitem(limits.RATE_LIMITS, scope, (10**6, 600))
    cache.clear()
    cache.add(themes_service._REFRESH_KEY, 1, timeout=3600)  # theme refreshes are not under test
    people = []
    for n in range(PEOPLE):
        user = person_create(username=f"load{n}", email=f"load{n}@example.org",
                             display_name=f"Load {n}", password=None)
        client = Client()
        client.force_login(user)
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        people.append((client.cookies["sessionid"].value, csrf))
    host, port = urllib.parse.urlsplit(live_server.url).netloc.split(":")
    jobs = [(i, str(uuid.uuid4())) for i in range(SUBMISSIONS)]
    sends = jobs + jobs[:DOUBLE_CLICKS]

    def post(job: tuple[int, str]) -> tuple[int, int]:
        number, key = job
        session, csrf = people[number % PEOPLE]
        body = urllib.parse.urlencode({
            "csrfmiddlewaretoken": csrf, "title": f"Load need {number}",
            "body": f"Load test need number {number}.", "idempotency_key": key,
            "action": "submit", "website": "",
        })
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Connection": "close",
                   "Cookie": f"sessionid={session}; csrftoken={csrf}", "Referer": live_server.url}
        status = 0
        for attempt in range(RETRIES):
            try:
                conn = http.client.HTTPConnection(host, int(port), timeout=60)
                conn.request("POST", "/voices/needs/new/", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                conn.close()
            except OSError:
                status = -1
            if status == 302:
                return number, attempt
            time.sleep(0.05 * (attempt + 1))
        return number, -status

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(post, sends))
    elapsed = time.monotonic() - started
    failed = [r for r in results if r[1] < 0]
    assert not failed, f"{len(failed)} requests failed after {RETRIES} tries, e.g. {failed[:5]}"
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.0f} s"

    made = Contribution.objects.filter(title__startswith="Load need ")
    assert made.count() == SUBMISSIONS, "none lost, none duplicated"
    assert set(made.values_list("idempotency_key", flat=True)) == {uuid.UUID(k) for _, k in jobs}
    assert len(set(made.values_list("title", flat=True))) == SUBMISSIONS
    # Whole records: each with its history entry and its submitter following it.
    assert StatusChange.objects.filter(contribution__in=made).count() == SUBMISSIONS
    assert Follow.objects.filter(contribution__in=made).count() == SUBMISSIONS
    assert audit_verify().ok
    print(f"\n{len(sends)} requests ({SUBMISSIONS} distinct) in {elapsed:.1f} s "
          f"({len(sends) / elapsed:.0f}/s), retries: {sum(r[1] for r in results)}")
