"""A municipality's configuration, read once per process until it changes.

Every family page that applies the rules reads the same configuration of its municipality: the
activities open to bookings with their department, the closures, what each department
requires (issue 15: three of the nine round trips of a booking tick). Staff change it a few
times a year; families read it at every tick.

`Municipality.config_version` says when it changed. Database triggers on the tables it is read
from (the models apps give to `track`) move the version on in the transaction of every insert,
update, delete (and, on PostgreSQL, truncate) of their rows, whatever wrote them (a form, a
bulk update, the admin, SQL typed by hand; not a session that disables triggers, such as
`session_replication_role = replica`), so the rows and their version commit together, or roll
back together. On PostgreSQL they are statement triggers (one update of each municipality a
statement changed, however many rows), on SQLite row triggers. The municipality's row comes
with the signed-in account at the start of every request (accounts.sessions; anonymous
requests read it in tenants.middleware): the version costs no query.

The version is the greater of the previous one plus one and the database clock in
microseconds (on SQLite, milliseconds and random microseconds below them): a restored backup
or a rolled-back change does not bring back a number a process has seen. It is written on the
municipality's row, which the change then holds until it commits: two changes of one
municipality's configuration commit one after the other, in the order of their versions. The
services that change it lock that row first (`changing`), and so does every ORM save or delete
of a row of it in a transaction (a `pre_save`/`pre_delete` receiver: the admin, a shell), so
that two of them wait at their start rather than each holding a row of the configuration the
other needs. Writes that only
reference the municipality (a booking) take a lock that does not conflict with it, and reads
take none. A trigger on the municipality keeps an ORM `save()` of an instance read before a
change from writing its older version back.

A `ByConfiguration` wraps a function that reads a part of the configuration. Called with the
municipality of the current request (`current`, set by tenants.middleware for the time of the
request only; outside a request it marks nothing) on a database where this process found every
trigger in place and enabled, it answers with what this process read at that version, if any;
otherwise it reads. Why that is right:

- what a request reads after seeing version V holds every change up to V (they committed
  before V was read) and maybe later ones, which moved the version on: a value kept for V is
  only ever given to the requests that read V, that is, that started before the next change
  committed;
- nothing read inside a transaction of the application is kept (the test case's own
  transaction excepted): it could see its own uncommitted change, then roll it back;
- only the municipality read at the start of the request being served is trusted: any other
  instance, or this one kept after its request (a command, a task, a test's fixture, a copy),
  may carry an old version, and then every call reads.

A request that changes the configuration and reads it again must not go through a
`ByConfiguration` after the change (the version it carries is the one before): no view does,
and in the test suite `CHECK` compares every value given from memory with a fresh read.
Triggers are created after every `migrate` and, on SQLite, dropped before it (SQLite refuses
to rebuild a table a trigger names while the table is missing); every version moves on after
`migrate` (in one transaction with their creation, an older version's triggers dropped), for
the changes made while they were absent. A process that did not create them
looks for them at its first call and keeps nothing if any is missing (a `migrate` that failed
after dropping them); a process already running when they were dropped is not told: restart
the application after a `migrate`, as a deploy does."""

import contextlib
import copy
import dataclasses
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model
from django.db.models.signals import pre_delete, pre_save

from ribambelle.tenants.models import Municipality

# On in the test suite: every value given from memory is compared with a fresh read.
CHECK = False

# Municipalities kept per function and database, the oldest forgotten first.
MAX_MUNICIPALITIES = 256

# The municipality read at the start of the request being served, within request_scope (None
# until it is read); outside any request, _OUTSIDE, and `current` marks nothing.
_OUTSIDE = object()
_current: ContextVar[object] = ContextVar("configuration_current", default=_OUTSIDE)

# The models whose rows make up the configuration, as "app_label.ModelName" (see `track`).
_TRACKED: list[str] = []


