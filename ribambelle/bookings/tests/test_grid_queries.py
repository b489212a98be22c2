"""What ticking a cell of the weekly grid costs in SQL: the grid it sends back is drawn from what
the booking service read inside its transaction, so the toggle reads the tables the grid page
reads, once (the parent's household came with the signed-in user, and the children's query locks
it), then writes the booking and its counter in one statement (a tick checks the capacity in the
counter's update): the grid page's queries for one child and that one write. Both stay constant as
the household's children, weeks and bookings grow. The municipality's configuration (activities,
closures, requirements) is read once per process until it changes (tenants.configuration): the
pages are measured once it is kept, and what a change costs is measured on its own."""

import datetime
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ribambelle.bookings import services
from ribambelle.bookings.models import Booking, DayCount
from ribambelle.bookings.rules import Change
from ribambelle.bookings.tests.conftest import MONDAY
from ribambelle.bookings.tests.factories import BookingFactory, ClosureFactory
from ribambelle.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

GRID = "/ville-a/reservations/"
SAVE = "/ville-a/reservations/enregistrer/"
THURSDAY = MONDAY + datetime.timedelta(days=3)
FRIDAY = MONDAY + datetime.timedelta(days=4)
NEXT_THURSDAY = THURSDAY + datetime.timedelta(days=7)


def warm(client):
    """The first page after a change of the configuration reads it; the next ones do not."""
    run(client, "get", GRID)


def run(client, method, url, data=None):
    with CaptureQueriesContext(connection) as captured:
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def is_read(sql):
    # PostgreSQL wraps each side of a UNION in parentheses.
    return sql.lstrip("(").startswith("SELECT")


def tables_read(statements):
    """The table each SELECT reads from (its first FROM), counted."""
    return Counter(re.search(r'FROM "(\w+)"', sql).group(1) for sql in statements if is_read(sql))


def transaction_control(statements):
    return [
        sql for sql in statements if sql.startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
    ]


def writes(statements):
    return [sql for sql in statements if not is_read(sql)]


def toggle(child, activity, day, book):
    key = f"{child.pk}:{activity.pk}:{day.isoformat()}"
    monday = day - datetime.timedelta(days=day.weekday())
    data = {"child": child.pk, "semaine": monday.isoformat(), "toggle": key, "shown": [key]}
    data["booked" if not book else "cell"] = [key]
    return data


@pytest.fixture
def capped(canteen):
    """A capacity makes both pages read the week's counters."""
    canteen.capacity = 30
    canteen.save()
    return canteen


def book(household, child, activity, day):
    services.bookings_apply(
        municipality=household.municipality,
        household=household,
        actor=None,
        changes=[Change(child.pk, activity.pk, day, True)],
    )


def grow(household, activity, other):
    """Four more children, each booked on several days of this week and the next."""
    for index in range(4):
        child = ChildFactory(
            household=household,
            first_name=f"Enfant{index}",
            last_name="Martin",
            birth_date=datetime.date(2017, 1, 1),
        )
        for day in (THURSDAY, FRIDAY, NEXT_THURSDAY):
            for booked in (activity, other):
                BookingFactory(child=child, activity=booked, date=day)


def test_toggle_reads_what_the_grid_reads_once(
    frozen, alice_client, household_a, child_a, capped, evening_care
):
    book(household_a, child_a, capped, FRIDAY)
    warm(alice_client)
    grid = run(alice_client, "get", f"{GRID}?semaine={MONDAY}")
    untick = run(alice_client, "post", SAVE, toggle(child_a, capped, FRIDAY, book=False))
    tick = run(alice_client, "post", SAVE, toggle(child_a, capped, THURSDAY, book=True))
    # Both read what the grid reads, no more: the parent's household and municipality came
    # with the signed-in user (accounts.backends), and the children's query locks the
    # household; a tick takes its place on the counter in the statement that checks the
    # capacity, without reading or locking the counter first.
    assert "families_guardian" not in tables_read(grid)
    assert tables_read(untick) == tables_read(grid)
    assert tables_read(tick) == tables_read(grid)
    # The booking and its counter in one statement (counters.day_count_book and
    # day_count_cancel), within the transaction (a savepoint and its release here, tests
    # running in a transaction; BEGIN on SQLite in production, nothing sent on PostgreSQL).
    for statements in (untick, tick):
        assert len(transaction_control(statements)) == 2
        assert len(writes(statements)) - 2 == 1
        # Like with like, outside the transaction control: the toggle costs the grid's queries
        # for one child and its one write, no more.
        assert len(statements) - 2 - 1 == len(grid)
    friday = DayCount.objects.get(activity=capped, date=FRIDAY)
    thursday = DayCount.objects.get(activity=capped, date=THURSDAY)
    assert (friday.booked, friday.children_ids) == (0, [])
    assert (thursday.booked, thursday.children_ids) == (1, [child_a.pk])
    assert Booking.objects.filter(child=child_a, activity=capped, date=THURSDAY).count() == 1
    assert not Booking.objects.filter(child=child_a, activity=capped, date=FRIDAY).exists()


