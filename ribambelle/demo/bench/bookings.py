"""A school year of bookings for the bench municipality (`manage.py seed_bench`): well over a
million rows for its 8,000 children, so that the booking pages are measured at a realistic
size.

Rows never become model instances: they are generated child by child as plain tuples and
written in large batches (`executemany` on SQLite, COPY on PostgreSQL) inside the caller's
transaction, and the per activity-and-day counters are summed on the way and written once at
the end, so memory stays bounded by one batch whatever the number of children."""

import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.utils import timezone

from ribambelle.bookings import rules, selectors
from ribambelle.bookings.models import Activity, Attendance, Booking, Closure, DayCount
from ribambelle.demo.bookings import (
    CANTEEN,
    EVENING_CARE,
    MORNING_CARE,
    WEDNESDAY,
    SchoolYear,
    ensure_activities,
    ensure_closures,
    school_year,
)
from ribambelle.families.models import Child
from ribambelle.tenants.models import Municipality

# Children read and written per round: about 200 booking rows each.
CHILDREN_PER_BATCH = 500

# Who books what, by child rank: every child eats at the canteen four days a week, one in two
# goes to the evening care twice a week, one in four to the morning care twice a week and one
# in four to the Wednesday leisure centre (while aged 3 to 11).
PATTERN: list[tuple[str, int, int, frozenset[int]]] = [
    # (activity, one child in ..., the first rank, weekdays)
    (CANTEEN, 1, 0, frozenset({0, 1, 3, 4})),
    (EVENING_CARE, 2, 0, frozenset({1, 3})),
    (MORNING_CARE, 4, 1, frozenset({0, 4})),
    (WEDNESDAY, 4, 2, frozenset({2})),
]
BOOKING_COLUMNS = (
    "municipality_id",
    "child_id",
    "activity_id",
    "date",
    "source",
    "late",
    "created_at",
)


@dataclass
class BookingSeedReport:
    bookings: int = 0
    day_counts: int = 0
    seconds: float = 0.0


def bench_capacities(children: int) -> dict[str, int | None]:
    """Capacities the bookings below never exceed: the canteen has a place for everyone, the
    Wednesday centre for a quarter of the children and a margin, the care has no limit."""
    return {
        CANTEEN: max(children, 1),
        MORNING_CARE: None,
        EVENING_CARE: None,
        WEDNESDAY: children // 4 + 24,
    }


def delete_bench_bookings(municipality: Municipality) -> None:
    """Everything seed_bench_bookings wrote: one statement per table, no row loaded."""
    Attendance.objects.filter(municipality=municipality).delete()
    Booking.objects.filter(municipality=municipality).delete()
    DayCount.objects.filter(activity__municipality=municipality).delete()
    Closure.objects.filter(municipality=municipality).delete()
    Activity.objects.filter(municipality=municipality).delete()


def seed_bench_bookings(municipality: Municipality, today: date | None = None) -> BookingSeedReport:
    started = time.perf_counter()
    today = today or timezone.localdate()
    year = school_year(today)
    children = Child.objects.filter(municipality=municipality).count()
    activities = ensure_activities(municipality, year, bench_capacities(children))
    ensure_closures(municipality, year, today)
    specs = selectors.activity_specs(municipality, list(activities.values()))
    plan = [
        (
            specs[activities[name].pk],
            every,
            first,
            _open_days(specs[activities[name].pk], year, weekdays),
        )
        for name, every, first, weekdays in PATTERN
    ]
    counts: defaultdict[tuple[int, date], list[int]] = defaultdict(list)
    rows = _RowMaker(municipality, plan, counts)
    written = 0
    for chunk in _children_in_chunks(municipality):
        written += _write(Booking._meta.db_table, BOOKING_COLUMNS, rows.for_children(chunk))
    DayCount.objects.bulk_create(
        [
            DayCount(activity_id=a, date=d, booked=len(ids), children=DayCount.listing(sorted(ids)))
            for (a, d), ids in sorted(counts.items())
        ],
        batch_size=200,
    )
    return BookingSeedReport(
        bookings=written, day_counts=len(counts), seconds=time.perf_counter() - started
    )


def _open_days(spec: rules.ActivitySpec, year: SchoolYear, weekdays: frozenset[int]) -> list[date]:
    return [
        day
        for day in rules.days_between(year.start, year.end, weekdays & spec.weekdays)
        if rules.closure_of(spec, day) is None
    ]


def _children_in_chunks(municipality: Municipality) -> Iterator[list[tuple[int, date]]]:
    """(pk, birth date) of the children, a chunk at a time by increasing pk. Each chunk is read
    before its rows are written: a query cannot run while a COPY holds the connection."""
    last = 0
    while chunk := list(
        Child.objects.filter(municipality=municipality, pk__gt=last)
        .order_by("pk")
        .values_list("pk", "birth_date")[:CHILDREN_PER_BATCH]
    ):
        yield chunk
        last = chunk[-1][0]


class _RowMaker:
    """One tuple per booking, child after child, listing the children per activity and day."""

    def __init__(
        self,
        municipality: Municipality,
        plan: list[tuple[rules.ActivitySpec, int, int, list[date]]],
        counts: defaultdict[tuple[int, date], list[int]],
    ):
        self.municipality_id = municipality.pk
        self.plan = plan
        self.counts = counts
        self.rank = 0
        self.created_at = connection.ops.adapt_datetimefield_value(timezone.now())
        self.source = Booking.Source.MASS.value
        self.stored_days = {
            day: connection.ops.adapt_datefield_value(day) for *_rule, days in plan for day in days
        }

    def for_children(self, children: list[tuple[int, date]]) -> Iterator[tuple]:
        for child_id, birth_date in children:
            rank = self.rank
            self.rank += 1
            for spec, every, first, days in self.plan:
                if rank % every != first:
                    continue
                if spec.min_age is not None or spec.max_age is not None:
                    child = rules.ChildSpec(pk=child_id, birth_date=birth_date)
                    days = [day for day in days if rules.age_refusal(spec, child, day) is None]
                for day in days:
                    self.counts[(spec.pk, day)].append(child_id)
                for day in days:
                    yield (
                        self.municipality_id,
                        child_id,
                        spec.pk,
                        self.stored_days[day],
                        self.source,
                        False,
                        self.created_at,
                    )


def _write(table: str, columns: Iterable[str], rows: Iterable[tuple]) -> int:
    """Insert one batch of rows; the number written."""
    columns = list(columns)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            written = 0
            raw = cursor.cursor
            with raw.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        # Names come from the model, never from input; the values are parameters.
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"  # noqa: S608
        batch = list(rows)
        cursor.executemany(sql, batch)
    return len(batch)
