"""Django's database sessions, read with one plain SQL statement (SESSION_ENGINE)."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    """Every request of a signed-in user reads its session first: building and compiling the
    ORM's query cost more than running it (issue 15). The same row on the same conditions
    (its key, not expired) is read here in SQL; writes, keys and expiry stay Django's."""

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        key = self.session_key
        if key is None:
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table}"  # noqa: S608 - the table's name only
                " WHERE session_key = %s AND expire_date > %s",
                [key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        session: AbstractBaseSession = model(session_key=key, session_data=row[0])
        return session
