"""Reads of the reminders: an office's levels, the invoices at each level, the reminder state
of a household's invoices, a household's pause."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, F, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from ribambelle.billing.models import BillingOffice, Invoice, Payment
from ribambelle.billing.reminders.models import ReminderLevel, ReminderPause, ReminderSent
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality


def levels_of(office: BillingOffice) -> QuerySet[ReminderLevel]:
    return ReminderLevel.objects.filter(office=office).order_by("days_after_due")


def municipality_levels(municipality: Municipality) -> QuerySet[ReminderLevel]:
    return (
        ReminderLevel.objects.for_municipality(municipality)
        .select_related("office")
        .order_by("office__name", "days_after_due")
    )


def level_get(office: BillingOffice, pk: int) -> ReminderLevel:
    level: ReminderLevel = get_object_or_404(levels_of(office), pk=pk)
    return level


def reminders_sent(
    municipality: Municipality, level: ReminderLevel | None = None
) -> QuerySet[ReminderSent]:
    """Reminders taken, the latest first, with their invoice and household: the staff list."""
    found = ReminderSent.objects.for_municipality(municipality)
    if level is not None:
        found = found.filter(level=level)
    return found.select_related("invoice", "invoice__household", "level", "level__office").order_by(
        "-sent_on", "-pk"
    )


def invoices_for_treasury(municipality: Municipality) -> QuerySet[Invoice]:
    """Unpaid invoices that reached a level "à transmettre au Trésor" and are not already
    handed over (nor being collected by direct debit): what the treasury export takes."""
    at_treasury = ReminderSent.objects.filter(
        invoice=OuterRef("pk"), level__action=ReminderLevel.Action.TREASURY
    )
    return (
        Invoice.objects.for_municipality(municipality)
        .filter(
            status=Invoice.Status.ISSUED,
            total__gt=F("paid") + F("credited"),
            collection=Invoice.Collection.NONE,
        )
        .filter(Exists(at_treasury))
        .order_by("due_on", "number")
    )


def invoices_to_remind(office: BillingOffice, today: date, first_days: int) -> QuerySet[Invoice]:
    """Issued invoices of the office still due `first_days` after their due date, except those
    of households whose reminders are paused, those with an online payment in progress and
    those collected otherwise (a direct debit scheduled or sent, a title at the treasury)."""
    paused = ReminderPause.objects.filter(household=OuterRef("household_id"))
    paying = Payment.objects.filter(
        invoice=OuterRef("pk"), method=Payment.Method.ONLINE, status=Payment.Status.PENDING
    )
    return (
        Invoice.objects.filter(
            office=office,
            status=Invoice.Status.ISSUED,
            due_on__isnull=False,
            due_on__lte=today - timedelta(days=first_days),
            total__gt=F("paid") + F("credited"),
            collection=Invoice.Collection.NONE,
        )
        .exclude(Exists(paused))
        .exclude(Exists(paying))
        .order_by("pk")
    )


def pause_of(household: Household) -> ReminderPause | None:
    return ReminderPause.objects.filter(household=household).first()


@dataclass(frozen=True)
class ReminderState:
    action: str
    position: int  # among the e-mail levels of the office, from 1
    sent_on: date


def reminder_states(invoice_ids: Iterable[int]) -> dict[int, ReminderState]:
    """The latest reminder of each invoice, in two queries."""
    sent = list(
        ReminderSent.objects.filter(invoice_id__in=list(invoice_ids))
        .select_related("level")
        .order_by("invoice_id", "level__days_after_due")
    )
    offices = {item.level.office_id for item in sent}
    email_days: dict[int, list[int]] = {}
    for office_id, days in ReminderLevel.objects.filter(
        office_id__in=offices, action=ReminderLevel.Action.EMAIL
    ).values_list("office_id", "days_after_due"):
        email_days.setdefault(office_id, []).append(days)
    states = {}
    for item in sent:  # the latest level of an invoice comes last
        level = item.level
        position = sum(
            1 for days in email_days.get(level.office_id, []) if days <= level.days_after_due
        )
        states[item.invoice_id] = ReminderState(level.action, position, item.sent_on)
    return states
