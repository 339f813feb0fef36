"""Outcome data from a connected database table or view (PostgreSQL or DuckDB).

An analyst picks one of the administrator's named connections (``seedbed.trials.uploads``),
names one of the tables or views the administrator has listed for it and maps its columns to
the trial's columns. A table that is not listed, or a connection that reaches Seedbed's own
database, is refused before anything is read (``seedbed.data.relations``). The mapped columns
are read through the data engine (``seedbed.data.sources.open_engine``), written as text to a
Parquet file and validated like an uploaded file (``uploads.validated_parquet``): every
problem is listed by row and column, without the cell's value (the database's contents are
never echoed back), and nothing from a rejected table is stored. Rows are numbered from 1 in
the order of the unit column (clusters and periods for a stepped wedge), so a row number
points at the same row every time.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import structlog
from django.db import transaction
from django.utils import timezone

from seedbed.accounts.models import User
from seedbed.core.audit import audit_append
from seedbed.core.errors import ValidationProblem
from seedbed.data import DataError, SourceSpec, TrialSchema
from seedbed.data.engines import Encoded
from seedbed.data.relations import (
    KIND_DATABASE_REFUSED,
    KIND_RELATION_NAME,
    KIND_RELATION_NOT_OFFERED,
    ConnectionPolicy,
    redacted_report,
    relation_list,
    relation_name,
)
from seedbed.data.sources import open_engine
from seedbed.trials.models import DataConnection, OutcomeDataset, Trial
from seedbed.trials.rules import arms_concealed_from
from seedbed.trials.services.results import dataset_store
from seedbed.trials.uploads import (
    DataRejected,
    connection_policy,
    data_connections,
    trial_schema,
    validated_parquet,
)

security_log = structlog.get_logger("seedbed.security")

ERROR_CONNECTION = "Choose a connection"
ERROR_TABLE = "Enter the table or view as a name or schema.name (letters, digits and underscores)"
ERROR_COLUMN = "Enter the table's column for {role}"
ERROR_COLUMN_TWICE = "Use each of the table's columns for one purpose only"
ERROR_CONNECT = ('Seedbed could not connect to "{name}". Nothing was stored. Ask an administrator '
                 "to check the connection.")
ERROR_NOT_OFFERED = ('"{name}" does not offer "{table}". Choose one of its tables or views, or ask an '
                     "administrator to add it to the connection's list")
ERROR_NOTHING_OFFERED = '"{name}" offers no tables or views yet: ask an administrator to list them'
ERROR_APP_DATABASE = ('Seedbed will not read "{name}": it reaches Seedbed\'s own database. Ask an '
                      "administrator to point it at a reporting database. Nothing was read.")
ERROR_NO_TABLE = 'There is no table or view "{table}" in "{name}"'
ERROR_NO_COLUMN = 'The table has no column "{column}". Its columns are: {columns}'
ERROR_NO_ROWS = "The table has no rows"
ERROR_TOO_MANY = "The table has more than {max:,} rows: connect a view with only this trial's rows"
ERROR_READ = "The table could not be read: check that its columns hold text or numbers"
ERROR_RELATIONS = "Enter one table or view per line: {problem}"
ERROR_RELATIONS_MANY = "List at most {max} tables or views"
MAX_ROWS = 500_000
MAX_RELATIONS = 100


def _source_schema(schema: TrialSchema, mapping: dict[str, str]) -> TrialSchema:
    def m(name: str | None) -> str | None:
        return mapping[name] if name else None

    return dataclasses.replace(
        schema, arm=mapping[schema.arm], outcomes=tuple(mapping[o] for o in schema.outcomes),
        unit=m(schema.unit), covariate=m(schema.covariate), cluster=m(schema.cluster),
        strata=tuple(mapping[s] for s in schema.strata),
        subgroups=tuple(mapping[s] for s in schema.subgroups), cost=m(schema.cost),
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, float | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    return str(value)


def _as_text(column: Any) -> list[str | None]:
    """A fetched column (numpy, masked or dictionary-encoded) as text, None for missing."""
    if isinstance(column, Encoded):
        levels = column.levels.to_pylist()
        return [None if c < 0 else _text(levels[c]) for c in column.codes]
    mask = np.ma.getmaskarray(column) if np.ma.isMaskedArray(column) else None
    data = column.data if mask is not None else column
    return [None if (mask is not None and mask[i]) else _text(v) for i, v in enumerate(data)]


def _refusal(error: DataError, *, name: str, table: str, policy: ConnectionPolicy,
             actor_id: int | None) -> ValidationProblem:
    """What the person is told when the data engine refuses or cannot open the source."""
    kind = error.report.problems[0].kind if error.report.problems else ""
    if kind in (KIND_RELATION_NOT_OFFERED, KIND_DATABASE_REFUSED):
        # an access-control failure, for the security log (the typed table is left out: free text)
        security_log.warning("data_connection_refused", connection=name, reason=kind, user_id=actor_id)
    if kind == KIND_RELATION_NOT_OFFERED:
        message = (ERROR_NOT_OFFERED if policy.relations else ERROR_NOTHING_OFFERED).format(
            name=name, table=table)
        return ValidationProblem({"table": message})
    if kind == KIND_RELATION_NAME:
        return ValidationProblem({"table": ERROR_TABLE})
    if kind == KIND_DATABASE_REFUSED:
        return ValidationProblem({"connection": ERROR_APP_DATABASE.format(name=name)})
    return ValidationProblem({"connection": ERROR_CONNECT.format(name=name)})


def _read(*, name: str, url: str, table: str, schema: TrialSchema, mapping: dict[str, str],
          order: list[str], workdir: Path, policy: ConnectionPolicy,
          actor_id: int | None = None) -> dict[str, list[str | None]]:
    """The table's columns ``schema.columns`` as text, or ``ValidationProblem``."""
    try:
        with open_engine(spec=SourceSpec(location=url, table=table), schema=schema,
                         workdir=workdir, policy=policy) as engine:
            try:
                available = engine.column_names()
            except Exception:
                raise ValidationProblem({"table": ERROR_NO_TABLE.format(table=table, name=name)}) from None
            missing = {f"column_{role}": ERROR_NO_COLUMN.format(column=column, columns=", ".join(available))
                       for role, column in mapping.items() if column not in available}
            if missing:
                raise ValidationProblem(missing)
            ident = engine.dialect.ident
            sql = (f"SELECT {', '.join(ident(c) for c in schema.columns)} FROM {engine.relation} "  # noqa: S608
                   f"ORDER BY {', '.join(ident(c) for c in order)} LIMIT {MAX_ROWS + 1}")
            try:
                fetched = engine.fetch(sql)
            except Exception:
                raise ValidationProblem({"table": ERROR_READ}) from None
    except DataError as error:
        raise _refusal(error, name=name, table=table, policy=policy, actor_id=actor_id) from None
    columns = {c: _as_text(fetched[c]) for c in schema.columns}
    rows = len(next(iter(columns.values()), []))
    if rows == 0:
        raise ValidationProblem({"table": ERROR_NO_ROWS})
    if rows > MAX_ROWS:
        raise ValidationProblem({"table": ERROR_TOO_MANY.format(max=MAX_ROWS)})
    return columns


