"""Pre-notification: an invoice to be collected by direct debit says when and from which
account on its page, in the list, in its PDF and in its e-mail, and offers no "Payer"."""

import pytest
from django.core import mail
from django.urls import reverse

from ribambelle.billing import tasks
from ribambelle.billing.tests.test_portal import pdf_text, text_of
from ribambelle.debits.collections.services import batch_generate
from ribambelle.debits.tests.conftest import COLLECTION_DAY, issue
from ribambelle.debits.tests.factories import MandateFactory

pytestmark = pytest.mark.django_db
SENTENCE = "Cette facture sera prélevée le 10/12/2026 sur le compte FR•• •••• 0143"


def url(name, **kwargs):
    return reverse(f"billing:{name}", kwargs={"municipality_slug": "ville-a", **kwargs})


@pytest.fixture
def debit_invoice(office_a, creditor_a, household_a):
    office_a.provider = "demo"
    office_a.save()
    mandate = MandateFactory(office=office_a, household=household_a)
    [invoice] = issue(office_a, ["12.50"], mandates=[mandate])
    return invoice


def test_the_invoice_page_and_list_say_when_and_offer_no_payer(alice_client, debit_invoice):
    pay = reverse(
        "billing_pay:start", kwargs={"municipality_slug": "ville-a", "pk": debit_invoice.pk}
    )
    for page in (url("invoice", pk=debit_invoice.pk), url("invoices")):
        response = alice_client.get(page)
        assert response.status_code == 200
        assert SENTENCE in text_of(response)
        assert pay not in response.content.decode()


def test_the_pdf_says_when(alice_client, debit_invoice):
    response = alice_client.get(url("invoice_pdf", pk=debit_invoice.pk))
    assert SENTENCE in pdf_text(response.getvalue())


def test_the_email_says_when(debit_invoice):
    tasks.send_invoice_issued.enqueue(debit_invoice.pk)
    [message] = [m for m in mail.outbox if "alice@example.org" in m.to]
    assert SENTENCE in message.body
    assert "Consulter et payer" not in message.body
    html = message.alternatives[0][0].replace("&nbsp;", " ")
    assert SENTENCE in html


def test_a_debit_sent_is_in_progress(alice_client, debit_invoice, office_a, manager_a):
    batch_generate(office=office_a, collection_on=COLLECTION_DAY, actor=manager_a)
    response = alice_client.get(url("invoice", pk=debit_invoice.pk))
    assert "Prélèvement en cours : le 10/12/2026 sur le compte FR•• •••• 0143" in text_of(response)
