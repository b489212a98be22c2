"""The day counters list the booked children (issue 15): the kitchen counts read them instead
of every booking of the period, so on every booking write path (a family's tick and untick,
with and without htmx, staff's grid with an override, a mass booking and its replacement, a
refused change) each counter must equal the real bookings of its activity and day, and the
kitchen counts must equal an aggregate of the bookings joined to the children as they are now
(a child's diet or school changed after booking counts as it is now)."""

import datetime
from collections import Counter, defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ribambelle.bookings import rules, services
from ribambelle.bookings.models import Booking, DayCount
from ribambelle.bookings.rules import Change
from ribambelle.bookings.selectors.counts import counts_of
from ribambelle.bookings.services import counters
from ribambelle.bookings.tests.conftest import MONDAY
from ribambelle.bookings.tests.test_grid import SAVE, form, key
from ribambelle.bookings.tests.test_staff_writes import cell, staff_save
from ribambelle.families.models import Child
from ribambelle.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + datetime.timedelta(days=1)
THURSDAY = MONDAY + datetime.timedelta(days=3)
FRIDAY = MONDAY + datetime.timedelta(days=4)
NEXT_MONDAY = MONDAY + datetime.timedelta(days=7)


def assert_counters_are_the_bookings(*activities) -> None:
    """Every counter lists exactly the children booked that day (once each) and counts them;
    every day with a booking has its counter."""
    booked: defaultdict[tuple[int, datetime.date], list[int]] = defaultdict(list)
    for activity_id, day, child_id in (
        Booking.objects.filter(activity__in=activities)
        .order_by("child_id")
        .values_list("activity_id", "date", "child_id")
    ):
        booked[(activity_id, day)].append(child_id)
    counters = {
        (counter.activity_id, counter.date): (counter.booked, sorted(counter.children_ids))
        for counter in DayCount.objects.filter(activity__in=activities)
    }
    for where, (count, children) in counters.items():
        assert children == booked.get(where, []), where
        assert count == len(children), where
    assert set(booked) <= set(counters)


def aggregate_counts(municipality, start, end) -> dict:
    """The oracle: every booking of the period joined to its child, counted per site."""
    found: dict = defaultdict(Counter)
    for booking in Booking.objects.filter(
        municipality=municipality, date__gte=start, date__lte=end
    ).select_related("child"):
        child = booking.child
        site = found[(booking.activity_id, booking.date, rules.normalise(child.school))]
        site["total"] += 1
        site[child.diet] += 1
        site["allergies"] += child.allergies != ""
        site["pai"] += child.has_pai
    return found


def assert_kitchen_counts_are_the_bookings(municipality, start, end) -> None:
    expected = aggregate_counts(municipality, start, end)
    shown = {}
    for entry in counts_of(municipality, start, end):
        for day in entry.days:
            for tally in day.sites:
                school = "" if tally.site == "Sans école" else tally.site
                shown[(entry.activity.pk, day.day, rules.normalise(school))] = tally.numbers
    assert shown == {
        where: [
            site["total"],
            site[Child.Diet.STANDARD],
            site[Child.Diet.NO_MEAT],
            site[Child.Diet.MEDICAL],
            site["allergies"],
            site["pai"],
        ]
        for where, site in expected.items()
        if site["total"]
    }


@pytest.fixture
def sibling(household_a):
    return ChildFactory(
        household=household_a,
        first_name="Hugo",
        last_name="Martin",
        birth_date=datetime.date(2018, 3, 4),
        school="École Pasteur",
        diet=Child.Diet.MEDICAL,
        has_pai=True,
    )


def test_family_ticks_and_unticks_keep_the_counters(
    frozen, alice_client, municipality_a, child_a, sibling, canteen
):
    first, second = key(canteen, THURSDAY, child_a), key(canteen, FRIDAY, child_a)
    alice_client.post(SAVE, form(child_a, (first, True), (second, True)))
    other = key(canteen, THURSDAY, sibling)
    alice_client.post(SAVE, form(sibling, (other, True)), HTTP_HX_REQUEST="true")
    assert Booking.objects.count() == 3
    assert_counters_are_the_bookings(canteen)
    thursday = DayCount.objects.get(activity=canteen, date=THURSDAY)
    assert thursday.children == f",{child_a.pk},{sibling.pk},"
    alice_client.post(SAVE, form(child_a, (first, False), (second, True), was={first, second}))
    assert Booking.objects.count() == 2
    assert_counters_are_the_bookings(canteen)
    assert_kitchen_counts_are_the_bookings(municipality_a, MONDAY, FRIDAY)


