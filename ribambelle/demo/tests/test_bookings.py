"""The demo's bookings (seed_demo) and the bench's (seed_bench): the calendar, the rules and the
day counters hold in both, and seeding again changes nothing."""

import datetime
import io
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command

from ribambelle.bookings import rules, selectors, services
from ribambelle.bookings.models import (
    Activity,
    Attendance,
    Booking,
    BookingSettings,
    Closure,
    DayCount,
)
from ribambelle.bookings.rules import PARIS
from ribambelle.bookings.tests.conftest import MONDAY, NOW
from ribambelle.demo import bookings as demo
from ribambelle.demo.bench import bookings as bench_data
from ribambelle.families import selectors as family_selectors
from ribambelle.families.models import Child, Household
from ribambelle.tenants.models import Municipality

pytestmark = pytest.mark.django_db


def seed_demo():
    call_command("seed_demo", stdout=io.StringIO())


def snapshot(slug: str) -> dict[str, int]:
    return {
        "activities": Activity.objects.filter(municipality__slug=slug).count(),
        "closures": Closure.objects.filter(municipality__slug=slug).count(),
        "bookings": Booking.objects.filter(municipality__slug=slug).count(),
        "attendances": Attendance.objects.filter(municipality__slug=slug).count(),
        "day_counts": DayCount.objects.filter(activity__municipality__slug=slug).count(),
    }


def assert_consistent(slug: str) -> None:
    """DayCount equals the bookings of every (activity, day); no booking on a day the activity
    does not run (closure, public holiday, other weekday); no capacity exceeded."""
    municipality = Municipality.objects.get(slug=slug)
    activities = list(
        Activity.objects.filter(municipality=municipality).select_related("department")
    )
    specs = selectors.activity_specs(municipality, activities)
    booked = Counter(
        Booking.objects.filter(municipality=municipality).values_list("activity_id", "date")
    )
    counters = {
        (c.activity_id, c.date): c.booked for c in DayCount.objects.filter(activity__in=activities)
    }
    assert booked
    assert {key: n for key, n in counters.items() if n} == dict(booked)
    for activity_id, day in booked:
        assert rules.closure_of(specs[activity_id], day) is None, (activity_id, day)
        assert not rules.is_public_holiday(day)
    for activity in activities:
        if activity.capacity is not None:
            assert max(n for (a, _d), n in booked.items() if a == activity.pk) <= activity.capacity


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (datetime.date(2026, 11, 27), datetime.date(2026, 9, 1), datetime.date(2027, 7, 3)),
        (datetime.date(2027, 7, 3), datetime.date(2026, 9, 1), datetime.date(2027, 7, 3)),
        (datetime.date(2027, 7, 4), datetime.date(2027, 9, 1), datetime.date(2028, 7, 1)),
        (datetime.date(2026, 1, 10), datetime.date(2025, 9, 1), datetime.date(2026, 7, 4)),
        (datetime.date(2026, 8, 20), datetime.date(2026, 9, 1), datetime.date(2027, 7, 3)),
    ],
)
def test_school_year_runs_from_september_to_the_first_saturday_of_july(today, start, end):
    assert demo.school_year(today) == demo.SchoolYear(start, end)


@pytest.mark.parametrize("first_year", [2025, 2026, 2027, 2028, 2031, 2040])
def test_holidays_are_saturday_to_sunday_within_the_year(first_year):
    year = demo.SchoolYear(
        datetime.date(first_year, 9, 1), demo.first_saturday_of_july(first_year + 1)
    )
    periods = demo.holidays_of(year)
    assert [label for label, _start, _end in periods] == [
        demo.TOUSSAINT,
        demo.CHRISTMAS,
        demo.WINTER,
        demo.SPRING,
        demo.ASCENSION,
    ]
    for _label, start, end in periods[:-1]:
        assert year.start < start < end < year.end
        assert (start.weekday(), end.weekday(), (end - start).days) == (5, 6, 15)
    assert [start for _label, start, _end in periods] == sorted(
        start for _label, start, _end in periods
    )
    # The Friday and Saturday after Ascension Day.
    _label, bridge, end = periods[-1]
    assert (bridge.weekday(), end - bridge) == (4, datetime.timedelta(days=1))
    assert rules.is_public_holiday(bridge - datetime.timedelta(days=1))


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2026, datetime.date(2026, 4, 5)), (2027, datetime.date(2027, 3, 28)),
     (2028, datetime.date(2028, 4, 16)), (2038, datetime.date(2038, 4, 25))],
)  # fmt: skip
def test_easter(year, easter):
    assert demo.easter(year) == easter


def test_strike_day_is_a_school_thursday_ahead_or_none_at_the_end_of_the_year():
    year = demo.school_year(MONDAY)
    strike = demo.strike_day(year, MONDAY)
    assert strike == datetime.date(2026, 12, 3)
    assert demo.strike_day(year, datetime.date(2027, 6, 28)) is None


def test_seed_demo_bookings_twice_gives_the_same_consistent_data(frozen):
    seed_demo()
    first = snapshot("demo")
    seed_demo()
    assert snapshot("demo") == first
    assert first["activities"] == 4
    assert first["closures"] == 6
    assert first["bookings"] > 300
    assert first["attendances"] > 10
    assert_consistent("demo")
    demo_town = Municipality.objects.get(slug="demo")
    assert BookingSettings.objects.get(municipality=demo_town).reminders_enabled
    assert Closure.objects.get(municipality=demo_town, label="Grève").department.name == (
        "Restauration scolaire"
    )
    assert Attendance.objects.filter(status=Attendance.Status.ABSENT).count() == 1
    assert Attendance.objects.filter(was_booked=False).count() == 1
    assert not Attendance.objects.filter(date__gte=MONDAY + datetime.timedelta(days=4)).exists()


