"""Reminders for unpaid invoices: each level is taken once per invoice, on the day it is
reached, the e-mail says what the level says and links to that invoice only; nothing once the
invoice is paid or credited, for a household whose reminders are paused, while an online payment
is in progress; running twice the same day sends nothing more."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction

from ribambelle.billing.models import Invoice, Payment
from ribambelle.billing.reminders import rules
from ribambelle.billing.reminders.models import ReminderLevel, ReminderSent
from ribambelle.billing.reminders.presenters import reminder_text
from ribambelle.billing.reminders.selectors import invoices_for_treasury, reminder_states
from ribambelle.billing.reminders.services import reminders_send_due
from ribambelle.billing.tests.factories import (
    InvoiceFactory,
    PaymentFactory,
    ReminderLevelFactory,
    ReminderPauseFactory,
)
from ribambelle.bookings.rules import PARIS
from ribambelle.core.models import AuditEntry

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 12, 16)  # the factory's due date


def at(day: datetime.date, hour: int = 8):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, 30, tzinfo=PARIS), tick=False
    )


def run_on(day: datetime.date) -> int:
    with at(day):
        return reminders_send_due()


@pytest.fixture
def levels(office_a):
    return [
        ReminderLevelFactory(
            office=office_a, days_after_due=7, subject="", text="Votre facture attend."
        ),
        ReminderLevelFactory(
            office=office_a,
            days_after_due=21,
            subject="Second rappel",
            text="Deuxième rappel.",
            attach_invoice=True,
        ),
        ReminderLevelFactory(
            office=office_a,
            days_after_due=45,
            action=ReminderLevel.Action.TREASURY,
            text="",
        ),
    ]


@pytest.fixture
def invoice(office_a, household_a):
    return InvoiceFactory(office=office_a, household=household_a, total=Decimal("13.50"))


def taken(invoice) -> list[int]:
    return list(
        ReminderSent.objects.filter(invoice=invoice)
        .order_by("level__days_after_due")
        .values_list("level__days_after_due", flat=True)
    )


STEPS = [rules.Step(1, 7), rules.Step(2, 21), rules.Step(3, 45)]


@pytest.mark.parametrize(
    ("today", "already", "expected"),
    [
        (DUE, set(), None),
        (DUE + datetime.timedelta(days=6), set(), None),
        (DUE + datetime.timedelta(days=7), set(), 1),
        (DUE + datetime.timedelta(days=8), {1}, None),
        (DUE + datetime.timedelta(days=21), {1}, 2),
        # Found late the first time: only the latest level reached, not all of them.
        (DUE + datetime.timedelta(days=30), set(), 2),
        (DUE + datetime.timedelta(days=60), {1, 2}, 3),
        (DUE + datetime.timedelta(days=60), {1, 2, 3}, None),
        # Never a level after a later one (a level added once the invoice went further).
        (DUE + datetime.timedelta(days=30), {3}, None),
    ],
)
def test_step_to_take(today, already, expected):
    step = rules.step_to_take(STEPS, already, DUE, today)
    assert (step.pk if step else None) == expected


def test_each_level_is_taken_once_on_its_day(levels, invoice, alice, bob):
    assert run_on(DUE + datetime.timedelta(days=6)) == 0
    assert run_on(DUE + datetime.timedelta(days=7)) == 1
    assert taken(invoice) == [7]
    assert len(mail.outbox) == 2  # alice and bob
    for day in (8, 20):
        assert run_on(DUE + datetime.timedelta(days=day)) == 0
    assert run_on(DUE + datetime.timedelta(days=21)) == 1
    assert taken(invoice) == [7, 21]
    assert run_on(DUE + datetime.timedelta(days=45)) == 1
    assert taken(invoice) == [7, 21, 45]
    # The treasury level sends nothing: it marks the invoice for the export.
    assert len(mail.outbox) == 4
    assert list(invoices_for_treasury(invoice.municipality)) == [invoice]
    assert run_on(DUE + datetime.timedelta(days=90)) == 0


def test_running_twice_the_same_day_sends_nothing_more(levels, invoice, alice, bob):
    day = DUE + datetime.timedelta(days=7)
    with at(day, 8):
        call_command("send_payment_reminders", stdout=StringIO())
    with at(day, 18):
        call_command("send_payment_reminders", stdout=StringIO())
    assert taken(invoice) == [7]
    assert len(mail.outbox) == 2
    entries = AuditEntry.objects.filter(target_type="billing.remindersent")
    assert entries.count() == 1
    assert entries.get().actor is None


def test_nothing_once_paid_or_credited(levels, office_a, household_a, alice, bob):
    def month(number, **amounts):
        start = datetime.date(2026, number, 1)
        return InvoiceFactory(office=office_a, household=household_a, period_start=start, **amounts)

    paid = month(9, paid=Decimal("13.50"))
    credited = month(10, credited=Decimal("13.50"))
    partly = month(11, paid=Decimal("10.00"))
    assert run_on(DUE + datetime.timedelta(days=7)) == 1
    assert taken(paid) == taken(credited) == []
    assert taken(partly) == [7]
    # Paid between the first and the second level: nothing more.
    partly.paid = Decimal("13.50")
    partly.save()
    mail.outbox.clear()
    assert run_on(DUE + datetime.timedelta(days=21)) == 0
    assert run_on(DUE + datetime.timedelta(days=45)) == 0
    assert mail.outbox == []


def test_paused_household_is_skipped_until_resumed(levels, invoice, alice, bob):
    pause = ReminderPauseFactory(household=invoice.household)
    assert run_on(DUE + datetime.timedelta(days=7)) == 0
    assert run_on(DUE + datetime.timedelta(days=21)) == 0
    assert mail.outbox == []
    pause.delete()
    # Resumed: the level reached now, once.
    assert run_on(DUE + datetime.timedelta(days=25)) == 1
    assert taken(invoice) == [21]


def test_online_payment_in_progress_is_skipped(levels, invoice, alice):
    attempt = PaymentFactory(invoice=invoice, online=True)
    assert run_on(DUE + datetime.timedelta(days=7)) == 0
    attempt.status = Payment.Status.REFUSED
    attempt.save()
    assert run_on(DUE + datetime.timedelta(days=8)) == 1


@pytest.mark.parametrize("collection", ["debit", "debit_sent", "treasury"])
def test_invoices_collected_otherwise_are_not_reminded(levels, invoice, alice, collection):
    """A direct debit to come or in progress is not a late payment; a title handed over to the
    treasury is the treasury's to chase."""
    Invoice.objects.filter(pk=invoice.pk).update(collection=collection)
    assert run_on(DUE + datetime.timedelta(days=45)) == 0
    assert mail.outbox == []
    assert list(invoices_for_treasury(invoice.municipality)) == []
    Invoice.objects.filter(pk=invoice.pk).update(collection="")
    assert run_on(DUE + datetime.timedelta(days=46)) == 1


