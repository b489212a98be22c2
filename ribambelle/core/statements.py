"""Querysets built and compiled once, run many times with other values.

Building a queryset (`filter`, `annotate`...) and compiling it to SQL costs the ORM 0.2 to
1 ms of Python each time, more than PostgreSQL or SQLite take to answer the statements of a
family page (issue 15: 55 to 60 % of the time of each query of the portal home). A page asks
the same questions for every household, with other ids and dates. A `Statement` wraps a
function that builds such a queryset from keyword values; the first call on a database
builds it, compiles it and finds which of its SQL parameters are which value; later calls
put the new values in those places and run the same SQL text, the rows turned into model
instances (select_related, annotations, prefetch_related, values()) by Django's own
iterables.

The rules for a builder, checked where they can be:

- its values are keyword arguments of type int, str, date, aware datetime, or a tuple of one
  of these (an `IN`: its repeated items are dropped, its length is part of the SQL text);
  not bool, None, a list or a naive datetime (TypeError at every call); a value the SQL
  needs derived (a date minus a year) is a value of its own;
- it is a pure function of its values: it reads no clock (`timezone.now()` inside it would
  be frozen at the first call) and no setting;
- it prefetches relations by name only (a Prefetch's own queryset is refused);
- its result is evaluated at once (the call returns a list) and cannot be refined further.

The first call compiles the queryset three times, twice with the values shifted (ids, dates,
strings each changed differently, by other amounts each time), and refuses a builder whose
SQL text changes with its values or whose parameters are not the values themselves
(ValueError). Values the ORM answers without the database (an id no column can hold: nothing
matches) go through the ORM, and nothing is kept of them. With `CHECK` on (the test suite
turns it on), every call also builds and compiles the queryset again and asserts that the SQL
and parameters are the ones substituted: each test that goes through a statement checks it.
"""

import contextlib
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Prefetch, QuerySet
from django.db.transaction import TransactionManagementError

# On in the test suite: every call compared with a fresh build (see the module's docstring).
CHECK = False

# What changes how a queryset compiles: the cached statements are dropped when it changes.
_COMPILING_SETTINGS = frozenset({"DATABASES", "TIME_ZONE", "USE_TZ", "INSTALLED_APPS"})

# How a value becomes its SQL parameter: itself, or adapted by the backend (SQLite stores
# dates and datetimes as text).
_ADAPTERS: dict[str, Callable[[Any, Any], Any]] = {
    "same": lambda _ops, value: value,
    "date": lambda ops, value: ops.adapt_datefield_value(value),
    "datetime": lambda ops, value: ops.adapt_datetimefield_value(value),
}
_ADAPTERS_OF_KIND = {
    "int": ("same",),
    "str": ("same",),
    "date": ("same", "date"),
    "datetime": ("same", "datetime"),
}

# Ints a statement substitutes: those of the smallest integer column (PostgreSQL's integer),
# less the shifts of the probes. Any other goes through the ORM, which knows the column (an id
# out of a column's range matches nothing there, where the database would refuse it).
_INT_LIMIT = 2**31 - 2**24

# Shapes (lengths of tuples, kinds of values) kept per statement, the oldest forgotten first.
MAX_SHAPES = 32


def _kind(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"A statement's value cannot be {value!r}: it changes the SQL text.")
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise TypeError(f"A statement's datetime must be aware, not {value!r}.")
        return "datetime"
    if isinstance(value, datetime.date):
        return "date"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "str"
    raise TypeError(
        "A statement's value is an int, a str, a date, an aware datetime or a tuple of them, "
        f"not {value!r}"
    )


def _distinct(values: dict[str, Any]) -> dict[str, Any]:
    """Tuples without their repeated items: they are sets in an `IN`, where the ORM drops a
    repeated item (the SQL text would then not be the one compiled for that length)."""
    return {
        name: tuple(dict.fromkeys(value)) if isinstance(value, tuple) else value
        for name, value in values.items()
    }


def _shape(values: dict[str, Any]) -> tuple[tuple[str, str, int], ...]:
    """What, in the values, changes the SQL text or the parameters' adaptation: the kind of
    each value, the length of each tuple (`IN (%s, %s)`). TypeError for a value that no
    statement takes."""
    shape = []
    for name, value in sorted(values.items()):
        if isinstance(value, tuple):
            kinds = {_kind(item) for item in value}
            if len(kinds) > 1:
                raise TypeError(f"A statement's tuple holds values of one kind, not {value!r}")
            shape.append((name, kinds.pop() if kinds else "", len(value)))
        else:
            shape.append((name, _kind(value), -1))
    return tuple(shape)


