"""Mes factures in Chromium: a parent opens the list from the menu, then an invoice's page;
axe-core finds no violation on either; the PDF link opens a new tab and answers a PDF."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from ribambelle.billing.models import InvoiceLine
from ribambelle.billing.tests.factories import InvoiceFactory, InvoiceLineFactory
from ribambelle.conftest import PASSWORD
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def invoice(office_a, household_a, child_a):
    invoice = InvoiceFactory(
        office=office_a,
        household=household_a,
        number="F-2026-000001",
        issued_on=datetime.date(2026, 12, 2),
        due_on=datetime.date.today() + datetime.timedelta(days=10),
        household_address="1 rue des Écoles\n69001 Lyon",
    )
    InvoiceLineFactory(invoice=invoice, child=child_a)
    InvoiceLineFactory(
        invoice=invoice,
        child=child_a,
        kind=InvoiceLine.Kind.SURCHARGE,
        dates=["2026-11-06"],
        quantity=1,
        unit_price=Decimal("6.00"),
    )
    return invoice


def test_parent_opens_invoices_from_the_menu(page, live_server, alice, invoice):
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes factures"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes factures")
    expect(
        page.locator("tr", has=page.get_by_role("rowheader", name="F-2026-000001"))
    ).to_contain_text("À payer")
    assert_no_axe_violations(page)

    pdf_link = page.get_by_role("link", name="Ouvrir la facture F-2026-000001 (PDF, nouvel onglet)")
    expect(pdf_link).to_have_attribute("target", "_blank")
    response = page.request.get(live_server.url + pdf_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    download = page.get_by_role("link", name="Télécharger la facture F-2026-000001 (PDF)")
    response = page.request.get(live_server.url + download.get_attribute("href"))
    assert response.headers["content-disposition"].startswith("attachment;")

    page.get_by_role("link", name="F-2026-000001", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Facture F-2026-000001")
    expect(page.get_by_role("table")).to_contain_text("tarif majoré")
    assert_no_axe_violations(page)
