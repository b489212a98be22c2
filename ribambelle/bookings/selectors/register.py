"""Reads of the attendance register ("pointage"): who is on the sheet of one activity on one
day, and who else may be added to it. A constant number of queries whatever the number of
children (see tests/test_staff_register.py and `make bench`)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from ribambelle.bookings import rules
from ribambelle.bookings.models import Activity, Attendance, Booking
from ribambelle.bookings.selectors import activities_of, activity_specs, child_specs
from ribambelle.families.models import Child, Household
from ribambelle.tenants.models import Municipality

# What the register shows of a booked child and what logging the read of its health needs.
SHEET_FIELDS = (
    "pk",
    "municipality_id",
    "household_id",
    "first_name",
    "last_name",
    "birth_date",
    "school",
    "school_class",
    "diet",
    "allergies",
    "has_pai",
)


@dataclass
class RegisterRow:
    child: Child
    booked: bool
    attendance: Attendance | None

    @property
    def status(self) -> str:
        return self.attendance.status if self.attendance else ""


@dataclass
class Register:
    activity: Activity
    day: date
    rows: list[RegisterRow]
    closed: str | None

    @property
    def booked(self) -> int:
        return sum(row.booked for row in self.rows)

    @property
    def present(self) -> int:
        return sum(row.status == Attendance.Status.PRESENT for row in self.rows)

    @property
    def absent(self) -> int:
        return sum(row.status == Attendance.Status.ABSENT for row in self.rows)

    @property
    def unmarked(self) -> int:
        return sum(not row.status for row in self.rows)

    @property
    def children(self) -> list[Child]:
        return [row.child for row in self.rows]

    def row_of(self, child: Child) -> RegisterRow:
        """The child's row; an empty one when the child is no longer listed (unmarked and not
        booked), so that its buttons can still be drawn."""
        return next(
            (row for row in self.rows if row.child.pk == child.pk), RegisterRow(child, False, None)
        )


@dataclass(frozen=True)
class RegisterChoices:
    """What the register's filter offers: the activities with their rule inputs, the schools."""

    activities: list[Activity]
    specs: dict[int, rules.ActivitySpec]
    schools: list[str]

    def default_activity(self, day: date) -> Activity | None:
        """The first activity that runs that day, or the first one at all."""
        for activity in self.activities:
            if rules.closure_of(self.specs[activity.pk], day) is None:
                return activity
        return self.activities[0] if self.activities else None


def schools_of(municipality: Municipality) -> list[str]:
    """The schools the children attend: a register is taken at one site (one query)."""
    return sorted(
        Child.objects.for_municipality(municipality)
        .exclude(school="")
        .values_list("school", flat=True)
        .order_by()  # the children's default ordering would make every child distinct
        .distinct(),
        key=rules.paper_order,
    )


def register_choices(municipality: Municipality) -> RegisterChoices:
    """Three queries: activities, closures, schools."""
    activities = list(activities_of(municipality))
    return RegisterChoices(
        activities, activity_specs(municipality, activities), schools_of(municipality)
    )


def _at_school[M: Model](queryset: QuerySet[M], field: str, school: str) -> QuerySet[M]:
    return queryset.filter(**{field: school}) if school else queryset


def register_sheet(
    municipality: Municipality,
    activity: Activity,
    day: date,
    *,
    school: str = "",
    closed: str | None = None,
) -> Register:
    """The booked children and those with an attendance row (two queries), at one school when
    one is chosen, in the order of a paper register."""
    children: dict[int, Child] = {}
    booked: set[int] = set()
    # The booked children, with only what the sheet shows of them (and what logging the read
    # of their health data needs): a child's record has many more fields than a register.
    booked_children = (
        Child.objects.for_municipality(municipality)
        .filter(bookings__activity=activity, bookings__date=day)
        .only(*SHEET_FIELDS)
        .order_by()  # sorted below, as on paper
    )
    for child in _at_school(booked_children, "school", school):
        children[child.pk] = child
        booked.add(child.pk)
    attendances: dict[int, Attendance] = {}
    # The marks with their children (those not booked are listed all the same), with only what
    # the sheet shows of both.
    marks = (
        Attendance.objects.for_municipality(municipality)
        .filter(activity=activity, date=day)
        .select_related("child")
        .only("status", "child", *(f"child__{name}" for name in SHEET_FIELDS[1:]))
    )
    for attendance in _at_school(marks, "child__school", school):
        children.setdefault(attendance.child_id, attendance.child)
        attendances[attendance.child_id] = attendance
    rows = [
        RegisterRow(child, child.pk in booked, attendances.get(child.pk))
        for child in children.values()
    ]
    rows.sort(
        key=lambda row: (
            rules.paper_order(row.child.last_name),
            rules.paper_order(row.child.first_name),
            row.child.pk,
        )
    )
    return Register(activity, day, rows, closed)


def eligible_children(
    municipality: Municipality,
    spec: rules.ActivitySpec,
    activity: Activity,
    day: date,
    children: list[Child],
) -> list[Child]:
    """Those of `children` who may attend the activity that day: school, class, enrolment and
    age (one query for enrolment-only activities, none otherwise)."""
    specs = child_specs(municipality, children, [activity], with_records=False)
    return [
        child
        for child in children
        if rules.may_book_row(spec, specs[child.pk])
        and rules.age_refusal(spec, specs[child.pk], day) is None
    ]


def register_candidates(
    municipality: Municipality,
    spec: rules.ActivitySpec,
    activity: Activity,
    day: date,
    *,
    exclude: set[int],
    school: str = "",
) -> list[Child]:
    """Children of the municipality who may attend the activity that day and are not on the
    register yet (one query, two for an enrolment-only activity)."""
    children = list(
        _at_school(
            Child.objects.for_municipality(municipality)
            .exclude(pk__in=exclude)
            .filter(household__status__in=Household.NOT_REFUSED)
            .only("pk", "first_name", "last_name", "birth_date", "school", "school_class"),
            "school",
            school,
        )
    )
    children.sort(
        key=lambda child: (rules.paper_order(child.last_name), rules.paper_order(child.first_name))
    )
    return eligible_children(municipality, spec, activity, day, children)


def register_child_get(municipality: Municipality, pk: int) -> Child:
    """A child of the municipality, whatever the household; 404 otherwise (invariant 1)."""
    child: Child = get_object_or_404(Child.objects.for_municipality(municipality), pk=pk)
    return child


def is_listed(activity: Activity, day: date, child: Child) -> bool:
    """Whether the child is on the day's register: booked, or already marked."""
    return (
        Booking.objects.filter(child=child, activity=activity, date=day).exists()
        or Attendance.objects.filter(child=child, activity=activity, date=day).exists()
    )


def may_mark(municipality: Municipality, activity: Activity, day: date, child: Child) -> bool:
    """A child is marked when listed, or when it may be added to the register."""
    if is_listed(activity, day, child):
        return True
    spec = activity_specs(municipality, [activity])[activity.pk]
    return bool(eligible_children(municipality, spec, activity, day, [child]))
