"""Debits scheduled when a run is issued: who, when, how much, and in how many queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ribambelle.billing.models import Invoice
from ribambelle.billing.payments.registry import can_pay_online
from ribambelle.billing.tests.factories import CreditMovementFactory
from ribambelle.debits.collections.services import run_debits_schedule
from ribambelle.debits.models import Debit, Mandate
from ribambelle.debits.tests.conftest import COLLECTION_DAY, issue
from ribambelle.debits.tests.factories import MandateFactory

pytestmark = pytest.mark.django_db


def test_invoices_of_households_with_an_active_mandate_are_scheduled(office_a, mandated):
    mandated[2].status = Mandate.Status.SUSPENDED
    mandated[2].save()
    invoices = issue(office_a, ["12.50", "30.00", "8.00", "5.00"], mandates=mandated)
    debits = {debit.invoice_id: debit for debit in Debit.objects.all()}
    assert set(debits) == {invoices[0].pk, invoices[1].pk}
    assert debits[invoices[0].pk].amount_cents == 1250
    assert debits[invoices[0].pk].status == Debit.Status.SCHEDULED
    assert debits[invoices[0].pk].collection_on == COLLECTION_DAY
    first = Invoice.objects.get(pk=invoices[0].pk)
    assert first.collection == Invoice.Collection.DEBIT
    assert first.collection_on == COLLECTION_DAY
    assert first.collection_detail == "FR•• •••• 0143"
    assert not can_pay_online(first)
    for plain in invoices[2:]:
        plain.refresh_from_db()
        assert plain.collection == ""
        assert plain.collection_on is None


def test_the_family_credit_is_used_first(office_a, mandated):
    CreditMovementFactory(household=mandated[0].household, credit_cents=500)
    CreditMovementFactory(household=mandated[1].household, credit_cents=5000)
    invoices = issue(office_a, ["12.50", "30.00"], mandates=mandated)
    assert list(Debit.objects.values_list("invoice_id", "amount_cents")) == [(invoices[0].pk, 750)]
    paid = Invoice.objects.get(pk=invoices[1].pk)
    assert paid.due == Decimal("0.00")
    assert paid.collection == ""


def test_an_office_without_creditor_settings_schedules_nothing(office_a):
    MandateFactory(office=office_a)
    issue(office_a, ["12.50"])
    assert not Debit.objects.exists()


def test_a_mandate_of_another_office_does_not_count(office_a, creditor_a, municipality_a):
    other = MandateFactory(office__municipality=municipality_a, office__name="Régie sport")
    issue(office_a, ["12.50"], mandates=[other])
    assert not Debit.objects.exists()


def _queries(office, count, month):
    mandates = [MandateFactory(office=office) for _ in range(count)]
    invoices = issue(office, ["10.00"] * count, mandates=mandates, month=month)
    Debit.objects.all().delete()
    run = invoices[0].run
    with CaptureQueriesContext(connection) as captured:
        assert run_debits_schedule(run, [i.pk for i in invoices]) == count
    return len(captured)


def test_scheduling_costs_a_constant_number_of_queries(office_a, creditor_a):
    assert (
        _queries(office_a, 2, date(2026, 10, 1)) == _queries(office_a, 12, date(2026, 11, 1)) == 7
    )


def test_a_date_whose_file_was_generated_moves_to_the_next_one(office_a, mandated, manager_a):
    from ribambelle.debits.collections.services import batch_generate

    issue(office_a, ["12.50"], mandates=mandated[:1], month=date(2026, 10, 1))
    batch_generate(office=office_a, collection_on=COLLECTION_DAY, actor=manager_a)
    invoices = issue(office_a, ["20.00"], mandates=mandated[1:2])
    assert Debit.objects.get(invoice=invoices[0]).collection_on == date(2027, 1, 11)
