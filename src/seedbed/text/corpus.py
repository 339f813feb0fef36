"""Reading a corpus of texts from a CSV file (the one file parser of the text engine)."""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

from seedbed.text.types import TextItem

ERR_NO_FILE = "no such file: {path}"
ERR_NO_HEADER = "{path} has no header row"
ERR_COLUMN = "{path} has no column {column!r}; columns are: {columns}"
ERR_DUPLICATE_ID = "{path} row {row}: id {id!r} in column {column!r} repeats row {first}"
ENV_INDEX_HOME = "SEEDBED_TEXT_INDEX_HOME"


def corpus_read_csv(*, path: Path, text_col: str, id_col: str | None = None) -> list[TextItem]:
    """The texts in column ``text_col`` of a UTF-8 CSV file, with their ids.

    Ids come from ``id_col``, or are the 1-based data row numbers when it is not given.
    Raises ``ValueError`` naming the file, row and column on bad input.
    """
    if not path.is_file():
        raise ValueError(ERR_NO_FILE.format(path=path))
    csv.field_size_limit(1 << 24)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames
        if not columns:
            raise ValueError(ERR_NO_HEADER.format(path=path))
        for column in (text_col, id_col):
            if column is not None and column not in columns:
                raise ValueError(
                    ERR_COLUMN.format(path=path, column=column, columns=", ".join(columns))
                )
        items: list[TextItem] = []
        first_row: dict[str, int] = {}
        for number, row in enumerate(reader, start=1):
            item_id = (row.get(id_col) or "").strip() if id_col else str(number)
            if item_id in first_row:
                raise ValueError(
                    ERR_DUPLICATE_ID.format(
                        path=path, row=number, id=item_id, column=id_col, first=first_row[item_id]
                    )
                )
            first_row[item_id] = number
            items.append(TextItem(id=item_id, text=row.get(text_col) or ""))
    return items


def default_index_path(*, corpus: Path, text_col: str, backend: str) -> Path:
    """Where the command line keeps the index of a corpus file when no folder is given.

    ``$SEEDBED_TEXT_INDEX_HOME`` (default ``~/.cache/seedbed/text-index``), one folder per
    corpus path, text column and backend, so the data folder itself is never written to.
    """
    home = os.environ.get(ENV_INDEX_HOME) or str(Path.home() / ".cache" / "seedbed" / "text-index")
    key = f"{corpus.resolve()}\0{text_col}\0{backend}".encode()
    return Path(home) / f"{corpus.stem}-{hashlib.sha256(key).hexdigest()[:16]}"
