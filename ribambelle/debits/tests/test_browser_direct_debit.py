"""Direct debit end to end in Chromium: a parent signs a mandate online; the next invoice run
issued schedules the invoice, which "Mes factures" shows with its debit date and without
"Payer"; staff generate the collection file, which contains it; the bank returns the debit,
recorded by staff: the invoice is "à payer" again, with "Payer"."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from ribambelle.billing import services
from ribambelle.billing.models import BillingOffice, Invoice, InvoiceRun
from ribambelle.billing.tests.factories import InvoiceFactory, InvoiceLineFactory
from ribambelle.bookings.rules import PARIS
from ribambelle.conftest import PASSWORD
from ribambelle.debits.models import Debit, Mandate
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOON = datetime.time(12, 0)


def test_sign_schedule_collect_and_return(
    new_context, live_server, alice, manager_a, creditor_a, household_a, child_a
):
    base = live_server.url
    office = creditor_a.office
    office.provider = BillingOffice.Provider.DEMO
    office.provider_options = {"demo_enabled": True}
    office.save()

    parent = new_context().new_page()
    log_in(parent, base, alice.email, PASSWORD)
    parent.goto(f"{base}/ville-a/factures/")
    parent.get_by_role("link", name="Payer par prélèvement").click()
    parent.get_by_label("Nom et prénom du titulaire du compte").fill("Alice Martin")
    parent.get_by_label("IBAN").fill("FR14 2004 1010 0505 0001 3M02 606")
    parent.get_by_label("Lieu de signature").fill("Lyon")
    parent.get_by_label("Votre mot de passe, pour signer").fill(PASSWORD)
    parent.get_by_role("button", name="Signer le mandat").click()
    expect(parent.get_by_role("heading", level=1)).to_have_text("Mes factures")
    mandate = Mandate.objects.get(household=household_a, status=Mandate.Status.ACTIVE)

    # The next month's run, issued by the office: the invoice is scheduled for the debit.
    run = InvoiceRun.objects.create(
        municipality=office.municipality,
        office=office,
        month=datetime.date(2026, 11, 1),
        status=InvoiceRun.Status.DRAFT,
    )
    draft = InvoiceFactory(
        office=office,
        run=run,
        household=household_a,
        status=Invoice.Status.DRAFT,
        number="",
        issued_on=None,
        due_on=None,
        total=Decimal("27.00"),
    )
    InvoiceLineFactory(invoice=draft, child=child_a, quantity=6, unit_price=Decimal("4.50"))
    services.invoice_run_issue(municipality=office.municipality, run=run, actor=manager_a)
    invoice = Invoice.objects.get(pk=draft.pk)
    debit = Debit.objects.get(invoice=invoice, mandate=mandate)
    day = debit.collection_on.strftime("%d/%m/%Y")

    parent.goto(f"{base}/ville-a/factures/")
    row = parent.locator("tr", has=parent.get_by_role("rowheader", name=invoice.number))
    expect(row).to_contain_text(f"Cette facture sera prélevée le {day} sur le compte")
    expect(row).to_contain_text("2606")
    expect(row.get_by_role("button", name=f"Payer la facture {invoice.number}")).to_have_count(0)
    assert_no_axe_violations(parent)

    # Staff generate the file of that date: the invoice is in it.
    staff = new_context().new_page()
    log_in(staff, base, manager_a.email, PASSWORD)
    staff.goto(f"{base}/ville-a/gestion/prelevements/")
    assert_no_axe_violations(staff)
    staff.get_by_role("button", name="Générer le fichier : 1 prélèvement, 27,00 €").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text(f"Prélèvements du {day}")
    expect(staff.get_by_role("rowheader", name=invoice.number)).to_be_visible()
    assert_no_axe_violations(staff)
    debit.refresh_from_db()
    assert debit.status == Debit.Status.SENT and debit.batch is not None
    with debit.batch.file.open("rb") as stream:
        assert debit.end_to_end_id.encode() in stream.read()

    parent.goto(f"{base}/ville-a/factures/")
    row = parent.locator("tr", has=parent.get_by_role("rowheader", name=invoice.number))
    expect(row).to_contain_text(f"Prélèvement en cours : le {day}")

    # Two days after the collection, the bank returns it (insufficient funds): recorded by
    # hand (the server's clock moved on, past the sessions' age: both sign in again).
    returned_on = debit.collection_on + datetime.timedelta(days=2)
    with time_machine.travel(datetime.datetime.combine(returned_on, NOON, PARIS), tick=True):
        log_in(staff, base, manager_a.email, PASSWORD)
        log_in(parent, base, alice.email, PASSWORD)
        staff.goto(f"{base}/ville-a/gestion/rejets-prelevement/saisir/")
        staff.get_by_label("Prélèvement rejeté").select_option(str(debit.pk))
        staff.get_by_label("Motif du rejet").select_option("AM04")
        staff.get_by_label("Date du rejet").fill(returned_on.isoformat())
        assert_no_axe_violations(staff)
        staff.get_by_role("button", name="Enregistrer le rejet").click()
        expect(staff.get_by_role("heading", level=1)).to_have_text("Rejets de prélèvement")
        expect(staff.get_by_role("main")).to_contain_text("provision insuffisante")

        parent.goto(f"{base}/ville-a/factures/")
        row = parent.locator("tr", has=parent.get_by_role("rowheader", name=invoice.number))
        expect(row).not_to_contain_text("sera prélevée")
        expect(row).not_to_contain_text("Prélèvement en cours")
        expect(row.get_by_role("button", name=f"Payer la facture {invoice.number}")).to_be_visible()
        assert_no_axe_violations(parent)
    invoice.refresh_from_db()
    assert invoice.collection == "" and invoice.due == Decimal("27.00")
