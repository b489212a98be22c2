"""The demo's billing: past months invoiced and issued, the first paid, one partly paid, the
rest to pay; seeding twice changes nothing."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from ribambelle.billing.models import Invoice, Payment
from ribambelle.billing.reminders.models import ReminderLevel
from ribambelle.bookings.rules import PARIS
from ribambelle.demo.billing import months_to_invoice

pytestmark = pytest.mark.django_db


def test_months_to_invoice():
    assert months_to_invoice(datetime.date(2026, 11, 27)) == [
        datetime.date(2026, 9, 1),
        datetime.date(2026, 10, 1),
    ]
    assert months_to_invoice(datetime.date(2026, 9, 3)) == []


def test_seed_demo_billing_twice():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)):
        call_command("seed_demo", stdout=io.StringIO())
        first = sorted(Invoice.objects.values_list("number", "total", "paid"))
        call_command("seed_demo", stdout=io.StringIO())
        assert sorted(Invoice.objects.values_list("number", "total", "paid")) == first
    september = Invoice.objects.filter(period_start=datetime.date(2026, 9, 1))
    unpaid = [invoice.household.external_ref for invoice in september if invoice.due > 0]
    # The late family, and the one whose debit its bank returned (demo.debits).
    assert sorted(unpaid) == ["DEMO-HADDAD", "DEMO-PETIT"]
    october = Invoice.objects.filter(period_start=datetime.date(2026, 10, 1))
    partly = [invoice for invoice in october if Decimal("0") < invoice.paid < invoice.total]
    assert len(partly) == 1
    assert any(invoice.paid == 0 and invoice.total > 0 for invoice in october)
    # Cheques for September but for the two households paying by direct debit (demo.debits)
    # and the late one, half of one October invoice; besides last June's, paid for the tax
    # certificates (demo/certificates.py).
    assert september.filter(collection=Invoice.Collection.DEBIT_SENT).count() == 1
    this_year = Payment.objects.filter(invoice__period_start__gte=datetime.date(2026, 9, 1))
    assert this_year.exclude(method="debit").count() == september.count() - 2 - 1 + 1
    levels = ReminderLevel.objects.order_by("days_after_due")
    assert [(level.days_after_due, level.action) for level in levels] == [
        (7, "email"),
        (21, "email"),
        (42, "treasury"),
    ]


def test_demo_invoices_stand_at_each_reminder_level():
    """Runs are dated on the first of the following month; a week before the end of November
    the unpaid September invoice has reached the treasury level, October's the first e-mail."""
    with time_machine.travel(datetime.datetime(2026, 11, 29, 9, 0, tzinfo=PARIS)):
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())
    september = Invoice.objects.filter(period_start=datetime.date(2026, 9, 1))
    assert {invoice.issued_on for invoice in september} == {datetime.date(2026, 10, 1)}
    assert {invoice.due_on for invoice in september} == {datetime.date(2026, 10, 16)}
    late = september.get(household__external_ref="DEMO-PETIT")
    assert sorted(late.reminders.values_list("level__days_after_due", flat=True)) == [7, 21, 42]
    october = Invoice.objects.filter(
        period_start=datetime.date(2026, 10, 1), paid=0, total__gt=0, collection=""
    )
    assert october.exists()
    for invoice in october:
        assert list(invoice.reminders.values_list("level__days_after_due", flat=True)) == [7]
    paid = Payment.objects.filter(
        invoice__period_start=datetime.date(2026, 9, 1), method="cheque"
    ).first()
    assert paid.received_on == datetime.date(2026, 10, 10)
