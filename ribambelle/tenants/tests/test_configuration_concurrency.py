"""The configuration's version under concurrent transactions, on PostgreSQL where they really run
in parallel: a change of configuration holds its municipality's row until it commits, which
orders the versions as the changes commit, and holds back neither the families' bookings nor
the pages that read the version."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections, transaction

from ribambelle.bookings import services
from ribambelle.bookings.models import Activity, Booking, Closure
from ribambelle.bookings.rules import Change
from ribambelle.bookings.tests.conftest import MONDAY, NOW, make_activity
from ribambelle.bookings.tests.factories import ClosureFactory
from ribambelle.families.models import Consent
from ribambelle.families.services import staff as family_services
from ribambelle.families.tests.factories import (
    ChildFactory,
    ConsentFactory,
    HouseholdFactory,
    RequirementFactory,
)
from ribambelle.tenants import configuration
from ribambelle.tenants.models import Municipality

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="parallel transactions need PostgreSQL"
    ),
]

THURSDAY = MONDAY + datetime.timedelta(days=3)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield


def version(municipality):
    return Municipality.objects.values_list("config_version", flat=True).get(pk=municipality.pk)


def in_a_transaction(work, started, release, errors):
    """Runs `work` in a transaction of its own thread, held open until `release` is set."""

    def run():
        try:
            with transaction.atomic():
                work()
                started.set()
                assert release.wait(10)
        except Exception as error:
            errors.append(error)
            started.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def in_a_thread(work, errors, name=None):
    """Runs `work` in a transaction of its own thread, started at once; its error, if any, is
    added to `errors`."""

    def run():
        try:
            with transaction.atomic():
                work()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def waited(waiter, holder, release):
    """Whether `waiter` was still blocked half a second after it started; then `holder` is
    released, and both are given the time to finish."""
    waiter.join(0.5)
    blocked = waiter.is_alive()
    release.set()
    holder.join(10)
    waiter.join(10)
    return blocked


def test_a_change_in_progress_holds_back_no_booking(frozen, municipality_a, department_a):
    activity = make_activity(municipality_a, department_a, "Restauration")
    household = HouseholdFactory(municipality=municipality_a)
    child = ChildFactory(household=household, birth_date=datetime.date(2018, 1, 1))
    closure = ClosureFactory(municipality=municipality_a, starts_on=MONDAY, ends_on=MONDAY)
    before = version(municipality_a)
    started, release, errors = threading.Event(), threading.Event(), []
    staff = in_a_transaction(
        lambda: Closure.objects.filter(pk=closure.pk).update(label="Grève"),
        started,
        release,
        errors,
    )
    try:
        assert started.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        # The family's tick, as the grid sends it: its page reads the version with the
        # session, the configuration before the transaction, and its booking references the
        # municipality (a KEY SHARE lock): none of them waits for the staff's transaction.
        with configuration.request_scope():
            request_town = configuration.current(Municipality.objects.get(pk=municipality_a.pk))
            applied = services.bookings_grid_apply(
                municipality=request_town,
                household=household,
                actor=None,
                changes=[Change(child.pk, activity.pk, THURSDAY, True)],
                monday=MONDAY,
            )
        assert [outcome.kind for outcome in applied.outcomes] == [services.BOOKED]
        assert version(municipality_a) == before
    finally:
        release.set()
        staff.join()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert errors == []
    assert Booking.objects.filter(child=child, date=THURSDAY).count() == 1
    assert version(municipality_a) > before


def test_two_changes_commit_one_after_the_other_in_the_order_of_their_versions(municipality_a):
    first_closure = ClosureFactory(municipality=municipality_a, label="A")
    second_closure = ClosureFactory(municipality=municipality_a, label="B")
    started, release, errors = threading.Event(), threading.Event(), []
    seen = {}

    def first():
        Closure.objects.filter(pk=first_closure.pk).update(label="A2")
        seen["first"] = version(municipality_a)

    holder = in_a_transaction(first, started, release, errors)
    assert started.wait(10)
    waiting = threading.Event()

    def second():
        waiting.set()
        Closure.objects.filter(pk=second_closure.pk).update(label="B2")
        seen["second"] = version(municipality_a)

    follower = in_a_thread(second, errors)
    assert waiting.wait(10)
    assert waited(follower, holder, release), "the second change waits for the first's commit"
    assert errors == []
    assert seen["first"] < seen["second"] == version(municipality_a)


def test_two_staff_changes_of_one_configuration_wait_instead_of_deadlocking(
    municipality_a, department_a, manager_a, monkeypatch
):
    """Moving a consent locks the consents, then renumbers them; deleting one that a
    requirement names deletes the requirement, then the consent. With the version on the
    municipality's row, each would end up waiting for a row the other holds; both services
    lock that row first (configuration.changing), so the second one waits at its start."""
    consents = [ConsentFactory(municipality=municipality_a, position=n) for n in range(3)]
    RequirementFactory(
        municipality=municipality_a,
        department=department_a,
        item=RequirementFactory._meta.model.Item.CONSENT,
        consent=consents[2],
    )
    started, release, errors = threading.Event(), threading.Event(), []
    save = Consent.save

    def save_after_the_other_started(self, *args, **kwargs):
        if threading.current_thread().name == "move" and not started.is_set():
            started.set()
            assert release.wait(10)
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Consent, "save", save_after_the_other_started)

    mover = in_a_thread(
        lambda: family_services.consent_move(
            actor=manager_a, municipality=municipality_a, consent=consents[0], step=1
        ),
        errors,
        name="move",
    )
    assert started.wait(10)
    deleter = in_a_thread(
        lambda: family_services.consent_delete(
            actor=manager_a, municipality=municipality_a, consent=consents[2]
        ),
        errors,
    )
    assert waited(deleter, mover, release), "the deletion waits for the move's commit"
    assert errors == []
    assert list(
        Consent.objects.filter(municipality=municipality_a)
        .order_by("position")
        .values_list("pk", flat=True)
    ) == [consents[1].pk, consents[0].pk]


def test_a_save_outside_the_services_waits_for_the_municipality_first(municipality_a, department_a):
    """The admin saves an activity with the ORM while a service, which locked the
    municipality's row first, is about to update the same activity: the save locks that row
    first too (a pre_save receiver), so it waits instead of holding the activity."""
    activity = make_activity(municipality_a, department_a, "Mercredis")
    started, release, errors = threading.Event(), threading.Event(), []

    def service():
        configuration.changing(municipality_a)
        started.set()
        assert release.wait(10)
        stored = Activity.objects.select_for_update().get(pk=activity.pk)
        stored.name = "Mercredis loisirs"
        stored.save()

    holder = in_a_transaction(service, started, release, errors)
    assert started.wait(10)

    def admin_save():
        stored = Activity.objects.get(pk=activity.pk)
        stored.capacity = 40
        stored.save(update_fields=["capacity"])

    admin = in_a_thread(admin_save, errors)
    assert waited(admin, holder, release), "the admin's save waits for the service's commit"
    assert errors == []
    activity.refresh_from_db()
    assert (activity.name, activity.capacity) == ("Mercredis loisirs", 40)
