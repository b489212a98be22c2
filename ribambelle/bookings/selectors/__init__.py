"""Reads for bookings. Every function runs a constant number of queries whatever the number of
children, activities and bookings involved (see tests/test_queries.py and `make bench`)."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, IntegerField, Q, QuerySet, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ribambelle.bookings import rules
from ribambelle.bookings.models import (
    Activity,
    Booking,
    BookingSettings,
    CalendarFeed,
    Closure,
    DayCount,
)
from ribambelle.core.statements import Statement
from ribambelle.families import selectors as family_selectors
from ribambelle.families.models import Child, Household
from ribambelle.families.rules import RequirementSpec, departments_blocked
from ribambelle.tenants.configuration import ByConfiguration
from ribambelle.tenants.models import Municipality


def activities_of(municipality: Municipality | int) -> QuerySet[Activity]:
    return Activity.objects.for_municipality(municipality).select_related("department")


_active_activities = Statement(
    lambda municipality: activities_of(municipality).filter(is_active=True)
)


def active_activities(municipality: Municipality) -> list[Activity]:
    """The activities open to bookings, their SQL compiled once (every grid and tick)."""
    return _active_activities(municipality=municipality.pk)


def activity_get(municipality: Municipality, pk: int) -> Activity:
    return get_object_or_404(activities_of(municipality), pk=pk)


def settings_of(municipality: Municipality) -> BookingSettings:
    found, _created = BookingSettings.objects.get_or_create(municipality=municipality)
    return found


def _lines(text: str) -> frozenset[str]:
    return frozenset(rules.normalise(line) for line in text.splitlines() if line.strip())


_closures = Statement(
    lambda municipality: Closure.objects.for_municipality(municipality).values(
        "department_id", "label", "starts_on", "ends_on"
    )
)


def activity_specs(
    municipality: Municipality, activities: list[Activity]
) -> dict[int, rules.ActivitySpec]:
    """Rule inputs of the activities, with their closures (one query)."""
    closures = _closures(municipality=municipality.pk)
    specs = {}
    for activity in activities:
        periods = tuple(
            rules.Period(c["starts_on"], c["ends_on"], c["label"])
            for c in closures
            if c["department_id"] in (None, activity.department_id)
            and c["ends_on"] >= activity.starts_on
            and c["starts_on"] <= activity.ends_on
        )
        specs[activity.pk] = rules.ActivitySpec(
            pk=activity.pk,
            department=activity.department.name,
            weekdays=activity.weekday_set,
            starts_on=activity.starts_on,
            ends_on=activity.ends_on,
            booking_rule=activity.booking_rule,
            cancel_rule=activity.cancel_rule,
            capacity=activity.capacity,
            schools=_lines(activity.schools),
            classes=_lines(activity.classes),
            min_age=activity.min_age,
            max_age=activity.max_age,
            enrolment_only=activity.enrolment_only,
            closures=periods,
        )
    return specs


@dataclass
class ActiveConfiguration:
    """The activities open to bookings, with the rule inputs of each (their closures)."""

    activities: list[Activity]
    activity_specs: dict[int, rules.ActivitySpec]


def _read_active_configuration(municipality: Municipality) -> ActiveConfiguration:
    activities = active_activities(municipality)
    return ActiveConfiguration(activities, activity_specs(municipality, activities))


# Every grid and every tick: read once per process and configuration version (two queries).
active_configuration = ByConfiguration(_read_active_configuration)


def enrolments(activities: list[Activity], children: list[Child]) -> dict[int, set[int]]:
    """Child id -> the enrolment-only activities the child is enrolled in (one query)."""
    through = Activity.enrolled.through
    found: dict[int, set[int]] = defaultdict(set)
    wanted = [a.pk for a in activities if a.enrolment_only]
    if not wanted or not children:
        return found
    for child_id, activity_id in through.objects.filter(
        activity_id__in=wanted, child_id__in=[c.pk for c in children]
    ).values_list("child_id", "activity_id"):
        found[child_id].add(activity_id)
    return found


def child_specs(
    municipality: Municipality,
    children: list[Child],
    activities: list[Activity],
    *,
    with_records: bool = True,
    requirements: list[RequirementSpec] | None = None,
) -> dict[int, rules.ChildSpec]:
    """Rule inputs of the children. With `with_records`, the children must come from
    families.selectors.children_with_facts (the completeness check reads its annotations),
    and the departments' `requirements` are read unless given."""
    enrolled = enrolments(activities, children)
    missing = (
        family_selectors.missing_by_child(municipality, children, requirements)
        if with_records
        else {}
    )
    return {
        child.pk: rules.ChildSpec(
            pk=child.pk,
            birth_date=child.birth_date,
            school=child.school,
            school_class=child.school_class,
            enrolled=frozenset(enrolled.get(child.pk, ())),
            blocked_departments=frozenset(departments_blocked(missing.get(child.pk, []))),
        )
        for child in children
    }


