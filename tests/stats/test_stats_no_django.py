"""The statistics engine is framework-free: importing every module loads no Django."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import seedbed.stats


def test_importing_the_engine_loads_no_django() -> None:
    names = [f"seedbed.stats.{m.name}" for m in pkgutil.iter_modules(seedbed.stats.__path__)]
    assert len(names) >= 15
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'ninja'})\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
