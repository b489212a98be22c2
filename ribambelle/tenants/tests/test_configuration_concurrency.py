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
from ribambelle.bookings.models import Booking, Closure
from ribambelle.bookings.rules import Change
from ribambelle.bookings.tests.conftest import MONDAY, NOW, make_activity
from ribambelle.bookings.tests.factories import ClosureFactory
from ribambelle.families.tests.factories import ChildFactory, HouseholdFactory
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
        # The family's booking references the municipality (a KEY SHARE lock), and its page
        # reads the version: neither waits for the staff's transaction.
        outcomes = services.bookings_apply(
            municipality=municipality_a,
            household=household,
            actor=None,
            changes=[Change(child.pk, activity.pk, THURSDAY, True)],
        )
        assert [outcome.kind for outcome in outcomes] == [services.BOOKED]
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
        try:
            with transaction.atomic():
                waiting.set()
                Closure.objects.filter(pk=second_closure.pk).update(label="B2")
                seen["second"] = version(municipality_a)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    follower = threading.Thread(target=second)
    follower.start()
    assert waiting.wait(10)
    follower.join(0.5)
    assert follower.is_alive(), "the second change waits for the first one's commit"
    release.set()
    holder.join()
    follower.join(10)
    assert errors == []
    assert seen["first"] < seen["second"] == version(municipality_a)