def _week_query(
    children: tuple[int, ...],
    activities: tuple[int, ...],
    capped: tuple[int, ...],
    start: date,
    end: date,
) -> QuerySet[Any]:
    """week_state's statement: no `activities`, every activity; no `capped`, no counters."""
    bookings = Booking.objects.filter(child_id__in=children, date__gte=start, date__lte=end)
    if activities:
        bookings = bookings.filter(activity_id__in=activities)
    rows = bookings.order_by().values_list("pk", "child_id", "activity_id", "date")
    if capped:
        counters = (
            DayCount.objects.filter(activity_id__in=capped, date__gte=start, date__lte=end)
            .order_by()
            .values_list("booked", Value(None, output_field=IntegerField()), "activity_id", "date")
        )
        rows = rows.union(counters, all=True)
    return rows


_week_rows = Statement(_week_query)


@dataclass
class WeekState:
    """The bookings of some children (key -> booking id) and the counters of the activities
    with a capacity (activity, day -> places taken) over a range of days."""

    bookings: dict[tuple[int, int, date], int]
    counts: dict[tuple[int, date], int]


def week_state(
    child_ids: Collection[int],
    activities: list[Activity],
    start: date,
    end: date,
    *,
    only_activities: bool = False,
    with_counts: bool = True,
) -> WeekState:
    """One query (a UNION ALL) for both: counter rows come with no child. `only_activities`
    limits the bookings to the activities given (otherwise all the children's bookings)."""
    if only_activities and not activities:
        return WeekState({}, {})
    capped = [a.pk for a in activities if a.capacity is not None] if with_counts else []
    rows = _week_rows(
        children=tuple(sorted(child_ids)),
        activities=tuple(a.pk for a in activities) if only_activities else (),
        capped=tuple(capped),
        start=start,
        end=end,
    )
    state = WeekState({}, {})
    for number, child_id, activity_id, day in rows:
        if child_id is None:
            state.counts[(activity_id, day)] = number
        else:
            state.bookings[(child_id, activity_id, day)] = number
    return state


@dataclass
class Row:
    activity: Activity
    cells: list[rules.Cell]

    @property
    def any_open(self) -> bool:
        return any(c.editable and not c.booked for c in self.cells)

    @property
    def any_editable(self) -> bool:
        return any(c.editable for c in self.cells)


@dataclass
class ChildWeek:
    child: Child
    rows: list[Row] = field(default_factory=list)
    incomplete: bool = False


@dataclass
class Week:
    monday: date
    days: list[date]
    children: list[ChildWeek]
    # The earliest deadlines still ahead: to book a day not booked, to cancel a booked one.
    next_booking: rules.NextDeadline | None = None
    next_cancelling: rules.NextDeadline | None = None

    @property
    def has_bookings(self) -> bool:
        return any(
            cell.booked for child in self.children for row in child.rows for cell in row.cells
        )

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def following(self) -> date:
        return self.monday + timedelta(days=7)

    @property
    def has_rows(self) -> bool:
        return any(child.rows for child in self.children)


def week_days(monday: date, activities: list[Activity]) -> list[date]:
    """Monday to Friday, plus Saturday or Sunday when an activity runs on it."""
    offered = set().union(*(a.weekday_set for a in activities)) if activities else set()
    last = 6 if 6 in offered else 5 if 5 in offered else 4
    return [monday + timedelta(days=offset) for offset in range(last + 1)]


@dataclass
class GridContext:
    """Everything the grid needs, loaded once and reused for several weeks."""

    municipality: Municipality
    children: list[Child]
    activities: list[Activity]
    activity_specs: dict[int, rules.ActivitySpec]
    child_specs: dict[int, rules.ChildSpec]


def grid_context(municipality: Municipality, household: Household) -> GridContext:
    children = family_selectors.children_with_facts_listed(household)
    configuration = active_configuration(municipality)
    activities = configuration.activities
    return GridContext(
        municipality,
        children,
        activities,
        configuration.activity_specs,
        child_specs(municipality, children, activities),
    )


