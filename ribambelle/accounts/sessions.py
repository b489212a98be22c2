"""Django's database sessions, read with the signed-in account in one SQL statement
(SESSION_ENGINE).

Every request of a signed-in user reads its session, then its user (with the municipality and,
for a parent, the guardian and household: `backends.MunicipalityEmailBackend.get_user`). The
session row carries its account (`accounts.Session.user`, written from the session's data at
each save), so the store reads both at once, and the authentication middleware hands the user
it read to the backend. Django still decides who is signed in: the backend takes that user only
when it is the one the session's data names, and Django checks the session's hash against it
as for any user (issue 15)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib import auth
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connections, router
from django.db.models import ForeignKey, Model
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from ribambelle.accounts.models import Session, User

# The session store of the request whose user Django is reading (set by the middleware below
# for the time of that one call, never across requests).
reading_store: ContextVar[SessionStore | None] = ContextVar("reading_store", default=None)


@dataclass(frozen=True)
class _Columns:
    """One model's columns in the statement: where they start, and their converters."""

    model: type[Model]
    start: int
    attnames: tuple[str, ...]
    pk_index: int
    converters: tuple[tuple[int, Any, Sequence[Callable[..., Any]]], ...]

    def instance(self, row: Sequence[Any], connection) -> Model | None:
        values = list(row[self.start : self.start + len(self.attnames)])
        if values[self.pk_index] is None:  # no row on this side of the LEFT JOIN
            return None
        for index, expression, functions in self.converters:
            for function in functions:
                values[index] = function(values[index], expression, connection)
        return self.model.from_db(connection.alias, list(self.attnames), values)


@dataclass(frozen=True)
class _Statement:
    sql: str
    user: _Columns
    municipality: _Columns
    guardian: _Columns
    household: _Columns


_statements: dict[str, _Statement] = {}


def _statement(connection) -> _Statement:
    """The statement for this database, built from the models' metadata once per process (it
    depends on the code only, never on data)."""
    statement = _statements.get(connection.alias)
    if statement is not None:
        return statement
    quote = connection.ops.quote_name
    user_field = Session.user.field
    municipality_field = User.municipality.field
    guardian_relation = User.guardian.related  # the guardian's one-to-one to its account
    guardian_model: type[Model] = guardian_relation.related_model
    household_field: ForeignKey = guardian_model.household.field  # type: ignore[attr-defined]
    municipality_model = municipality_field.related_model
    household_model = household_field.related_model
    models: list[tuple[str, type[Model]]] = [
        ("u", User),
        ("m", municipality_model),
        ("g", guardian_model),
        ("h", household_model),
    ]
    selected = ["s.session_data"]
    parts = []
    for alias, model in models:
        fields = model._meta.concrete_fields
        converters = []
        for index, field in enumerate(fields):
            expression = field.get_col(model._meta.db_table)
            functions = connection.ops.get_db_converters(expression) + field.get_db_converters(
                connection
            )
            if functions:
                converters.append((index, expression, tuple(functions)))
        parts.append(
            _Columns(
                model=model,
                start=len(selected),
                attnames=tuple(field.attname for field in fields),
                pk_index=[field.primary_key for field in fields].index(True),
                converters=tuple(converters),
            )
        )
        selected += [f"{alias}.{quote(field.column)}" for field in fields]
    pk = quote(User._meta.pk.column)
    sql = (
        f"SELECT {', '.join(selected)}"  # noqa: S608 - tables and columns of the models only
        f" FROM {quote(Session._meta.db_table)} s"
        f" LEFT JOIN {quote(User._meta.db_table)} u ON u.{pk} = s.{quote(user_field.column)}"
        f" LEFT JOIN {quote(municipality_model._meta.db_table)} m"
        f" ON m.{quote(municipality_model._meta.pk.column)} = u.{quote(municipality_field.column)}"
        f" LEFT JOIN {quote(guardian_model._meta.db_table)} g"
        f" ON g.{quote(guardian_relation.field.column)} = u.{pk}"
        f" LEFT JOIN {quote(household_model._meta.db_table)} h"
        f" ON h.{quote(household_model._meta.pk.column)} = g.{quote(household_field.column)}"
        " WHERE s.session_key = %s AND s.expire_date > %s"
    )
    statement = _Statement(sql, *parts)
    _statements[connection.alias] = statement
    return statement


class SessionStore(db.SessionStore):
    """Django's database store on `accounts.Session`: the same row on the same conditions (its
    key, not expired), read with its account; writes, keys and expiry stay Django's."""

    # The account read with the session (with its municipality, guardian and household cached
    # as `select_related` caches them), or None.
    signed_in_user: User | None = None

    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        return self._with_account(super().create_model_instance(data), data)

    async def acreate_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        return self._with_account(await super().acreate_model_instance(data), data)

    @staticmethod
    def _with_account(session: AbstractBaseSession, data: dict[str, Any]) -> AbstractBaseSession:
        try:
            session.user_id = int(data[auth.SESSION_KEY])  # type: ignore[attr-defined]
        except (KeyError, TypeError, ValueError):
            session.user_id = None  # type: ignore[attr-defined]
        return session

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        self.signed_in_user = None
        key = self.session_key
        if key is None:
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        statement = _statement(connection)
        with connection.cursor() as cursor:
            cursor.execute(
                statement.sql,
                [key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        self.signed_in_user = self._user(row, connection, statement)
        session: AbstractBaseSession = model(session_key=key, session_data=row[0])
        return session

    @staticmethod
    def _user(row: Sequence[Any], connection, statement: _Statement) -> User | None:
        user = statement.user.instance(row, connection)
        if not isinstance(user, User):
            return None
        municipality = statement.municipality.instance(row, connection)
        User.municipality.field.set_cached_value(user, municipality)
        guardian = statement.guardian.instance(row, connection)
        relation = User.guardian.related
        relation.set_cached_value(user, guardian)  # None: read, and there is none
        if guardian is not None:
            relation.field.set_cached_value(guardian, user)
            household = statement.household.instance(row, connection)
            type(guardian).household.field.set_cached_value(guardian, household)  # type: ignore[attr-defined]
        return user


def _get_user(request):
    """Django's `middleware.get_user`, with the request's session store at hand for the backend
    while Django reads the user."""
    if not hasattr(request, "_cached_user"):
        token = reading_store.set(getattr(request, "session", None))
        try:
            request._cached_user = auth.get_user(request)
        finally:
            reading_store.reset(token)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, reading the user through `_get_user` above."""

    def process_request(self, request) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))


def user_read_with_session(user_id: Any) -> User | None:
    """The account the request's session store read with the session, if it is `user_id`."""
    store = reading_store.get()
    user = getattr(store, "signed_in_user", None)
    if isinstance(user, User) and user.pk == user_id:
        return user
    return None
