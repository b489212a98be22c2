"""bookings.selectors.billable.billable_days: what billing prices, read without billing touching the
booking tables. Booked days for activities billed on bookings, present days for those billed on
attendance, only in the period, the households and the municipality asked for; two queries at
most whatever their number."""

import datetime

import pytest

from ribambelle.bookings.models import Attendance, Booking
from ribambelle.bookings.selectors.billable import BillableDay, billable_days
from ribambelle.bookings.tests.conftest import make_activity
from ribambelle.families.models import Child, Household

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 11, 1)
END = datetime.date(2026, 11, 30)


def nov(day):
    return datetime.date(2026, 11, day)


def book(child, activity, day, late=False):
    Booking.objects.create(
        municipality=activity.municipality, child=child, activity=activity, date=day, late=late
    )


def attend(child, activity, day, status=Attendance.Status.PRESENT, was_booked=True):
    Attendance.objects.create(
        municipality=activity.municipality,
        child=child,
        activity=activity,
        date=day,
        status=status,
        was_booked=was_booked,
    )


def days_of(municipality, household_ids, booked=(), attended=()):
    return billable_days(
        municipality=municipality,
        household_ids=household_ids,
        start=START,
        end=END,
        booked_activity_ids=[a.pk for a in booked],
        attended_activity_ids=[a.pk for a in attended],
    )


def test_booked_and_attended_days_in_the_period(
    municipality_a, canteen, evening_care, household_a, child_a
):
    book(child_a, canteen, nov(2))
    book(child_a, canteen, nov(3), late=True)
    book(child_a, canteen, datetime.date(2026, 12, 1))  # after the period
    book(child_a, canteen, datetime.date(2026, 10, 30))  # before it
    attend(child_a, evening_care, nov(2))
    attend(child_a, evening_care, nov(3), was_booked=False)
    attend(child_a, evening_care, nov(4), status=Attendance.Status.ABSENT)
    book(child_a, evening_care, nov(5))  # billed on attendance: a booking alone is not billed
    found = days_of(municipality_a, [household_a.pk], [canteen], [evening_care])
    name = "Léa Martin"
    assert sorted(found, key=lambda row: (row.activity_id, row.day)) == [
        BillableDay(household_a.pk, child_a.pk, name, canteen.pk, nov(2), False),
        BillableDay(household_a.pk, child_a.pk, name, canteen.pk, nov(3), True),
        BillableDay(household_a.pk, child_a.pk, name, evening_care.pk, nov(2), False),
        BillableDay(household_a.pk, child_a.pk, name, evening_care.pk, nov(3), True),
    ]


def test_only_the_households_asked_for(municipality_a, canteen, household_a, child_a, dave):
    other = Child.objects.get(first_name="Tom")
    book(child_a, canteen, nov(2))
    book(other, canteen, nov(2))
    found = days_of(municipality_a, [household_a.pk], [canteen])
    assert [row.child_id for row in found] == [child_a.pk]
    assert days_of(municipality_a, [], [canteen]) == []


def test_another_municipality_reads_nothing(
    municipality_a, municipality_b, canteen, household_a, child_a
):
    book(child_a, canteen, nov(2))
    attend(child_a, canteen, nov(3))
    assert days_of(municipality_b, [household_a.pk], [canteen], [canteen]) == []


def test_no_activity_no_query(municipality_a, household_a, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert days_of(municipality_a, [household_a.pk]) == []


def test_two_queries_whatever_the_number_of_households(
    municipality_a, canteen, evening_care, django_assert_num_queries
):
    ids = []
    for index in range(5):
        household = Household.objects.create(municipality=municipality_a, name=f"Foyer {index}")
        child = Child.objects.create(
            municipality=municipality_a,
            household=household,
            first_name="Enfant",
            last_name=str(index),
            birth_date=datetime.date(2018, 1, 1),
        )
        book(child, canteen, nov(2))
        attend(child, evening_care, nov(2))
        ids.append(household.pk)
    with django_assert_num_queries(2):
        found = days_of(municipality_a, ids, [canteen], [evening_care])
    assert len(found) == 10


def test_activity_of_another_kind_is_ignored(municipality_a, department_a, household_a, child_a):
    trip = make_activity(municipality_a, department_a, "Sortie")
    book(child_a, trip, nov(2))
    assert days_of(municipality_a, [household_a.pk], attended=[trip]) == []
