"""The demo's returned debit: a sent debit returned through the staff's service, once."""

import datetime
from decimal import Decimal

import pytest

from ribambelle.billing.models import AccountMovement, Invoice
from ribambelle.billing.tests.conftest import office_a  # noqa: F401 - shared fixture
from ribambelle.debits.models import Debit, DebitReturn
from ribambelle.debits.tests.factories_returns import ReturnsCreditorFactory, sent_debit
from ribambelle.demo.debit_returns import demo_returns

pytestmark = pytest.mark.django_db


def test_the_demo_returns_a_sent_debit_once(office_a, household_a):  # noqa: F811
    ReturnsCreditorFactory(office=office_a, return_fee=Decimal("4.00"))
    debit = sent_debit(
        office_a,
        household_a,
        end_to_end_id="DEMO-000001",
        collection_on=datetime.date(2026, 11, 10),
    )
    record = demo_returns(debit=debit)
    assert record is not None
    assert (record.reason_code, record.returned_on, record.fee) == (
        "AM04",
        datetime.date(2026, 11, 13),
        Decimal("4.00"),
    )
    debit.refresh_from_db()
    assert debit.status == Debit.Status.RETURNED
    invoice = Invoice.objects.get(pk=debit.invoice_id)
    assert (invoice.collection, invoice.due) == ("", Decimal("30.00"))
    assert AccountMovement.objects.filter(household=household_a, kind="fee").count() == 1
    assert demo_returns(debit=debit) == record
    assert DebitReturn.objects.count() == 1