def test_staff_grid_with_an_override_keeps_the_counters(
    frozen, agent_client, municipality_a, household_a, child_a, canteen
):
    late = cell(child_a, canteen, TUESDAY)  # past the family's deadline: an override
    data = {"child": child_a.pk, "semaine": MONDAY.isoformat(), "shown": [late], "cell": [late]}
    assert agent_client.post(staff_save(household_a), data).status_code == 302
    assert Booking.objects.get().late
    assert_counters_are_the_bookings(canteen)
    data = {"child": child_a.pk, "semaine": MONDAY.isoformat(), "shown": [late], "booked": [late]}
    agent_client.post(staff_save(household_a), data)
    assert not Booking.objects.exists()
    assert_counters_are_the_bookings(canteen)
    assert DayCount.objects.get(activity=canteen, date=TUESDAY).children == ","


def test_mass_booking_and_its_replacement_keep_the_counters(
    frozen, municipality_a, household_a, child_a, sibling, canteen, evening_care, alice
):
    start, end = NEXT_MONDAY, NEXT_MONDAY + datetime.timedelta(days=13)
    common = {
        "municipality": municipality_a,
        "household": household_a,
        "actor": alice,
        "start": start,
        "end": end,
    }
    pairs = [(child_a, canteen), (sibling, canteen), (child_a, evening_care)]
    services.bookings_mass_apply(pairs=pairs, weekdays={0, 1, 3, 4}, mode=rules.MASS_ADD, **common)
    assert Booking.objects.count() > 10
    assert_counters_are_the_bookings(canteen, evening_care)
    assert_kitchen_counts_are_the_bookings(municipality_a, start, end)
    services.bookings_mass_apply(pairs=pairs[:2], weekdays={0}, mode=rules.MASS_REPLACE, **common)
    assert_counters_are_the_bookings(canteen, evening_care)
    assert_kitchen_counts_are_the_bookings(municipality_a, start, end)


def test_children_moved_on_the_same_counters_rewrite_each_counter_once(canteen):
    """A counter's list is long in a big town: two children booked on the same days are one
    UPDATE of those counters, not one per child; the same for cancelling."""
    monday, tuesday = (
        DayCount.objects.create(activity=canteen, date=day, booked=1, children=",7,")
        for day in (MONDAY, TUESDAY)
    )
    with CaptureQueriesContext(connection) as queries:
        counters.day_counts_move(listed={11: [monday.pk, tuesday.pk], 12: [monday.pk]}, unlisted={})
    assert len(queries) == 2  # {11, 12} on Monday, {11} on Tuesday
    monday.refresh_from_db()
    tuesday.refresh_from_db()
    assert (monday.booked, sorted(monday.children_ids)) == (3, [7, 11, 12])
    assert (tuesday.booked, sorted(tuesday.children_ids)) == (2, [7, 11])
    with CaptureQueriesContext(connection) as queries:
        counters.day_counts_move(listed={}, unlisted={11: [monday.pk, tuesday.pk], 12: [monday.pk]})
    assert len(queries) == 2
    monday.refresh_from_db()
    tuesday.refresh_from_db()
    assert (monday.booked, monday.children_ids) == (1, [7])
    assert (tuesday.booked, tuesday.children_ids) == (1, [7])


def test_a_refused_change_leaves_the_counters(frozen, household_a, child_a, canteen, alice):
    services.bookings_apply(
        municipality=household_a.municipality,
        household=household_a,
        actor=alice,
        changes=[Change(child_a.pk, canteen.pk, THURSDAY, True)],
    )
    filled = DayCount.objects.exclude(booked=0).order_by("date")
    before = list(filled.values_list("activity_id", "date", "booked", "children"))
    [refused] = services.bookings_apply(
        municipality=household_a.municipality,
        household=household_a,
        actor=alice,
        changes=[Change(child_a.pk, canteen.pk, TUESDAY, True)],  # past its deadline
    )
    assert refused.refused
    assert list(filled.values_list("activity_id", "date", "booked", "children")) == before
    assert_counters_are_the_bookings(canteen)


