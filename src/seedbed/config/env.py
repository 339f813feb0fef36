"""Reading settings from environment variables, with errors that name the variable.

Every setting Seedbed reads comes through these functions so that a missing or malformed
variable stops start-up with one clear line (``ImproperlyConfigured``) naming it.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})

ERROR_BOOL = "{name} must be true or false (1/0, yes/no, on/off), not {value!r}"
ERROR_INT = "{name} must be a whole number, not {value!r}"
ERROR_CHOICE = "{name} must be one of {choices}, not {value!r}"


def env_str(name: str, default: str = "") -> str:
    """The variable's value stripped of surrounding spaces, or ``default`` when unset."""
    return os.environ.get(name, default).strip()


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(ERROR_BOOL.format(name=name, value=raw))


def env_int(name: str, *, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(ERROR_INT.format(name=name, value=raw)) from None


def env_list(name: str, *, default: list[str]) -> list[str]:
    """A comma-separated list; empty items are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, *, choices: tuple[str, ...], default: str) -> str:
    value = env_str(name, default).lower()
    if value not in choices:
        raise ImproperlyConfigured(
            ERROR_CHOICE.format(name=name, choices=", ".join(choices), value=value)
        )
    return value