def test_other_offices_and_municipalities_are_apart(levels, invoice, household_b, alice, bob):
    other = InvoiceFactory(household=household_b)  # municipality B, an office without levels
    assert run_on(DUE + datetime.timedelta(days=7)) == 1
    assert taken(other) == []
    assert {message.to[0] for message in mail.outbox} == {alice.email, bob.email}


def test_email_content(levels, invoice, alice, bob, dave):
    run_on(DUE + datetime.timedelta(days=7))
    message = next(item for item in mail.outbox if item.to == [alice.email])
    assert message.subject == f"Rappel : facture n° {invoice.number} à régler"
    assert "Votre facture attend." in message.body
    assert "13,50 €" in message.body or "13.50 €" in message.body
    assert f"/ville-a/factures/{invoice.pk}/" in message.body
    assert message.attachments == []
    html = message.alternatives[0][0]
    assert f"/ville-a/factures/{invoice.pk}/" in html
    # Only this household's guardians, nothing about another household.
    assert all(item.to != ["dave@example.org"] for item in mail.outbox)
    mail.outbox.clear()
    run_on(DUE + datetime.timedelta(days=21))
    message = mail.outbox[0]
    assert message.subject == "Second rappel"
    assert "Deuxième rappel." in message.body
    [(name, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert name.endswith(".pdf")


def test_email_not_sent_when_paid_before_the_task_runs(levels, invoice, alice):
    from ribambelle.billing.reminders.tasks import send_payment_reminder

    sent = ReminderSent.objects.create(
        municipality=invoice.municipality, invoice=invoice, level=levels[0], sent_on=DUE
    )
    invoice.paid = invoice.total
    invoice.save()
    assert send_payment_reminder.call(sent.pk) == 0
    assert mail.outbox == []


def test_reminder_state_in_words(levels, invoice, alice):
    assert reminder_states([invoice.pk]) == {}
    assert reminder_text(None) == ""
    run_on(DUE + datetime.timedelta(days=7))
    state = reminder_states([invoice.pk])[invoice.pk]
    assert reminder_text(state) == "1re relance envoyée le 23/12/2026"
    run_on(DUE + datetime.timedelta(days=21))
    state = reminder_states([invoice.pk])[invoice.pk]
    assert reminder_text(state) == "2e relance envoyée le 06/01/2027"
    run_on(DUE + datetime.timedelta(days=45))
    state = reminder_states([invoice.pk])[invoice.pk]
    assert "Trésor public prochainement" in reminder_text(state)


def test_a_level_is_recorded_once_per_invoice(levels, invoice):
    ReminderSent.objects.create(
        municipality=invoice.municipality, invoice=invoice, level=levels[0], sent_on=DUE
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.create(
            municipality=invoice.municipality, invoice=invoice, level=levels[0], sent_on=DUE
        )
