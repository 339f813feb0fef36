"""Bad configuration and an unreachable database give one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDBED = str(Path(sys.executable).with_name("seedbed"))


# A guard against a hung child, not a speed target: building the demo from nothing takes about
# a minute on a quiet 2-core machine and several on a busy CI runner.
SUBPROCESS_TIMEOUT = 600


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "SEEDBED_"))}
    clean.update({"SEEDBED_VAR_DIR": str(ROOT / "var" / "config-tests"), **env})
    return subprocess.run(args, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT,
                          check=False)


def test_help_works_without_a_database() -> None:
    result = _run([SEEDBED, "--help"], DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    assert result.returncode == 0
    for command in ("demo", "serve", "migrate", "createsuperuser", "audit", "stats", "pb", "text"):
        assert command in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _run([SEEDBED, "migrate"], DJANGO_DEBUG="false")
    assert result.returncode == 2
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_production_refuses_to_start_without_an_audit_key() -> None:
    result = _run([SEEDBED, "audit", "verify"], DJANGO_DEBUG="false", DJANGO_SECRET_KEY="s" * 50)
    assert result.returncode == 2
    assert "SEEDBED_AUDIT_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [("short", "at least 32 characters"), ("s" * 50, "must differ from DJANGO_SECRET_KEY")],
)
def test_a_weak_audit_key_is_refused(value: str, message: str) -> None:
    result = _run([SEEDBED, "migrate"], DJANGO_DEBUG="false", DJANGO_SECRET_KEY="s" * 50, SEEDBED_AUDIT_KEY=value)
    assert result.returncode == 2
    assert "SEEDBED_AUDIT_KEY" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_development_keeps_a_local_audit_key_under_var(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"SEEDBED_VAR_DIR": str(tmp_path), "DJANGO_DEBUG": "true"}
    code = "from django.conf import settings; print(settings.SEEDBED_AUDIT_KEY)"
    first = _run([sys.executable, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='seedbed.config.settings'; django.setup(); {code}"], **env)
    assert first.returncode == 0, first.stderr
    stored = (tmp_path / "dev-audit-key").read_text().strip()
    assert first.stdout.strip() == stored and len(stored) >= 32
    second = _run([sys.executable, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='seedbed.config.settings'; django.setup(); {code}"], **env)
    assert second.stdout.strip() == stored


def test_manage_py_names_the_missing_secret_key() -> None:
    result = _run([sys.executable, "manage.py", "check"], DJANGO_DEBUG="false")
    assert result.returncode == 2
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DJANGO_DEBUG", "maybe"), ("SEEDBED_SQLITE_TIMEOUT", "soon"), ("SEEDBED_TASKS_BACKEND", "carrier-pigeon"),
     ("DATABASE_URL", "mysql://root@localhost/seedbed")],
)
def test_malformed_variable_is_named(variable: str, value: str) -> None:
    result = _run([SEEDBED, "migrate"], **{variable: value, "DJANGO_SECRET_KEY": "x" * 50,
                                            "SEEDBED_AUDIT_KEY": "a" * 40})
    assert result.returncode == 2, result.stderr
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line() -> None:
    result = _run([SEEDBED, "migrate"], DJANGO_DEBUG="true",
                  DATABASE_URL="postgres://seedbed:wrong@127.0.0.1:1/seedbed")
    assert result.returncode == 2
    assert "cannot reach the database" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_data_refused_in_production(db, settings) -> None:  # type: ignore[no-untyped-def]
    from seedbed.demo.build import DemoRefused, demo_load

    settings.SEEDBED_ALLOW_DEMO_DATA = False
    with pytest.raises(DemoRefused, match="SEEDBED_ALLOW_DEMO_DATA"):
        demo_load()


def test_demo_load_is_idempotent(demo_world) -> None:  # type: ignore[no-untyped-def]
    from seedbed.accounts.models import Membership, User
    from seedbed.demo.build import demo_load

    before = (User.objects.count(), Membership.objects.count())
    assert demo_load().created is False
    assert (User.objects.count(), Membership.objects.count()) == before


def test_healthz_reports_an_unreachable_database(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from django.db import DatabaseError, connection

    def broken_cursor(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_healthz_ok(db, client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").json()["database"] == "ok"


def test_pages_send_a_nonce_csp(db, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert "https://" not in response.content.decode().split("<body")[0]  # nothing from a CDN


@pytest.mark.slow
def test_seedbed_demo_sets_up_from_nothing_and_is_safe_to_rerun(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"SEEDBED_VAR_DIR": str(tmp_path / "var"), "DJANGO_DEBUG": "true"}
    first = _run([SEEDBED, "demo", "--no-serve"], **env)
    assert first.returncode == 0, first.stderr
    assert "Demo data loaded" in first.stdout
    assert "northfield-demo" in first.stdout
    second = _run([SEEDBED, "demo", "--no-serve"], **env)
    assert second.returncode == 0, second.stderr
    assert "already loaded" in second.stdout
    verify = _run([SEEDBED, "audit", "verify"], **env)
    assert verify.returncode == 0
    assert "intact" in verify.stdout


def test_production_logs_are_json_without_personal_data(db, client, caplog) -> None:  # type: ignore[no-untyped-def]
    import json
    import logging
    import logging.config

    from seedbed.config.logging import logging_config

    config = logging_config(json_output=True, level="INFO")
    formatter = logging.config.dictConfigClass(config).configure_formatter(config["formatters"]["structured"])  # type: ignore[attr-defined]
    with caplog.at_level(logging.INFO, logger="seedbed.request"):
        client.get("/?name=someone@example.org")
    records = [r for r in caplog.records if r.name == "seedbed.request"]
    assert records
    line = json.loads(formatter.format(records[-1]))
    assert line["event"] == "request" and line["path"] == "/" and line["status"] == 200
    assert "someone@example.org" not in json.dumps(line)


def test_nul_bytes_are_refused_clearly(db, client) -> None:  # type: ignore[no-untyped-def]
    from seedbed.core.middleware import NUL_MESSAGE

    api = client.get("/api/health", {"q": "a\x00b"})
    assert api.status_code == 400
    assert api.json() == {"detail": NUL_MESSAGE}
    page = client.get("/", {"q": "\x00"})
    assert page.status_code == 400
    assert "NUL" in page.content.decode()
    form = client.post("/sign-in/", "username=lead%00&password=x",
                       content_type="application/x-www-form-urlencoded")
    assert form.status_code == 400