def track(*labels: str) -> None:
    """Apps name here, in their `ready`, the models their configuration is read from: each must
    have a `municipality` foreign key. Triggers are created on their tables, and the ORM's
    saves and deletes of their rows lock the municipality's row first (`_changing_row`)."""
    for label in labels:
        if label not in _TRACKED:
            _TRACKED.append(label)
            pre_save.connect(_changing_row, sender=label, dispatch_uid=f"{_PREFIX}_save_{label}")
            pre_delete.connect(
                _changing_row, sender=label, dispatch_uid=f"{_PREFIX}_delete_{label}"
            )


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    """The time of one request (tenants.middleware): what `current` marks is forgotten after
    it, whatever keeps the instance."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def current(municipality: Municipality) -> Municipality:
    """Marks a municipality read at the start of the request being served (its version is that
    of the configuration this request sees), until the request ends. Outside a request (a
    command, a task), marks nothing."""
    if _current.get() is not _OUTSIDE:
        _current.set(municipality)
    return municipality


def _in_application_transaction(using: str) -> bool:
    """True inside a transaction the application opened; a test case's own (which the test
    treats as committed) does not count."""
    connection = connections[using]
    if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        return True
    # A transaction opened by hand (autocommit off) outside any atomic block.
    return not connection.atomic_blocks and not connection.get_autocommit()


def comparable(value: Any) -> Any:
    """A value in a form that `==` compares by content (model instances by their fields and the
    relations cached on them), for CHECK."""
    if isinstance(value, Model):
        meta = value._meta
        fields = {field.attname: getattr(value, field.attname) for field in meta.concrete_fields}
        cached = {name: comparable(found) for name, found in value._state.fields_cache.items()}
        return (type(value), fields, cached)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value), comparable(dataclasses.asdict(value)))
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [comparable(item) for item in value]
    return value


def _detached(value: Any) -> Any:
    """What each caller receives: its own copies of model instances (a template or a lazy
    relation may cache things on them), lists, dicts and dataclasses that are not frozen; the
    immutable rest (numbers, strings, dates, tuples, frozen dataclasses, which must hold no
    model instance) shared."""
    if isinstance(value, Model):
        found = copy.copy(value)
        fields_cache = found._state.fields_cache
        for name, related in fields_cache.items():
            fields_cache[name] = _detached(related)
        return found
    if isinstance(value, list):
        return [_detached(item) for item in value]
    if isinstance(value, dict):
        return {key: _detached(item) for key, item in value.items()}
    if (
        dataclasses.is_dataclass(value)
        and not isinstance(value, type)
        and not value.__dataclass_params__.frozen  # type: ignore[attr-defined]
    ):
        changes = {
            field.name: _detached(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if field.init
        }
        return dataclasses.replace(value, **changes)
    return value


class ByConfiguration[T]:
    """A function of a municipality's configuration only (nothing of a family, no clock),
    answered from memory while the municipality's version stays the same (see the module)."""

    _all: list["ByConfiguration[Any]"] = []

    def __init__(self, read: Callable[[Municipality], T]) -> None:
        self.read = read
        self._kept: dict[tuple[str, int], tuple[int, T]] = {}
        ByConfiguration._all.append(self)

    def __repr__(self) -> str:
        return f"ByConfiguration({getattr(self.read, '__qualname__', self.read)!r})"

    def __call__(self, municipality: Municipality, *, using: str = DEFAULT_DB_ALIAS) -> T:
        if _current.get() is not municipality or not _triggers_present(using):
            return self.read(municipality)
        key = (using, municipality.pk)
        version = municipality.config_version
        kept = self._kept.get(key)
        if kept is not None and kept[0] == version:
            if CHECK:
                self._check(municipality, kept[1], using)
            return _detached(kept[1])
        value = self.read(municipality)
        if not _in_application_transaction(using):
            self._keep(key, version, value)
        return _detached(value)

    def _keep(self, key: tuple[str, int], version: int, value: T) -> None:
        self._kept.pop(key, None)
        while len(self._kept) >= MAX_MUNICIPALITIES:
            try:
                del self._kept[next(iter(self._kept))]
            except (KeyError, RuntimeError, StopIteration):  # another thread forgot it first
                break
        self._kept[key] = (version, value)

    def _check(self, municipality: Municipality, kept: T, using: str) -> None:
        # The check's own queries are left out of the counts tests assert (CaptureQueriesContext
        # and django_assert_num_queries log through force_debug_cursor): what they count is
        # what runs with CHECK off.
        connection = connections[using]
        forced = connection.force_debug_cursor
        connection.force_debug_cursor = False
        try:
            fresh = self.read(municipality)
        finally:
            connection.force_debug_cursor = forced
        if comparable(fresh) != comparable(kept):
            raise AssertionError(
                f"{self!r}: the value kept for version {municipality.config_version} of "
                f"{municipality.slug!r} is not what its configuration reads now. A change of "
                "the configuration did not move the version (a table missing from `track`?), "
                "or the request changed it and read it again through the cache."
            )

    def forget(self) -> None:
        self._kept.clear()

    @classmethod
    def forget_all(cls) -> None:
        for function in cls._all:
            function.forget()


