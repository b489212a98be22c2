"""core.statements: a queryset compiled once and run with other values gives what the ORM
gives, refuses what it cannot substitute, and is checked against a fresh build in tests."""

import datetime

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext, override_settings

from ribambelle.core import statements
from ribambelle.core.statements import Statement
from ribambelle.families.models import Child
from ribambelle.families.tests.factories import ChildFactory, HouseholdFactory
from ribambelle.tenants.models import Department, HouseholdKey
from ribambelle.tenants.tests.factories import DepartmentFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db


class Counting:
    """A builder that counts how often the statement builds its queryset."""

    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self, **values):
        self.calls += 1
        return self.build(**values)


@pytest.fixture
def unchecked():
    """The production mode: no fresh build compared at each call."""
    statements.CHECK = False
    yield
    statements.CHECK = True


def children(municipality, household):
    return (
        Child.objects.for_household(HouseholdKey(municipality, household))
        .select_related("household")
        .order_by("pk")
    )


def test_same_rows_as_the_orm_for_each_household_built_twice_only_once(unchecked):
    municipality = MunicipalityFactory()
    first, second = (
        HouseholdFactory(municipality=municipality),
        HouseholdFactory(municipality=municipality),
    )
    ChildFactory.create_batch(2, household=first)
    ChildFactory(household=second)
    other_town_household = HouseholdFactory()
    ChildFactory(household=other_town_household)
    builder = Counting(children)
    statement = Statement(builder)

    for household in (first, second, first, other_town_household):
        with CaptureQueriesContext(connection) as queries:
            rows = statement(municipality=household.municipality_id, household=household.pk)
        expected = list(children(household.municipality_id, household.pk))
        assert [(c.pk, c.first_name, c.household.pk) for c in rows] == [
            (c.pk, c.first_name, c.household.pk) for c in expected
        ]
        # select_related came with the row: no query when it is read.
        assert len(queries) == 1
    # The first call builds it with the values, then with the values shifted; never again.
    assert builder.calls == 2
    # A household's id with another municipality's: nothing (the tenant filter holds).
    assert statement(municipality=municipality.pk, household=other_town_household.pk) == []


def test_values_list_flat_and_annotations_keep_their_shape():
    municipality = MunicipalityFactory()
    DepartmentFactory(municipality=municipality, name="Restauration")
    DepartmentFactory(municipality=municipality, name="Loisirs")
    names = Statement(
        lambda municipality: (
            Department.objects.filter(municipality=municipality)
            .order_by("name")
            .values_list("name", flat=True)
        )
    )
    pairs = Statement(
        lambda municipality: (
            Department.objects.filter(municipality=municipality)
            .order_by("name")
            .values_list("pk", "name")
        )
    )
    counted = Statement(
        lambda municipality: (
            Department.objects.filter(municipality=municipality)
            .order_by()
            .values("municipality")
            .annotate(n=Count("pk"))
            .values_list("n", flat=True)
        )
    )
    assert names(municipality=municipality.pk) == ["Loisirs", "Restauration"]
    assert [name for _pk, name in pairs(municipality=municipality.pk)] == [
        "Loisirs",
        "Restauration",
    ]
    assert counted(municipality=municipality.pk) == [2]


def test_dates_and_tuples_are_substituted_and_an_empty_tuple_reads_nothing():
    municipality = MunicipalityFactory()
    household = HouseholdFactory(municipality=municipality)
    older = ChildFactory(household=household, birth_date=datetime.date(2016, 3, 1))
    younger = ChildFactory(household=household, birth_date=datetime.date(2020, 9, 1))
    born_after = Statement(
        lambda ids, day: Child.objects.filter(pk__in=ids, birth_date__gt=day).order_by("pk")
    )

    assert born_after(ids=(older.pk, younger.pk), day=datetime.date(2015, 1, 1)) == [
        older,
        younger,
    ]
    assert born_after(ids=(older.pk, younger.pk), day=datetime.date(2018, 1, 1)) == [younger]
    # Another length is another statement.
    assert born_after(ids=(older.pk,), day=datetime.date(2015, 1, 1)) == [older]
    with CaptureQueriesContext(connection) as queries:
        assert born_after(ids=(), day=datetime.date(2015, 1, 1)) == []
    assert len(queries) == 0


def test_a_derived_value_is_refused():
    derived = Statement(
        lambda day: Child.objects.filter(birth_date__gt=day - datetime.timedelta(days=1))
    )
    with pytest.raises(ValueError, match="derived"):
        derived(day=datetime.date(2020, 1, 1))


def test_sql_that_changes_with_a_value_is_refused():
    shaped = Statement(
        lambda n: Child.objects.filter(pk=n) if n < 1000 else Child.objects.filter(pk__gte=n)
    )
    with pytest.raises(ValueError, match="changes with its values"):
        shaped(n=5)


@pytest.mark.parametrize("value", [True, None, [1, 2], 1.5])
def test_values_that_change_the_sql_text_are_refused(value):
    statement = Statement(lambda x: Child.objects.filter(pk=x))
    with pytest.raises(TypeError):
        statement(x=value)


def test_a_builder_reading_something_else_fails_the_check():
    municipality = MunicipalityFactory()
    state = {"name": "A"}
    impure = Statement(
        lambda municipality: Department.objects.filter(
            municipality=municipality, name=state["name"]
        )
    )
    impure(municipality=municipality.pk)
    state["name"] = "B"
    with pytest.raises(AssertionError, match="compiled differently"):
        impure(municipality=municipality.pk)


def test_select_for_update_needs_a_transaction_at_every_call(transactional_db):
    household = HouseholdFactory()
    locked = Statement(
        lambda municipality, household: Child.objects.for_household(
            HouseholdKey(municipality, household)
        ).select_for_update()
    )
    values = {"municipality": household.municipality_id, "household": household.pk}
    with transaction.atomic():
        assert locked(**values) == []
    with pytest.raises(TransactionManagementError):
        locked(**values)


def test_a_setting_that_changes_compiling_forgets_the_statements(unchecked):
    municipality = MunicipalityFactory()
    builder = Counting(lambda municipality: Department.objects.filter(municipality=municipality))
    statement = Statement(builder)
    statement(municipality=municipality.pk)
    assert builder.calls == 2
    with override_settings(TIME_ZONE="UTC"):
        statement(municipality=municipality.pk)
    assert builder.calls >= 4
