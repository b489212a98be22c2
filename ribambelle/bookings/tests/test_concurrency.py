"""Capacity under concurrent requests (invariant 3), on PostgreSQL where transactions really run
in parallel: twenty households try to take the last place at the same instant."""

import datetime
import threading

import pytest
from django.db import connection, connections

from ribambelle.bookings import services
from ribambelle.bookings.models import Booking, DayCount
from ribambelle.bookings.rules import Change
from ribambelle.bookings.tests.conftest import MONDAY, make_activity
from ribambelle.families.tests.factories import ChildFactory, HouseholdFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="parallel transactions need PostgreSQL"
    ),
]

PARALLEL = 20
THURSDAY = MONDAY + datetime.timedelta(days=3)


@pytest.mark.parametrize("counter_exists", [False, True], ids=["first-booking", "after-cancel"])
def test_capacity_one_and_twenty_parallel_bookings(
    frozen, municipality_a, department_a, counter_exists
):
    activity = make_activity(municipality_a, department_a, "Sortie", capacity=1)
    if counter_exists:
        # A place was booked then cancelled: the counter row is there with 0.
        DayCount.objects.create(activity=activity, date=THURSDAY, booked=0)
    households = []
    for index in range(PARALLEL):
        household = HouseholdFactory(municipality=municipality_a, name=f"Foyer {index}")
        ChildFactory(
            household=household,
            first_name=f"Enfant {index}",
            last_name="Test",
            birth_date=datetime.date(2018, 1, 1),
        )
        households.append(household)

    barrier = threading.Barrier(PARALLEL)
    outcomes, errors = [], []

    def book(household):
        try:
            child = household.children.get()
            barrier.wait()
            outcomes.extend(
                services.bookings_apply(
                    municipality=municipality_a,
                    household=household,
                    actor=None,
                    changes=[Change(child.pk, activity.pk, THURSDAY, True)],
                )
            )
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(h,)) for h in households]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    kinds = sorted(outcome.kind for outcome in outcomes)
    assert kinds.count(services.BOOKED) == 1
    assert kinds.count(services.REFUSED) == PARALLEL - 1
    assert Booking.objects.filter(activity=activity, date=THURSDAY).count() == 1
    assert DayCount.objects.get(activity=activity, date=THURSDAY).booked == 1


def test_parallel_cancellations_and_bookings_keep_the_counter_exact(
    frozen, municipality_a, department_a
):
    """Ten households untick the day (their counter is decremented without being locked
    first) while ten others try to take a place: the counter ends equal to the bookings, and
    never above the capacity."""
    capacity = PARALLEL // 2
    activity = make_activity(municipality_a, department_a, "Sortie", capacity=capacity)
    households = []
    for index in range(PARALLEL):
        household = HouseholdFactory(municipality=municipality_a, name=f"Foyer {index}")
        child = ChildFactory(
            household=household,
            first_name=f"Enfant {index}",
            last_name="Test",
            birth_date=datetime.date(2018, 1, 1),
        )
        households.append((household, child))
    for household, child in households[:capacity]:
        services.bookings_apply(
            municipality=municipality_a,
            household=household,
            actor=None,
            changes=[Change(child.pk, activity.pk, THURSDAY, True)],
        )
    assert DayCount.objects.get(activity=activity, date=THURSDAY).booked == capacity

    barrier = threading.Barrier(PARALLEL)
    errors = []

    def change(household, child, book):
        try:
            barrier.wait()
            services.bookings_grid_apply(
                municipality=municipality_a,
                household=household,
                actor=None,
                changes=[Change(child.pk, activity.pk, THURSDAY, book)],
                monday=MONDAY,
            )
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=change, args=(household, child, index >= capacity))
        for index, (household, child) in enumerate(households)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    booked = Booking.objects.filter(activity=activity, date=THURSDAY).count()
    assert DayCount.objects.get(activity=activity, date=THURSDAY).booked == booked
    assert booked <= capacity
