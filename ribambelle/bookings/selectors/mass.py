"""What a mass booking in "replace" mode would cancel, read before it writes anything."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from ribambelle.bookings import rules
from ribambelle.bookings.models import Activity, Booking
from ribambelle.bookings.selectors import activity_specs, child_specs
from ribambelle.families.models import Child
from ribambelle.tenants.models import Municipality


@dataclass
class ReplacePreview:
    """What "replace" mode would do to one child's existing bookings of one activity: the days
    it cancels, and the booked days it has to keep (with why, e.g. a passed deadline)."""

    child: Child
    activity: Activity
    cancelled: list[date] = field(default_factory=list)
    kept: list[tuple[date, str]] = field(default_factory=list)


def mass_replace_preview(
    municipality: Municipality,
    pairs: list[tuple[Child, Activity]],
    weekdays: set[int],
    start: date,
    end: date,
    now: datetime,
) -> list[ReplacePreview]:
    """The bookings a mass booking in "replace" mode would cancel, decided by the same rules as
    the write (services.bookings_apply), without writing anything. Pairs with no booking to
    cancel or keep are left out. Three queries whatever the period."""
    if not pairs:
        return []
    _chosen, others = rules.mass_days(start, end, weekdays)
    others_set = set(others)
    children = list({child.pk: child for child, _activity in pairs}.values())
    activities = list({activity.pk: activity for _child, activity in pairs}.values())
    specs = activity_specs(municipality, activities)
    kids = child_specs(municipality, children, activities, with_records=False)
    booked: dict[tuple[int, int], list[date]] = defaultdict(list)
    for child_id, activity_id, day in (
        Booking.objects.filter(
            child_id__in=[c.pk for c in children],
            activity_id__in=[a.pk for a in activities],
            date__gte=start,
            date__lte=end,
        )
        .order_by("date")
        .values_list("child_id", "activity_id", "date")
    ):
        if day in others_set:
            booked[(child_id, activity_id)].append(day)
    previews = []
    for child, activity in pairs:
        preview = ReplacePreview(child, activity)
        for day in booked.get((child.pk, activity.pk), []):
            decision = rules.decide(
                specs[activity.pk], kids[child.pk], day, book=False, now=now, booked_count=0
            )
            if decision.allowed:
                preview.cancelled.append(day)
            else:
                preview.kept.append((day, decision.reason))
        if preview.cancelled or preview.kept:
            previews.append(preview)
    return previews
