"""The demo's reminders. Every run of the demo is issued on the day the demo is seeded; here
each is dated as a town would have issued it, on the first days of the month after the one it
bills, so that the unpaid invoices stand at the reminder levels they would have reached; then
the daily task's work is done once. Idempotent: a run already dated is left alone."""

from datetime import date, timedelta

from ribambelle.billing.models import AccountMovement, Invoice, InvoiceRun
from ribambelle.billing.reminders.models import ReminderLevel
from ribambelle.billing.reminders.services import reminders_send_due
from ribambelle.tenants.models import Municipality

ISSUE_DAY = 1


def issue_date_of(month: date) -> date:
    """The day a run billing `month` is issued: the first of the following month."""
    return (month + timedelta(days=32)).replace(day=ISSUE_DAY)


def date_demo_runs(demo: Municipality, today: date) -> None:
    """Date the demo's issued runs as if each had been issued on the first of the month after
    the one it bills (before the demo's payments are recorded, which follow their invoice)."""
    runs = InvoiceRun.objects.for_municipality(demo).filter(status=InvoiceRun.Status.ISSUED)
    for run in runs.select_related("office"):
        issued_on = issue_date_of(run.month)
        if issued_on >= today:
            continue
        invoices = Invoice.objects.filter(run=run).exclude(issued_on=issued_on)
        if not invoices.exists():
            continue
        # The stored PDF printed the seeding day: left blank, it is rendered again on demand.
        invoices.update(
            issued_on=issued_on,
            due_on=issued_on + timedelta(days=run.office.due_days),
            pdf="",
        )
        AccountMovement.objects.filter(invoice__run=run, kind=AccountMovement.Kind.INVOICE).update(
            on=issued_on
        )


def seed_demo_reminders(demo: Municipality, today: date) -> int:
    """The reminders as the daily task would have sent them, on each day a level was reached
    up to today (a run at once today would take only the last level reached); returns the
    levels taken."""
    due_dates: set[date] = {
        due
        for due in Invoice.objects.for_municipality(demo)
        .filter(status=Invoice.Status.ISSUED, due_on__lt=today)
        .values_list("due_on", flat=True)
        if due is not None
    }
    offsets: set[int] = set(
        ReminderLevel.objects.for_municipality(demo).values_list("days_after_due", flat=True)
    )
    days = sorted({due + timedelta(days=n) for due in due_dates for n in offsets})
    return sum(reminders_send_due(today=day) for day in days if day <= today)