def test_demo_bookings_follow_the_rules_and_leave_later_weeks_open(frozen):
    seed_demo()
    demo_town = Municipality.objects.get(slug="demo")
    activities = list(Activity.objects.filter(municipality=demo_town))
    specs = selectors.activity_specs(demo_town, activities)
    booked_until = MONDAY + datetime.timedelta(weeks=4, days=-1)
    for household in Household.objects.filter(municipality=demo_town):
        children = list(family_selectors.children_with_records(household))
        child_specs = selectors.child_specs(demo_town, children, activities)
        for booking in Booking.objects.filter(child__household=household):
            # Everything but the deadline, which the past days have passed.
            decision = rules.decide(
                specs[booking.activity_id],
                child_specs[booking.child_id],
                booking.date,
                book=True,
                now=NOW,
                booked_count=0,
                override=True,
            )
            assert decision.allowed, (booking, decision.reason)
            assert booking.date <= booked_until
    assert Booking.objects.filter(date__gt=MONDAY + datetime.timedelta(weeks=3)).exists()
    # The demo family books the next open week.
    lea = Child.objects.get(municipality=demo_town, first_name="Léa")
    canteen = Activity.objects.get(municipality=demo_town, name=demo.CANTEEN)
    later = booked_until + datetime.timedelta(days=1)
    while rules.closure_of(specs[canteen.pk], later):
        later += datetime.timedelta(days=1)
    assert later == datetime.date(2027, 1, 4)  # after the Christmas holidays
    [outcome] = services.bookings_apply(
        municipality=demo_town,
        household=lea.household,
        actor=None,
        changes=[rules.Change(lea.pk, canteen.pk, later, True)],
    )
    assert outcome.kind == services.BOOKED


def test_seeding_again_a_week_later_moves_the_strike_and_keeps_the_counters(frozen):
    seed_demo()
    assert Closure.objects.get(label="Grève").starts_on == datetime.date(2026, 12, 3)
    with time_machine.travel(NOW + datetime.timedelta(days=7), tick=False):
        seed_demo()
        [strike] = Closure.objects.filter(municipality__slug="demo", label="Grève")
        assert strike.starts_on == datetime.date(2026, 12, 10)
        assert_consistent("demo")
    with time_machine.travel(datetime.datetime(2026, 12, 3, 9, 0, tzinfo=PARIS), tick=False):
        seed_demo()
    [strike] = Closure.objects.filter(municipality__slug="demo", label="Grève")
    assert strike.starts_on == datetime.date(2026, 12, 17)
    assert_consistent("demo")
    # The former strike day is booked again.
    assert Booking.objects.filter(
        activity__name=demo.CANTEEN, date=datetime.date(2026, 12, 10)
    ).exists()


def test_bench_bookings_follow_the_pattern_and_keep_the_counters(frozen, monkeypatch):
    monkeypatch.setattr(bench_data, "CHILDREN_PER_BATCH", 7)
    written = []
    original = bench_data._write

    def spy(table, columns, rows):
        rows = list(rows)
        written.append({child for _m, child, *_rest in rows})
        return original(table, columns, rows)

    monkeypatch.setattr(bench_data, "_write", spy)
    call_command("seed_bench", households=30, children=48, stdout=io.StringIO())

    assert_consistent("bench")
    bench = Municipality.objects.get(slug="bench")
    # Streamed: every batch holds at most 7 children.
    assert len(written) == 7
    assert max(len(children) for children in written) <= 7
    per_activity = Counter(
        Booking.objects.filter(municipality=bench).values_list("activity__name", flat=True)
    )
    children = Counter(
        name
        for name, _child in set(
            Booking.objects.filter(municipality=bench).values_list("activity__name", "child_id")
        )
    )
    assert children[demo.CANTEEN] == 48
    assert children[demo.EVENING_CARE] == 24
    assert children[demo.MORNING_CARE] == 12
    assert 0 < children[demo.WEDNESDAY] <= 12
    canteen_days = per_activity[demo.CANTEEN] // 48
    assert 130 < canteen_days < 150
    assert sum(per_activity.values()) == Booking.objects.count()


def test_seed_bench_reports_the_bookings(frozen):
    out = io.StringIO()
    call_command("seed_bench", households=10, children=16, stdout=out)
    count = Booking.objects.filter(municipality__slug="bench").count()
    assert f"{count} bookings" in out.getvalue()
    assert "bookings written in" in out.getvalue()

    again = io.StringIO()
    call_command("seed_bench", households=10, children=16, stdout=again)
    assert "already built" in again.getvalue()
    assert f"{count} bookings" in again.getvalue()
    assert Booking.objects.filter(municipality__slug="bench").count() == count

    # Rebuilt for another size: the old bookings go with the old municipality.
    call_command("seed_bench", households=12, children=20, stdout=io.StringIO())
    assert_consistent("bench")
    assert set(
        Booking.objects.filter(municipality__slug="bench").values_list("child_id", flat=True)
    ) == set(Child.objects.filter(municipality__slug="bench").values_list("pk", flat=True))
