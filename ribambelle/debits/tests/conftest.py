"""Debits fixtures: the canteen's billing office of municipality A with SEPA creditor
settings (collection on the 10th), and a helper that issues a run of draft invoices."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from ribambelle.billing import services as billing_services
from ribambelle.billing.models import Invoice, InvoiceRun
from ribambelle.billing.tests.factories import (
    BillingOfficeFactory,
    InvoiceFactory,
    InvoiceRunFactory,
)
from ribambelle.bookings.rules import PARIS
from ribambelle.debits.tests.factories import CreditorFactory, MandateFactory

# Issued on Monday 23 November 2026: the 10th at least 14 days later is Thursday 10 December.
ISSUE_DAY = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
COLLECTION_DAY = datetime.date(2026, 12, 10)


@pytest.fixture
def office_a(municipality_a, department_a):
    return BillingOfficeFactory(
        municipality=municipality_a, name="Régie enfance", departments=[department_a]
    )


@pytest.fixture
def creditor_a(office_a):
    return CreditorFactory(office=office_a, name="Ville A régie enfance")


def issue(office, totals, *, mandates=None, user=None, month=datetime.date(2026, 11, 1)):
    """A run of draft invoices of `office` (one per total, for new households, or those of
    `mandates`, in order) issued on ISSUE_DAY. Returns the issued invoices."""
    run = InvoiceRunFactory(
        office=office,
        municipality=office.municipality,
        month=month,
        status=InvoiceRun.Status.DRAFT,
    )
    for index, total in enumerate(totals):
        extra = (
            {"household": mandates[index].household} if mandates and index < len(mandates) else {}
        )
        InvoiceFactory(
            office=office,
            run=run,
            status=Invoice.Status.DRAFT,
            number="",
            total=Decimal(total),
            period_start=month,
            **extra,
        )
    with time_machine.travel(ISSUE_DAY, tick=False):
        billing_services.invoice_run_issue(municipality=office.municipality, run=run, actor=user)
    return list(Invoice.objects.filter(run=run).order_by("pk"))


@pytest.fixture
def mandated(office_a, creditor_a):
    """Three households of A with active mandates of the office."""
    return [MandateFactory(office=office_a, household__name=f"Foyer {n}") for n in "ABC"]
