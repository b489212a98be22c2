"""Every write a member of staff makes in bookings leaves an audit entry (invariant 8): bookings
made or cancelled for a household (in time as well as late), attendance marks set, changed and
taken away, and the configuration services called with cleaned values. Families' own bookings
are not staff writes and log nothing."""

import datetime

import pytest
from django.urls import reverse

from ribambelle.bookings import services
from ribambelle.bookings.forms_config import ActivityForm
from ribambelle.bookings.models import Activity, Attendance, Booking, BookingSettings
from ribambelle.bookings.rules import Change
from ribambelle.bookings.services import attendance
from ribambelle.bookings.services import config as config_services
from ribambelle.bookings.tests.conftest import MONDAY
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.models import Department

pytestmark = pytest.mark.django_db

THURSDAY = MONDAY + datetime.timedelta(days=3)
FRIDAY = MONDAY + datetime.timedelta(days=4)


def staff_save(household):
    return f"/ville-a/gestion/familles/{household.pk}/reservations/enregistrer/"


def cell(child, activity, day):
    return f"{child.pk}:{activity.pk}:{day.isoformat()}"


def test_staff_booking_and_cancelling_in_time_are_logged(
    frozen, agent_client, agent_a, household_a, child_a, canteen
):
    key = cell(child_a, canteen, THURSDAY)
    data = {"child": child_a.pk, "semaine": MONDAY.isoformat(), "shown": [key], "cell": [key]}
    assert agent_client.post(staff_save(household_a), data).status_code == 302
    assert Booking.objects.get().late is False
    booked = AuditEntry.objects.get()
    assert (booked.action, booked.actor, booked.household_id) == (
        AuditEntry.Action.UPDATE,
        agent_a,
        household_a.pk,
    )
    assert (booked.target_type, booked.target_id) == ("families.child", child_a.pk)
    assert booked.after == {
        "bookings": [{"activity": canteen.pk, "date": "2026-11-26", "action": "book"}]
    }

    data = {"child": child_a.pk, "semaine": MONDAY.isoformat(), "shown": [key], "booked": [key]}
    agent_client.post(staff_save(household_a), data)
    assert not Booking.objects.exists()
    cancelled = AuditEntry.objects.latest("pk")
    assert cancelled.after == {
        "bookings": [{"activity": canteen.pk, "date": "2026-11-26", "action": "cancel"}]
    }


def test_late_staff_change_is_an_override_and_in_time_ones_an_update(
    frozen, agent_a, household_a, child_a, canteen
):
    tuesday = MONDAY + datetime.timedelta(days=1)  # past its deadline
    services.bookings_apply(
        municipality=household_a.municipality,
        household=household_a,
        actor=agent_a,
        changes=[
            Change(child_a.pk, canteen.pk, tuesday, True),
            Change(child_a.pk, canteen.pk, FRIDAY, True),
        ],
        source=Booking.Source.STAFF,
        override=True,
    )
    entries = {entry.action: entry.after for entry in AuditEntry.objects.all()}
    assert entries == {
        AuditEntry.Action.OVERRIDE: {
            "deadline_override": [{"activity": canteen.pk, "date": "2026-11-24", "action": "book"}]
        },
        AuditEntry.Action.UPDATE: {
            "bookings": [{"activity": canteen.pk, "date": "2026-11-27", "action": "book"}]
        },
    }


def test_refused_staff_changes_log_nothing(frozen, agent_a, household_a, child_a, canteen):
    wednesday = MONDAY + datetime.timedelta(days=2)  # not offered
    services.bookings_apply(
        municipality=household_a.municipality,
        household=household_a,
        actor=agent_a,
        changes=[Change(child_a.pk, canteen.pk, wednesday, True)],
        source=Booking.Source.STAFF,
        override=True,
    )
    assert not AuditEntry.objects.exists()


def test_a_familys_own_bookings_are_not_logged(frozen, alice_client, child_a, canteen):
    key = cell(child_a, canteen, THURSDAY)
    data = {"child": child_a.pk, "semaine": MONDAY.isoformat(), "shown": [key], "cell": [key]}
    alice_client.post("/ville-a/reservations/enregistrer/", data)
    assert Booking.objects.exists()
    assert not AuditEntry.objects.exists()


# Attendance marks


def mark(client, activity, child, status):
    return client.post(
        reverse("bookings_staff:register_mark", kwargs={"municipality_slug": "ville-a"}),
        {"activite": activity.pk, "date": MONDAY.isoformat(), "enfant": child.pk, "statut": status},
    )