def _forget(*, setting: str, **_kwargs: Any) -> None:
    if setting in {"DATABASES", "INSTALLED_APPS"}:
        ByConfiguration.forget_all()
        _present.clear()


setting_changed.connect(_forget)


# The triggers.

_PREFIX = "ribambelle_configuration"

# Per database: whether this process found every trigger in place (checked once).
_present: dict[str, bool] = {}


def _tracked() -> list[tuple[str, str]]:
    """Each tracked model's table and its municipality column."""
    found = []
    for label in _TRACKED:
        meta = apps.get_model(label)._meta
        found.append((meta.db_table, meta.get_field("municipality").column))
    return found


def _tables() -> list[str]:
    return [table for table, _column in _tracked()]


def _expected_triggers(vendor: str) -> set[tuple[str, str]]:
    """The triggers `install` creates: (table, name)."""
    per_table = ["insert", "update", "delete"]
    if vendor == "postgresql":
        per_table.append("truncate")
    found = {(Municipality._meta.db_table, f"{_PREFIX}_kept")}
    for table in _tables():
        found |= {(table, f"{_PREFIX}_{table}_{operation}") for operation in per_table}
    return found


def _triggers_found(connection: Any) -> set[tuple[str, str]]:
    """This library's triggers in the database: (table, name), enabled ones only (PostgreSQL,
    in the tables the connection's search path finds)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t"
                " JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND t.tgname LIKE %s"
                " AND pg_table_is_visible(c.oid)",
                [f"{_PREFIX}%"],
            )
        else:
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{_PREFIX}%"],
            )
        return {(table, name) for table, name in cursor.fetchall()}


def _triggers_present(using: str) -> bool:
    """Whether every trigger is in place and enabled on this database, checked once per process
    (one query at the first call; `install` records what it found): without them (a `migrate`
    that failed after dropping them on SQLite) nothing is kept, every call reads."""
    found = _present.get(using)
    if found is None:
        connection = connections[using]
        found = _triggers_found(connection) >= _expected_triggers(connection.vendor)
        _present[using] = found
    return found


def _next(connection: Any) -> str:
    """The next version: the previous plus one, or the database clock in microseconds if later."""
    if connection.vendor == "postgresql":
        clock = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint"
        return f"GREATEST(config_version + 1, {clock})"
    # SQLite's clock counts milliseconds: random microseconds below them.
    clock = (
        "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) * 1000 + abs(random() % 1000)"
    )
    return f"MAX(config_version + 1, {clock})"


def _postgresql(table: str, column: str, municipalities: str, next_version: str) -> list[str]:
    """Statement-level triggers: each municipality a statement changed moves once, however many
    of its rows the statement wrote (a row trigger would update its row once per row)."""
    moved = f"UPDATE {municipalities} SET config_version = {next_version}"  # noqa: S608 - names of the models
    old_rows, new_rows = f"SELECT {column} FROM old_rows", f"SELECT {column} FROM new_rows"  # noqa: S608 - a model's column
    changed = {
        "insert": ("NEW TABLE AS new_rows", new_rows),
        "update": ("OLD TABLE AS old_rows NEW TABLE AS new_rows", f"{old_rows} UNION {new_rows}"),
        "delete": ("OLD TABLE AS old_rows", old_rows),
    }
    statements = []
    for operation, (transition, rows) in changed.items():
        name = f"{_PREFIX}_{table}_{operation}"
        statements += [
            f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {moved} WHERE id IN ({rows});
    RETURN NULL;
END
$$""",
            f'DROP TRIGGER IF EXISTS {name} ON "{table}"',
            f'CREATE TRIGGER {name} AFTER {operation.upper()} ON "{table}"'
            f" REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    # TRUNCATE names no rows: every municipality moves.
    name = f"{_PREFIX}_{table}_truncate"
    return [
        *statements,
        f"""
CREATE OR REPLACE FUNCTION {_PREFIX}_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {moved};
    RETURN NULL;
END
$$""",
        f'DROP TRIGGER IF EXISTS {name} ON "{table}"',
        f'CREATE TRIGGER {name} AFTER TRUNCATE ON "{table}"'
        f" FOR EACH STATEMENT EXECUTE FUNCTION {_PREFIX}_truncated()",
    ]


