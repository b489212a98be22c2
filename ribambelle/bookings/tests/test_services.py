import datetime

import pytest

from ribambelle.bookings import rules, services
from ribambelle.bookings.models import Booking, DayCount
from ribambelle.bookings.rules import Change
from ribambelle.bookings.tests.conftest import MONDAY, make_activity
from ribambelle.bookings.tests.factories import ClosureFactory
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child, Household, Requirement
from ribambelle.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

THURSDAY = MONDAY + datetime.timedelta(days=3)
NEXT_MONDAY = MONDAY + datetime.timedelta(days=7)


def apply(household, alice, changes, **extra):
    return services.bookings_apply(
        municipality=household.municipality,
        household=household,
        actor=alice,
        changes=changes,
        **extra,
    )


def test_book_then_cancel_keeps_the_counter(frozen, household_a, child_a, canteen, alice):
    [outcome] = apply(household_a, alice, [Change(child_a.pk, canteen.pk, THURSDAY, True)])
    assert outcome.kind == services.BOOKED
    assert Booking.objects.filter(child=child_a, activity=canteen, date=THURSDAY).exists()
    assert DayCount.objects.get(activity=canteen, date=THURSDAY).booked == 1
    [again] = apply(household_a, alice, [Change(child_a.pk, canteen.pk, THURSDAY, True)])
    assert again.kind == services.ALREADY
    [cancel] = apply(household_a, alice, [Change(child_a.pk, canteen.pk, THURSDAY, False)])
    assert cancel.kind == services.CANCELLED
    assert not Booking.objects.exists()
    assert DayCount.objects.get(activity=canteen, date=THURSDAY).booked == 0


def test_deadline_passed_changes_nothing(frozen, household_a, child_a, canteen, alice):
    # Monday 09:00: Tuesday's deadline (Sunday 23:59) has passed.
    tuesday = MONDAY + datetime.timedelta(days=1)
    [outcome] = apply(household_a, alice, [Change(child_a.pk, canteen.pk, tuesday, True)])
    assert outcome.kind == services.REFUSED
    assert "Délai dépassé" in outcome.reason
    assert not Booking.objects.exists()


def test_closed_days_are_refused(frozen, household_a, child_a, canteen, alice):
    ClosureFactory(
        municipality=canteen.municipality, label="Grève", starts_on=THURSDAY, ends_on=THURSDAY
    )
    wednesday = MONDAY + datetime.timedelta(days=2)
    outcomes = apply(
        household_a,
        alice,
        [
            Change(child_a.pk, canteen.pk, THURSDAY, True),
            Change(child_a.pk, canteen.pk, wednesday, True),
        ],
    )
    assert [o.kind for o in outcomes] == [services.REFUSED, services.REFUSED]
    assert "Grève" in outcomes[0].reason
    assert "non proposé" in outcomes[1].reason
    assert not Booking.objects.exists()
    assert not DayCount.objects.exists()


def test_capacity(frozen, household_a, child_a, municipality_a, department_a, alice):
    activity = make_activity(municipality_a, department_a, capacity=1)
    other = ChildFactory(
        household=household_a,
        first_name="Noé",
        last_name="Martin",
        birth_date=datetime.date(2019, 1, 1),
    )
    outcomes = apply(
        household_a,
        alice,
        [
            Change(child_a.pk, activity.pk, THURSDAY, True),
            Change(other.pk, activity.pk, THURSDAY, True),
        ],
    )
    assert [o.kind for o in outcomes] == [services.BOOKED, services.REFUSED]
    assert "Complet" in outcomes[1].reason
    assert Booking.objects.count() == 1


def test_forged_child_or_activity_raises_and_writes_nothing(
    frozen, household_a, child_a, canteen, activity_b, alice, dave
):
    tom = Child.objects.get(first_name="Tom")
    with pytest.raises(services.BookingError):
        apply(household_a, alice, [Change(tom.pk, canteen.pk, THURSDAY, True)])
    with pytest.raises(services.BookingError):
        apply(household_a, alice, [Change(child_a.pk, activity_b.pk, THURSDAY, True)])
    assert not Booking.objects.exists()


def test_incomplete_record_blocks_the_department(frozen, household_a, child_a, canteen, alice):
    Requirement.objects.create(
        municipality=canteen.municipality, department=canteen.department, item="doctor"
    )
    [outcome] = apply(household_a, alice, [Change(child_a.pk, canteen.pk, THURSDAY, True)])
    assert outcome.kind == services.REFUSED
    assert "Dossier incomplet" in outcome.reason


def test_pending_household_cannot_book(frozen, household_a, child_a, canteen, alice):
    Household.objects.filter(pk=household_a.pk).update(status=Household.Status.PENDING)
    [outcome] = apply(household_a, alice, [Change(child_a.pk, canteen.pk, THURSDAY, True)])
    assert outcome.kind == services.REFUSED
    assert not Booking.objects.exists()


def test_staff_override_is_logged(frozen, household_a, child_a, canteen, agent_a):
    tuesday = MONDAY + datetime.timedelta(days=1)
    [outcome] = apply(
        household_a,
        agent_a,
        [Change(child_a.pk, canteen.pk, tuesday, True)],
        override=True,
        source=Booking.Source.STAFF,
    )
    assert outcome.kind == services.BOOKED
    booking = Booking.objects.get()
    assert booking.late and booking.source == "staff"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.OVERRIDE)
    assert entry.actor == agent_a and entry.household_id == household_a.pk


def test_mass_booking_replace(frozen, household_a, child_a, canteen, alice):
    start, end = NEXT_MONDAY, NEXT_MONDAY + datetime.timedelta(days=13)
    common = {
        "municipality": household_a.municipality,
        "household": household_a,
        "actor": alice,
        "pairs": [(child_a, canteen)],
        "start": start,
        "end": end,
    }
    result = services.bookings_mass_apply(weekdays={0, 1, 3, 4}, mode=rules.MASS_ADD, **common)
    assert len(result[(child_a.pk, canteen.pk)].booked) == 8
    result = services.bookings_mass_apply(weekdays={0}, mode=rules.MASS_REPLACE, **common)
    summary = result[(child_a.pk, canteen.pk)]
    assert len(summary.already) == 2 and len(summary.cancelled) == 6
    assert sorted(Booking.objects.values_list("date", flat=True)) == summary.already


def test_for_household_reads_the_bookings_of_its_children_only(
    frozen, household_a, child_a, canteen, dave, household_b, activity_b
):
    tom = Child.objects.get(household__guardians__user=dave)
    lou = Child.objects.get(household=household_b)
    for child, activity in ((child_a, canteen), (tom, canteen), (lou, activity_b)):
        Booking.objects.create(
            municipality=activity.municipality, child=child, activity=activity, date=THURSDAY
        )
    assert [b.child for b in Booking.objects.for_household(household_a)] == [child_a]
    assert [b.child for b in Booking.objects.for_household(household_b)] == [lou]
    # A household id under another municipality never matches.
    forged = Household(pk=household_a.pk, municipality_id=household_b.municipality_id)
    assert not Booking.objects.for_household(forged).exists()