def test_each_attendance_mark_is_logged_with_what_it_was(
    frozen, agent_client, agent_a, household_a, child_a, canteen
):
    Booking.objects.create(
        municipality=canteen.municipality, child=child_a, activity=canteen, date=MONDAY
    )
    where = {"activity": canteen.pk, "date": "2026-11-23"}
    mark(agent_client, canteen, child_a, "present")
    mark(agent_client, canteen, child_a, "absent")
    mark(agent_client, canteen, child_a, "")
    entries = list(AuditEntry.objects.order_by("pk"))
    assert [(e.action, e.before, e.after) for e in entries] == [
        (AuditEntry.Action.CREATE, {}, {"attendance": {**where, "status": "present"}}),
        (AuditEntry.Action.UPDATE, {}, {"attendance": {**where, "status": "absent"}}),
        (AuditEntry.Action.DELETE, {"attendance": {**where, "status": "absent"}}, {}),
    ]
    assert {(e.actor, e.target_type, e.target_id, e.household_id) for e in entries} == {
        (agent_a, "families.child", child_a.pk, household_a.pk)
    }


def test_clearing_an_unmarked_child_changes_and_logs_nothing(frozen, agent_a, child_a, canteen):
    municipality = canteen.municipality
    attendance.attendance_clear(
        municipality=municipality, actor=agent_a, activity=canteen, child=child_a, day=MONDAY
    )
    assert not Attendance.objects.exists() and not AuditEntry.objects.exists()


def test_adding_an_unbooked_child_is_logged(frozen, agent_client, agent_a, child_a, canteen):
    agent_client.post(
        reverse("bookings_staff:register_add", kwargs={"municipality_slug": "ville-a"}),
        {"activite": canteen.pk, "date": MONDAY.isoformat(), "enfant": child_a.pk},
    )
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEntry.Action.CREATE and entry.actor == agent_a
    assert entry.after["attendance"]["status"] == "present"


# Configuration services take cleaned values


def values(department, **extra):
    cleaned = {
        "department": department,
        "name": "Accueil du mercredi",
        "unit": Activity.Unit.DAY,
        "weekdays": "2",
        "starts_on": datetime.date(2026, 9, 2),
        "ends_on": datetime.date(2027, 7, 3),
        "capacity": 24,
        "schools": "",
        "classes": "",
        "min_age": None,
        "max_age": None,
        "enrolment_only": False,
        "book_kind": "days_before",
        "book_days": 2,
        "book_working_days": False,
        "book_weekday": 1,
        "book_time": datetime.time(12, 0),
        "cancel_kind": "days_before",
        "cancel_days": 2,
        "cancel_working_days": False,
        "cancel_weekday": 1,
        "cancel_time": datetime.time(18, 0),
        "position": 0,
        "is_active": True,
    }
    cleaned.update(extra)
    return config_services.ActivityValues.of(cleaned)


def test_activity_values_are_what_the_form_edits():
    edited = set(ActivityForm.Meta.fields) - {"enrolled"}
    assert edited == set(config_services.ActivityValues.__dataclass_fields__)


def test_activity_update_compares_with_the_stored_row(
    municipality_a, department_a, manager_a, canteen
):
    held = Activity.objects.get(pk=canteen.pk)
    held.name = "Typed into the instance by a form"
    config_services.activity_update(
        municipality=municipality_a,
        actor=manager_a,
        activity=held,
        values=values(department_a, name="Cantine"),
        enrolled=[],
    )
    entry = AuditEntry.objects.get()
    assert entry.before["name"] == "Restauration scolaire" and entry.after["name"] == "Cantine"
    assert Activity.objects.get(pk=canteen.pk).name == "Cantine"


def test_activity_of_another_municipalitys_department_is_refused(
    municipality_a, municipality_b, manager_a
):
    other = Department.objects.create(municipality=municipality_b, name="Service de B")
    with pytest.raises(ValueError):
        config_services.activity_create(
            municipality=municipality_a, actor=manager_a, values=values(other), enrolled=[]
        )
    assert not Activity.objects.exists() and not AuditEntry.objects.exists()


def test_closure_of_another_municipalitys_department_is_refused(
    municipality_a, municipality_b, manager_a
):
    other = Department.objects.create(municipality=municipality_b, name="Service de B")
    with pytest.raises(ValueError):
        config_services.closure_add(
            municipality=municipality_a,
            actor=manager_a,
            label="Grève",
            department=other,
            starts_on=MONDAY,
            ends_on=MONDAY,
        )
    assert not AuditEntry.objects.exists()


def test_booking_settings_update_logs_only_what_changed(municipality_a, manager_a):
    update = config_services.booking_settings_update
    update(municipality=municipality_a, actor=manager_a, reminders_enabled=False, reminder_hours=48)
    assert not AuditEntry.objects.exists()  # the defaults: nothing changed
    update(municipality=municipality_a, actor=manager_a, reminders_enabled=True, reminder_hours=48)
    entry = AuditEntry.objects.get()
    assert entry.before == {"reminders_enabled": False}
    assert entry.after == {"reminders_enabled": True}
    assert BookingSettings.objects.get(municipality=municipality_a).reminders_enabled
