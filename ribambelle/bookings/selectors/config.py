"""Reads of the bookings configuration pages: activities with their enrolments, closures, and
the values an activity's audit entries compare."""

from datetime import time
from typing import Any

from django.db.models import Count
from django.shortcuts import get_object_or_404

from ribambelle.bookings.models import Activity, Closure
from ribambelle.bookings.selectors import activities_of
from ribambelle.tenants.models import Municipality

# What a manager sets on an activity, besides its department and its enrolled children.
ACTIVITY_SETTINGS = [
    "name",
    "unit",
    "weekdays",
    "starts_on",
    "ends_on",
    "capacity",
    "schools",
    "classes",
    "min_age",
    "max_age",
    "enrolment_only",
    "book_kind",
    "book_days",
    "book_working_days",
    "book_weekday",
    "book_time",
    "cancel_kind",
    "cancel_days",
    "cancel_working_days",
    "cancel_weekday",
    "cancel_time",
    "position",
    "is_active",
]


def activities_with_enrolments(municipality: Municipality) -> list[tuple[Activity, int]]:
    """Each activity with the number of children enrolled in it (one query)."""
    found = activities_of(municipality).annotate(enrolled_count=Count("enrolled", distinct=True))
    return [(activity, activity.enrolled_count) for activity in found]


def _json_safe(value: object) -> object:
    return value.strftime("%H:%M") if isinstance(value, time) else value


def activity_snapshot(activity: Activity) -> dict[str, Any]:
    """What an audit entry of the activity compares: its department, settings and enrolled
    children (one query for a saved activity)."""
    values: dict[str, Any] = {"department": activity.department_id}
    values.update({name: _json_safe(getattr(activity, name)) for name in ACTIVITY_SETTINGS})
    if activity.pk:
        values["enrolled"] = sorted(activity.enrolled.values_list("pk", flat=True))
    return values


def closures_of(municipality: Municipality) -> list[Closure]:
    return list(
        Closure.objects.for_municipality(municipality)
        .select_related("department")
        .order_by("starts_on", "pk")
    )


def closure_get(municipality: Municipality, pk: int) -> Closure:
    closure: Closure = get_object_or_404(
        Closure.objects.for_municipality(municipality).select_related("department"), pk=pk
    )
    return closure