def build_week(
    context: GridContext,
    monday: date,
    now: datetime | None = None,
    *,
    keys: set[tuple[int, int, date]] | None = None,
    counts: dict[tuple[int, date], int] | None = None,
    override: bool = False,
) -> Week:
    now = now or timezone.now()
    end = monday + timedelta(days=6)
    running = [a for a in context.activities if a.starts_on <= end and a.ends_on >= monday]
    days = week_days(monday, running)
    if keys is None or counts is None:
        state = week_state([c.pk for c in context.children], running, monday, end)
        keys, counts = set(state.bookings), state.counts
    children = []
    earliest: dict[bool, rules.NextDeadline] = {}
    for child in context.children:
        child_spec = context.child_specs[child.pk]
        entry = ChildWeek(child, incomplete=bool(child_spec.blocked_departments))
        for activity in running:
            spec = context.activity_specs[activity.pk]
            if not rules.may_book_row(spec, child_spec):
                continue
            cells = [
                rules.cell_state(
                    spec,
                    child_spec,
                    day,
                    booked=(child.pk, activity.pk, day) in keys,
                    now=now,
                    booked_count=counts.get((activity.pk, day), 0),
                    override=override,
                )
                for day in days
            ]
            for cell in cells:
                if not cell.editable or cell.deadline is None or cell.deadline < now:
                    continue
                found = earliest.get(cell.booked)
                if found is None or cell.deadline < found.moment:
                    earliest[cell.booked] = rules.NextDeadline(
                        cell.deadline, cell.day, activity.name
                    )
            entry.rows.append(Row(activity, cells))
        children.append(entry)
    return Week(
        monday,
        days,
        children,
        next_booking=earliest.get(False),
        next_cancelling=earliest.get(True),
    )


def opening_week(
    context: GridContext, today: date, now: datetime, horizon: int = 6
) -> tuple[date, WeekState, Week | None]:
    """The current week, or the first of the next weeks where something can still be booked or
    cancelled, with what was read to find it (the weeks' bookings and counters: one query
    whatever the horizon), and that week as the family sees it at `now` when it was found (None
    when no week of the horizon is open: the current week is drawn then)."""
    monday = rules.week_of(today)
    end = monday + timedelta(days=7 * horizon - 1)
    state = week_state([c.pk for c in context.children], context.activities, monday, end)
    keys = set(state.bookings)
    for offset in range(horizon):
        candidate = monday + timedelta(days=7 * offset)
        if not may_be_open(context, candidate, now):
            continue
        week = build_week(context, candidate, now, keys=keys, counts=state.counts)
        if any(row.any_editable for child in week.children for row in child.rows):
            return candidate, state, week
    return monday, state, None


def may_be_open(context: GridContext, monday: date, now: datetime) -> bool:
    """Whether the family may still change some cell of the week starting `monday`, without
    drawing it: a cell can be changed only until its deadline, and an activity's deadlines never
    go back as its days go forward (test_rules.py, test_deadlines_follow_the_days), so the last
    day it runs that week has the latest. False: no cell of the week is editable; True: one may
    be."""
    sunday = monday + timedelta(days=6)
    for activity in context.activities:
        if activity.starts_on > sunday or activity.ends_on < monday:
            continue
        spec = context.activity_specs[activity.pk]
        last = min(sunday, activity.ends_on)
        if now <= max(spec.booking_rule.deadline(last), spec.cancel_rule.deadline(last)):
            return True
    return False


def whole_week_changes(
    municipality: Municipality, child_id: int, activity_id: int, monday: date
) -> list[rules.Change]:
    """Booking every day of the week the activity runs (the family clicked its name): the
    days it does not run are left out rather than refused. 404 for another municipality's
    activity (two queries)."""
    activity = activity_get(municipality, activity_id)
    spec = activity_specs(municipality, [activity])[activity.pk]
    days = [monday + timedelta(days=offset) for offset in range(7)]
    return [
        rules.Change(child_id, activity.pk, day, True)
        for day in days
        if rules.closure_of(spec, day) is None
    ]


def bookings_for_feed(household: Household, start: date, end: date) -> QuerySet[Booking]:
    return (
        Booking.objects.for_household(household)
        .filter(date__gte=start, date__lte=end)
        .select_related("child", "activity", "activity__department")
        .order_by("date", "activity__position", "child__first_name")
    )


def calendar_feed_by_token(municipality: Municipality, token: str) -> CalendarFeed:
    """404 for an unknown token and for a token of another municipality's household."""
    feed: CalendarFeed = get_object_or_404(
        CalendarFeed.objects.select_related("household"),
        token=token,
        household__municipality=municipality,
    )
    return feed


def households_without_bookings(municipality: Municipality, week: date) -> QuerySet[Household]:
    """Active households with children and no booking at all in the week starting `week`."""
    end = week + timedelta(days=6)
    return (
        Household.objects.for_municipality(municipality)
        .filter(status=Household.Status.ACTIVE)
        .annotate(
            n_children=Count("children", distinct=True),
            n_booked=Count(
                "children__bookings",
                filter=Q(children__bookings__date__gte=week, children__bookings__date__lte=end),
            ),
        )
        .filter(n_children__gt=0, n_booked=0)
    )
