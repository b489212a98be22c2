"""Bookings of the demo municipality: the school year's activities and closures, a regular
pattern of bookings up to a few weeks ahead (later weeks stay open for whoever tries the demo)
and a few days of attendance. Idempotent: activities are keyed by name and first day, bookings
and attendance by their unique constraint, and the day counters are recomputed from the rows.

The school year, its holidays and the activities are shared with the bench seeder
(bench/bookings.py), so that both municipalities run the same calendar."""

from dataclasses import dataclass
from datetime import date, time, timedelta

from django.utils import timezone

from ribambelle.accounts.models import User
from ribambelle.bookings import rules, selectors
from ribambelle.bookings.models import (
    Activity,
    Attendance,
    Booking,
    BookingSettings,
    Closure,
)
from ribambelle.bookings.services import counters
from ribambelle.families import selectors as family_selectors
from ribambelle.families.models import Household
from ribambelle.tenants.models import Department, Municipality

CANTEEN = "Restauration scolaire"
MORNING_CARE = "Garderie du matin"
EVENING_CARE = "Garderie du soir"
WEDNESDAY = "Mercredi journée"

# Departments the activities belong to; seed_demo creates them with their contact details.
CANTEEN_DEPARTMENT = "Restauration scolaire"
CARE_DEPARTMENT = "Accueil périscolaire"
LEISURE_DEPARTMENT = "Centre de loisirs"

STRIKE_LABEL = "Grève"
# How far ahead the demo families have booked: the weeks after stay open for the demo.
BOOKED_WEEKS = 4


@dataclass(frozen=True)
class SchoolYear:
    start: date  # 1 September
    end: date  # the first Saturday of July: summer holidays start

    @property
    def first_year(self) -> int:
        return self.start.year


def first_saturday_of_july(year: int) -> date:
    first = date(year, 7, 1)
    return first + timedelta(days=(5 - first.weekday()) % 7)


def school_year(today: date) -> SchoolYear:
    """The school year containing `today`; during the summer holidays, the next one."""
    first_year = today.year if today > first_saturday_of_july(today.year) else today.year - 1
    return SchoolYear(date(first_year, 9, 1), first_saturday_of_july(first_year + 1))


