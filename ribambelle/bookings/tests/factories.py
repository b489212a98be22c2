"""Activities of the 2026-2027 school year, and the bookings and attendance of children.

A booking made here does not count against the activity's capacity (no DayCount): tests of
capacity book through the services; `counted_booking` also brings the day counters up to date
(as the demo and the benchmark do after writing bookings in bulk), for the readers of those
counters (the kitchen counts)."""

import datetime

import factory
from factory.django import DjangoModelFactory

from ribambelle.bookings.models import Activity, Attendance, Booking, Closure
from ribambelle.families.tests.factories import ChildFactory
from ribambelle.tenants.tests.factories import DepartmentFactory, MunicipalityFactory

YEAR_START = datetime.date(2026, 9, 1)
YEAR_END = datetime.date(2027, 7, 3)
MONDAY = datetime.date(2026, 11, 23)


class ActivityFactory(DjangoModelFactory):
    """A canteen open on Monday, Tuesday, Thursday and Friday all year; booking and
    cancelling close two days before at 23:59."""

    class Meta:
        model = Activity

    municipality = factory.SubFactory(MunicipalityFactory)
    department = factory.SubFactory(
        DepartmentFactory, municipality=factory.SelfAttribute("..municipality")
    )
    name = "Restauration scolaire"
    unit = Activity.Unit.MEAL
    weekdays = "0134"
    starts_on = YEAR_START
    ends_on = YEAR_END
    book_days = 2
    book_time = datetime.time(23, 59)
    cancel_days = 2
    cancel_time = datetime.time(23, 59)


class ClosureFactory(DjangoModelFactory):
    class Meta:
        model = Closure

    municipality = factory.SubFactory(MunicipalityFactory)
    label = "Vacances de Noël"
    starts_on = datetime.date(2026, 12, 19)
    ends_on = datetime.date(2027, 1, 3)


class BookingFactory(DjangoModelFactory):
    class Meta:
        model = Booking

    child = factory.SubFactory(ChildFactory)
    municipality = factory.SelfAttribute("child.municipality")
    activity = factory.SubFactory(
        ActivityFactory, municipality=factory.SelfAttribute("..municipality")
    )
    date = MONDAY


class AttendanceFactory(DjangoModelFactory):
    class Meta:
        model = Attendance

    child = factory.SubFactory(ChildFactory)
    municipality = factory.SelfAttribute("child.municipality")
    activity = factory.SubFactory(
        ActivityFactory, municipality=factory.SelfAttribute("..municipality")
    )
    date = MONDAY
    status = Attendance.Status.PRESENT


def counted_booking(**fields) -> Booking:
    """A booking, then its activity's day counters made equal to its bookings."""
    from ribambelle.bookings.services import counters

    booking: Booking = BookingFactory(**fields)
    counters.day_counts_rebuild(activity_ids=[booking.activity_id])
    return booking