def outcome_connect(
    *, actor: User, trial: Trial, connection: str, table: str, columns: dict[str, str]
) -> OutcomeDataset:
    """Read, validate and store a connected table's outcome data, or raise
    ``ValidationProblem`` (``uploads.DataRejected`` with every problem by row and column).

    ``columns`` maps each of the trial's columns (``column_roles``) to the table's column.
    """
    connections = data_connections()
    schema = trial_schema(trial)
    table = table.strip()
    mapping = {role: (columns.get(role) or "").strip() for role in schema.columns}
    problems: dict[str, str] = {}
    if connection not in connections:
        problems["connection"] = ERROR_CONNECTION
    try:
        table = relation_name(table)
    except DataError:
        problems["table"] = ERROR_TABLE
    for role, column in mapping.items():
        if not column:
            problems[f"column_{role}"] = ERROR_COLUMN.format(role=role)
    used = [c for c in mapping.values() if c]
    if len(set(used)) != len(used):
        problems["__all__"] = ERROR_COLUMN_TWICE
    if problems:
        raise ValidationProblem(problems)
    source = _source_schema(schema, mapping)
    order = [mapping[r] for r in ((schema.unit,) if schema.unit else schema.strata)]
    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(prefix="seedbed-table-") as tmp:
        values = _read(name=connection, url=connections[connection], table=table, schema=source,
                       mapping=mapping, order=order or [source.arm], workdir=Path(tmp),
                       policy=connection_policy(connection), actor_id=actor.pk)
        path = Path(tmp) / "table.parquet"
        pq.write_table(pa.table({c: pa.array(v, type=pa.string()) for c, v in values.items()}), path)
        try:
            parquet, rows = validated_parquet(
                trial=trial, source=path, workdir=Path(tmp),
                schema=source, rename={column: role for role, column in mapping.items()},
                check_allocation=not arms_concealed_from(trial=trial, user=actor),
            )
        except DataRejected as rejected:
            raise DataRejected(redacted_report(rejected.report)) from None
    return dataset_store(
        actor=actor, trial=trial, filename=f"{connection}: {table}"[:200], rows=rows,
        parquet=parquet, action="trials.outcome_connect",
        source={"connection": connection, "table": table, "columns": mapping},
    )