def easter(year: int) -> date:
    """Gregorian Easter Sunday (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


TOUSSAINT = "Vacances de la Toussaint"
CHRISTMAS = "Vacances de Noël"
WINTER = "Vacances d'hiver"
SPRING = "Vacances de printemps"
ASCENSION = "Pont de l'Ascension"

# Zone B holidays, from the first day without school (a Saturday) to the day before school
# resumes. 2025-2026 is the official calendar; 2026-2027 and 2027-2028 are close estimates.
HOLIDAYS: dict[int, list[tuple[str, date, date]]] = {
    2025: [
        (TOUSSAINT, date(2025, 10, 18), date(2025, 11, 2)),
        (CHRISTMAS, date(2025, 12, 20), date(2026, 1, 4)),
        (WINTER, date(2026, 2, 14), date(2026, 3, 1)),
        (SPRING, date(2026, 4, 11), date(2026, 4, 26)),
        (ASCENSION, date(2026, 5, 15), date(2026, 5, 16)),
    ],
    2026: [
        (TOUSSAINT, date(2026, 10, 17), date(2026, 11, 1)),
        (CHRISTMAS, date(2026, 12, 19), date(2027, 1, 3)),
        (WINTER, date(2027, 2, 20), date(2027, 3, 7)),
        (SPRING, date(2027, 4, 17), date(2027, 5, 2)),
        (ASCENSION, date(2027, 5, 7), date(2027, 5, 8)),
    ],
    2027: [
        (TOUSSAINT, date(2027, 10, 23), date(2027, 11, 7)),
        (CHRISTMAS, date(2027, 12, 18), date(2028, 1, 2)),
        (WINTER, date(2028, 2, 12), date(2028, 2, 27)),
        (SPRING, date(2028, 4, 8), date(2028, 4, 23)),
        (ASCENSION, date(2028, 5, 26), date(2028, 5, 27)),
    ],
}


def _monday_after(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


def _nth_saturday(year: int, month: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(5 - first.weekday()) % 7 + 7 * (nth - 1))


def holidays_of(year: SchoolYear) -> list[tuple[str, date, date]]:
    """The table's dates, or for another year a calendar built the way the national one is:
    two weeks around All Saints' Day and Christmas, two in February and April, and the
    Friday and Saturday after Ascension."""
    if year.first_year in HOLIDAYS:
        return HOLIDAYS[year.first_year]
    autumn, spring = year.first_year, year.first_year + 1
    back_in_november = _monday_after(date(autumn, 11, 1))
    back_in_january = _monday_after(date(spring, 1, 1))
    winter = _nth_saturday(spring, 2, 2)
    april = _nth_saturday(spring, 4, 2)
    ascension = easter(spring) + timedelta(days=39)
    return [
        (TOUSSAINT, back_in_november - timedelta(days=16), back_in_november - timedelta(days=1)),
        (CHRISTMAS, back_in_january - timedelta(days=16), back_in_january - timedelta(days=1)),
        (WINTER, winter, winter + timedelta(days=15)),
        (SPRING, april, april + timedelta(days=15)),
        (ASCENSION, ascension + timedelta(days=1), ascension + timedelta(days=2)),
    ]


def _is_school_day(day: date, holidays: list[tuple[str, date, date]]) -> bool:
    return (
        day.weekday() < 5
        and not rules.is_public_holiday(day)
        and not any(start <= day <= end for _label, start, end in holidays)
    )


def strike_day(year: SchoolYear, today: date) -> date | None:
    """A Thursday of school about two weeks ahead, so that it falls within the weeks already
    booked; None at the very end of the year."""
    holidays = holidays_of(year)
    day = today + timedelta(days=10)
    while day <= year.end:
        if day.weekday() == 3 and _is_school_day(day, holidays):
            return day
        day += timedelta(days=1)
    return None


@dataclass(frozen=True)
class ActivityDefinition:
    name: str
    department: str
    unit: str
    weekdays: str
    capacity: int | None
    book_cancel: dict  # the same deadline rule to book and to cancel
    min_age: int | None = None
    max_age: int | None = None

    def values(self) -> dict:
        rule = {
            f"{prefix}_{key}": value
            for prefix in ("book", "cancel")
            for key, value in self.book_cancel.items()
        }
        return {
            "unit": self.unit,
            "weekdays": self.weekdays,
            "capacity": self.capacity,
            "min_age": self.min_age,
            "max_age": self.max_age,
            **rule,
        }


SCHOOL_DAYS = "0134"  # Monday, Tuesday, Thursday, Friday
WEEKLY_TUESDAY = {"kind": rules.WEEKLY, "weekday": 1, "time": time(23, 59)}

ACTIVITIES = [
    ActivityDefinition(
        CANTEEN,
        CANTEEN_DEPARTMENT,
        Activity.Unit.MEAL,
        SCHOOL_DAYS,
        120,
        {"kind": rules.DAYS_BEFORE, "days": 2, "working_days": True, "time": time(10, 0)},
    ),
    ActivityDefinition(
        MORNING_CARE, CARE_DEPARTMENT, Activity.Unit.SESSION, SCHOOL_DAYS, 40, WEEKLY_TUESDAY
    ),
    ActivityDefinition(
        EVENING_CARE, CARE_DEPARTMENT, Activity.Unit.SESSION, SCHOOL_DAYS, 60, WEEKLY_TUESDAY
    ),
    ActivityDefinition(
        WEDNESDAY,
        LEISURE_DEPARTMENT,
        Activity.Unit.DAY,
        "2",
        24,
        {"kind": rules.DAYS_BEFORE, "days": 7, "working_days": False, "time": time(12, 0)},
        min_age=3,
        max_age=11,
    ),
]


def ensure_departments(municipality: Municipality) -> dict[str, Department]:
    names = {definition.department for definition in ACTIVITIES}
    return {
        name: Department.objects.get_or_create(municipality=municipality, name=name)[0]
        for name in sorted(names)
    }


def ensure_activities(
    municipality: Municipality,
    year: SchoolYear,
    capacities: dict[str, int | None] | None = None,
) -> dict[str, Activity]:
    """The activities of the school year, by name; `capacities` overrides the defaults."""
    departments = ensure_departments(municipality)
    activities = {}
    for position, definition in enumerate(ACTIVITIES):
        values = definition.values()
        if capacities and definition.name in capacities:
            values["capacity"] = capacities[definition.name]
        activities[definition.name], _created = Activity.objects.update_or_create(
            municipality=municipality,
            name=definition.name,
            starts_on=year.start,
            defaults={
                **values,
                "department": departments[definition.department],
                "ends_on": year.end,
                "position": position,
                "is_active": True,
            },
        )
    return activities


def ensure_closures(municipality: Municipality, year: SchoolYear, today: date) -> None:
    """The school holidays (every department) and a canteen strike day ahead."""
    for label, start, end in holidays_of(year):
        Closure.objects.update_or_create(
            municipality=municipality,
            department=None,
            label=label,
            starts_on=start,
            defaults={"ends_on": end},
        )
    strike = strike_day(year, today)
    if strike is None:
        return
    canteen = Department.objects.get(municipality=municipality, name=CANTEEN_DEPARTMENT)
    found = (
        Closure.objects.filter(
            municipality=municipality,
            department=canteen,
            label=STRIKE_LABEL,
            starts_on__gte=year.start,
            starts_on__lte=year.end,
        )
        .order_by("pk")
        .first()
    )
    if found is None:
        Closure.objects.create(
            municipality=municipality,
            department=canteen,
            label=STRIKE_LABEL,
            starts_on=strike,
            ends_on=strike,
        )
    elif found.starts_on != strike or found.ends_on != strike:
        # Seeded on another day: the strike moves with the demo's today.
        found.starts_on = found.ends_on = strike
        found.save(update_fields=["starts_on", "ends_on"])


def sync_day_counts(activities: list[Activity]) -> None:
    """Make the counters equal to the bookings, whatever was there before."""
    counters.day_counts_rebuild(activity_ids=[a.pk for a in activities])


# Which weekdays each demo household books, by activity (0 Monday ... 4 Friday). Children whose
# record is incomplete are left out of the departments that require it, as the rules would.
PATTERNS: dict[str, dict[str, frozenset[int]]] = {
    "DEMO-MARTIN": {
        CANTEEN: frozenset({0, 1, 3, 4}),
        EVENING_CARE: frozenset({1, 3}),
        WEDNESDAY: frozenset({2}),
    },
    "DEMO-BERNARD": {
        CANTEEN: frozenset({0, 1, 3, 4}),
        MORNING_CARE: frozenset({0, 4}),
        WEDNESDAY: frozenset({2}),
    },
    "DEMO-HADDAD": {
        CANTEEN: frozenset({0, 1, 3, 4}),
        MORNING_CARE: frozenset({1}),
        EVENING_CARE: frozenset({0, 3}),
        WEDNESDAY: frozenset({2}),
    },
    "DEMO-PETIT": {CANTEEN: frozenset({0, 1, 3, 4}), EVENING_CARE: frozenset({1, 4})},
}
ATTENDANCE_DAYS = 3


def seed_demo_bookings(demo: Municipality, today: date | None = None) -> None:
    today = today or timezone.localdate()
    year = school_year(today)
    activities = ensure_activities(demo, year)
    ensure_closures(demo, year, today)
    BookingSettings.objects.update_or_create(
        municipality=demo, defaults={"reminders_enabled": True}
    )
    specs = selectors.activity_specs(demo, list(activities.values()))
    until = min(rules.week_of(today) + timedelta(weeks=BOOKED_WEEKS, days=-1), year.end)

    wanted: list[Booking] = []
    for household in Household.objects.filter(
        municipality=demo, external_ref__in=PATTERNS, status=Household.Status.ACTIVE
    ).order_by("pk"):
        children = list(family_selectors.children_with_records(household))
        child_specs = selectors.child_specs(demo, children, list(activities.values()))
        for name, weekdays in PATTERNS[household.external_ref].items():
            spec = specs[activities[name].pk]
            days = rules.days_between(year.start, until, weekdays)
            for child in children:
                child_spec = child_specs[child.pk]
                if not rules.may_book_row(spec, child_spec):
                    continue
                if spec.department in child_spec.blocked_departments:
                    continue
                wanted.extend(
                    Booking(
                        municipality=demo,
                        child=child,
                        activity_id=spec.pk,
                        date=day,
                        source=Booking.Source.MASS,
                    )
                    for day in days
                    if rules.closure_of(spec, day) is None
                    and rules.age_refusal(spec, child_spec, day) is None
                )
    Booking.objects.bulk_create(wanted, batch_size=500, ignore_conflicts=True)
    _drop_closed_days(activities, specs)
    _seed_attendance(demo, activities, specs, year, today)
    sync_day_counts(list(activities.values()))


def _drop_closed_days(activities: dict[str, Activity], specs) -> None:
    """A closure that moved since the last seed (the strike day) cancels what it covers."""
    closed = [
        pk
        for pk, activity_id, day in Booking.objects.filter(
            activity__in=activities.values()
        ).values_list("pk", "activity_id", "date")
        if rules.closure_of(specs[activity_id], day) is not None
    ]
    Booking.objects.filter(pk__in=closed).delete()


def _seed_attendance(demo, activities, specs, year: SchoolYear, today: date) -> None:
    """The registers of the last few days of school: everyone booked came except one child,
    and one child stayed at the evening care without a booking."""
    canteen_spec = specs[activities[CANTEEN].pk]
    past: list[date] = []
    day = today - timedelta(days=1)
    while len(past) < ATTENDANCE_DAYS and day >= year.start:
        if rules.closure_of(canteen_spec, day) is None:
            past.append(day)
        day -= timedelta(days=1)
    if not past:
        return
    agent = User.objects.filter(municipality=demo, email="agent@demo.ribambelle.fr").first()
    taken = [activities[CANTEEN].pk, activities[EVENING_CARE].pk]
    booked = list(
        Booking.objects.filter(activity_id__in=taken, date__in=past)
        .order_by("date", "activity_id", "child_id")
        .values_list("child_id", "activity_id", "date")
    )
    # The first child on the register of the most recent day was ill.
    ill = next((key for key in booked if key[2] == past[0]), None)
    rows = [
        Attendance(
            municipality=demo,
            child_id=child_id,
            activity_id=activity_id,
            date=day,
            status=Attendance.Status.ABSENT
            if (child_id, activity_id, day) == ill
            else Attendance.Status.PRESENT,
            recorded_by=agent,
        )
        for child_id, activity_id, day in booked
    ]
    evening = {(c, d) for c, a, d in booked if a == activities[EVENING_CARE].pk}
    unbooked = (
        Booking.objects.filter(activity=activities[CANTEEN], date=past[0])
        .exclude(child_id__in=[c for c, d in evening if d == past[0]])
        .order_by("child_id")
        .values_list("child_id", flat=True)
        .first()
    )
    if unbooked is not None:
        rows.append(
            Attendance(
                municipality=demo,
                child_id=unbooked,
                activity=activities[EVENING_CARE],
                date=past[0],
                status=Attendance.Status.PRESENT,
                was_booked=False,
                recorded_by=agent,
            )
        )
    Attendance.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
