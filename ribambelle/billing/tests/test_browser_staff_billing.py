"""Staff billing in the browser: an agent computes the invoices of November, issues them after
the confirmation step and records a cheque on one of them; no axe violation on the runs list,
the run and the invoice (empty and with a refused amount)."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from ribambelle.billing.models import Invoice, Payment
from ribambelle.bookings.tests.factories import BookingFactory
from ribambelle.conftest import PASSWORD
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_computes_issues_and_records_a_cheque(
    page, live_server, agent_a, office_a, canteen_tariff, canteen, child_a
):
    for day in (2, 3, 5):
        BookingFactory(child=child_a, activity=canteen, date=datetime.date(2026, 11, day))
    base = live_server.url
    log_in(page, base, agent_a.email, PASSWORD)
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_role("link", name="Facturation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Facturation")
    assert_no_axe_violations(page)

    page.get_by_label("Régie").select_option(label="Régie enfance")
    page.get_by_label("Mois").fill("2026-11")
    page.get_by_role("button", name="Calculer les factures").click()
    expect(page.get_by_role("status")).to_contain_text("Les factures sont calculées.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("novembre 2026")
    expect(page.get_by_role("row", name="Foyer Martin")).to_contain_text("brouillon")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Émettre les factures").click()
    expect(page.get_by_text("ne change plus jamais")).to_be_visible()
    page.get_by_role("button", name="Confirmer l'émission").click()
    expect(page.get_by_role("status")).to_contain_text("Les factures sont émises")
    invoice = Invoice.objects.get()
    expect(page.get_by_role("row", name="Foyer Martin")).to_contain_text(invoice.number)

    page.get_by_role("link", name="Foyer Martin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Facture {invoice.number}")
    assert_no_axe_violations(page)
    page.get_by_label("Montant (€)", exact=True).fill("99,00")
    page.get_by_label("Moyen de paiement").select_option(label="chèque")
    page.get_by_label("Référence").fill("Chèque 1234567")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(page.get_by_role("alert")).to_contain_text("le reste à payer")
    expect(page.get_by_label("Montant (€)", exact=True)).to_have_value("99,00")
    assert_no_axe_violations(page)

    page.get_by_label("Montant (€)", exact=True).fill("13,50")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(page.get_by_role("status")).to_contain_text("Le paiement est enregistré.")
    expect(page.locator("#paiements")).to_contain_text("Chèque 1234567")
    payment = Payment.objects.get()
    assert payment.amount == Decimal("13.50") and payment.method == "cheque"
    invoice.refresh_from_db()
    assert invoice.due == Decimal("0.00")
    assert_no_axe_violations(page)

    # The credit note form posts to its own address; refused, it keeps what was typed.
    page.get_by_label("Montant de l'avoir (€)").fill("20")
    page.get_by_label("Motif").fill("Repas non servi")
    page.get_by_role("button", name="Créer l'avoir").click()
    expect(page.get_by_role("alert")).to_contain_text("Le montant de l'avoir doit être compris")
    expect(page.get_by_label("Motif")).to_have_value("Repas non servi")
    assert page.url.endswith(f"/factures/{invoice.pk}/avoir/#avoirs")
    assert_no_axe_violations(page)
    page.get_by_label("Montant de l'avoir (€)").fill("2,00")
    page.get_by_role("button", name="Créer l'avoir").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"L'avoir AV-\d{4}-000001 est"))
    expect(page.locator("#avoirs")).to_contain_text("Repas non servi")


def test_manager_edits_a_tariff_without_axe_violation(
    page, live_server, manager_a, office_a, canteen_tariff, canteen
):
    base = live_server.url
    log_in(page, base, manager_a.email, PASSWORD)
    page.goto(f"{base}/ville-a/gestion/tarifs/")
    card = page.locator(f"#tarif-{canteen.pk}")
    expect(card).to_contain_text("QF < 500 : 1,20 €")
    assert_no_axe_violations(page)
    card.get_by_role("link", name="Modifier le tarif").click()
    tranche = page.locator("#tranche-4")
    tranche.get_by_label("Quotient familial inférieur à").fill("300")
    tranche.get_by_label("Prix unitaire (€)").fill("0,80")
    page.get_by_role("button", name="Enregistrer le tarif").click()
    expect(page.get_by_role("alert")).to_contain_text("Seule la dernière tranche")
    expect(tranche.get_by_label("Prix unitaire (€)")).to_have_value("0,80")
    assert_no_axe_violations(page)
    page.goto(f"{base}/ville-a/gestion/regies/{office_a.pk}/")
    assert_no_axe_violations(page)
