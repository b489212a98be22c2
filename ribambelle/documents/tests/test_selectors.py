"""Who sees what: dates in Paris time and the audience matrix, counts in one query."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ribambelle.bookings.tests.factories import BookingFactory
from ribambelle.documents import selectors, services
from ribambelle.documents.models import Audience
from ribambelle.documents.tests.conftest import MONDAY, make_activity, publish
from ribambelle.families.models import Household
from ribambelle.tenants.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def book(child, activity, date):
    return BookingFactory(child=child, activity=activity, date=date)


def visible_titles(household):
    return set(selectors.visible_to(household).values_list("title", flat=True))


@pytest.mark.parametrize(
    ("published_offset", "ends_offset", "visible"),
    [
        (0, None, True),
        (1, None, False),
        (-10, -1, False),
        (-10, 0, True),
        (-10, 5, True),
    ],
)
def test_publication_window(frozen, household_a, menus, published_offset, ends_offset, visible):
    publish(
        menus,
        published_on=MONDAY + datetime.timedelta(days=published_offset),
        ends_on=None if ends_offset is None else MONDAY + datetime.timedelta(days=ends_offset),
    )
    assert bool(visible_titles(household_a)) is visible


def test_audience_matrix(frozen, household_a, child_a, dave, menus, canteen, evening_care):
    other_department = DepartmentFactory(municipality=menus.municipality, name="Centre de loisirs")
    holidays = make_activity(menus.municipality, other_department, "Vacances")
    publish(menus, "Tous")
    publish(menus, "Service cantine", audience=Audience.DEPARTMENT, department=canteen.department)
    publish(menus, "Service loisirs", audience=Audience.DEPARTMENT, department=other_department)
    publish(menus, "Activité cantine", audience=Audience.ACTIVITY, activity=canteen)
    publish(menus, "Activité soir", audience=Audience.ACTIVITY, activity=evening_care)
    publish(menus, "Activité vacances", audience=Audience.ACTIVITY, activity=holidays)
    publish(menus, "École Ferry", audience=Audience.SCHOOL, school="école jules-ferry")
    publish(menus, "Autre école", audience=Audience.SCHOOL, school="École Pasteur")
    # Léa booked the canteen this week, the evening care more than a year ago.
    book(child_a, canteen, MONDAY + datetime.timedelta(days=3))
    book(child_a, evening_care, MONDAY - datetime.timedelta(days=400))
    dave_household = Household.objects.get(guardians__user=dave)

    assert visible_titles(household_a) == {
        "Tous",
        "Service cantine",
        "Activité cantine",
        "École Ferry",
    }
    # Tom has no school and no booking: only what is for everyone.
    assert visible_titles(dave_household) == {"Tous"}


def test_other_municipality_never_visible(frozen, household_b, category_b, household_a, menus):
    publish(category_b, "Menu de B")
    publish(menus, "Menu de A")
    assert visible_titles(household_b) == {"Menu de B"}
    assert visible_titles(household_a) == {"Menu de A"}


def test_unread_counts_and_read_receipts(frozen, household_a, menus, rules_category):
    first = publish(menus, "Menu 1")
    publish(menus, "Menu 2")
    publish(rules_category, "Règlement")
    services.document_mark_read(document=first, household=household_a)
    services.document_mark_read(document=first, household=household_a)
    counts = {c.name: (c.visible, c.unread) for c in selectors.categories_with_unread(household_a)}
    assert counts == {"Menus": (2, 1), "Règlements": (1, 1)}
    listed = {d.title: d.is_read for d in selectors.documents_in(household_a, menus)}
    assert listed == {"Menu 1": True, "Menu 2": False}


def test_recent_for_household(frozen, household_a, menus):
    for day in range(5):
        publish(menus, f"Menu {day}", published_on=MONDAY - datetime.timedelta(days=day))
    with CaptureQueriesContext(connection) as queries:
        recent = selectors.recent_for_household(household_a)
        titles = [(d.title, d.category.name) for d in recent]
    assert titles == [("Menu 0", "Menus"), ("Menu 1", "Menus"), ("Menu 2", "Menus")]
    assert len(queries) == 1


def test_category_counts_are_one_query_whatever_the_volume(
    frozen, household_a, child_a, menus, rules_category, canteen
):
    def measure():
        with CaptureQueriesContext(connection) as queries:
            list(selectors.categories_with_unread(household_a))
        return len(queries)

    few = measure()
    for number in range(10):
        document = publish(menus, f"Menu {number}", audience=Audience.ACTIVITY, activity=canteen)
        services.document_mark_read(document=document, household=household_a)
        book(child_a, canteen, MONDAY + datetime.timedelta(days=number))
    assert measure() == few == 1


def test_schools_match_on_the_stored_key_whatever_the_case(frozen, household_a, child_a, menus):
    """The database writes the folded name on both sides (a child's record and a document),
    also when a name changes: the query compares two columns and folds nothing."""
    child_a.school = "ÉCOLE ÉMILE-ZOLA"
    child_a.save()
    publish(menus, "Zola", audience=Audience.SCHOOL, school="école émile-zola")
    child_a.refresh_from_db()
    assert child_a.school_key == "école émile-zola"
    assert visible_titles(household_a) == {"Zola"}
    sql = str(selectors.categories_with_unread(household_a).query).upper()
    assert "REPLACE" not in sql and "LOWER" not in sql


@pytest.mark.parametrize(("days_ago", "visible"), [(365, True), (366, False), (-30, True)])
def test_a_booking_counts_for_a_year_back_and_ahead(
    frozen, household_a, child_a, menus, canteen, evening_care, days_ago, visible
):
    """The department and activity audiences reach the families whose children booked in the
    last 365 days or ahead (documents.selectors.BOOKING_WINDOW), no further back."""
    publish(menus, "Service", audience=Audience.DEPARTMENT, department=evening_care.department)
    publish(menus, "Activité", audience=Audience.ACTIVITY, activity=evening_care)
    publish(menus, "Autre activité", audience=Audience.ACTIVITY, activity=canteen)
    book(child_a, evening_care, MONDAY - datetime.timedelta(days=days_ago))
    assert visible_titles(household_a) == ({"Service", "Activité"} if visible else set())


def test_staff_list_counts_the_households_that_read_each_document(
    frozen, household_a, menus, rules_category
):
    first = publish(menus, "Menu 1")
    publish(menus, "Menu 2")
    rules = publish(rules_category, "Règlement")
    other = Household.objects.create(municipality=household_a.municipality, name="Foyer Durand")
    for household in (household_a, other):
        services.document_mark_read(document=first, household=household)
    services.document_mark_read(document=first, household=household_a)  # read again: no change
    services.document_mark_read(document=rules, household=other)
    with CaptureQueriesContext(connection) as queries:
        counts = {d.title: d.read_count for d in selectors.staff_documents(menus.municipality)}
    assert counts == {"Menu 1": 2, "Menu 2": 0, "Règlement": 1}
    assert len(queries) == 1
    # The count is an aggregate of its own, never grouped (see staff_documents).
    assert "GROUP BY" not in queries[0]["sql"]
