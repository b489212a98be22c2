"""What billing prices, read from bookings and attendance without billing touching their
tables."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from ribambelle.bookings.models import Attendance, Booking
from ribambelle.tenants.models import Municipality


@dataclass(frozen=True)
class BillableDay:
    """One day a child used (or held) an activity, as billing prices it. `unplanned`: booked by
    the staff after the deadline, or present without a booking (billed at the surcharge)."""

    household_id: int
    child_id: int
    child_name: str
    activity_id: int
    day: date
    unplanned: bool


def billable_days(
    *,
    municipality: Municipality,
    household_ids: Collection[int],
    start: date,
    end: date,
    booked_activity_ids: Collection[int],
    attended_activity_ids: Collection[int],
) -> list[BillableDay]:
    """The households' days from `start` to `end` included: booked days of the activities
    billed on bookings, present days of those billed on attendance. At most two queries,
    whatever the number of households."""
    found: list[BillableDay] = []
    scope = {
        "child__household_id__in": household_ids,
        "date__gte": start,
        "date__lte": end,
    }
    fields = ("child__household_id", "child_id", "child__first_name", "child__last_name")
    if booked_activity_ids:
        booked = (
            Booking.objects.for_municipality(municipality)
            .filter(activity_id__in=booked_activity_ids, **scope)
            .values_list(*fields, "activity_id", "date", "late")
        )
        for household_id, child_id, first, last, activity_id, day, late in booked:
            found.append(
                BillableDay(household_id, child_id, f"{first} {last}", activity_id, day, late)
            )
    if attended_activity_ids:
        attended = (
            Attendance.objects.for_municipality(municipality)
            .filter(
                activity_id__in=attended_activity_ids,
                status=Attendance.Status.PRESENT,
                **scope,
            )
            .values_list(*fields, "activity_id", "date", "was_booked")
        )
        for household_id, child_id, first, last, activity_id, day, was_booked in attended:
            found.append(
                BillableDay(
                    household_id, child_id, f"{first} {last}", activity_id, day, not was_booked
                )
            )
    return found
