"""The capacity counters of bookings_apply (DayCount): their count and the list of the booked
children, kept in SQL in the booking's transaction, and rebuilt after bulk writes."""

from collections import defaultdict
from datetime import date
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Greatest, Replace

from ribambelle.bookings.models import Booking, DayCount


def day_counts_move(*, listed: dict[int, list[int]], unlisted: dict[int, list[int]]) -> None:
    """The locked counters (child id -> the counters it was booked on, or cancelled from): the
    count and the list of children change in SQL, the lists never travel to Python and back.
    One UPDATE per set of children moved on the same counters, so that each counter is
    rewritten once: a mass booking of two children for the same days is one UPDATE, not one
    per child (a counter's list is long in a big town, rewriting it is most of the cost)."""
    for children, counter_ids in _by_children(listed).items():
        added = "".join(f"{child_id}," for child_id in children)
        DayCount.objects.filter(pk__in=counter_ids).update(
            booked=F("booked") + len(children), children=Concat("children", Value(added))
        )
    for children, counter_ids in _by_children(unlisted).items():
        remaining: Any = F("children")
        for child_id in children:
            remaining = Replace(remaining, Value(f",{child_id},"), Value(","))
        DayCount.objects.filter(pk__in=counter_ids).update(
            booked=Greatest(F("booked") - len(children), 0), children=remaining
        )


def _by_children(moved: dict[int, list[int]]) -> dict[tuple[int, ...], list[int]]:
    """Counter ids grouped by the children moved on them (child id -> counter ids, inverted)."""
    on_counter: defaultdict[int, list[int]] = defaultdict(list)
    for child_id in sorted(moved):
        for counter_id in moved[child_id]:
            on_counter[counter_id].append(child_id)
    groups: defaultdict[tuple[int, ...], list[int]] = defaultdict(list)
    for counter_id, children in on_counter.items():
        groups[tuple(children)].append(counter_id)
    return groups


# The counter's table is DayCount's (checked by the tests that book through it).
_TAKE = (
    'INSERT INTO "bookings_daycount" (activity_id, date, booked, children) VALUES (%s, %s, 1, %s) '
    'ON CONFLICT (activity_id, date) DO UPDATE SET booked = "bookings_daycount".booked + 1, '
    'children = "bookings_daycount".children || %s'
)
_TAKE_IF_LEFT = _TAKE + ' WHERE "bookings_daycount".booked < %s'


def day_counts_take(
    *, activity_id: int, day: date, child_id: int, capacity: int | None
) -> int | None:
    """One place on a counter, a toggle's tick: creates the counter, or takes the place if one is
    left, in one statement whose row lock serializes concurrent ticks (the condition is checked
    against the row as the last committed change left it). Returns the places now taken, or None
    when the day is full and nothing was written."""
    sql = _TAKE if capacity is None else _TAKE_IF_LEFT
    params: list[int | str | None] = [
        activity_id,
        connection.ops.adapt_datefield_value(day),
        DayCount.listing([child_id]),
        f"{child_id},",
    ]
    if capacity is not None:
        params.append(capacity)
    if capacity is not None and capacity < 1:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING booked", params)
        row = cursor.fetchone()
    return None if row is None else int(row[0])


# A toggle's tick and untick write the booking and its counter in one statement: on PostgreSQL
# with data-modifying WITH clauses, on SQLite through the view "bookings_toggle", whose triggers
# write both (bookings/sqlite_toggle.py). The counter's statement is _TAKE's.
_BOOKING_COLUMNS = (
    "municipality_id", "child_id", "activity_id", "date", "source", "late", "created_at",
    "created_by_id",
)  # fmt: skip
_CANCEL_PG = (
    'WITH gone AS (DELETE FROM "bookings_booking" WHERE id = %s RETURNING id) '
    'UPDATE "bookings_daycount" SET booked = GREATEST("bookings_daycount".booked - 1, 0), '
    "children = REPLACE(\"bookings_daycount\".children, %s, ',') "
    "WHERE activity_id = %s AND date = %s AND EXISTS (SELECT 1 FROM gone)"
)
_FULL = "bookings_daycount full"
_COLUMNS = ", ".join(f'"{name}"' for name in _BOOKING_COLUMNS)
_MARKS = ", ".join(["%s"] * len(_BOOKING_COLUMNS))
_BOOK_SQLITE = f'INSERT INTO "bookings_toggle" ({_COLUMNS}, "capacity") VALUES ({_MARKS}, %s)'  # noqa: S608
_BOOK_PG = {
    capped: f"WITH taken AS ({sql} RETURNING booked), booking AS ("  # noqa: S608
    f'INSERT INTO "bookings_booking" ({_COLUMNS}) SELECT {_MARKS} FROM taken) '
    "SELECT booked FROM taken"
    for capped, sql in ((False, _TAKE), (True, _TAKE_IF_LEFT))
}


