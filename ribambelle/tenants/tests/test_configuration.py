"""A municipality's configuration kept per process (tenants.configuration): the triggers that move
its version on every change of a tracked table, whatever writes it, and what a ByConfiguration
keeps, gives and refuses to keep. On both databases."""

import copy
import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from ribambelle.bookings.models import Activity, Closure
from ribambelle.bookings.tests.factories import ActivityFactory, BookingFactory, ClosureFactory
from ribambelle.families.models import Consent, Requirement
from ribambelle.families.tests.factories import (
    ChildFactory,
    ConsentFactory,
    HouseholdFactory,
    RequirementFactory,
)
from ribambelle.tenants import configuration
from ribambelle.tenants.models import Department, Municipality
from ribambelle.tenants.tests.factories import DepartmentFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db

TRACKED = {
    "activity": (ActivityFactory, Activity, {"name": "Mercredis"}),
    "closure": (ClosureFactory, Closure, {"label": "Pont"}),
    "requirement": (RequirementFactory, Requirement, {"item": Requirement.Item.DOCTOR}),
    "consent": (ConsentFactory, Consent, {"label": "Photos"}),
    "department": (DepartmentFactory, Department, {"name": "Accueil de loisirs"}),
}


def version(municipality):
    return Municipality.objects.values_list("config_version", flat=True).get(pk=municipality.pk)


def test_every_tracked_table_has_its_triggers():
    tables = {
        model._meta.db_table for model in (Activity, Closure, Requirement, Consent, Department)
    }
    assert set(configuration._tables()) == tables


@pytest.mark.parametrize("name", TRACKED)
def test_every_write_of_a_tracked_table_moves_the_version(name):
    factory, model, values = TRACKED[name]
    town, other = MunicipalityFactory(slug="ville-a"), MunicipalityFactory(slug="ville-b")
    before, other_before = version(town), version(other)
    row = factory(municipality=town)
    seen = [before, version(town)]
    for field, value in values.items():  # an ORM save
        setattr(row, field, value)
    row.save()
    seen.append(version(town))
    model.objects.filter(pk=row.pk).update(**values)  # a bulk update
    seen.append(version(town))
    with connection.cursor() as cursor:  # SQL typed by hand
        cursor.execute(f"UPDATE {model._meta.db_table} SET id = id WHERE id = %s", [row.pk])  # noqa: S608
    seen.append(version(town))
    row.delete()
    seen.append(version(town))
    assert seen == sorted(set(seen)), "each write gives a greater version"
    assert version(other) == other_before


def test_writes_outside_the_configuration_leave_it():
    town = MunicipalityFactory(slug="ville-a")
    activity = ActivityFactory(municipality=town)
    before = version(town)
    household = HouseholdFactory(municipality=town)
    child = ChildFactory(household=household)
    BookingFactory(child=child, activity=activity, date=datetime.date(2026, 11, 23))
    town.refresh_from_db()
    town.news = "Bonne rentrée"
    town.save()
    assert version(town) == before


def test_an_older_save_of_the_municipality_keeps_the_version():
    """A form that read the municipality before a change saves every field: the version it
    carries is older, and is not written back."""
    town = MunicipalityFactory(slug="ville-a")
    stale = Municipality.objects.get(pk=town.pk)
    ClosureFactory(municipality=town)
    moved = version(town)
    assert stale.config_version < moved
    stale.name = "Ville A"
    stale.save()
    assert version(town) == moved
    assert Municipality.objects.get(pk=town.pk).name == "Ville A"


def test_a_rolled_back_change_gives_its_version_to_no_one():
    town = MunicipalityFactory(slug="ville-a")
    before = version(town)
    with pytest.raises(RuntimeError), transaction.atomic():
        ClosureFactory(municipality=town)
        rolled_back = version(town)
        raise RuntimeError
    assert version(town) == before
    ClosureFactory(municipality=town)
    assert version(town) not in {before, rolled_back}


def test_install_is_repeatable_and_moves_every_version():
    town = MunicipalityFactory(slug="ville-a")
    before = version(town)
    configuration.install(connection.alias)
    configuration.install(connection.alias)
    after = version(town)
    assert after > before
    ClosureFactory(municipality=town)
    assert version(town) > after


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL keeps them in migrations")
def test_sqlite_drops_them_before_migrating():
    town = MunicipalityFactory(slug="ville-a")
    try:
        configuration.uninstall(connection.alias)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                ["ribambelle_configuration%"],
            )
            assert cursor.fetchone() == (0,)
        before = version(town)
        ClosureFactory(municipality=town)
        assert version(town) == before
    finally:
        configuration.install(connection.alias)
    ClosureFactory(municipality=town)
    assert version(town) > before


# What a ByConfiguration keeps.


