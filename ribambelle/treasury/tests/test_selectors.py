"""The imputation of an activity: its own, else its department's, else none; resolved for a
whole office in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ribambelle.billing.tests.factories import BillingOfficeFactory
from ribambelle.bookings.tests.conftest import make_activity
from ribambelle.tenants.tests.factories import DepartmentFactory
from ribambelle.treasury.selectors import (
    imputation_grid,
    imputations_for,
    imputations_of_municipality,
)
from ribambelle.treasury.tests.imputation_factories import ImputationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(municipality_a, department_a):
    return BillingOfficeFactory(municipality=municipality_a, departments=[department_a])


def test_activity_first_then_department_then_nothing(municipality_a, department_a, office):
    leisure = DepartmentFactory(municipality=municipality_a, name="Centre de loisirs")
    office.departments.add(leisure)
    canteen = make_activity(municipality_a, department_a, "Restauration scolaire")
    snack = make_activity(municipality_a, department_a, "Goûter")
    wednesday = make_activity(municipality_a, leisure, "Mercredi")
    holidays = make_activity(municipality_a, leisure, "Vacances")
    ImputationFactory(office=office, department=department_a, nature="7067", function="213")
    ImputationFactory(office=office, activity=snack, nature="70688", function="")
    ImputationFactory(office=office, activity=wednesday, nature="7066", function="421")
    # Another office's imputation of the same department counts only for that office.
    other = BillingOfficeFactory(municipality=municipality_a, name="Autre", departments=[leisure])
    ImputationFactory(office=other, department=leisure, nature="7062", function="01")

    found = imputations_for(office)

    assert found == {
        canteen.pk: ("7067", "213"),  # the department's
        snack.pk: ("70688", ""),  # its own
        wednesday.pk: ("7066", "421"),  # its own
        holidays.pk: ("", ""),  # neither its own nor its department's
    }
    assert imputations_for(other) == {
        wednesday.pk: ("7062", "01"),
        holidays.pk: ("7062", "01"),
    }
    table = imputations_of_municipality(municipality_a)
    assert table[(office.pk, canteen.pk)] == ("7067", "213")
    assert table[(other.pk, holidays.pk)] == ("7062", "01")
    assert table[(office.pk, holidays.pk)] == ("", "")
    assert len(table) == 6  # the four activities of the office, the two of the other


def test_another_municipality_is_never_mixed_in(municipality_a, municipality_b, office):
    department_b = DepartmentFactory(municipality=municipality_b, name="Cantine B")
    office_b = BillingOfficeFactory(municipality=municipality_b, departments=[department_b])
    make_activity(municipality_b, department_b, "Cantine de B")
    ImputationFactory(office=office_b, department=department_b)
    canteen = make_activity(municipality_a, office.departments.get(), "Restauration scolaire")
    assert imputations_of_municipality(municipality_a) == {(office.pk, canteen.pk): ("", "")}
    assert imputations_for(office) == {canteen.pk: ("", "")}


def count(function, *args) -> int:
    with CaptureQueriesContext(connection) as context:
        function(*args)
    return len(context.captured_queries)


def test_constant_queries_whatever_the_office_size(municipality_a, department_a, office):
    make_activity(municipality_a, department_a, "Activité 0")
    ImputationFactory(office=office, department=department_a)
    before = [count(imputations_for, office), count(imputation_grid, office)]
    for index in range(1, 6):
        department = DepartmentFactory(municipality=municipality_a, name=f"Service {index}")
        office.departments.add(department)
        activity = make_activity(municipality_a, department, f"Activité {index}")
        ImputationFactory(office=office, activity=activity)
    assert len(imputations_for(office)) == 6
    assert [count(imputations_for, office), count(imputation_grid, office)] == before
    assert before == [2, 3]
