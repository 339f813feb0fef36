"""The child process ``seedbed.data.sandbox`` starts: read the request, limit itself, stage the
sheet with ``seedbed.data.staging``, answer with one JSON line.

Its own module, above both ``sandbox`` and ``staging`` (``staging`` starts the sandbox, the
child runs ``staging``'s reader), and imported only by the child. The reader (python-calamine,
trusted code) and the staging code are imported before the limits are set; only the file is
read under them.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path
from typing import Any

import python_calamine  # noqa: F401 - mapped before the limit: trusted code, not the file

from seedbed.data.errors import DataError
from seedbed.data.sandbox import ANSWER_PREFIX, schema_from
from seedbed.data.staging import stage_excel_here


def _limit_self(memory_mb: int, seconds: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def child_main() -> int:
    """The child's side: read the request, limit itself, stage, answer."""
    request = json.loads(sys.stdin.buffer.read())
    _limit_self(int(request["memory_mb"]), int(request["timeout_seconds"]))

    try:
        rows = stage_excel_here(path=Path(request["path"]), schema=schema_from(request["schema"]),
                                out=Path(request["out"]), sheet=request["sheet"],
                                max_cells=int(request["max_cells"]))
        reply: dict[str, Any] = {"rows": rows}
    except DataError as exc:
        reply = {"problems": [[p.row, p.column, p.kind, p.message] for p in exc.report.problems],
                 "counts": [list(c) for c in exc.report.counts]}
    except MemoryError:
        print("MemoryError", file=sys.stderr)
        return 3
    sys.stdout.write(ANSWER_PREFIX + json.dumps(reply) + "\n")
    return 0