def test_a_retried_toggle_writes_nothing_more(
    frozen, alice_client, household_a, child_a, capped, evening_care
):
    """A POST sent again (its answer lost with a killed worker) finds the state it asked for:
    it reads, writes nothing, and the booking and counter stay as the first one left them."""
    warm(alice_client)
    grid = len(run(alice_client, "get", f"{GRID}?semaine={MONDAY}"))
    for book_it in (True, False):
        data = toggle(child_a, capped, THURSDAY, book=book_it)
        run(alice_client, "post", SAVE, data)
        again = run(alice_client, "post", SAVE, data)
        assert writes(again) == transaction_control(again)
        assert len(again) - 2 == grid
        counter = DayCount.objects.get(activity=capped, date=THURSDAY)
        assert (counter.booked, counter.children_ids) == ((1, [child_a.pk]) if book_it else (0, []))
        assert Booking.objects.filter(child=child_a, date=THURSDAY).count() == int(book_it)


def test_a_tick_on_a_full_day_writes_nothing(
    frozen, alice_client, household_a, child_a, capped, evening_care
):
    """The capacity is checked in the toggle's single statement: on a full day it is refused
    and neither the booking nor the counter changes."""
    capped.capacity = 1
    capped.save()
    other = ChildFactory(household=household_a, first_name="Paul", last_name="Martin")
    book(household_a, other, capped, THURSDAY)
    response = alice_client.post(
        SAVE, toggle(child_a, capped, THURSDAY, book=True), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    counter = DayCount.objects.get(activity=capped, date=THURSDAY)
    assert (counter.booked, counter.children_ids) == (1, [other.pk])
    assert not Booking.objects.filter(child=child_a, date=THURSDAY).exists()


def test_toggle_and_grid_stay_constant_as_the_household_grows(
    frozen, alice_client, household_a, child_a, capped, evening_care
):
    book(household_a, child_a, capped, FRIDAY)
    warm(alice_client)
    grid = len(run(alice_client, "get", f"{GRID}?semaine={MONDAY}"))
    untick = len(run(alice_client, "post", SAVE, toggle(child_a, capped, FRIDAY, book=False)))
    grow(household_a, capped, evening_care)
    book(household_a, child_a, capped, NEXT_THURSDAY)
    assert len(run(alice_client, "get", f"{GRID}?semaine={MONDAY}")) == grid
    assert (
        len(run(alice_client, "get", f"{GRID}?semaine={MONDAY + datetime.timedelta(days=7)}"))
        == grid
    )
    assert (
        len(run(alice_client, "post", SAVE, toggle(child_a, capped, NEXT_THURSDAY, book=False)))
        == untick
    )


CONFIGURATION = {"bookings_activity", "bookings_closure", "families_requirement"}


def test_the_configuration_is_read_again_once_it_changes(
    frozen, alice_client, household_a, child_a, capped, evening_care
):
    """The first grid reads the activities, their closures and the requirements; the next
    pages and ticks do not, until a member of staff changes one of them: the next page reads
    them again, and shows the change."""
    week = f"{GRID}?semaine={MONDAY}"
    assert set(tables_read(run(alice_client, "get", week))) >= CONFIGURATION
    assert not set(tables_read(run(alice_client, "get", week))) & CONFIGURATION
    tick = run(alice_client, "post", SAVE, toggle(child_a, capped, THURSDAY, book=True))
    assert not set(tables_read(tick)) & CONFIGURATION
    ClosureFactory(
        municipality=capped.municipality,
        label="Pont de l'Armistice",
        starts_on=FRIDAY,
        ends_on=FRIDAY,
    )
    # The next tick, on the day closed since the configuration was kept, reads it again and
    # is refused.
    refused = run(alice_client, "post", SAVE, toggle(child_a, capped, FRIDAY, book=True))
    assert set(tables_read(refused)) >= CONFIGURATION
    assert not Booking.objects.filter(child=child_a, date=FRIDAY).exists()
    with CaptureQueriesContext(connection) as captured:
        response = alice_client.get(week)
    assert not set(tables_read([q["sql"] for q in captured.captured_queries])) & CONFIGURATION
    assert "Pont de l&#x27;Armistice" in response.content.decode()
    untick = run(alice_client, "post", SAVE, toggle(child_a, capped, THURSDAY, book=False))
    assert not set(tables_read(untick)) & CONFIGURATION
