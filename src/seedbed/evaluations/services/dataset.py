"""Adding data to an evaluation: an uploaded file (CSV, Excel or Parquet) or a table read
through one of the administrator's named connections.

Data are added once the plan is registered (the analysis follows the registered plan, so the
columns it names are fixed before anyone sees the data) and until the evaluation is reported.
Each data set is checked against the plan's columns (``evaluations.uploads``) and kept whole,
as typed Parquet with its SHA-256, or rejected whole with every problem by row and column:
nothing from a rejected file is stored.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.core.uploads import spool_upload, upload_too_large
from seedbed.evaluations.models import Evaluation, EvaluationDataset
from seedbed.evaluations.rules import data_refusal
from seedbed.evaluations.uploads import (
    PLAN_KINDS,
    DataRejected,
    plan_data_columns,
    treated_unit,
    validated_parquet,
)

ERROR_CONNECTION = "Choose one of the connections and tables offered"
ERROR_NO_CONNECTIONS = "No database connections are set up: ask an administrator"
ERROR_COLUMN = "{message} (the plan's columns must be in the table)"
ERROR_FILE_TYPE = "The file must be a CSV, Excel or Parquet file (.csv, .xlsx, .parquet)"
ERROR_FILE_EMPTY = "The selected file is empty"
ALLOWED_SUFFIXES = (".csv", ".xlsx", ".parquet")


def dataset_upload(
    *, actor: User, evaluation: Evaluation, filename: str, content: bytes | Iterable[bytes],
    encoding: str = "utf-8",
) -> EvaluationDataset:
    """Check an uploaded file against the registered plan and store it whole, or raise
    ``ValidationProblem`` (``DataRejected`` listing every row and column) with nothing stored.

    ``content`` is the file's bytes or its chunks (written to disk one at a time, and no
    more once past the upload limit); ``encoding`` is the text encoding of a CSV file.
    """
    if refusal := data_refusal(evaluation.status):
        raise ValidationProblem({"__all__": refusal})
    suffix = Path(filename).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationProblem({"file": ERROR_FILE_TYPE})
    name = Path(filename).name[:200]
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix="seedbed-evaluation-") as tmp:
        source = Path(tmp) / f"upload{suffix}"
        size = spool_upload(content=content, path=source, digest=digest)
        if too_large := upload_too_large(size):
            raise ValidationProblem({"file": too_large})
        if size == 0:
            raise ValidationProblem({"file": ERROR_FILE_EMPTY})
        parquet, rows = validated_parquet(source=source, filename=name,
                                          columns=plan_data_columns(evaluation),
                                          treated=treated_unit(evaluation), encoding=encoding)
    return _store(actor=actor, evaluation=evaluation, filename=name, rows=rows,
                  parquet=parquet, action="evaluations.dataset_upload",
                  audit={"file_hash": digest.hexdigest()})


def dataset_connect(
    *, actor: User, evaluation: Evaluation, connection: str, table: str,
) -> EvaluationDataset:
    """Read the plan's columns from a table or view of one of the administrator's named
    connections, check them as an uploaded file is checked, and store them whole; or raise
    ``ValidationProblem`` (``DataRejected`` listing every problem by row and column, without
    the cell values: a database's contents are never echoed back) with nothing stored.

    The connections come from the app that keeps them (trials) through ``core.registry``,
    with its checks: only tables the administrator listed, never Seedbed's own database.
    """
    from seedbed.core.registry import table_source
    from seedbed.data.relations import redacted_report

    if refusal := data_refusal(evaluation.status):
        raise ValidationProblem({"__all__": refusal})
    source = table_source()
    if source is None or not source.offered():
        raise ValidationProblem({"connection": ERROR_NO_CONNECTIONS})
    if table not in source.offered().get(connection, ()):
        raise ValidationProblem({"connection": ERROR_CONNECTION})
    columns = plan_data_columns(evaluation)
    name = f"{connection}: {table}"[:200]
    with tempfile.TemporaryDirectory(prefix="seedbed-evaluation-") as tmp:
        try:
            path = source.read(actor=actor, connection=connection, table=table,
                               columns=[*columns.text, *columns.numeric],
                               order=columns.required, workdir=Path(tmp))
        except ValidationProblem as problem:
            raise ValidationProblem({
                ("table" if key.startswith("column_") else key):
                    ERROR_COLUMN.format(message=message) if key.startswith("column_") else message
                for key, message in problem.problems.items()}) from None
        try:
            parquet, rows = validated_parquet(source=path, filename=name, columns=columns,
                                              treated=treated_unit(evaluation))
        except DataRejected as rejected:
            if all(p.kind in PLAN_KINDS for p in rejected.report.problems):
                raise
            raise DataRejected(redacted_report(rejected.report)) from None
    return _store(actor=actor, evaluation=evaluation, filename=name, rows=rows,
                  parquet=parquet, action="evaluations.dataset_connect",
                  source={"connection": connection, "table": table})


def _store(
    *, actor: User, evaluation: Evaluation, filename: str, rows: int, parquet: bytes,
    action: str, source: dict[str, Any] | None = None, audit: dict[str, Any] | None = None,
) -> EvaluationDataset:
    """Store checked data (only ever called after the check passed), with the SHA-256 of the
    stored Parquet: what the analysis reads, so anyone can confirm it is unchanged."""
    content_hash = hashlib.sha256(parquet).hexdigest()
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if refusal := data_refusal(locked.status):
            raise ValidationProblem({"__all__": refusal})
        record = EvaluationDataset.objects.create(
            evaluation=locked, filename=filename, rows=rows, parquet=parquet,
            source=source or {}, content_hash=content_hash, uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        audit_append(action=action, actor=actor, obj=record, data={
            "evaluation": locked.pk, "rows": rows, "content_hash": content_hash,
            **(source or {}), **(audit or {})})
    return record