def _in_range(leaves: dict[Any, Any]) -> bool:
    return all(
        -_INT_LIMIT <= value <= _INT_LIMIT
        for value in leaves.values()
        if isinstance(value, int) and not isinstance(value, bool)
    )


def _leaves(values: dict[str, Any]) -> dict[str | tuple[str, int], Any]:
    """Each scalar value by its name, each item of a tuple by (name, index)."""
    leaves: dict[str | tuple[str, int], Any] = {}
    for name, value in values.items():
        if isinstance(value, tuple):
            leaves.update({(name, index): item for index, item in enumerate(value)})
        else:
            leaves[name] = value
    return leaves


def _shifted(leaves: dict[Any, Any], base: int) -> dict[Any, Any]:
    """Each value changed, each by a different amount, so that no two of them (nor a constant
    of the query) can be taken for one another. Two probes with other bases: a parameter
    derived from a value that one shift leaves unchanged (its year...) shows in the other."""
    shifted: dict[Any, Any] = {}
    for index, (key, value) in enumerate(sorted(leaves.items(), key=lambda item: str(item[0]))):
        step = base + 7919 * index
        if isinstance(value, datetime.datetime):
            shifted[key] = value + datetime.timedelta(days=step % 997 + 400, seconds=index + 1)
        elif isinstance(value, datetime.date):
            shifted[key] = value + datetime.timedelta(days=step % 997 + 400)
        elif isinstance(value, str):
            shifted[key] = f"{value}\u00a7{step}"
        else:
            shifted[key] = value + step
    return shifted


def _values_of(leaves: dict[Any, Any], like: dict[str, Any]) -> dict[str, Any]:
    """The keyword values of `leaves`, shaped like `like` (the inverse of _leaves)."""
    return {
        name: tuple(leaves[(name, index)] for index in range(len(value)))
        if isinstance(value, tuple)
        else leaves[name]
        for name, value in like.items()
    }


@dataclass(frozen=True)
class _Slot:
    position: int
    # The value's name, or (name, index) for an item of a tuple.
    key: str | tuple[str, int]
    adapter: str


@dataclass
class _Compiled:
    # None: the values make an empty result whatever is stored (an empty tuple in an `IN`).
    queryset: QuerySet | None
    # The compiler of the first build, its selected columns and row layout filled in.
    compiler: Any
    sql: str
    params: tuple
    slots: tuple[_Slot, ...]
    for_update: bool


def _compile(queryset: QuerySet, alias: str) -> tuple[Any, str, tuple]:
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    return compiler, sql, tuple(params)


class _NotCompiled(Exception):
    """These values cannot be compiled once (the ORM found the result empty or whole without
    asking the database): the call goes through the ORM, nothing is kept."""