def connected_table_read(
    *, actor: User, connection: str, table: str, columns: Sequence[str], order: Sequence[str],
    workdir: Path,
) -> Path:
    """Read ``columns`` of a table or view through the named connection, sorted by ``order``,
    as text into a Parquet file under ``workdir``; its path, or ``ValidationProblem`` naming
    "connection", "table" or "column_<name>".

    The checks of ``outcome_connect`` apply: only the tables the administrator listed for the
    connection, never Seedbed's own database, at most ``MAX_ROWS`` rows. Other apps (the
    evaluations) reach this through ``core.registry``; they validate and store the file.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    connections = data_connections()
    if connection not in connections:
        raise ValidationProblem({"connection": ERROR_CONNECTION})
    try:
        table = relation_name(table.strip())
    except DataError:
        raise ValidationProblem({"table": ERROR_TABLE}) from None
    names = list(dict.fromkeys(c for c in columns if c))
    schema = TrialSchema(arm=names[0], outcomes=(), strata=tuple(names[1:]))
    values = _read(name=connection, url=connections[connection], table=table, schema=schema,
                   mapping={c: c for c in names}, order=list(order) or names[:1],
                   workdir=workdir, policy=connection_policy(connection), actor_id=actor.pk)
    path = workdir / "table.parquet"
    pq.write_table(pa.table({c: pa.array(values[c], type=pa.string()) for c in names}), path)
    return path


def connection_relations_set(*, actor: User, connection: str, relations: list[str]) -> DataConnection:
    """Replace the tables and views the named connection may read (``name`` or
    ``schema.name``, one each), audited with the list before and after; or raise
    ``ValidationProblem``. The caller has checked that ``actor`` may manage connections.
    """
    if connection not in data_connections():
        raise ValidationProblem({"connection": ERROR_CONNECTION})
    try:
        checked = list(relation_list(relations))
    except DataError as error:
        raise ValidationProblem({"relations": ERROR_RELATIONS.format(
            problem=error.report.problems[0].message)}) from None
    if len(checked) > MAX_RELATIONS:
        raise ValidationProblem({"relations": ERROR_RELATIONS_MANY.format(max=MAX_RELATIONS)})
    with transaction.atomic():
        DataConnection.objects.get_or_create(name=connection)
        record = DataConnection.objects.select_for_update().get(name=connection)
        before = list(record.relations)
        record.relations, record.updated_by, record.updated_at = checked, actor, timezone.now()
        record.save()
        audit_append(action="trials.connection_relations_set", actor=actor, obj=record,
                     data={"connection": connection, "before": before, "after": checked})
    return record
