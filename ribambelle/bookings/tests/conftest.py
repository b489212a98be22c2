"""Booking fixtures: a school year of activities in municipality A (and one in B), with the
clock frozen on Monday 23 November 2026 at 09:00 in Paris unless a test travels elsewhere."""

import datetime

import pytest
import time_machine

from ribambelle.bookings.models import Activity
from ribambelle.bookings.rules import PARIS
from ribambelle.tenants.models import Department

YEAR_START = datetime.date(2026, 9, 1)
YEAR_END = datetime.date(2027, 7, 3)
MONDAY = datetime.date(2026, 11, 23)
NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)


@pytest.fixture
def frozen():
    """Monday 23 November 2026, 09:00 in Paris; the clock keeps ticking from there."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def make_activity(municipality, department, name="Restauration scolaire", **extra):
    values = {
        "municipality": municipality,
        "department": department,
        "name": name,
        "unit": Activity.Unit.MEAL,
        "weekdays": "0134",
        "starts_on": YEAR_START,
        "ends_on": YEAR_END,
        "book_days": 2,
        "book_time": datetime.time(23, 59),
        "cancel_days": 2,
        "cancel_time": datetime.time(23, 59),
    }
    values.update(extra)
    return Activity.objects.create(**values)


@pytest.fixture
def canteen(municipality_a, department_a):
    return make_activity(municipality_a, department_a)


@pytest.fixture
def evening_care(municipality_a):
    department = Department.objects.create(municipality=municipality_a, name="Périscolaire")
    return make_activity(municipality_a, department, "Garderie du soir", unit=Activity.Unit.SESSION)


@pytest.fixture
def activity_b(municipality_b):
    department = Department.objects.create(municipality=municipality_b, name="Cantine B")
    return make_activity(municipality_b, department, "Cantine de B")