def closure_labels(municipality):
    return list(Closure.objects.for_municipality(municipality).values_list("label", flat=True))


def activities(municipality):
    return list(Activity.objects.for_municipality(municipality).select_related("department"))


def read_at_request_start(municipality):
    """As tenants.middleware gives it to a view (within the request's scope, below)."""
    return configuration.current(Municipality.objects.get(pk=municipality.pk))


@pytest.fixture(autouse=True)
def in_a_request():
    with configuration.request_scope():
        yield


def count(function, municipality):
    with CaptureQueriesContext(connection) as captured:
        value = function(municipality)
    return value, len(captured.captured_queries)


@pytest.fixture
def town():
    town = MunicipalityFactory(slug="ville-a")
    ClosureFactory(municipality=town, label="Noël")
    ActivityFactory(municipality=town)
    return town


def test_kept_until_the_version_moves(town):
    kept = configuration.ByConfiguration(closure_labels)
    request_town = read_at_request_start(town)
    assert count(kept, request_town) == (["Noël"], 1)
    assert count(kept, read_at_request_start(town)) == (["Noël"], 0)
    ClosureFactory(municipality=town, label="Pont")
    assert count(kept, read_at_request_start(town)) == (["Noël", "Pont"], 1)
    assert count(kept, read_at_request_start(town)) == (["Noël", "Pont"], 0)


def test_an_instance_not_read_by_the_request_is_never_trusted(town):
    """A command's or a task's municipality may be older than the configuration."""
    kept = configuration.ByConfiguration(closure_labels)
    assert count(kept, town) == (["Noël"], 1)
    assert count(kept, town) == (["Noël"], 1)
    ClosureFactory(municipality=town, label="Pont")
    assert count(kept, town) == (["Noël", "Pont"], 1)


def test_nothing_read_in_a_transaction_is_kept(town):
    """It could be a change of this transaction, rolled back after."""
    kept = configuration.ByConfiguration(closure_labels)
    request_town = read_at_request_start(town)
    with transaction.atomic():
        ClosureFactory(municipality=town, label="Annulée")
        assert count(kept, request_town) == (["Noël", "Annulée"], 1)
        transaction.set_rollback(True)
    assert count(kept, request_town) == (["Noël"], 1)
    assert count(kept, request_town) == (["Noël"], 0)


def test_each_caller_gets_its_own_instances(town):
    kept = configuration.ByConfiguration(activities)
    first = kept(read_at_request_start(town))
    first[0].name = "Changée"
    first[0].department.name = "Changé"
    first.append(None)
    second = kept(read_at_request_start(town))
    assert len(second) == 1
    assert second[0] is not first[0]
    assert (second[0].name, second[0].department.name) == (
        "Restauration scolaire",
        town.departments.get().name,
    )


def test_the_check_finds_a_value_kept_past_a_change(town):
    """A request that changes the configuration and reads it again through the cache carries
    the version from before: the suite's check (CHECK) sees the difference."""
    assert configuration.CHECK
    kept = configuration.ByConfiguration(closure_labels)
    request_town = read_at_request_start(town)
    kept(request_town)
    ClosureFactory(municipality=town, label="Pont")
    with pytest.raises(AssertionError, match="not what its configuration reads now"):
        kept(request_town)


def test_the_check_queries_are_not_counted(town, django_assert_num_queries):
    kept = configuration.ByConfiguration(closure_labels)
    kept(read_at_request_start(town))
    request_town = read_at_request_start(town)
    with django_assert_num_queries(0):
        kept(request_town)


def test_another_municipality_is_kept_apart(town):
    kept = configuration.ByConfiguration(closure_labels)
    other = MunicipalityFactory(slug="ville-b")
    ClosureFactory(municipality=other, label="Toussaint")
    assert kept(read_at_request_start(town)) == ["Noël"]
    assert kept(read_at_request_start(other)) == ["Toussaint"]
    assert kept(read_at_request_start(town)) == ["Noël"]


def test_the_oldest_municipality_is_forgotten_first(town, monkeypatch):
    monkeypatch.setattr(configuration, "MAX_MUNICIPALITIES", 2)
    kept = configuration.ByConfiguration(closure_labels)
    towns = [town, MunicipalityFactory(slug="ville-b"), MunicipalityFactory(slug="ville-c")]
    for each in towns:
        kept(read_at_request_start(each))
    assert count(kept, read_at_request_start(towns[2]))[1] == 0
    assert count(kept, read_at_request_start(towns[0]))[1] == 1


def test_the_mark_ends_with_the_request(town):
    """An instance kept after its request (by a cache, a task, a copy) is read again."""
    kept = configuration.ByConfiguration(closure_labels)
    with configuration.request_scope():
        request_town = read_at_request_start(town)
        assert count(kept, request_town) == (["Noël"], 1)
        assert count(kept, request_town) == (["Noël"], 0)
    assert count(kept, request_town) == (["Noël"], 1)
    copied = copy.copy(read_at_request_start(town))
    assert count(kept, copied) == (["Noël"], 1)


