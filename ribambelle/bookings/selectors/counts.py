"""Reads of the daily counts for the kitchen ("effectifs"): bookings per activity, day and
school, with the children's diets. The day counters (which list the booked children) and the
children's profiles, plus the activities and their closures: a constant number of queries
whatever the number of children and days, and no aggregate over every booking of the period."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import BooleanField, CharField, ExpressionWrapper, Q, StringAgg, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ribambelle.bookings import rules
from ribambelle.bookings.models import Activity, DayCount
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


# A child as the kitchen counts it: school, diet, allergies, PAI.
Profile = tuple[str, str, bool, bool]


def _profiles(municipality: Municipality) -> tuple[list[Profile], dict[str, int]]:
    """The distinct profiles of the municipality's children, and each child's profile (its
    index) by its id as the counters list it (text): one query grouping the children by
    profile, each group with the list of its ids ("12,45"), so that a town's thousands of
    children come back as a few dozen rows, whatever the number of bookings."""
    rows = (
        Child.objects.for_municipality(municipality)
        .annotate(has_allergies=ExpressionWrapper(~Q(allergies=""), output_field=BooleanField()))
        .values("school", "diet", "has_allergies", "has_pai")
        .annotate(ids=StringAgg(Cast("pk", CharField()), Value(",")))
        .order_by()
        .values_list("school", "diet", "has_allergies", "has_pai", "ids")
    )
    profiles: dict[Profile, int] = {}
    of_child: dict[str, int] = {}
    for school, diet, allergies, pai, ids in rows:
        index = profiles.setdefault((school, diet, bool(allergies), bool(pai)), len(profiles))
        of_child.update(dict.fromkeys(ids.split(","), index))
    return list(profiles), of_child


def _tally(site: str, n: int, diet: str, allergies: bool, pai: bool) -> Tally:
    kinds = Child.Diet
    return Tally(
        site.strip() or str(SITE_UNKNOWN),
        n,
        n if diet == kinds.STANDARD else 0,
        n if diet == kinds.NO_MEAT else 0,
        n if diet == kinds.MEDICAL else 0,
        n if allergies else 0,
        n if pai else 0,
    )


def site_tallies(
    municipality: Municipality, activities: list[Activity], start: date, end: date
) -> SiteTallies:
    """Two queries: the day counters of the period, which list the booked children (kept by
    the booking service), and the children's profiles as they are now; no join of every
    booking to its child. Schools typed differently ("École Pasteur", "ecole pasteur ") are
    one site, named as most of its children have it."""
    profiles, of_child = _profiles(municipality)
    # Each profile's site, normalised once per page rather than once per day.
    keys = [rules.normalise(school) for school, *_rest in profiles]
    found: SiteTallies = defaultdict(dict)
    spellings: dict[tuple[int, date, str], list[tuple[int, str]]] = defaultdict(list)
    for activity_id, day, children in (
        DayCount.objects.filter(activity__in=activities, date__gte=start, date__lte=end)
        .exclude(booked=0)
        .values_list("activity_id", "date", "children")
    ):
        # Children deleted since they were booked (None) are not counted.
        booked = Counter(map(of_child.get, DayCount.listed(children)))
        sites = found[(activity_id, day)]
        by_spelling: Counter[str] = Counter()
        for index, n in sorted((i, n) for i, n in booked.items() if i is not None):
            school, diet, allergies, pai = profiles[index]
            tally = _tally(school, n, diet, allergies, pai)
            by_spelling[school] += n
            key = keys[index]
            if key in sites:
                sites[key].add(tally)
            else:
                sites[key] = tally
        for school, n in by_spelling.items():
            spellings[(activity_id, day, rules.normalise(school))].append(
                (-n, school.strip() or str(SITE_UNKNOWN))
            )
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
