"""Reads of the daily counts for the kitchen ("effectifs"): bookings per activity, day and
school, with the children's diets. One aggregate query plus the activities and their closures,
whatever the number of children and days."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ribambelle.bookings import rules
from ribambelle.bookings.models import Activity, Booking
from ribambelle.bookings.selectors import activities_of, activity_specs
from ribambelle.families.models import Child
from ribambelle.tenants.models import Municipality

SITE_UNKNOWN = gettext_lazy("Sans école")


@dataclass
class Tally:
    site: str
    total: int = 0
    standard: int = 0
    no_meat: int = 0
    medical: int = 0
    allergies: int = 0
    pai: int = 0

    def add(self, other: "Tally") -> None:
        self.total += other.total
        self.standard += other.standard
        self.no_meat += other.no_meat
        self.medical += other.medical
        self.allergies += other.allergies
        self.pai += other.pai

    @property
    def numbers(self) -> list[int]:
        return [self.total, self.standard, self.no_meat, self.medical, self.allergies, self.pai]


@dataclass
class DayCounts:
    day: date
    sites: list[Tally]
    total: Tally | None = None  # only when there are several sites


@dataclass
class ActivityCounts:
    activity: Activity
    days: list[DayCounts] = field(default_factory=list)


# (activity id, day) -> normalised school -> the tally of that site
SiteTallies = dict[tuple[int, date], dict[str, Tally]]


def _tally(entry: Mapping[str, Any]) -> Tally:
    school = entry["child__school"].strip()
    return Tally(
        school or str(SITE_UNKNOWN),
        entry["total"],
        entry["standard"],
        entry["no_meat"],
        entry["medical"],
        entry["allergies"],
        entry["pai"],
    )


def site_tallies(
    municipality: Municipality, activities: list[Activity], start: date, end: date
) -> SiteTallies:
    """One aggregate query. Schools typed differently ("École Pasteur", "ecole pasteur ") are
    one site, named as most of its children have it."""
    diet = Child.Diet
    found: SiteTallies = defaultdict(dict)
    spellings: dict[tuple[int, date, str], list[tuple[int, str]]] = defaultdict(list)
    for entry in (
        Booking.objects.for_municipality(municipality)
        .filter(activity__in=activities, date__gte=start, date__lte=end)
        .values("activity_id", "date", "child__school")
        .annotate(
            total=Count("pk"),
            standard=Count("pk", filter=Q(child__diet=diet.STANDARD)),
            no_meat=Count("pk", filter=Q(child__diet=diet.NO_MEAT)),
            medical=Count("pk", filter=Q(child__diet=diet.MEDICAL)),
            allergies=Count("pk", filter=~Q(child__allergies="")),
            pai=Count("pk", filter=Q(child__has_pai=True)),
        )
        .order_by()
    ):
        tally = _tally(entry)
        sites = found[(entry["activity_id"], entry["date"])]
        key = rules.normalise(entry["child__school"])
        spellings[(entry["activity_id"], entry["date"], key)].append((-tally.total, tally.site))
        if key in sites:
            sites[key].add(tally)
        else:
            sites[key] = tally
    for (activity_id, day, key), names in spellings.items():
        found[(activity_id, day)][key].site = min(names)[1]
    return found


def _day_counts(day: date, sites: dict[str, Tally]) -> DayCounts:
    """Named schools in alphabetical order, children without a school last, and the day's
    total when there are several sites."""
    ordered = [sites[key] for key in sorted(sites, key=lambda key: (key == "", key))]
    total = None
    if len(ordered) > 1:
        total = Tally(str(_("Total du jour")))
        for tally in ordered:
            total.add(tally)
    return DayCounts(day, ordered, total)


def counts_of(municipality: Municipality, start: date, end: date) -> list[ActivityCounts]:
    """The activities running in the period, each with its days; days the activity does not
    run are left out."""
    activities = list(activities_of(municipality).filter(starts_on__lte=end, ends_on__gte=start))
    if not activities:
        return []
    specs = activity_specs(municipality, activities)
    found = site_tallies(municipality, activities, start, end)
    result = []
    for activity in activities:
        entry = ActivityCounts(activity)
        for day in rules.days_between(start, end):
            if rules.closure_of(specs[activity.pk], day) is None:
                entry.days.append(_day_counts(day, found.get((activity.pk, day), {})))
        result.append(entry)
    return result
