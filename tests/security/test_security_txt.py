"""/.well-known/security.txt (RFC 9116): how to report a vulnerability, with the contact the
council sets, a future expiry no more than a year away, and no sign-in needed."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _fields(text: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_security_txt_names_the_contact_and_expires_within_a_year(db, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SEEDBED_SECURITY_CONTACT = "mailto:infosec@northfield.example.gov.uk"
    settings.SEEDBED_SECURITY_TXT_DAYS = 90
    response = Client().get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = _fields(response.content.decode())
    assert fields["Contact"] == "mailto:infosec@northfield.example.gov.uk"
    assert fields["Canonical"] == "http://testserver/.well-known/security.txt"
    expires = dt.datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    left = expires - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=89) < left <= dt.timedelta(days=90)


def test_a_contact_that_is_not_an_address_stops_the_server() -> None:
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "seedbed.config.settings_test",
           "PYTHONPATH": str(ROOT / "src"), "SEEDBED_SECURITY_CONTACT": "security team",
           "SEEDBED_VAR_DIR": str(ROOT / "var" / "config-tests")}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert "SEEDBED_SECURITY_CONTACT must be a mailto: or https:// address" in result.stderr
