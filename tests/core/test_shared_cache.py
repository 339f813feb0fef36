"""Rate limits are counted in a cache that every web process shares (the database cache by
default): a count made in one process is seen by another, increments are atomic, and a
count keeps its window."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections

from seedbed.participation.views.rate_limits import RATE_LIMITS, over_limit_for

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _hit_in_another_process(name: str, who: str) -> str:
    """Count one hit against limit ``name`` in a separate Python process on the same database."""
    script = (
        "import django; django.setup()\n"
        "from seedbed.participation.views.rate_limits import over_limit_for\n"
        f"print(over_limit_for({name!r}, {who!r}))\n"
    )
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "seedbed.config.settings_test",
           "PYTHONPATH": str(PROJECT_ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=120, cwd=PROJECT_ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_the_default_cache_is_shared_between_processes() -> None:
    backend = settings.CACHES["default"]["BACKEND"]
    assert "locmem" not in backend.lower() and "dummy" not in backend.lower()


@pytest.mark.django_db(transaction=True)
def test_a_count_made_in_one_process_is_seen_in_another() -> None:
    count, window = RATE_LIMITS["email:address"]
    who = uuid.uuid4().hex
    for _ in range(count - 1):
        assert over_limit_for("email:address", who) is None
    assert _hit_in_another_process("email:address", who) == "None"  # the count-th hit: at the limit
    assert _hit_in_another_process("email:address", who) == str(window)  # over it, counted across both
    assert over_limit_for("email:address", who) == window


@pytest.mark.django_db
def test_two_cache_backends_on_one_database_see_the_same_counts() -> None:
    first, second = caches.create_connection("default"), caches.create_connection("default")
    assert first is not second
    key = f"test:{uuid.uuid4().hex}"
    assert first.add(key, 0, timeout=3600)
    assert not second.add(key, 0, timeout=3600)
    assert first.incr(key) == 1 and second.incr(key) == 2 and first.incr(key, 5) == 7
    assert second.get(key) == 7
    with pytest.raises(ValueError, match=r"Key 'test:[0-9a-f]+' not found"):
        second.incr(f"test:{uuid.uuid4().hex}")


@pytest.mark.django_db
def test_counting_keeps_the_window() -> None:
    """Django's own database cache rewrites the entry with the default 300 s timeout on incr."""
    backend = caches.create_connection("default")
    key = f"test:{uuid.uuid4().hex}"
    backend.add(key, 0, timeout=3600)
    backend.incr(key)
    table = connection.ops.quote_name(settings.CACHES["default"]["LOCATION"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT expires FROM {table} WHERE cache_key = %s",
                       [backend.make_and_validate_key(key)])
        (expires,) = cursor.fetchone()
    if isinstance(expires, str):
        expires = dt.datetime.fromisoformat(expires)
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    assert expires > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3000)


@pytest.mark.django_db(transaction=True)
def test_increments_from_many_threads_at_once_are_all_counted() -> None:
    key = f"test:{uuid.uuid4().hex}"
    caches.create_connection("default").add(key, 0, timeout=600)
    errors: list[BaseException] = []

    def work() -> None:
        backend = caches.create_connection("default")
        try:
            for _ in range(20):
                backend.incr(key)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert caches.create_connection("default").get(key) == 80
