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
    # The first call builds it with the values, then twice with the values shifted; never again.
    assert builder.calls == 3
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
    assert builder.calls == 3
    with override_settings(TIME_ZONE="UTC"):
        statement(municipality=municipality.pk)
    assert builder.calls >= 6


def test_prefetched_rows_are_read_as_the_relation_without_a_query():
    from ribambelle.families.models import AuthorizedPerson
    from ribambelle.families.tests.factories import AuthorizedPersonFactory

    child = ChildFactory()
    people = AuthorizedPersonFactory.create_batch(2, child=child)
    rows = list(AuthorizedPerson.objects.filter(child=child).order_by("pk"))
    base = AuthorizedPerson.objects.filter(emergency_contact=True).order_by("pk")
    statements.prefetched(child, authorized_people=(rows, base))
    with CaptureQueriesContext(connection) as queries:
        assert list(child.authorized_people.all()) == people
    assert len(queries) == 0
    # A further filter keeps the queryset the rows were read from.
    people[0].emergency_contact, people[1].emergency_contact = True, False
    AuthorizedPerson.objects.bulk_update(people, ["emergency_contact"])
    assert list(child.authorized_people.all().filter(pk__gt=0)) == [people[0]]


def test_an_id_out_of_any_column_goes_through_the_orm_and_spoils_nothing(unchecked):
    """The ORM finds nothing for an id no column can hold, without asking the database: that
    answer is not kept for the ids that follow."""
    municipality = MunicipalityFactory()
    department = DepartmentFactory(municipality=municipality)
    one = Statement(
        lambda municipality, pk: Department.objects.filter(municipality=municipality, pk=pk)
    )
    assert one(municipality=municipality.pk, pk=10**20) == []
    assert one(municipality=municipality.pk, pk=department.pk) == [department]
    assert one(municipality=municipality.pk, pk=-(10**20)) == []
    above = Statement(lambda n: Department.objects.filter(pk__gt=n))
    assert above(n=-(10**20)) == [department]
    assert above(n=10**9) == []


def test_kinds_of_values_are_checked_at_every_call():
    municipality = MunicipalityFactory()
    statement = Statement(lambda pk: Department.objects.filter(pk=pk))
    statement(pk=municipality.pk)
    for wrong in (None, True, 1.0, [1]):
        with pytest.raises(TypeError):
            statement(pk=wrong)
    naive = datetime.datetime(2026, 1, 1, 12, 0)
    with pytest.raises(TypeError, match="aware"):
        Statement(lambda at: Department.objects.filter(pk__gt=0).filter(name=str(at)))(at=naive)


def test_repeated_items_of_a_tuple_are_one(unchecked):
    household = HouseholdFactory()
    first, second = ChildFactory.create_batch(2, household=household)
    listed = Statement(lambda ids: Child.objects.filter(pk__in=ids).order_by("pk"))
    assert listed(ids=(first.pk, first.pk, second.pk)) == [first, second]
    assert listed(ids=(second.pk, second.pk)) == [second]


def test_a_prefetch_with_a_queryset_is_refused():
    from django.db.models import Prefetch

    from ribambelle.families.models import AuthorizedPerson

    household = HouseholdFactory()
    statement = Statement(
        lambda household: Child.objects.filter(household=household).prefetch_related(
            Prefetch("authorized_people", queryset=AuthorizedPerson.objects.all())
        )
    )
    with pytest.raises(ValueError, match="Prefetch"):
        statement(household=household.pk)


def test_the_shapes_kept_are_bounded(unchecked, monkeypatch):
    monkeypatch.setattr(statements, "MAX_SHAPES", 3)
    household = HouseholdFactory()
    children = ChildFactory.create_batch(5, household=household)
    listed = Statement(lambda ids: Child.objects.filter(pk__in=ids).order_by("pk"))
    for size in range(1, 6):
        ids = tuple(child.pk for child in children[:size])
        assert listed(ids=ids) == children[:size]
        assert len(listed._compiled) <= 3


def test_the_week_of_no_activity_reads_nothing():
    from ribambelle.bookings import selectors as booking_selectors

    with CaptureQueriesContext(connection) as queries:
        state = booking_selectors.week_state(
            [1], [], datetime.date(2026, 1, 5), datetime.date(2026, 1, 11), only_activities=True
        )
    assert (state.bookings, state.counts, len(queries)) == ({}, {}, 0)
