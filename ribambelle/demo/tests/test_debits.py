"""The demo's direct debits: two households with active mandates, their invoices in a
generated, valid collection file; seeding twice changes nothing."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from ribambelle.billing.account.selectors import account_summary
from ribambelle.billing.models import Invoice
from ribambelle.bookings.rules import PARIS
from ribambelle.debits.collections import sepa
from ribambelle.debits.models import Creditor, Debit, DebitBatch, Mandate

pytestmark = pytest.mark.django_db


def test_seed_demo_debits_twice():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)):
        call_command("seed_demo", stdout=io.StringIO())
        [batch] = DebitBatch.objects.all()
        call_command("seed_demo", stdout=io.StringIO())
    assert Creditor.objects.count() == 1
    mandates = Mandate.objects.filter(status=Mandate.Status.ACTIVE)
    assert sorted(m.household.external_ref for m in mandates) == ["DEMO-BERNARD", "DEMO-HADDAD"]
    assert list(DebitBatch.objects.all()) == [batch]
    # The runs are dated as issued on the first of the following month (demo.reminders):
    # September's debits were collected on 10 November, October's are due on 10 December.
    assert batch.collection_on == datetime.date(2026, 11, 10)
    with batch.file.open("rb") as stream:
        sepa.validate(stream.read(), sepa.PAIN_008_001_02)
    in_batch = Debit.objects.filter(batch=batch)
    assert in_batch.count() == batch.count == 2  # September of both households
    assert sum(debit.amount_cents for debit in in_batch) == batch.total_cents
    sent = in_batch.get(status=Debit.Status.SENT)
    assert sent.mandate.household.external_ref == "DEMO-BERNARD"
    assert sent.invoice.collection == Invoice.Collection.DEBIT_SENT and sent.invoice.due == 0
    # Haddad's bank returned it for lack of funds: the invoice is to pay again, with a fee.
    returned = in_batch.get(status=Debit.Status.RETURNED)
    assert returned.return_record.reason_code == "AM04"
    assert returned.return_record.returned_on == datetime.date(2026, 11, 13)
    assert returned.invoice.collection == "" and returned.invoice.due > 0
    upcoming = Debit.objects.filter(status=Debit.Status.SCHEDULED)
    assert upcoming.count() == 2
    assert {debit.collection_on for debit in upcoming} == {datetime.date(2026, 12, 10)}
    assert {debit.invoice.collection for debit in upcoming} == {Invoice.Collection.DEBIT}
    # Haddad's family account owes the return fee; Bernard holds a credit that the debit
    # already announced for October leaves alone.
    haddad = returned.mandate.household
    assert account_summary(haddad).credit == Decimal("-5.00")
    bernard = sent.mandate.household
    assert account_summary(bernard).credit == Decimal("12.50")
    october = upcoming.get(mandate__household=bernard)
    assert october.invoice.due * 100 == october.amount_cents
