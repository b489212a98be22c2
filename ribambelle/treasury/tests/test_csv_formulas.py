"""The accounting export with hostile text in every cell people type (the household's name as
the invoice keeps it, the billing office, a credit note's reason, a payment's reference, a
refund's reference): each comes out as text a spreadsheet will not run."""

from decimal import Decimal

import pytest

from ribambelle.billing.models import BillingOffice, Invoice
from ribambelle.billing.tests.factories import CreditNoteFactory, InvoiceFactory, PaymentFactory
from ribambelle.testing.spreadsheet import HOSTILE_CELLS, assert_neutralised, csv_rows
from ribambelle.treasury.tests.test_accounting import (  # noqa: F401 - shared fixtures
    DECEMBER,
    HOUSEHOLD,
    OFFICE,
    REASON,
    REFERENCE,
    TYPE,
    in_december,
    office,
    refund,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", HOSTILE_CELLS)
def test_export_neutralises_formulas(agent_client, office, household_a, typed):  # noqa: F811
    invoice = InvoiceFactory(office=office, household=household_a)
    Invoice.objects.filter(pk=invoice.pk).update(household_name=typed)
    BillingOffice.objects.filter(pk=office.pk).update(name=typed)
    CreditNoteFactory(invoice=invoice, amount=Decimal("1.00"), reason=typed)
    PaymentFactory(invoice=invoice, amount=Decimal("1.00"), reference=typed)
    refund(household_a, reference=typed)

    response = agent_client.get(url(), DECEMBER)

    assert response.status_code == 200
    rows = csv_rows(b"".join(response.streaming_content))
    lines = {row[TYPE]: row for row in rows[1 : rows.index([])]}
    assert set(lines) == {"Facture", "Avoir", "Paiement", "Remboursement"}
    for kind in ("Facture", "Avoir", "Paiement"):
        assert_neutralised(lines[kind][HOUSEHOLD], typed)
        assert_neutralised(lines[kind][OFFICE], typed)
    assert_neutralised(lines["Avoir"][REASON], typed)
    assert_neutralised(lines["Paiement"][REFERENCE], typed)
    assert_neutralised(lines["Remboursement"][REFERENCE], typed)
