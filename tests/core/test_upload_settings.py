"""Upload and parsing limits: a bad value stops the server at start, naming the variable, and
the settings agree with the data engine's own minimums."""

from __future__ import annotations

import pytest

from tests.core.test_configuration import SEEDBED, _run


@pytest.mark.parametrize(("variable", "value"), [
    ("SEEDBED_UPLOAD_MAX_MB", "lots"), ("SEEDBED_UPLOAD_MAX_MB", "0"),
    ("SEEDBED_PARSE_MEMORY_MB", "256"), ("SEEDBED_SHEET_MAX_CELLS", "-1"),
])
def test_bad_upload_limit_is_named_at_start(variable: str, value: str) -> None:
    result = _run([SEEDBED, "migrate"], **{variable: value, "DJANGO_SECRET_KEY": "x" * 50,
                                            "SEEDBED_AUDIT_KEY": "a" * 40})
    assert result.returncode == 2, result.stderr
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_minimums_match_the_engine() -> None:
    from django.conf import settings

    from seedbed.data import sandbox

    assert settings.PARSE_MINIMUMS == {sandbox.ENV_MEMORY_MB: sandbox.MIN_MEMORY_MB,
                                       sandbox.ENV_TIMEOUT_SECONDS: 1, sandbox.ENV_MAX_CELLS: 1}
