"""The audit log (invariant 8): changes to family records, staff overrides and staff reads of
health data. Values are stored as JSON-safe text.

Every entry is built by `audit_entry` (or, when many are written at once and no model
instance is needed, `audit_row`), whether it is written alone (`audit_record`), with others in
one query (`audit_record_many`), or after a create-or-update form (`audit_record_changes`), so
that the target, the actor and the values are recorded the same way everywhere."""

import json
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple, cast

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.utils import timezone

from ribambelle.core.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime, Decimal)):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def plain_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in values.items()}


def actor_id_of(actor: Any) -> int | None:
    """The user recorded for `actor`: anyone not signed in (a task, a command) is nobody."""
    return actor.pk if getattr(actor, "is_authenticated", False) else None


class AuditRow(NamedTuple):
    """An entry not yet written, without a model instance: what `audit_record_many` inserts
    (building hundreds of instances only to insert them was most of the cost of logging a
    register's health reads)."""

    municipality_id: int
    actor_id: int | None
    action: str
    target_type: str
    target_id: int | None
    target_label: str
    household_id: int | None
    before: dict[str, Any]
    after: dict[str, Any]


def audit_row(
    *,
    municipality_id: int,
    actor_id: int | None,
    action: str,
    target: Model,
    household_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditRow:
    """The row `audit_entry` would write, for `audit_record_many`; `actor_id` is
    `actor_id_of(actor)`, worked out once for many rows."""
    return AuditRow(
        municipality_id,
        actor_id,
        action,
        target._meta.label_lower,
        target.pk,
        str(target)[:200],
        household_id,
        plain_values(before or {}),
        plain_values(after or {}),
    )


def audit_entry(
    *,
    municipality_id: int,
    actor: Any,
    action: str,
    target: Model,
    household_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """An entry not yet written. `actor` is a user; anyone not signed in (a task, a command)
    is recorded as nobody."""
    return AuditEntry(
        municipality_id=municipality_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        target_label=str(target)[:200],
        household_id=household_id,
        before=plain_values(before or {}),
        after=plain_values(after or {}),
    )


def audit_record(
    *,
    municipality: Model,
    actor: Any,
    action: str,
    target: Model,
    household_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    entry = audit_entry(
        municipality_id=municipality.pk,
        actor=actor,
        action=action,
        target=target,
        household_id=household_id,
        before=before,
        after=after,
    )
    entry.save(force_insert=True)
    return entry


# The columns `audit_record_many` writes, in the order of `AuditRow`, then the time.
_COLUMNS = (*AuditRow._fields, "created_at")
_VALUES = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"  # a row of the INSERT on SQLite


def _as_row(entry: AuditEntry | AuditRow) -> AuditRow:
    if isinstance(entry, AuditRow):
        return entry
    return AuditRow(*(getattr(entry, name) for name in AuditRow._fields))


@cache
def _fields() -> tuple[Field, ...]:
    fields = {field.attname: field for field in AuditEntry._meta.concrete_fields}
    return tuple(fields[name] for name in _COLUMNS)


def _insert_into(connection: BaseDatabaseWrapper) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(cast(str, field.column)) for field in _fields())
    return f"INSERT INTO {quote(AuditEntry._meta.db_table)} ({columns})"


def _insert_values(
    connection: BaseDatabaseWrapper, cursor: Any, rows: list[AuditRow], now: datetime
) -> None:
    """INSERT ... VALUES, a row of parameters per entry, prepared by the model's fields as the
    ORM prepares them (the JSON encoded for the database, the time in UTC)."""
    fields = _fields()
    before, after, created_at = fields[-3:]
    time = created_at.get_db_prep_save(now, connection)
    empty = before.get_db_prep_save({}, connection), after.get_db_prep_save({}, connection)
    params: list[Any] = []
    for row in rows:
        params.extend(row[:7])
        params.append(
            empty[0]
            if type(row.before) is dict and not row.before
            else before.get_db_prep_save(row.before, connection)
        )
        params.append(
            empty[1]
            if type(row.after) is dict and not row.after
            else after.get_db_prep_save(row.after, connection)
        )
        params.append(time)
    values = ", ".join([_VALUES] * len(rows))
    cursor.execute(f"{_insert_into(connection)} VALUES {values}", params)


def _insert_recordset(
    connection: BaseDatabaseWrapper, cursor: Any, rows: list[AuditRow], now: datetime
) -> None:
    """PostgreSQL: the entries as one JSON document, read back as rows by the database. The
    driver would otherwise quote every value in Python, thousands for a register (as it does
    for the arrays of `bulk_create`); this way one string is encoded and escaped. The columns
    are typed as the model's fields are (without lengths: a value too long for its column is
    refused on insertion, not cut), the JSON values are kept as they are."""
    quote, fields = connection.ops.quote_name, _fields()
    names = AuditRow._fields
    record = ", ".join(
        f"{quote(name)} {cast(str, field.db_type(connection)).split('(')[0]}"
        for name, field in zip(names, fields, strict=False)
    )
    picked = ", ".join(f"r.{quote(name)}" for name in names)
    # Only quoted names and types are formatted in; the values are parameters.
    sql = (
        f"{_insert_into(connection)} SELECT {picked}, %s"  # noqa: S608
        f" FROM jsonb_to_recordset(%s::jsonb) AS r({record})"
    )
    encoder = fields[-3].encoder  # type: ignore[attr-defined]
    document = json.dumps([dict(zip(names, row, strict=True)) for row in rows], cls=encoder)
    cursor.execute(sql, [fields[-1].get_db_prep_save(now, connection), document])


def audit_record_many(
    entries: Iterable[AuditEntry | AuditRow], *, batch_size: int | None = None
) -> int:
    """Entries built by `audit_entry` or `audit_row`, written in one query (per `batch_size`,
    and per the database's limit on parameters), so that a staff page listing hundreds of
    children's health data logs its reads at the cost of one. The entries share one time.

    A raw INSERT rather than `bulk_create`: compiling the ORM's insert of hundreds of entries
    cost more than running it (see tests/test_audit.py: the rows are those the ORM writes).
    Returns the number of entries written."""
    rows = [_as_row(entry) for entry in entries]
    if not rows:
        return 0
    connection = connections[router.db_for_write(AuditEntry)]
    if connection.vendor == "postgresql":  # two parameters, whatever the number of rows
        size, insert = len(rows), _insert_recordset
    else:
        size, insert = connection.ops.bulk_batch_size(_fields(), rows), _insert_values
    size = max(1, min(size, batch_size or size))
    chunks = [rows[start : start + size] for start in range(0, len(rows), size)]
    now = timezone.now()
    # All the entries or none: a transaction when it takes more than one query.
    atomic = transaction.atomic(using=connection.alias, savepoint=False)
    with atomic if len(chunks) > 1 else nullcontext(), connection.cursor() as cursor:
        for chunk in chunks:
            insert(connection, cursor, chunk, now)
    return len(rows)


def changed_values(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values of `before` and of `after` for the names of `after` whose value changed: what
    an update's entry keeps, so that the log says what changed rather than everything."""
    changed = [name for name in after if before.get(name) != after[name]]
    return {name: before.get(name) for name in changed}, {name: after[name] for name in changed}


def audit_record_changes(
    *,
    municipality: Model,
    actor: Any,
    target: Model,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    household_id: int | None = None,
) -> AuditEntry | None:
    """After a create-or-update: a creation (`before` is None) with every value, an update
    with the changed values only, or nothing when nothing changed."""
    if before is None:
        return audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.CREATE,
            target=target,
            household_id=household_id,
            after=after,
        )
    old, new = changed_values(before, after)
    if not new:
        return None
    return audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=target,
        household_id=household_id,
        before=old,
        after=new,
    )