def _sqlite(table: str, column: str, municipalities: str, next_version: str) -> list[str]:
    """Row triggers (SQLite has no others); a DELETE without WHERE still runs them."""
    moved = f"UPDATE {municipalities} SET config_version = {next_version}"  # noqa: S608 - names of the models
    rows = {
        "insert": f"id = NEW.{column}",
        "update": f"id IN (OLD.{column}, NEW.{column})",
        "delete": f"id = OLD.{column}",
    }
    statements = []
    for operation, where in rows.items():
        name = f'"{_PREFIX}_{table}_{operation}"'
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f'CREATE TRIGGER {name} AFTER {operation.upper()} ON "{table}"'
            f" BEGIN {moved} WHERE {where}; END",
        ]
    return statements


def _kept_statements(connection: Any, municipalities: str) -> list[str]:
    """An ORM save of a municipality read before a change must not write its older version
    back."""
    if connection.vendor == "postgresql":
        return [
            f"""
CREATE OR REPLACE FUNCTION {_PREFIX}_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.config_version := OLD.config_version;
    RETURN NEW;
END
$$""",
            f"DROP TRIGGER IF EXISTS {_PREFIX}_kept ON {municipalities}",
            f"CREATE TRIGGER {_PREFIX}_kept BEFORE UPDATE ON {municipalities} FOR EACH ROW"
            f" WHEN (NEW.config_version < OLD.config_version)"
            f" EXECUTE FUNCTION {_PREFIX}_kept()",
        ]
    name = f'"{_PREFIX}_kept"'
    return [
        f"DROP TRIGGER IF EXISTS {name}",
        f"CREATE TRIGGER {name} AFTER UPDATE OF config_version ON {municipalities}"  # noqa: S608
        " WHEN NEW.config_version < OLD.config_version"
        f" BEGIN UPDATE {municipalities} SET config_version = OLD.config_version"
        " WHERE id = NEW.id; END",
    ]


def changing(municipality: Municipality | int, using: str = DEFAULT_DB_ALIAS) -> None:
    """Called first in a transaction that changes a municipality's configuration: its row, which
    the triggers update, is locked before any row of the configuration, so that two such
    transactions wait for each other at their start instead of each holding a row the other
    needs (PostgreSQL; SQLite runs one writer at a time)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    pk = municipality if isinstance(municipality, int) else municipality.pk
    table = connection.ops.quote_name(Municipality._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR NO KEY UPDATE", [pk])  # noqa: S608


def _changing_row(
    sender: Any, instance: Model, using: str = DEFAULT_DB_ALIAS, **_kwargs: Any
) -> None:
    """Before the ORM saves or deletes a row of the configuration outside the services (the
    admin, a shell): the municipality's row first, as `changing` does for the services."""
    municipality_id = getattr(instance, "municipality_id", None)
    if municipality_id is not None and connections[using].in_atomic_block:
        changing(municipality_id, using)


def uninstall(using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    """Before `migrate` on SQLite (see the module); PostgreSQL keeps them."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    _present[using] = False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            [f"{_PREFIX}%"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def install(using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    """After `migrate`: the triggers of every tracked table that exists, then every version
    moved on (what changed while they were absent)."""
    _present.pop(using, None)
    connection = connections[using]
    municipalities = connection.ops.quote_name(Municipality._meta.db_table)
    existing = set(connection.introspection.table_names())
    if Municipality._meta.db_table not in existing:
        return
    with connection.cursor() as cursor:
        columns = {
            column.name
            for column in connection.introspection.get_table_description(
                cursor, Municipality._meta.db_table
            )
        }
    if "config_version" not in columns:  # migrated back before the version existed
        return
    next_version = _next(connection)
    write = _postgresql if connection.vendor == "postgresql" else _sqlite
    expected = _expected_triggers(connection.vendor)
    # Triggers of this library that it no longer creates (an older version's) go.
    statements = [
        f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"'
        if connection.vendor == "postgresql"
        else f'DROP TRIGGER IF EXISTS "{name}"'
        for table, name in sorted(_triggers_found(connection) - expected)
    ]
    if connection.vendor == "postgresql":
        statements.append(f"DROP FUNCTION IF EXISTS {_PREFIX}_changed()")
    statements += _kept_statements(connection, municipalities)
    for table, column in _tracked():
        if table in existing:
            statements += write(table, column, municipalities, next_version)
    statements.append(f"UPDATE {municipalities} SET config_version = {next_version}")  # noqa: S608
    # In one transaction: no change of the configuration commits between a trigger's drop and
    # its creation, unseen.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    # What this process created (the one that migrates, the test suite's), looked at once.
    _present[using] = _triggers_found(connection) >= expected
