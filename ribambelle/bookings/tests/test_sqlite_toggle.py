"""SQLite's view for the toggle's single statement (bookings/sqlite_toggle.py) is out of the way
while migrations run, which may rebuild the tables it names, and back after them."""

import weakref

import pytest
from django.db import connection
from django.db.models.signals import post_migrate, pre_migrate

from ribambelle.bookings import sqlite_toggle

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the view is SQLite's"),
]


def objects_naming_the_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('view', 'trigger') "
            "AND (sql LIKE '%bookings_booking%' OR sql LIKE '%bookings_daycount%')"
        )
        return {row[0] for row in cursor.fetchall()}


def receivers(signal) -> list:
    """The functions connected to a signal (kept as weak references by default)."""
    found = []
    for entry in signal.receivers:
        receiver = entry[1]
        found.append(receiver() if isinstance(receiver, weakref.ReferenceType) else receiver)
    return found


def test_the_view_is_dropped_before_migrations_and_created_after_them():
    everything = {"bookings_toggle", "bookings_toggle_book", "bookings_toggle_cancel"}
    assert objects_naming_the_tables() == everything
    assert sqlite_toggle.uninstall in receivers(pre_migrate)
    assert sqlite_toggle.install in receivers(post_migrate)
    sqlite_toggle.uninstall()
    # Nothing left that would stop Django from rebuilding the tables (copy, drop, rename).
    assert objects_naming_the_tables() == set()
    sqlite_toggle.install()
    sqlite_toggle.install()  # idempotent
    assert objects_naming_the_tables() == everything
