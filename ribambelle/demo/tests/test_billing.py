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
    assert september.exists() and all(invoice.due == 0 for invoice in september)
    october = Invoice.objects.filter(period_start=datetime.date(2026, 10, 1))
    partly = [invoice for invoice in october if Decimal("0") < invoice.paid < invoice.total]
    assert len(partly) == 1
    assert any(invoice.paid == 0 and invoice.total > 0 for invoice in october)
    # Cheques for September but for the two households paying by direct debit (demo.debits).
    by_debit = september.filter(collection=Invoice.Collection.DEBIT_SENT).count()
    assert by_debit == 2
    assert Payment.objects.exclude(method="debit").count() == september.count() - by_debit + 1
    levels = ReminderLevel.objects.order_by("days_after_due")
    assert [(level.days_after_due, level.action) for level in levels] == [
        (7, "email"),
        (21, "email"),
        (45, "treasury"),
    ]
