"""A municipality's configuration, read once per process until it changes.

Every family page that applies the rules reads the same configuration of its municipality: the
activities open to bookings with their department, the closures, what each department
requires (issue 15: three of the nine round trips of a booking tick). Staff change it a few
times a year; families read it at every tick.

`Municipality.config_version` says when it changed. Database triggers on the tables it is read
from (the models apps give to `track`) move the version on in the transaction of every insert,
update or delete of their rows, whatever wrote them (a form, a bulk update, the admin, SQL
typed by hand), so the rows and their version commit together, or roll back together. The
municipality's row comes with the signed-in account at the start of every request
(accounts.sessions; anonymous requests read it in tenants.middleware): the version costs no
query.

The version is the greater of the previous one plus one and the database clock in
microseconds (on SQLite, milliseconds and random microseconds below them): a restored backup
or a rolled-back change does not bring back a number a process has seen. It is written on the
municipality's row, which the change then holds until it commits: two changes of one
municipality's configuration commit one after the other, in the order of their versions.
Writes that only reference the municipality (a booking) take a lock that does not conflict
with it, and reads take none. A trigger on the municipality keeps an ORM `save()` of an
instance read before a change from writing its older version back.

A `ByConfiguration` wraps a function that reads a part of the configuration. Called with the
municipality of the current request (`current`, set by tenants.middleware), it answers with
what this process read at that version, if any; otherwise it reads. Why that is right:

- what a request reads after seeing version V holds every change up to V (they committed
  before V was read) and maybe later ones, which moved the version on: a value kept for V is
  only ever given to the requests that read V, that is, that started before the next change
  committed;
- nothing read inside a transaction of the application is kept (the test case's own
  transaction excepted): it could see its own uncommitted change, then roll it back;
- only a municipality read at the start of the request is trusted: an instance kept longer (a
  command, a task, a test's fixture) may carry an old version, and then every call reads.

A request that changes the configuration and reads it again must not go through a
`ByConfiguration` after the change (the version it carries is the one before): no view does,
and in the test suite `CHECK` compares every value given from memory with a fresh read.
Triggers are created after every `migrate` and, on SQLite, dropped before it (SQLite refuses
to rebuild a table a trigger names while the table is missing); every version moves on after
`migrate`, for the changes made while they were absent."""

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

from ribambelle.tenants.models import Municipality

# On in the test suite: every value given from memory is compared with a fresh read.
CHECK = False

# Municipalities kept per function and database, the oldest forgotten first.
MAX_MUNICIPALITIES = 256

_MARK = "_configuration_current"

# The models whose rows make up the configuration, as "app_label.ModelName" (see `track`).
_TRACKED: list[str] = []


def track(*labels: str) -> None:
    """Apps name here, in their `ready`, the models their configuration is read from: each must
    have a `municipality` foreign key. Triggers are created on their tables."""
    for label in labels:
        if label not in _TRACKED:
            _TRACKED.append(label)


def current(municipality: Municipality) -> Municipality:
    """Marks a municipality read at the start of the request being served (its version is that
    of the configuration this request sees)."""
    setattr(municipality, _MARK, True)
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
        if not getattr(municipality, _MARK, False):
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


setting_changed.connect(_forget)


# The triggers.

_PREFIX = "ribambelle_configuration"


def _tables() -> list[str]:
    return [apps.get_model(label)._meta.db_table for label in _TRACKED]


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


def _postgresql(table: str, municipalities: str, next_version: str) -> list[str]:
    moved = f"UPDATE {municipalities} SET config_version = {next_version}"  # noqa: S608 - names of the models
    function = f"""
CREATE OR REPLACE FUNCTION {_PREFIX}_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {moved} WHERE id = NEW.municipality_id;
    ELSIF TG_OP = 'UPDATE' THEN
        {moved} WHERE id IN (OLD.municipality_id, NEW.municipality_id);
    ELSE
        {moved} WHERE id = OLD.municipality_id;
    END IF;
    RETURN NULL;
END
$$"""
    return [
        function,
        f'DROP TRIGGER IF EXISTS {_PREFIX}_changed ON "{table}"',
        f'CREATE TRIGGER {_PREFIX}_changed AFTER INSERT OR UPDATE OR DELETE ON "{table}"'
        f" FOR EACH ROW EXECUTE FUNCTION {_PREFIX}_changed()",
    ]


def _sqlite(table: str, municipalities: str, next_version: str) -> list[str]:
    moved = f"UPDATE {municipalities} SET config_version = {next_version}"  # noqa: S608 - names of the models
    rows = {
        "insert": "id = NEW.municipality_id",
        "update": "id IN (OLD.municipality_id, NEW.municipality_id)",
        "delete": "id = OLD.municipality_id",
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


def uninstall(using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    """Before `migrate` on SQLite (see the module); PostgreSQL keeps them."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in [*_tables(), Municipality._meta.db_table]:
            if table not in existing:
                continue
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s"
                " AND name LIKE %s",
                [table, f"{_PREFIX}%"],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def install(using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    """After `migrate`: the triggers of every tracked table that exists, then every version
    moved on (what changed while they were absent)."""
    connection = connections[using]
    municipalities = connection.ops.quote_name(Municipality._meta.db_table)
    existing = set(connection.introspection.table_names())
    if Municipality._meta.db_table not in existing:
        return
    columns = {
        column.name
        for column in connection.introspection.get_table_description(
            connection.cursor(), Municipality._meta.db_table
        )
    }
    if "config_version" not in columns:  # migrated back before the version existed
        return
    next_version = _next(connection)
    write = _postgresql if connection.vendor == "postgresql" else _sqlite
    statements = _kept_statements(connection, municipalities)
    for table in _tables():
        if table in existing:
            statements += write(table, municipalities, next_version)
    statements.append(f"UPDATE {municipalities} SET config_version = {next_version}")  # noqa: S608
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
