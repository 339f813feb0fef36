"""`.env.example` lists every environment variable Seedbed reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Names that look like settings but are not read from the environment by Seedbed itself.
NOT_SETTINGS = frozenset({"DJANGO_SETTINGS_MODULE"})
NAME = re.compile(r"[\"']((?:DJANGO|SEEDBED)_[A-Z0-9_]+)[\"']")
LISTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]+)=", re.MULTILINE)


def names_in_code() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((ROOT / "src" / "seedbed").rglob("*.py")):
        for match in NAME.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(1), str(path.relative_to(ROOT)))
    return found


def test_every_variable_the_code_names_is_in_env_example() -> None:
    in_code = names_in_code()
    assert len(in_code) > 20, "the scan found too few variable names; is the pattern right?"
    listed = set(LISTED.findall((ROOT / ".env.example").read_text(encoding="utf-8")))
    missing = {name: where for name, where in in_code.items()
               if name not in listed and name not in NOT_SETTINGS}
    assert not missing, f"add these to .env.example with a line saying what they do: {missing}"
