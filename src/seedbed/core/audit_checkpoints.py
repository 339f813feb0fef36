"""Checkpoints the audit chain is held to, and reading them back from a saved copy of the
public feed (``/audit/checkpoints.json``) or from ``SEEDBED_AUDIT_CHECKPOINT_FILE``.

Below both ``audit`` (which verifies the chain against them) and ``audit_feed`` (which
publishes them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

FEED_FORMAT = "seedbed-audit-checkpoints/1"
ERROR_FILE_READ = "cannot read {path}: {detail}"
ERROR_FILE_FORMAT = (
    "{path} is not a checkpoint feed (`/audit/checkpoints.json`) or checkpoint file "
    "(one JSON object per line): {detail}"
)
FIELDS = ("entry", "entry_mac", "created_at", "key_id", "mac", "reason")


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint to hold the chain to: from the database, given by hand, or from a copy of
    the public feed. One given by hand has no ``mac`` (the person vouches for it)."""

    entry_number: int
    entry_mac: str
    source: str
    created_at: str = ""
    key_id: str = ""
    mac: str = ""
    reason: str = ""


def _from_item(item: Any, source: str) -> Checkpoint:
    if not isinstance(item, dict) or any(name not in item for name in FIELDS):
        raise ValueError(f"each checkpoint needs {', '.join(FIELDS)}")
    if not isinstance(item["entry"], int) or isinstance(item["entry"], bool):
        raise ValueError("a checkpoint's entry must be a whole number")
    return Checkpoint(entry_number=item["entry"], entry_mac=str(item["entry_mac"]), source=source,
                      created_at=str(item["created_at"]), key_id=str(item["key_id"]), mac=str(item["mac"]),
                      reason=str(item["reason"]))


def checkpoints_load(path: Path) -> list[Checkpoint]:
    """Checkpoints from a saved copy of the feed, or from ``SEEDBED_AUDIT_CHECKPOINT_FILE``
    (JSON lines). Raises ``ValueError`` with a one-line message naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(ERROR_FILE_READ.format(path=path, detail=exc)) from None
    source = f"from {path.name}"
    try:
        try:
            document: Any = json.loads(text) if text.strip() else {"format": FEED_FORMAT}
        except json.JSONDecodeError:  # the checkpoint file: one JSON object per line
            document = [json.loads(line) for line in text.splitlines() if line.strip()]
        if isinstance(document, dict) and "entry" in document:
            items: list[Any] = [document]
        elif isinstance(document, list):
            items = document
        elif isinstance(document, dict) and document.get("format") == FEED_FORMAT:
            items = [*document.get("checkpoints", []), *([document["head"]] if document.get("head") else [])]
        else:
            raise ValueError(f"expected format {FEED_FORMAT}")
        return [_from_item(item, source) for item in items]
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise ValueError(ERROR_FILE_FORMAT.format(path=path, detail=exc)) from None


def checkpoints_from_file_setting() -> list[Checkpoint]:
    """The checkpoint file named by ``SEEDBED_AUDIT_CHECKPOINT_FILE`` (none when unset or not
    yet written)."""
    name = str(getattr(settings, "SEEDBED_AUDIT_CHECKPOINT_FILE", "") or "")
    if not name or not Path(name).exists():
        return []
    return checkpoints_load(Path(name))
