"""What the children do on one day, read inside the children's own query (the home page)."""

from datetime import date

from django.db.models import CharField, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat

from ribambelle.bookings.models import Booking
from ribambelle.families.models import Child

# Separators of the names with_activities_on packs into one column (never typed in a name).
_FIELD, _RECORD = "\x1f", "\x1e"


def with_activities_on(children: QuerySet[Child], day: date) -> QuerySet[Child]:
    """Children annotated with the activities booked for them that day (the home page), in
    the children's own query: read them with activities_on."""
    booked = (
        Booking.objects.filter(child=OuterRef("pk"), date=day)
        .order_by()
        .values("child")
        .annotate(
            names=StringAgg(
                Concat(
                    Cast("activity__position", CharField()),
                    Value(_FIELD),
                    "activity__name",
                    output_field=CharField(),
                ),
                Value(_RECORD),
            )
        )
        .values("names")
    )
    return children.annotate(booked_on_day=Subquery(booked, output_field=CharField()))


def activities_on(child: Child) -> list[str]:
    """The names annotated by with_activities_on, in the grid's order of activities."""
    packed: str = getattr(child, "booked_on_day", None) or ""
    entries = [entry.split(_FIELD, 1) for entry in packed.split(_RECORD) if entry]
    return [name for _position, name in sorted((int(p), n) for p, n in entries)]
