"""Paying online in Chromium with the demo bank: the parent opens the invoice's PDF, pays,
comes back to the portal, sees the invoice paid and gets the e-mail; a refused and an
abandoned payment leave it unpaid with a clear message; a payment left on the bank's page is
resumed or started again, all in the same tab. axe-core on the payment pages."""

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from ribambelle.billing.models import BillingOffice, Invoice, Payment
from ribambelle.billing.tests.test_browser_invoices import invoice  # noqa: F401 - fixture
from ribambelle.conftest import PASSWORD
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_bank(office_a):
    office_a.provider = BillingOffice.Provider.DEMO
    office_a.provider_options = {"demo_enabled": True}
    office_a.save()
    return office_a


def pay(page, base, decision):
    page.goto(f"{base}/ville-a/factures/")
    page.get_by_role("button", name="Payer la facture F-2026-000001").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Banque de démonstration")
    assert_no_axe_violations(page)
    page.get_by_role("button", name=decision, exact=True).click()


def test_pay_with_the_demo_bank(demo_bank, invoice, page, live_server, alice):  # noqa: F811
    base = live_server.url
    log_in(page, base, alice.email, PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes factures"
    ).click()
    with page.context.expect_page() as opened:
        page.get_by_role(
            "link", name="Ouvrir la facture F-2026-000001 (PDF, nouvel onglet)"
        ).click()
    pdf = opened.value
    pdf.wait_for_load_state()
    assert pdf.url.endswith(f"/ville-a/factures/{invoice.pk}/pdf/")
    pdf.close()

    pay(page, base, "Refuser")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paiement refusé")
    expect(page.get_by_text("n'est pas payée")).to_be_visible()
    assert_no_axe_violations(page)
    invoice.refresh_from_db()
    assert invoice.paid == 0

    pay(page, base, "Abandonner")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paiement abandonné")
    invoice.refresh_from_db()
    assert invoice.paid == 0
    assert not mail.outbox

    pay(page, base, "Payer")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paiement accepté")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Retour à mes factures").click()
    expect(
        page.locator("tr", has=page.get_by_role("rowheader", name="F-2026-000001"))
    ).to_contain_text("Payée")
    expect(page.get_by_role("button", name="Payer la facture F-2026-000001")).to_have_count(0)
    invoice.refresh_from_db()
    assert invoice.due == 0 and invoice.status == Invoice.Status.ISSUED
    assert Payment.objects.filter(status=Payment.Status.PAID).count() == 1
    assert {message.to[0] for message in mail.outbox} == {"alice@example.org", "bob@example.org"}
    assert "a bien été reçu" in mail.outbox[0].body


def test_a_left_payment_is_resumed_or_started_again_in_the_same_tab(
    demo_bank,
    invoice,  # noqa: F811
    page,
    live_server,
    alice,
):
    """The family is told before the click that the bank's page opens in this tab and brings
    it back; it leaves the bank's page, finds when the attempt started, resumes it, leaves
    again, starts again, pays, and the return page takes it back to the invoice."""
    base = live_server.url
    log_in(page, base, alice.email, PASSWORD)
    invoice_url = f"{base}/ville-a/factures/{invoice.pk}/"
    page.goto(invoice_url)
    pay_card = page.get_by_role("region", name="Payer en ligne : 13,50 €")
    expect(pay_card).to_contain_text(
        "Vous allez être redirigé, dans cet onglet, vers la page de paiement sécurisée de la "
        "banque de démonstration, puis ramené ici."
    )
    assert_no_axe_violations(page)
    pay_card.get_by_role("button", name="Payer la facture F-2026-000001").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Banque de démonstration")
    assert len(page.context.pages) == 1  # the same tab, no pop-up
    first = Payment.objects.get(status=Payment.Status.PENDING)

    page.goto(invoice_url)  # left without choosing
    started = timezone.localtime(first.created_at)
    expect(pay_card).to_contain_text(
        f"Paiement de 13,50 € commencé à {started.hour} h {started.minute:02d}, pas encore terminé."
    )
    assert_no_axe_violations(page)
    pay_card.get_by_role("link", name="Reprendre le paiement de la facture F-2026-000001").click()
    expect(page).to_have_url(f"{base}/ville-a/banque-demo/{first.reference}/")

    page.goto(invoice_url)
    pay_card.get_by_role(
        "button", name="Recommencer le paiement de la facture F-2026-000001"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Banque de démonstration")
    first.refresh_from_db()
    assert first.status == Payment.Status.ABANDONED
    page.get_by_role("button", name="Payer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paiement accepté")
    page.get_by_role("link", name="Voir la facture F-2026-000001").click()
    expect(page).to_have_url(invoice_url)
    expect(page.get_by_text("État : payée")).to_be_visible()
    assert len(page.context.pages) == 1
