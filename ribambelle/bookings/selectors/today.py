"""What the children do on one day, read inside the children's own query (the home page)."""

from datetime import date

from django.db import connection
from django.db.models import CharField, QuerySet
from django.db.models.expressions import RawSQL

from ribambelle.bookings.models import Activity, Booking
from ribambelle.core.statements import Statement
from ribambelle.families.models import Child, Household
from ribambelle.families.selectors import children_with_facts
from ribambelle.tenants.models import HouseholdKey

# Separators of the names with_activities_on packs into one column (never typed in a name).
_FIELD, _RECORD = "\x1f", "\x1e"


def with_activities_on(children: QuerySet[Child], day: date) -> QuerySet[Child]:
    """Children annotated with the activities booked for them that day (the home page), in
    the children's own query: read them with activities_on.

    The correlated subquery is written in SQL, as the completeness facts are
    (families.selectors.completeness.with_facts): built with the ORM, an aggregate of a
    concatenation cost more to build and compile than to run. It names the children's table,
    so the queryset is read as it is, never as another query's subquery."""
    quote = connection.ops.quote_name
    outer = f"{quote(Child._meta.db_table)}.{quote('id')}"
    if connection.vendor == "postgresql":
        names = "string_agg(a.position::text || %s || a.name, %s)"
    else:
        names = "group_concat(CAST(a.position AS TEXT) || %s || a.name, %s)"
    booked = RawSQL(  # noqa: S611 - table names only; values are parameters
        f"(SELECT {names} FROM {Booking._meta.db_table} b"  # noqa: S608 - table names only
        f" JOIN {Activity._meta.db_table} a ON a.id = b.activity_id"
        f" WHERE b.child_id = {outer} AND b.date = %s)",
        (_FIELD, _RECORD, connection.ops.adapt_datefield_value(day)),
        output_field=CharField(),
    )
    return children.annotate(booked_on_day=booked)


_children_on = Statement(
    lambda municipality, household, day: with_activities_on(
        children_with_facts(HouseholdKey(municipality, household)), day
    )
)


def children_with_activities_on(household: Household, day: date) -> list[Child]:
    """children_with_facts with_activities_on `day`, its SQL compiled once (the home page)."""
    return _children_on(municipality=household.municipality_id, household=household.pk, day=day)


def activities_on(child: Child) -> list[str]:
    """The names annotated by with_activities_on, in the grid's order of activities."""
    packed: str = getattr(child, "booked_on_day", None) or ""
    entries = [entry.split(_FIELD, 1) for entry in packed.split(_RECORD) if entry]
    return [name for _position, name in sorted((int(p), n) for p, n in entries)]
