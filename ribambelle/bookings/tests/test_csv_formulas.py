"""The kitchen counts CSV with hostile text in every cell people type (activity, department,
the children's school): each comes out as text a spreadsheet will not run."""

import datetime

import pytest
from django.urls import reverse

from ribambelle.bookings.tests.conftest import MONDAY, make_activity
from ribambelle.bookings.tests.factories import counted_booking
from ribambelle.families.tests.factories import ChildFactory
from ribambelle.tenants.tests.factories import DepartmentFactory
from ribambelle.testing.spreadsheet import HOSTILE_CELLS, assert_neutralised, csv_rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", HOSTILE_CELLS)
def test_counts_csv_neutralises_formulas(agent_client, municipality_a, household_a, typed):
    department = DepartmentFactory(municipality=municipality_a, name=typed)
    activity = make_activity(municipality_a, department, name=typed)
    child = ChildFactory(
        household=household_a,
        first_name=typed,
        last_name="Martin",
        birth_date=datetime.date(2018, 5, 1),
        school=typed,
    )
    counted_booking(child=child, activity=activity, date=MONDAY)

    response = agent_client.get(
        reverse("bookings_staff:counts_csv", kwargs={"municipality_slug": "ville-a"}),
        {"du": MONDAY.isoformat(), "semaines": "1"},
    )

    assert response.status_code == 200
    rows = csv_rows(response.content)
    [row] = [row for row in rows[1:] if row[2] == "23/11/2026"]
    activity_cell, department_cell, _date, site_cell = row[:4]
    assert_neutralised(activity_cell, typed)
    assert_neutralised(department_cell, typed)
    # The page and the file name a school as typed, without surrounding spaces.
    assert_neutralised(site_cell, typed.strip())
    assert row[4:] == ["1", "1", "0", "0", "0", "0"]
