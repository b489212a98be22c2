"""Booking fixtures: a school year of activities in municipality A (and one in B), with the
clock frozen on Monday 23 November 2026 at 09:00 in Paris unless a test travels elsewhere."""

import datetime

import pytest
import time_machine

from ribambelle.bookings.models import Activity
from ribambelle.bookings.rules import PARIS
from ribambelle.bookings.tests.factories import MONDAY, YEAR_END, YEAR_START, ActivityFactory
from ribambelle.tenants.tests.factories import DepartmentFactory

# Tests import the dates of the school year from here.
__all__ = ["MONDAY", "YEAR_END", "YEAR_START"]

NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)


@pytest.fixture
def frozen():
    """Monday 23 November 2026, 09:00 in Paris; the clock keeps ticking from there."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def make_activity(municipality, department, name="Restauration scolaire", **extra):
    return ActivityFactory(municipality=municipality, department=department, name=name, **extra)


@pytest.fixture
def canteen(municipality_a, department_a):
    return make_activity(municipality_a, department_a)


@pytest.fixture
def evening_care(municipality_a):
    department = DepartmentFactory(municipality=municipality_a, name="Périscolaire")
    return make_activity(municipality_a, department, "Garderie du soir", unit=Activity.Unit.SESSION)


@pytest.fixture
def activity_b(municipality_b):
    department = DepartmentFactory(municipality=municipality_b, name="Cantine B")
    return make_activity(municipality_b, department, "Cantine de B")
