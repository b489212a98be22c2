"""After the rush: what the parents were told against what the database holds. Every booking
a parent saw acknowledged exists exactly once, every acknowledged cancellation left no row, and
every capacity counter of the week equals the real number of bookings. The comparisons are pure
functions; `database_problems` reads the rows they compare."""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from django.db.models import Count

from ribambelle.bookings.grid_post import CellKey
from ribambelle.bookings.models import Activity, Booking, DayCount
from ribambelle.tenants.models import Municipality

Slot = tuple[int, date]  # (activity id, day)


def cell_problems(acknowledged: Mapping[CellKey, bool], rows: Mapping[CellKey, int]) -> list[str]:
    """`acknowledged`: the last state the server showed for each cell a parent changed;
    `rows`: how many booking rows each of those cells has."""
    problems = []
    for key, booked in sorted(acknowledged.items()):
        count = rows.get(key, 0)
        if booked and count == 0:
            problems.append(f"lost booking {key}")
        elif booked and count > 1:
            problems.append(f"duplicated booking {key}: {count} rows")
        elif not booked and count:
            problems.append(f"cancellation {key} left {count} row(s)")
    return problems


def counter_problems(counters: Mapping[Slot, int], real: Mapping[Slot, int]) -> list[str]:
    """A counter must equal the bookings of its activity and day; a day with bookings and no
    counter is wrong too (a missing counter reads as zero)."""
    return [
        f"counter {activity}:{day.isoformat()} says {counters.get((activity, day), 0)}, "
        f"{real.get((activity, day), 0)} bookings"
        for activity, day in sorted(set(counters) | set(real))
        if counters.get((activity, day), 0) != real.get((activity, day), 0)
    ]


def _rows(keys: Iterable[CellKey]) -> dict[CellKey, int]:
    keys = list(keys)
    if not keys:
        return {}
    found = (
        Booking.objects.filter(
            child_id__in={k.child_id for k in keys},
            activity_id__in={k.activity_id for k in keys},
            date__gte=min(k.day for k in keys),
            date__lte=max(k.day for k in keys),
        )
        .values("child_id", "activity_id", "date")
        .annotate(n=Count("id"))
    )
    wanted = set(keys)
    return {
        key: row["n"]
        for row in found
        if (key := CellKey(row["child_id"], row["activity_id"], row["date"])) in wanted
    }


def database_problems(
    municipality: Municipality, monday: date, acknowledged: Mapping[CellKey, bool]
) -> list[str]:
    """Every acknowledged cell, and every counter of the municipality for the week."""
    days = (monday, monday + timedelta(days=6))
    activities = Activity.objects.filter(municipality=municipality).values_list("pk", flat=True)
    counters = {
        (c.activity_id, c.date): c.booked
        for c in DayCount.objects.filter(activity_id__in=activities, date__range=days)
    }
    real = {
        (row["activity_id"], row["date"]): row["n"]
        for row in Booking.objects.filter(activity_id__in=activities, date__range=days)
        .values("activity_id", "date")
        .annotate(n=Count("id"))
    }
    return cell_problems(acknowledged, _rows(acknowledged)) + counter_problems(counters, real)