def test_a_single_tick_takes_its_place_in_the_counters_update(
    frozen, household_a, child_a, canteen
):
    """A toggle's tick creates its counter or takes a place on it in one conditional statement:
    a day whose places are all taken refuses it, and nothing is written."""
    canteen.capacity = 1
    canteen.save()
    tick = [Change(child_a.pk, canteen.pk, THURSDAY, True)]
    municipality = household_a.municipality
    [booked] = services.bookings_apply(
        municipality=municipality, household=household_a, actor=None, changes=tick
    )
    assert booked.kind == services.BOOKED
    counter = DayCount.objects.get(activity=canteen, date=THURSDAY)
    assert (counter.booked, counter.children) == (1, f",{child_a.pk},")
    # Another child of the household finds the day full.
    other = ChildFactory(
        household=household_a,
        first_name="Noé",
        last_name="Martin",
        birth_date=child_a.birth_date,
    )
    [refused] = services.bookings_apply(
        municipality=municipality,
        household=household_a,
        actor=None,
        changes=[Change(other.pk, canteen.pk, THURSDAY, True)],
    )
    assert refused.kind == services.REFUSED
    assert refused.reason == rules.full_refusal()
    counter.refresh_from_db()
    assert (counter.booked, counter.children) == (1, f",{child_a.pk},")
    assert not Booking.objects.filter(child=other).exists()
    # Once the first child's place is released, the second one takes it on the same counter.
    services.bookings_apply(
        municipality=municipality,
        household=household_a,
        actor=None,
        changes=[Change(child_a.pk, canteen.pk, THURSDAY, False)],
    )
    [taken] = services.bookings_apply(
        municipality=municipality,
        household=household_a,
        actor=None,
        changes=[Change(other.pk, canteen.pk, THURSDAY, True)],
    )
    assert taken.kind == services.BOOKED
    counter.refresh_from_db()
    assert (counter.booked, counter.children) == (1, f",{other.pk},")
    assert_counters_are_the_bookings(canteen)


def test_counts_follow_the_children_as_they_are_now(
    frozen, municipality_a, household_a, child_a, sibling, canteen, alice
):
    """The counters list who is booked; the diet, school, allergies and PAI are read now."""
    services.bookings_apply(
        municipality=municipality_a,
        household=household_a,
        actor=alice,
        changes=[
            Change(child_a.pk, canteen.pk, THURSDAY, True),
            Change(sibling.pk, canteen.pk, THURSDAY, True),
        ],
    )
    Child.objects.filter(pk=sibling.pk).update(
        school="ecole pasteur ", diet=Child.Diet.STANDARD, allergies="Gluten"
    )
    assert_kitchen_counts_are_the_bookings(municipality_a, MONDAY, FRIDAY)
    sibling.delete()  # its bookings go with it; the counter still lists it, and skips it
    assert_kitchen_counts_are_the_bookings(municipality_a, MONDAY, FRIDAY)


def test_rebuilding_makes_counters_of_bulk_written_bookings(
    frozen, municipality_a, child_a, sibling, canteen
):
    from ribambelle.bookings.tests.factories import BookingFactory

    BookingFactory(child=child_a, activity=canteen, date=THURSDAY)
    BookingFactory(child=sibling, activity=canteen, date=THURSDAY)
    DayCount.objects.create(activity=canteen, date=FRIDAY, booked=4, children=f",{child_a.pk},")
    assert counters.day_counts_rebuild(activity_ids=[canteen.pk]) == 2
    assert_counters_are_the_bookings(canteen)
    assert_kitchen_counts_are_the_bookings(municipality_a, MONDAY, FRIDAY)


def test_the_registers_schools_are_read_once_each(municipality_a, household_a):
    """One row per school from the database, not one per child (a town has thousands)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ribambelle.bookings.selectors.register import schools_of

    for index, school in enumerate(["École Pasteur", "École Jules-Ferry", "École Pasteur", ""]):
        ChildFactory(household=household_a, first_name=f"E{index}", school=school)
    with CaptureQueriesContext(connection) as queries:
        assert schools_of(municipality_a) == ["École Jules-Ferry", "École Pasteur"]
    [query] = queries.captured_queries
    assert query["sql"].startswith('SELECT DISTINCT "families_child"."school" AS "school" FROM')
