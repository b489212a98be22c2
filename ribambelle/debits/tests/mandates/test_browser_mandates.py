"""Signing a mandate in Chromium on a 360 px phone: from "Mes factures" to the signing page
(the mandate text, a wrong password refused and the fields kept), then the mandate shown on
"Mes factures" and the revocation page. axe-core finds no violation on any of them and
nothing scrolls sideways."""

import pytest
from playwright.sync_api import expect

from ribambelle.conftest import PASSWORD
from ribambelle.debits.models import Mandate
from ribambelle.portal.tests.test_browser_phone import assert_no_sideways_scroll
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def test_a_parent_signs_a_mandate_on_a_phone(
    new_context, live_server, alice, creditor_a, household_a
):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/factures/")
    page.get_by_role("link", name="Payer par prélèvement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payer par prélèvement")
    expect(page.get_by_text("FR72ZZZ123456")).to_be_visible()
    assert_no_axe_violations(page)
    assert_no_sideways_scroll(page)

    page.get_by_label("Nom et prénom du titulaire du compte").fill("Alice Martin")
    page.get_by_label("IBAN").fill("FR14 2004 1010 0505 0001 3M02 606")
    page.get_by_label("Lieu de signature").fill("Lyon")
    page.get_by_label("Votre mot de passe, pour signer").fill("pas le bon")
    page.get_by_role("button", name="Signer le mandat").click()
    expect(page.get_by_role("alert")).to_contain_text("Mot de passe incorrect")
    expect(page.get_by_label("IBAN")).to_have_value("FR14 2004 1010 0505 0001 3M02 606")
    assert_no_axe_violations(page)
    assert_no_sideways_scroll(page)

    page.get_by_label("Votre mot de passe, pour signer").fill(PASSWORD)
    page.get_by_role("button", name="Signer le mandat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes factures")
    mandate = Mandate.objects.get()
    section = page.locator("#prelevement")
    expect(section).to_contain_text(mandate.reference)
    expect(section).to_contain_text("FR•• •••• 2606")
    assert_no_axe_violations(page)
    assert_no_sideways_scroll(page)

    section.get_by_role("link", name="Révoquer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Révoquer le mandat de prélèvement")
    assert_no_axe_violations(page)
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name="Révoquer le mandat").click()
    expect(page.locator("#prelevement")).to_contain_text("Payer par prélèvement")
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.REVOKED
