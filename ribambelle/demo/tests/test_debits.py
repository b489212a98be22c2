"""The demo's direct debits: two households with active mandates, their invoices in a
generated, valid collection file; seeding twice changes nothing."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

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
    assert batch.collection_on == datetime.date(2026, 12, 10)
    with batch.file.open("rb") as stream:
        sepa.validate(stream.read(), sepa.PAIN_008_001_02)
    sent = Debit.objects.filter(batch=batch, status=Debit.Status.SENT)
    assert sent.count() == batch.count == 4  # September and October of both households
    assert {debit.invoice.collection for debit in sent} == {Invoice.Collection.DEBIT_SENT}
    assert sum(debit.amount_cents for debit in sent) == batch.total_cents
