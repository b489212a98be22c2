"""Reminders before the deadline: sent once per household and week, inside the municipality's
window, to households that booked nothing, where the municipality turned them on.

The canteen books two days before at 23:59: the week of Monday 30 November 2026 starts closing
on Saturday 28 November at 23:59; with the default 48 hours, the window opens on Thursday 26
November at 23:59."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from ribambelle.bookings import reminders, selectors
from ribambelle.bookings.models import BookingSettings, ReminderSent
from ribambelle.bookings.rules import PARIS, WEEKLY
from ribambelle.bookings.tests.factories import BookingFactory, ClosureFactory
from ribambelle.families.tests.factories import ChildFactory, GuardianFactory, HouseholdFactory

pytestmark = pytest.mark.django_db

WEEK = datetime.date(2026, 11, 30)
DEADLINE = datetime.datetime(2026, 11, 28, 23, 59, tzinfo=PARIS)
IN_WINDOW = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)
LINK = "https://portail.example.fr/ville-a/reservations/?semaine=2026-11-30"


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def enabled(municipality_a):
    return BookingSettings.objects.create(municipality=municipality_a, reminders_enabled=True)


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


# The timing, as a table.


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (datetime.datetime(2026, 11, 23, 0, 0, tzinfo=PARIS), WEEK),
        (datetime.datetime(2026, 11, 29, 23, 59, tzinfo=PARIS), WEEK),
        # Sunday 23:30 in UTC is already Monday 00:30 in Paris: the week after.
        (datetime.datetime(2026, 11, 29, 23, 30, tzinfo=datetime.UTC), datetime.date(2026, 12, 7)),
        (datetime.datetime(2026, 11, 29, 22, 30, tzinfo=datetime.UTC), WEEK),
    ],
)
def test_next_week(now, week):
    assert reminders.next_week(now) == week


@pytest.mark.parametrize(
    ("now", "hours", "due"),
    [
        (datetime.datetime(2026, 11, 26, 23, 58, tzinfo=PARIS), 48, False),
        (datetime.datetime(2026, 11, 26, 23, 59, tzinfo=PARIS), 48, True),
        (IN_WINDOW, 48, True),
        (IN_WINDOW, 24, False),
        (datetime.datetime(2026, 11, 28, 23, 58, tzinfo=PARIS), 1, True),
        (DEADLINE, 48, False),
        (datetime.datetime(2026, 11, 29, 10, 0, tzinfo=PARIS), 48, False),
    ],
)
def test_is_due(now, hours, due):
    assert reminders.is_due(DEADLINE, now, hours) is due


def test_is_due_without_deadline():
    assert not reminders.is_due(None, IN_WINDOW, 168)


def test_first_deadline_skips_closed_days(canteen, evening_care):
    # Monday and Tuesday closed: Thursday (the canteen's next day) sets the deadline.
    ClosureFactory(
        municipality=canteen.municipality,
        label="Grève",
        starts_on=WEEK,
        ends_on=WEEK + datetime.timedelta(days=1),
    )
    activities = [canteen, evening_care]
    specs = selectors.activity_specs(canteen.municipality, activities)
    assert reminders.first_deadline(activities, specs, WEEK) == datetime.datetime(
        2026, 12, 1, 23, 59, tzinfo=PARIS
    )
    # A weekly rule ("the Tuesday before at 12:00") comes first.
    canteen.book_kind = WEEKLY
    canteen.book_weekday = 1
    canteen.book_time = datetime.time(12, 0)
    assert reminders.first_deadline(activities, specs, WEEK) == datetime.datetime(
        2026, 11, 24, 12, 0, tzinfo=PARIS
    )


# The run.


def test_sent_when_enabled_and_due(enabled, canteen, household_a, child_a, dave):
    with at(IN_WINDOW):
        assert reminders.reminders_send_due() == 2
    assert recipients() == ["alice@example.org", "bob@example.org", "dave@example.org"]
    assert set(ReminderSent.objects.values_list("household__name", "week")) == {
        ("Foyer Martin", WEEK),
        ("Foyer Petit", WEEK),
    }


def test_not_sent_when_disabled(municipality_a, canteen, household_a, child_a):
    with at(IN_WINDOW):
        assert reminders.reminders_send_due() == 0
        BookingSettings.objects.create(municipality=municipality_a, reminders_enabled=False)
        assert reminders.reminders_send_due() == 0
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_not_sent_to_a_household_that_booked_that_week(
    enabled, canteen, household_a, child_a, dave
):
    BookingFactory(child=child_a, activity=canteen, date=WEEK + datetime.timedelta(days=3))
    with at(IN_WINDOW):
        assert reminders.reminders_send_due() == 1
    assert recipients() == ["dave@example.org"]


def test_a_booking_in_another_week_does_not_count(enabled, canteen, household_a, child_a):
    BookingFactory(child=child_a, activity=canteen, date=WEEK + datetime.timedelta(days=7))
    with at(IN_WINDOW):
        assert reminders.reminders_send_due() == 1


def test_not_sent_twice(enabled, canteen, household_a, child_a):
    with at(IN_WINDOW):
        assert reminders.reminders_send_due() == 1
    with at(IN_WINDOW + datetime.timedelta(hours=1)):
        assert reminders.reminders_send_due() == 0
    assert len(mail.outbox) == 2  # alice and bob, once each


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 11, 26, 20, 0, tzinfo=PARIS),  # too early
        datetime.datetime(2026, 11, 29, 10, 0, tzinfo=PARIS),  # the first deadline has passed
    ],
)
def test_not_sent_outside_the_window(moment, enabled, canteen, household_a, child_a):
    with at(moment):
        assert reminders.reminders_send_due() == 0
    assert mail.outbox == []


def test_window_follows_the_setting(enabled, canteen, household_a, child_a):
    enabled.reminder_hours = 12
    enabled.save()
    with at(IN_WINDOW):
        assert reminders.reminders_send_due() == 0
    with at(datetime.datetime(2026, 11, 28, 12, 0, tzinfo=PARIS)):
        assert reminders.reminders_send_due() == 1


def test_only_the_municipalities_that_turned_it_on(
    enabled, canteen, activity_b, household_a, child_a, household_b
):
    with at(IN_WINDOW):
        assert reminders.reminders_send_due() == 1
    assert "charlie@example.org" not in recipients()


def test_no_reminder_without_an_open_day(enabled, canteen, household_a, child_a):
    ClosureFactory(
        municipality=canteen.municipality,
        label="Vacances",
        starts_on=WEEK,
        ends_on=WEEK + datetime.timedelta(days=6),
    )
    with at(IN_WINDOW):
        assert reminders.reminders_send_due() == 0


def test_only_active_accounts_with_an_email(enabled, canteen, household_a, child_a, bob):
    bob.is_active = False
    bob.save()
    GuardianFactory(
        household=household_a, first_name="Grand-père", last_name="Martin", email="papy@example.org"
    )
    with at(IN_WINDOW):
        reminders.reminders_send_due()
    assert recipients() == ["alice@example.org"]


def test_household_without_any_account_is_not_marked(enabled, canteen, municipality_a):
    household = HouseholdFactory(municipality=municipality_a, name="Foyer Sans Compte")
    ChildFactory(
        household=household,
        first_name="Noé",
        last_name="Sans",
        birth_date=datetime.date(2019, 2, 2),
    )
    with at(IN_WINDOW):
        assert reminders.reminders_send_due() == 0
    assert not ReminderSent.objects.exists()


def test_mail_content(enabled, canteen, household_a, child_a):
    child_a.allergies = "Arachide"
    child_a.doctor_name = "Dr Asthme"
    child_a.save()
    with at(IN_WINDOW):
        reminders.reminders_send_due()
    message = next(m for m in mail.outbox if m.to == ["alice@example.org"])
    assert message.subject == "Pensez à réserver pour la semaine du lundi 30 novembre"
    assert message.from_email.startswith("Ville A")
    html = message.alternatives[0].content
    for body in (message.body, html):
        assert "Bonjour Alice," in body
        assert "samedi 28 novembre 2026 à 23 h 59" in body
        assert LINK in body
        assert "Arachide" not in body
        assert "Asthme" not in body
        assert "Léa" not in body


def test_command(enabled, canteen, household_a, child_a):
    out = StringIO()
    with at(IN_WINDOW):
        call_command("send_booking_reminders", stdout=out)
        call_command("send_booking_reminders", stdout=out)
    assert "1 household" in out.getvalue()
    assert "0 household" in out.getvalue()
    assert len(mail.outbox) == 2