def _booking_values(booking: Booking) -> list[Any]:
    fields = {field.attname: field for field in Booking._meta.concrete_fields}
    return [
        fields[name].get_db_prep_save(fields[name].pre_save(booking, add=True), connection)
        for name in _BOOKING_COLUMNS
    ]


def day_count_book(*, booking: Booking, capacity: int | None, booked_before: int) -> int | None:
    """A toggle's tick in one statement: the counter takes the place if one is left (as
    day_counts_take), and the booking is written only then. Returns the places now taken, or
    None when the day is full and nothing was written. On SQLite, whose write lock is taken when
    the transaction begins (transaction_mode IMMEDIATE), the places taken are `booked_before`,
    the counter as read in the transaction, plus this one."""
    if capacity is not None and capacity < 1:
        return None
    day = connection.ops.adapt_datefield_value(booking.date)
    values = _booking_values(booking)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            try:
                cursor.execute(_BOOK_SQLITE, [*values, capacity])
            except IntegrityError as error:
                if _FULL not in str(error):
                    raise
                return None
            return booked_before + 1
        if connection.vendor != "postgresql":
            taken = day_counts_take(
                activity_id=booking.activity_id,
                day=booking.date,
                child_id=booking.child_id,
                capacity=capacity,
            )
            if taken is not None:
                booking.save(force_insert=True)
            return taken
        params = [booking.activity_id, day, DayCount.listing([booking.child_id])]
        params += [f"{booking.child_id},", *([] if capacity is None else [capacity])]
        cursor.execute(_BOOK_PG[capacity is not None], [*params, *values])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def day_count_cancel(*, booking_id: int, activity_id: int, day: date, child_id: int) -> None:
    """A toggle's untick in one statement: the booking is deleted and its child leaves its
    counter, unlocked (the household's lock serializes its own changes), as day_counts_release."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute('DELETE FROM "bookings_toggle" WHERE "id" = %s', [booking_id])
        elif connection.vendor == "postgresql":
            day_value = connection.ops.adapt_datefield_value(day)
            cursor.execute(_CANCEL_PG, [booking_id, f",{child_id},", activity_id, day_value])
        else:
            Booking.objects.filter(pk=booking_id).delete()
            day_counts_release(released={(activity_id, day): [child_id]})


def day_counts_release(*, released: dict[tuple[int, date], list[int]]) -> None:
    """Counters left unlocked (a toggle's untick, serialized by the household's lock): each
    cancelled child decrements its counter where it stands and leaves its list."""
    for (activity_id, day), child_ids in released.items():
        for child_id in child_ids:
            DayCount.objects.filter(activity_id=activity_id, date=day).update(
                booked=Greatest(F("booked") - 1, 0),
                children=Replace("children", Value(f",{child_id},"), Value(",")),
            )


@transaction.atomic
def day_counts_rebuild(*, activity_ids: list[int]) -> int:
    """Make the counters of these activities equal to their bookings (count and children),
    creating those missing: for data written in bulk (demo, benchmark), never needed after
    bookings_apply. Returns the number of counters written."""
    children: defaultdict[tuple[int, date], list[int]] = defaultdict(list)
    for activity_id, day, child_id in (
        Booking.objects.filter(activity_id__in=activity_ids)
        .order_by("activity_id", "date", "child_id")
        .values_list("activity_id", "date", "child_id")
        .iterator(chunk_size=10000)
    ):
        children[(activity_id, day)].append(child_id)
    stale = []
    for counter in DayCount.objects.select_for_update().filter(activity_id__in=activity_ids):
        ids = children.pop((counter.activity_id, counter.date), [])
        counter.children, counter.booked = DayCount.listing(ids), len(ids)
        stale.append(counter)
    DayCount.objects.bulk_update(stale, ["booked", "children"], batch_size=200)
    DayCount.objects.bulk_create(
        [
            DayCount(
                activity_id=activity_id, date=day, booked=len(ids), children=DayCount.listing(ids)
            )
            for (activity_id, day), ids in sorted(children.items())
        ],
        batch_size=200,
    )
    return len(stale) + len(children)
