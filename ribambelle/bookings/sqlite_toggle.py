"""SQLite only: a view through which a toggle books or cancels in one statement, the booking and
its counter together (services.counters.day_count_book and day_count_cancel). PostgreSQL does
the same with data-modifying WITH clauses and needs nothing here.

The view and its triggers are not a migration: SQLite refuses to rename a table that a view or a
trigger names while the table is missing, which is what Django does when a migration rebuilds
the booking or counter table (create a copy, drop, rename). They are dropped before every
`migrate` and created again after it (apps.BookingsConfig). The triggers name Booking's
columns: a column added to Booking without a default must be added to them."""

from django.db import connections

VIEW = """
CREATE VIEW IF NOT EXISTS "bookings_toggle" AS SELECT "id", "municipality_id", "child_id",
    "activity_id", "date", "source", "late", "created_at", "created_by_id", NULL AS "capacity"
FROM "bookings_booking"
"""

# A tick: the counter takes the place if one is left (the condition of counters._TAKE_IF_LEFT),
# or the statement is aborted, nothing written; then the booking.
BOOK = """
CREATE TRIGGER IF NOT EXISTS "bookings_toggle_book" INSTEAD OF INSERT ON "bookings_toggle"
BEGIN
    INSERT INTO "bookings_daycount" ("activity_id", "date", "booked", "children")
    VALUES (NEW."activity_id", NEW."date", 1, ',' || NEW."child_id" || ',')
    ON CONFLICT ("activity_id", "date") DO UPDATE
    SET "booked" = "bookings_daycount"."booked" + 1,
        "children" = "bookings_daycount"."children" || NEW."child_id" || ','
    WHERE NEW."capacity" IS NULL OR "bookings_daycount"."booked" < NEW."capacity";
    SELECT RAISE(ABORT, 'bookings_daycount full') WHERE changes() = 0;
    INSERT INTO "bookings_booking" ("municipality_id", "child_id", "activity_id", "date",
        "source", "late", "created_at", "created_by_id")
    VALUES (NEW."municipality_id", NEW."child_id", NEW."activity_id", NEW."date", NEW."source",
        NEW."late", NEW."created_at", NEW."created_by_id");
END
"""

# An untick: the booking, then its child leaves the counter.
CANCEL = """
CREATE TRIGGER IF NOT EXISTS "bookings_toggle_cancel" INSTEAD OF DELETE ON "bookings_toggle"
BEGIN
    DELETE FROM "bookings_booking" WHERE "id" = OLD."id";
    UPDATE "bookings_daycount"
    SET "booked" = MAX("booked" - 1, 0),
        "children" = REPLACE("children", ',' || OLD."child_id" || ',', ',')
    WHERE "activity_id" = OLD."activity_id" AND "date" = OLD."date";
END
"""

DROP = [
    'DROP TRIGGER IF EXISTS "bookings_toggle_cancel"',
    'DROP TRIGGER IF EXISTS "bookings_toggle_book"',
    'DROP VIEW IF EXISTS "bookings_toggle"',
]
TABLES = {"bookings_booking", "bookings_daycount"}


def uninstall(using: str = "default", **_kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in DROP:
            cursor.execute(statement)


def install(using: str = "default", **_kwargs) -> None:
    """Once the tables exist (not after the app's migrations are rolled back)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    if not set(connection.introspection.table_names()) >= TABLES:
        return
    with connection.cursor() as cursor:
        for statement in (VIEW, BOOK, CANCEL):
            cursor.execute(statement)
