"""Reads other apps ask bookings for, instead of reading its models."""

import datetime

import pytest

from ribambelle.bookings import selectors
from ribambelle.bookings.models import Booking
from ribambelle.bookings.tests.conftest import MONDAY
from ribambelle.families.models import Child

pytestmark = pytest.mark.django_db


def book(child, activity, day):
    return Booking.objects.create(
        municipality=activity.municipality, child=child, activity=activity, date=day
    )


def test_booked_since_is_the_households_bookings_from_that_day_on(
    household_a, child_a, canteen, evening_care, dave
):
    tom = Child.objects.get(household__guardians__user=dave)
    before = book(child_a, canteen, MONDAY - datetime.timedelta(days=1))
    on_the_day = book(child_a, canteen, MONDAY)
    later = book(child_a, evening_care, MONDAY + datetime.timedelta(days=30))
    book(tom, canteen, MONDAY)
    found = selectors.booked_since(household_a, MONDAY)
    assert set(found) == {on_the_day, later}
    assert before not in found
    # Lazy: callers narrow it inside their own query.
    assert list(found.filter(activity__department=evening_care.department)) == [later]
