"""Writes of the reminders for unpaid invoices: the levels of a billing office (managers), the
pause of a household's reminders (a payment plan), and the daily sending.

The daily run (`manage.py send_payment_reminders`) takes each office under a lock on its row,
so that two overlapping runs never send twice; the ReminderSent row (unique per invoice and
level) is written in the same transaction as its e-mail is queued."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.billing.models import BillingOffice
from ribambelle.billing.reminders import rules, selectors, tasks
from ribambelle.billing.reminders.models import ReminderLevel, ReminderPause, ReminderSent
from ribambelle.core.audit import audit_record, audit_record_changes
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality


class ReminderError(Exception):
    """A refused change; the message is in French for the staff."""


@dataclass(frozen=True)
class LevelValues:
    days_after_due: int
    action: str
    attach_invoice: bool
    subject: str
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "days_after_due": self.days_after_due,
            "action": self.action,
            "attach_invoice": self.attach_invoice,
            "subject": self.subject,
            "text": self.text,
        }


@transaction.atomic
def reminder_level_save(
    *,
    municipality: Municipality,
    actor: User | None,
    office: BillingOffice,
    level: ReminderLevel | None,
    values: LevelValues,
) -> ReminderLevel:
    """Add a level to the office (`level` None) or change one."""
    if office.municipality_id != municipality.pk:
        raise ReminderError(_("Cette régie n'existe pas."))
    before = None
    if level is None:
        level = ReminderLevel(municipality=municipality, office=office)
    else:
        before = {name: getattr(level, name) for name in values.as_dict()}
    for name, value in values.as_dict().items():
        setattr(level, name, value)
    level.save()
    audit_record_changes(
        municipality=municipality, actor=actor, target=level, before=before, after=values.as_dict()
    )
    return level


@transaction.atomic
def reminder_level_delete(
    *, municipality: Municipality, actor: User | None, level: ReminderLevel
) -> None:
    """A level never taken may be removed; once taken, it is part of the invoices' history."""
    if level.municipality_id != municipality.pk:
        raise ReminderError(_("Ce niveau de relance n'existe pas."))
    if ReminderSent.objects.filter(level=level).exists():
        raise ReminderError(
            _("Ce niveau a déjà servi pour des factures : il ne peut plus être supprimé.")
        )
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.DELETE,
        target=level,
        before={"days_after_due": level.days_after_due, "action": level.action},
    )
    level.delete()


@transaction.atomic
def household_reminders_pause(
    *, municipality: Municipality, actor: User | None, household: Household, reason: str
) -> ReminderPause:
    """No reminder for the household's invoices until the pause is lifted."""
    if household.municipality_id != municipality.pk:
        raise ReminderError(_("Ce foyer n'existe pas."))
    pause, created = ReminderPause.objects.get_or_create(
        household=household,
        defaults={"municipality": municipality, "reason": reason, "created_by": actor},
    )
    if created:
        audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.CREATE,
            target=pause,
            household_id=household.pk,
            after={"reason": reason},
        )
    return pause


@transaction.atomic
def household_reminders_resume(
    *, municipality: Municipality, actor: User | None, household: Household
) -> None:
    """Reminders start again: the next daily run takes the level each invoice has reached."""
    if household.municipality_id != municipality.pk:
        raise ReminderError(_("Ce foyer n'existe pas."))
    pause = ReminderPause.objects.filter(household=household).first()
    if pause is None:
        return
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.DELETE,
        target=pause,
        household_id=household.pk,
        before={"reason": pause.reason},
    )
    pause.delete()


def reminders_send_due(*, today: date | None = None) -> int:
    """Take the reminder level each unpaid invoice has reached today, in every office with
    levels; returns how many levels were taken. Running it twice the same day takes nothing
    more."""
    today = today or timezone.localdate()
    offices = (
        BillingOffice.objects.filter(reminder_levels__isnull=False, municipality__is_active=True)
        .distinct()
        .values_list("pk", flat=True)
    )
    return sum(_send_office(pk, today) for pk in list(offices))


@transaction.atomic
def _send_office(office_pk: int, today: date) -> int:
    office = BillingOffice.objects.select_for_update().get(pk=office_pk)
    levels = {level.pk: level for level in selectors.levels_of(office)}
    if not levels:
        return 0
    steps = [rules.Step(level.pk, level.days_after_due) for level in levels.values()]
    first_days = min(step.days_after_due for step in steps)
    invoices = list(
        selectors.invoices_to_remind(office, today, first_days).prefetch_related("reminders")
    )
    count = 0
    for invoice in invoices:
        assert invoice.due_on is not None
        taken = {sent.level_id for sent in invoice.reminders.all()}
        step = rules.step_to_take(steps, taken, invoice.due_on, today)
        if step is None:
            continue
        level = levels[step.pk]
        sent = ReminderSent.objects.create(
            municipality_id=office.municipality_id, invoice=invoice, level=level, sent_on=today
        )
        audit_record(
            municipality=office.municipality,
            actor=None,
            action=AuditEntry.Action.CREATE,
            target=sent,
            household_id=invoice.household_id,
            after={"invoice": invoice.number, "level": str(level), "due": invoice.due},
        )
        if level.action == ReminderLevel.Action.EMAIL:
            # Queued inside the transaction: with the database queue, the task row and the
            # ReminderSent row are committed together or not at all.
            tasks.send_payment_reminder.enqueue(sent.pk)
        count += 1
    return count