def test_a_request_marks_its_municipality_for_its_own_time(client, town):
    from ribambelle.tenants import middleware

    seen = {}

    def view(request):
        seen["during"] = configuration._current.get()
        return HttpResponse()

    handler = middleware.MunicipalityMiddleware(lambda request: view(request))
    request = RequestFactory().get("/ville-a/")
    request.user = AnonymousUser()

    def respond(request):
        handler.process_view(request, view, (), {"municipality_slug": "ville-a"})
        return view(request)

    middleware.MunicipalityMiddleware(respond)(request)
    assert seen["during"] == town and seen["during"] is request.municipality
    assert configuration._current.get() is None


def test_without_its_triggers_nothing_is_kept(town):
    """A `migrate` that failed after dropping them (SQLite): every call reads."""
    kept = configuration.ByConfiguration(closure_labels)
    name = f"{configuration._PREFIX}_bookings_closure_insert"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'DROP TRIGGER {name} ON "bookings_closure"')
        else:
            cursor.execute(f'DROP TRIGGER "{name}"')
    configuration._present.clear()
    try:
        assert count(kept, read_at_request_start(town)) == (["Noël"], 2)  # and the check
        assert count(kept, read_at_request_start(town)) == (["Noël"], 1)
    finally:
        configuration.install(connection.alias)
    configuration._present.clear()  # a process that did not install them looks once
    assert count(kept, read_at_request_start(town)) == (["Noël"], 2)
    assert count(kept, read_at_request_start(town)) == (["Noël"], 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_a_truncated_table_moves_every_version():
    towns = [MunicipalityFactory(slug="ville-a"), MunicipalityFactory(slug="ville-b")]
    ClosureFactory(municipality=towns[0])
    before = [version(town) for town in towns]
    with connection.cursor() as cursor:
        # The test's transaction holds the closure's deferred foreign key checks: run them.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute('TRUNCATE "bookings_closure"')
    after = [version(town) for town in towns]
    assert all(new > old for old, new in zip(before, after, strict=True))


def test_one_statement_of_many_rows_moves_each_municipality():
    towns = [MunicipalityFactory(slug="ville-a"), MunicipalityFactory(slug="ville-b")]
    before = [version(town) for town in towns]
    Closure.objects.bulk_create(
        [
            Closure(
                municipality=town,
                label=f"Fermeture {n}",
                starts_on=datetime.date(2026, 12, 1 + n),
                ends_on=datetime.date(2026, 12, 1 + n),
            )
            for town in towns
            for n in range(20)
        ]
    )
    after = [version(town) for town in towns]
    assert all(new > old for old, new in zip(before, after, strict=True))
    Closure.objects.filter(municipality=towns[0]).update(label="Pont")
    assert version(towns[0]) > after[0]
    assert version(towns[1]) == after[1]


def test_outside_a_request_nothing_is_marked(town):
    """A command or a task that calls `current` marks nothing: every call reads."""
    kept = configuration.ByConfiguration(closure_labels)
    token = configuration._current.set(configuration._OUTSIDE)
    try:
        outside = configuration.current(Municipality.objects.get(pk=town.pk))
        assert count(kept, outside) == (["Noël"], 1)
        assert count(kept, outside) == (["Noël"], 1)
    finally:
        configuration._current.reset(token)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite cannot disable one")
def test_a_disabled_trigger_counts_as_missing(town):
    name = f"{configuration._PREFIX}_bookings_closure_insert"
    with connection.cursor() as cursor:
        # The test's transaction holds the fixture's deferred foreign key checks: run them.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'ALTER TABLE "bookings_closure" DISABLE TRIGGER {name}')
    configuration._present.clear()
    try:
        assert not configuration._triggers_present(connection.alias)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE "bookings_closure" ENABLE TRIGGER {name}')
        configuration._present.clear()
    assert configuration._triggers_present(connection.alias)


def test_install_removes_the_triggers_it_no_longer_creates(town):
    """An older version's trigger of the same library is dropped, not left to fire too."""
    name = f"{configuration._PREFIX}_changed"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN RETURN NULL; END $$"
            )
            cursor.execute(
                f'CREATE TRIGGER {name} AFTER INSERT ON "bookings_closure"'
                f" FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        else:
            cursor.execute(
                f'CREATE TRIGGER "{name}" AFTER INSERT ON "bookings_closure" BEGIN SELECT 1; END'
            )
    configuration.install(connection.alias)
    found = configuration._triggers_found(connection)
    assert ("bookings_closure", name) not in found
    assert found == configuration._expected_triggers(connection.vendor)
