"""The accounting export with hostile text in every cell people type (the household's name as
the invoice keeps it, the billing office, a credit note's reason, a payment's reference): each
comes out as text a spreadsheet will not run."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ribambelle.billing import services
from ribambelle.billing.models import BillingOffice, Invoice
from ribambelle.billing.tests.conftest import NOVEMBER
from ribambelle.bookings.tests.factories import BookingFactory
from ribambelle.testing.spreadsheet import HOSTILE_CELLS, assert_neutralised, csv_rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", HOSTILE_CELLS)
def test_export_neutralises_formulas(
    frozen, agent_client, agent_a, municipality_a, office_a, canteen_tariff, canteen, child_a, typed
):
    household = child_a.household
    household.name = typed
    household.save(update_fields=["name"])
    BillingOffice.objects.filter(pk=office_a.pk).update(name=typed)
    BookingFactory(child=child_a, activity=canteen, date=datetime.date(2026, 11, 2))
    run = services.invoice_run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
    invoice = Invoice.objects.get(run=run)
    services.credit_note_create(
        municipality=municipality_a,
        invoice=invoice,
        amount=Decimal("1.00"),
        reason=typed,
        actor=agent_a,
    )
    services.payment_record(
        municipality=municipality_a,
        invoice=invoice,
        amount=Decimal("1.00"),
        method="cheque",
        received_on=datetime.date(2026, 11, 24),
        reference=typed,
        actor=agent_a,
    )

    response = agent_client.get(
        reverse("billing_staff:export", kwargs={"municipality_slug": "ville-a"}),
        {"du": "2026-11-01", "au": "2026-11-30"},
    )

    assert response.status_code == 200
    rows = {row[0]: row for row in csv_rows(response.content)[1:]}
    assert set(rows) == {"Facture", "Avoir", "Paiement"}
    for kind, row in rows.items():
        assert_neutralised(row[3], typed)  # billing office
        assert_neutralised(row[4], typed)  # household
        assert row[5] == invoice.number, kind
    assert_neutralised(rows["Avoir"][8], typed)  # reason
    assert_neutralised(rows["Paiement"][8], typed)  # reference
