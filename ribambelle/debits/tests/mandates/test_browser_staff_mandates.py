"""Staff pages of direct debit in Chromium: a manager sets up an office's creditor from the
offices page, an agent records a paper mandate from the household's invoices page and suspends
it. axe-core finds no violation on any of them."""

import pytest
from playwright.sync_api import expect

from ribambelle.conftest import PASSWORD
from ribambelle.debits.models import Creditor, Mandate
from ribambelle.families.tests.factories import PDF
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_sets_up_direct_debit(page, live_server, manager_a, office_a):
    log_in(page, live_server.url, manager_a.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/gestion/regies/")
    page.get_by_role("link", name=f"Prélèvement : {office_a.name}").click()
    assert_no_axe_violations(page)
    page.get_by_label("Nom du créancier").fill("Régie enfance")
    page.get_by_label("Identifiant créancier SEPA (ICS)").fill("FR73ZZZ123456")
    page.get_by_label("IBAN du compte de la régie").fill("FR76 3000 1007 9412 3456 7890 185")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("n'est pas valide")
    expect(page.get_by_role("alert")).to_contain_text("Indiquez le BIC du compte de la régie")
    assert_no_axe_violations(page)
    page.get_by_label("BIC du compte de la régie").fill("AGRIFRPP")
    page.get_by_label("Identifiant créancier SEPA (ICS)").fill("FR72ZZZ123456")
    page.get_by_label("IBAN du compte de la régie").fill("FR76 3000 1007 9412 3456 7890 185")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Régies")
    assert Creditor.objects.get().ics == "FR72ZZZ123456"


def test_an_agent_records_a_paper_mandate_and_suspends_it(
    page, live_server, agent_a, creditor_a, household_a, tmp_path
):
    scan = tmp_path / "mandat.pdf"
    scan.write_bytes(PDF)
    log_in(page, live_server.url, agent_a.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/gestion/foyers/{household_a.pk}/factures/")
    page.get_by_role("link", name="Enregistrer un mandat papier").click()
    assert_no_axe_violations(page)
    page.get_by_label("Nom et prénom du titulaire du compte").fill("Bob Martin")
    page.get_by_label("IBAN").fill("FR14 2004 1010 0505 0001 3M02 606")
    page.get_by_label("Date de signature").fill("2026-11-02")
    page.get_by_label("Lieu de signature").fill("Lyon")
    page.get_by_label("Formulaire signé (PDF, JPEG ou PNG, 10 Mo au plus)").set_input_files(scan)
    page.get_by_role("button", name="Enregistrer le mandat").click()
    section = page.locator("#mandats")
    mandate = Mandate.objects.get()
    expect(section).to_contain_text(mandate.reference)
    assert_no_axe_violations(page)
    section.get_by_role("button", name=f"Suspendre : {mandate.reference}").click()
    expect(page.locator("#mandats")).to_contain_text("Suspendu")
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.SUSPENDED