class Statement:
    """A queryset shape compiled once per database (and per kind of each value and length of
    each tuple). `build(**values)` returns the queryset; calling the statement with the same
    keywords returns its rows as a list."""

    _all: list["Statement"] = []

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[tuple, _Compiled] = {}
        Statement._all.append(self)

    def __repr__(self) -> str:
        return f"<Statement {getattr(self.build, '__qualname__', self.build)}>"

    def __call__(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list:
        values = _distinct(values)
        key = (using, _shape(values))
        leaves = _leaves(values)
        if not _in_range(leaves):
            return list(self.build(**values).using(using))
        compiled = self._compiled.get(key)
        if compiled is None:
            try:
                compiled = self._prepare(using, values, leaves)
            except _NotCompiled:
                return list(self.build(**values).using(using))
            if len(self._compiled) >= MAX_SHAPES:
                # The oldest shape; another thread may be forgetting one at the same time.
                with contextlib.suppress(RuntimeError, StopIteration):
                    self._compiled.pop(next(iter(self._compiled)), None)
            self._compiled[key] = compiled
        if compiled.queryset is None:
            return []
        connection = connections[using]
        if compiled.for_update and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(compiled.params)
        for slot in compiled.slots:
            params[slot.position] = _ADAPTERS[slot.adapter](connection.ops, leaves[slot.key])
        if CHECK:
            self._check(using, values, compiled.sql, params)
        return list(_queryset(compiled, connection, using, tuple(params)))

    def _prepare(self, using: str, values: dict[str, Any], leaves: dict[Any, Any]) -> _Compiled:
        queryset = self.build(**values)
        _refuse_prefetch_querysets(self, queryset)
        try:
            compiler, sql, params = _compile(queryset, using)
        except EmptyResultSet:
            if any(value == () for value in values.values()):
                return _Compiled(None, None, "", (), (), False)
            raise _NotCompiled from None
        except FullResultSet:
            raise _NotCompiled from None
        probes = []
        for base in (1_000_003, 2_000_029):
            probe = _shifted(leaves, base)
            try:
                _compiler, probe_sql, probe_params = _compile(
                    self.build(**_values_of(probe, values)), using
                )
            except (EmptyResultSet, FullResultSet):
                raise _NotCompiled from None
            if probe_sql != sql or len(probe_params) != len(params):
                raise ValueError(f"{self!r}: its SQL changes with its values.")
            probes.append((probe, probe_params))
        ops = connections[using].ops
        kinds = {key: _kind(value) for key, value in leaves.items()}
        slots = []
        for position, param in enumerate(params):
            if all(probe_params[position] == param for _probe, probe_params in probes):
                continue
            found = [
                _Slot(position, key, adapter)
                for key, kind in kinds.items()
                for adapter in _ADAPTERS_OF_KIND[kind]
                if _ADAPTERS[adapter](ops, leaves[key]) == param
                and all(
                    _ADAPTERS[adapter](ops, probe[key]) == probe_params[position]
                    for probe, probe_params in probes
                )
            ]
            if not found:
                raise ValueError(
                    f"{self!r}: parameter {position} ({param!r}) is derived from a value: "
                    "pass it as a value of its own."
                )
            slots.append(found[0])
        return _Compiled(
            queryset=queryset,
            compiler=compiler,
            sql=sql,
            params=params,
            slots=tuple(slots),
            for_update=bool(queryset.query.select_for_update),
        )

    def _check(self, using: str, values: dict[str, Any], sql: str, params: list) -> None:
        _compiler, fresh_sql, fresh_params = _compile(self.build(**values), using)
        assert (fresh_sql, list(fresh_params)) == (sql, params), (
            f"{self!r} compiled differently from its first build: its builder reads something "
            f"other than its values.\nfirst: {sql} {params}\nnow: {fresh_sql} {fresh_params}"
        )

    @classmethod
    def forget_all(cls) -> None:
        for statement in cls._all:
            statement._compiled.clear()


def _refuse_prefetch_querysets(statement: Statement, queryset: QuerySet) -> None:
    """A Prefetch's own queryset is built by the ORM from the first call's values and never
    compiled again with the next ones: refused (prefetch a relation by its name, or read it
    with a statement of its own and `prefetched`)."""
    lookups: tuple[Any, ...] = getattr(queryset, "_prefetch_related_lookups", ())
    for lookup in lookups:
        if isinstance(lookup, Prefetch) and lookup.queryset is not None:
            raise ValueError(f"{statement!r}: a Prefetch with a queryset cannot be compiled once.")


def _queryset(compiled: _Compiled, connection: Any, using: str, params: tuple) -> QuerySet:
    """A copy of the first build's queryset that compiles to the cached SQL with `params`.
    Copied by hand: copying a QuerySet with the copy module evaluates it."""
    template: Any = compiled.queryset
    query = object.__new__(type(template.query))
    query.__dict__ = template.query.__dict__.copy()

    def get_compiler(using=None, connection=connection, elide_empty=True):
        compiler = object.__new__(type(compiled.compiler))
        compiler.__dict__ = compiled.compiler.__dict__.copy()
        compiler.connection = connection
        compiler.using = using
        compiler.as_sql = lambda *args, **kwargs: (compiled.sql, params)
        return compiler

    # The instance's own attribute, in place of the class's method.
    query.__dict__["get_compiler"] = get_compiler
    queryset = object.__new__(type(template))
    queryset.__dict__ = template.__dict__.copy()
    # Not `queryset.query = query`: that setter makes a values_list() a values() again.
    queryset._query = query
    queryset._db = using
    queryset._result_cache = None
    queryset._prefetch_done = False
    return queryset


def prefetched(instance: Any, **related: tuple[list[Any], QuerySet]) -> None:
    """Fills the prefetch cache of `instance` for each reverse relation with the given rows (a
    statement's) and the queryset they were read from, less its filter on `instance`: as
    Prefetch(relation, queryset) would, `instance.<relation>.all()` then runs no query, and a
    further filter keeps that queryset's (the ORM's related manager applies it)."""
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, (rows, queryset) in related.items():
        manager = getattr(instance, name)
        cached = manager._apply_rel_filters(queryset)
        cached._result_cache = list(rows)
        cached._prefetch_done = True
        cache[getattr(type(instance), name).field.remote_field.cache_name] = cached


def _forget(*, setting: str, **_kwargs) -> None:
    if setting in _COMPILING_SETTINGS:
        Statement.forget_all()


setting_changed.connect(_forget)
