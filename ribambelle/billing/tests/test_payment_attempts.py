"""An attempt the family left on the bank's page: the invoice says when it started, the family
resumes it where the provider can reopen it, or starts again once the provider says it is over
(asked server to server: the demo bank, PayFiP's web service) or once a stated wait has passed
(Payzen, which cannot be asked). A late confirmation of an abandoned attempt is recorded,
flagged as an overpayment, audited, listed for staff and shown to the family. The page says,
before the click, that the provider's page opens in this tab and brings the family back."""

import datetime
import logging
import re
from decimal import Decimal
from unittest import mock
from urllib.parse import urlencode

import pytest
import requests
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from ribambelle.billing.models import BillingOffice, Invoice, Payment
from ribambelle.billing.reminders.models import ReminderSent
from ribambelle.billing.tests.factories import PaymentFactory, ReminderLevelFactory
from ribambelle.billing.tests.test_payments import (
    FORM,
    PAYZEN_SECRET,
    SOAP_NS,
    decide,
    issued_invoice,
    payzen_ipn,
    start,
    started,
    url,
    use_provider,
)
from ribambelle.bookings.rules import PARIS
from ribambelle.conftest import logged_in
from ribambelle.core.models import AuditEntry
from ribambelle.families.tests.factories import HouseholdFactory
from ribambelle.tenants.shortcuts import tenant_reverse

pytestmark = pytest.mark.django_db

TOTAL = Decimal("34.60")
AT_1405 = datetime.datetime(2026, 12, 3, 14, 5, tzinfo=PARIS)


def at(hour, minute):
    return datetime.datetime(2026, 12, 3, hour, minute, tzinfo=PARIS)


def text_of(response) -> str:
    text = response.content.decode().replace("&nbsp;", " ")
    return text.replace("\xa0", " ").replace("&#x27;", "'").replace("&#39;", "'")


def flashed(response) -> list[str]:
    return [str(message).replace("\xa0", " ") for message in response.wsgi_request._messages]


def invoices_url(municipality):
    return tenant_reverse(municipality, "billing:invoices")


def invoice_url(invoice):
    return tenant_reverse(invoice.municipality, "billing:invoice", pk=invoice.pk)


@pytest.fixture
def clock():
    with time_machine.travel(AT_1405, tick=False) as traveller:
        yield traveller


@pytest.fixture
def demo_invoice(office_a, household_a):
    use_provider(office_a, BillingOffice.Provider.DEMO, demo_enabled=True)
    return issued_invoice(office_a, household_a, total=TOTAL)


# The demo bank: it answers at once, and its page reopens while the attempt is pending.


def test_a_left_demo_attempt_says_when_it_started_and_resumes_or_starts_again(
    clock, alice_client, demo_invoice
):
    first = started(alice_client, demo_invoice)
    # The family leaves the bank's page without choosing, then opens its invoices.
    clock.move_to(at(14, 9))
    for page in (invoices_url(demo_invoice.municipality), invoice_url(demo_invoice)):
        text = text_of(alice_client.get(page))
        assert "Paiement de 34,60 € commencé à 14 h 05, pas encore terminé." in text
        assert url(demo_invoice.municipality, "resume", reference=first.reference) in text
        assert "Reprendre le paiement" in text and "Recommencer" in text
        assert "Payer<span" not in text
    resumed = alice_client.get(url(demo_invoice.municipality, "resume", reference=first.reference))
    assert resumed["Location"] == url(
        demo_invoice.municipality, "demo_bank", reference=first.reference
    )
    # "Recommencer": the demo bank says the first attempt was left, a new one starts.
    second = alice_client.post(url(demo_invoice.municipality, "start", pk=demo_invoice.pk))
    first.refresh_from_db()
    assert first.status == Payment.Status.ABANDONED
    [live] = Payment.objects.filter(invoice=demo_invoice, status=Payment.Status.PENDING)
    assert second["Location"] == url(
        demo_invoice.municipality, "demo_bank", reference=live.reference
    )
    assert AuditEntry.objects.filter(
        target_type="billing.payment", target_id=first.pk, after__status="abandoned"
    ).exists()
    # The first attempt's page no longer takes a decision: it shows what the database says.
    old_page = alice_client.get(url(demo_invoice.municipality, "resume", reference=first.reference))
    assert old_page["Location"] == url(
        demo_invoice.municipality, "return", reference=first.reference
    )


def test_the_day_is_said_when_the_attempt_started_another_day(
    clock, alice, alice_client, demo_invoice
):
    started(alice_client, demo_invoice)
    clock.move_to(datetime.datetime(2026, 12, 4, 8, 0, tzinfo=PARIS))
    alice_client.force_login(alice)  # the session of the day before has expired
    text = text_of(alice_client.get(invoice_url(demo_invoice)))
    assert "commencé le 03/12/2026 à 14 h 05" in text


def test_resume_is_for_the_household_only(
    alice_client, demo_invoice, dave, charlie, agent_client, client
):
    payment = started(alice_client, demo_invoice)
    resume = url(demo_invoice.municipality, "resume", reference=payment.reference)
    assert logged_in(dave).get(resume).status_code == 404
    assert logged_in(charlie).get(resume).status_code == 404
    assert agent_client.get(resume).status_code == 403
    assert "/connexion/?next=" in client.get(resume)["Location"]


def test_the_list_with_an_attempt_and_a_reminder_reads_at_most_twelve_queries(
    clock, alice_client, demo_invoice, django_assert_max_num_queries
):
    """The attempts and the reminders are read only when an invoice has one: even then, the
    list stays within the twelve queries of a family page."""
    started(alice_client, demo_invoice)
    level = ReminderLevelFactory(office=demo_invoice.office, days_after_due=7)
    ReminderSent.objects.create(
        municipality=demo_invoice.municipality,
        invoice=demo_invoice,
        level=level,
        sent_on=datetime.date(2026, 12, 1),
    )
    with django_assert_max_num_queries(12):
        text = text_of(alice_client.get(invoices_url(demo_invoice.municipality)))
    assert "Paiement de 34,60 € commencé à 14 h 05, pas encore terminé." in text
    assert "1re relance envoyée le 01/12/2026" in text


def test_a_single_live_attempt_per_invoice_in_the_database(demo_invoice):
    values = {
        "municipality": demo_invoice.municipality,
        "invoice": demo_invoice,
        "method": Payment.Method.ONLINE,
        "status": Payment.Status.PENDING,
        "amount": TOTAL,
        "provider": "demo",
    }
    Payment.objects.create(reference="a" * 24, transaction_id="a" * 24, **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(reference="b" * 24, transaction_id="b" * 24, **values)
    Payment.objects.create(
        reference="c" * 24, transaction_id="c" * 24, **{**values, "status": "abandoned"}
    )


def test_an_attempt_the_provider_never_identified_is_over_after_a_minute(
    clock, alice_client, demo_invoice
):
    """Its start failed without a trace (the process stopped while asking the provider): the
    family never reached the bank's page, but another request may be starting it right now."""
    lost = PaymentFactory(invoice=demo_invoice, online=True, reference="f" * 24)
    clock.move_to(at(14, 5) + datetime.timedelta(seconds=30))
    response = start(alice_client, demo_invoice)
    assert flashed(response) == [
        "Un paiement est déjà en cours pour cette facture (commencé à 14 h 05)."
    ]
    clock.move_to(at(14, 7))
    started(alice_client, demo_invoice)
    lost.refresh_from_db()
    assert lost.status == Payment.Status.ABANDONED


# PayFiP: its operation reopens for 15 minutes; its web service says whether it is over.

IDOPS = ["cc0cb210-1cd4-11ea-8cca-0213ad91a103", "d7e5a3b0-1cd4-11ea-8cca-0213ad91a104"]
CREATE = """<?xml version='1.0' encoding='UTF-8'?>
<S:Envelope {0}><S:Body>
<ns2:creerPaiementSecuriseResponse {1} {2}>
<return><idOp>{idop}</idOp></return>
</ns2:creerPaiementSecuriseResponse></S:Body></S:Envelope>"""
DETAIL = """<?xml version='1.0' encoding='UTF-8'?>
<S:Envelope {0}><S:Body>
<ns2:recupererDetailPaiementSecuriseResponse {1} {2}>
<return><dattrans>03122026</dattrans><exer>2026</exer><heurtrans>{heurtrans}</heurtrans>
<idOp>{idop}</idOp><mel>alice@example.org</mel><montant>3460</montant>
<numauto>112233445566</numauto><numcli>090909</numcli><objet>Facture F 2026 00001</objet>
<refdet>{refdet}</refdet><resultrans>{resultrans}</resultrans><saisie>T</saisie></return>
</ns2:recupererDetailPaiementSecuriseResponse></S:Body></S:Envelope>"""
# PayFiP's answer while an operation has no result yet (P5), or once it is purged (P1).
FAULT = """<?xml version='1.0' encoding='UTF-8'?>
<S:Envelope {0}><S:Body>
<S:Fault xmlns:ns4="http://www.w3.org/2003/05/soap-envelope">
<faultcode>S:Server</faultcode>
<faultstring>fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur</faultstring>
<detail><ns2:FonctionnelleErreur {1}>
<code>{code}</code><descriptif>{text}</descriptif><libelle>{text}</libelle><severite>2</severite>
</ns2:FonctionnelleErreur></detail></S:Fault></S:Body></S:Envelope>"""
FAULT_TEXT = {"P5": "Résultat de la transaction non connu", "P1": "IdOp incorrect"}


class PayfipService:
    """zeep's HTTP transport replaced: a new idOp per creation, then the recorded answer that
    `state` names for each detail request ("P5", "P1", or a resultrans with its time)."""

    def __init__(self):
        self.created = 0
        self.state: dict = {"fault": "P5"}

    def post(self, address, message, headers):
        assert address == "https://www.payfip.gouv.fr/tpa/services/securite"
        response = requests.Response()
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        response.encoding = "utf-8"
        response.status_code = 200
        if b"creerPaiementSecurise" in message:
            body = CREATE.format(*SOAP_NS, idop=IDOPS[self.created])
            self.created += 1
        else:
            idop = re.search(rb"<idOp>([^<]+)</idOp>", message).group(1).decode()
            if "fault" in self.state:
                code = self.state["fault"]
                body = FAULT.format(SOAP_NS[0], SOAP_NS[1], code=code, text=FAULT_TEXT[code])
                response.status_code = 500
            else:
                body = DETAIL.format(*SOAP_NS, idop=idop, **self.state)
        response._content = body.encode()
        return response


@pytest.fixture
def payfip_web(office_a):
    use_provider(
        office_a, BillingOffice.Provider.PAYFIP, numcli="090909", saisie="T", demo_enabled=True
    )
    service = PayfipService()
    with mock.patch(
        "zeep.transports.Transport.post", autospec=True, side_effect=lambda _t, *a: service.post(*a)
    ):
        yield service


def test_payfip_reopens_for_15_minutes_then_waits_for_its_web_service(
    clock, alice_client, office_a, household_a, payfip_web
):
    invoice = issued_invoice(office_a, household_a, total=TOTAL)
    page = text_of(start(alice_client, invoice))
    assert "page de paiement sécurisée de PayFiP (DGFiP), puis ramené à votre facture" in page
    first = Payment.objects.get(invoice=invoice)
    assert first.transaction_id == IDOPS[0]
    clock.move_to(at(14, 12))
    text = text_of(alice_client.get(invoice_url(invoice)))
    assert "commencé à 14 h 05" in text and "Reprendre le paiement" in text
    resumed = alice_client.get(url(invoice.municipality, "resume", reference=first.reference))
    assert resumed["Location"] == f"https://www.payfip.gouv.fr/tpa/paiementws.web?idop={IDOPS[0]}"
    # "Recommencer" while PayFiP has no result (P5): the attempt may still complete.
    response = start(alice_client, invoice)
    assert response["Location"] == invoices_url(invoice.municipality)
    assert flashed(response) == [
        "La banque indique que le paiement commencé à 14 h 05 peut encore aboutir. "
        "Reprenez-le s'il est encore ouvert ; sinon, vous pourrez recommencer à 16 h 05."
    ]
    assert list(Payment.objects.filter(invoice=invoice)) == [first]
    # Past PayFiP's 15 minutes, its page cannot be reopened.
    clock.move_to(at(14, 21))
    text = text_of(alice_client.get(invoice_url(invoice)))
    assert "commencé à 14 h 05" in text and "Reprendre le paiement" not in text
    resumed = alice_client.get(url(invoice.municipality, "resume", reference=first.reference))
    assert resumed["Location"] == invoice_url(invoice)
    assert "recommencez-le depuis la facture" in flashed(resumed)[0]
    # Two hours after, PayFiP's "no result yet" means it will never complete.
    clock.move_to(at(16, 6))
    response = start(alice_client, invoice)
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.status == Payment.Status.ABANDONED
    [live] = Payment.objects.filter(invoice=invoice, status=Payment.Status.PENDING)
    assert live.transaction_id == IDOPS[1]


def test_payfip_cancelled_on_its_page_lets_the_family_start_again(
    clock, alice_client, office_a, household_a, payfip_web
):
    invoice = issued_invoice(office_a, household_a, total=TOTAL)
    start(alice_client, invoice)
    first = Payment.objects.get(invoice=invoice)
    clock.move_to(at(14, 10))
    payfip_web.state = {"heurtrans": "1406", "refdet": first.reference, "resultrans": "A"}
    response = start(alice_client, invoice)
    assert response.status_code == 200 and IDOPS[1] in response.content.decode()
    first.refresh_from_db()
    assert first.status == Payment.Status.ABANDONED


def test_payfip_says_the_left_attempt_was_paid_after_all(
    clock, alice_client, office_a, household_a, payfip_web
):
    invoice = issued_invoice(office_a, household_a, total=TOTAL)
    start(alice_client, invoice)
    first = Payment.objects.get(invoice=invoice)
    clock.move_to(at(14, 30))
    payfip_web.state = {"heurtrans": "1418", "refdet": first.reference, "resultrans": "P"}
    response = start(alice_client, invoice)
    assert flashed(response) == [
        "Le paiement commencé à 14 h 05 a finalement abouti : il est enregistré sur la facture."
    ]
    invoice.refresh_from_db()
    first.refresh_from_db()
    assert first.status == Payment.Status.PAID and invoice.paid == TOTAL
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_payfip_unreachable_keeps_the_attempt_and_says_so(
    clock, alice_client, office_a, household_a, payfip_web
):
    invoice = issued_invoice(office_a, household_a, total=TOTAL)
    start(alice_client, invoice)
    clock.move_to(at(14, 30))
    with mock.patch(
        "zeep.transports.Transport.post", side_effect=requests.ConnectionError("timed out")
    ):
        response = start(alice_client, invoice)
    assert flashed(response) == [
        "Le service de paiement ne répond pas : nous ne pouvons pas encore savoir si le "
        "paiement commencé à 14 h 05 a abouti. Réessayez dans quelques minutes."
    ]
    assert Payment.objects.get(invoice=invoice).status == Payment.Status.PENDING


# Payzen cannot be asked: a stated wait, then a late notification is an overpayment.


@pytest.fixture
def payzen_office(office_a):
    return use_provider(
        office_a,
        BillingOffice.Provider.PAYZEN,
        vads_site_id="12345678",
        vads_ctx_mode="TEST",
        secret_test=PAYZEN_SECRET,
        signature_algo="hmac_sha256",
        demo_enabled=True,  # a test municipality: the only kind with a test mode
    )


def ipn(client, payment, amount="3460"):
    notify_url = url(payment.municipality, "notify", provider="payzen")
    return client.post(notify_url, urlencode(payzen_ipn(payment, amount=amount)), **FORM)


def test_payzen_states_the_wait_and_a_late_success_becomes_a_flagged_overpayment(
    clock,
    client,
    alice_client,
    agent_client,
    payzen_office,
    household_a,
    caplog,
    django_capture_on_commit_callbacks,
):
    invoice = issued_invoice(payzen_office, household_a, total=TOTAL)
    first_page = text_of(start(alice_client, invoice))
    assert "page de paiement sécurisée de Payzen, puis ramené à votre facture" in first_page
    first = Payment.objects.get(invoice=invoice)
    clock.move_to(at(14, 10))
    text = text_of(alice_client.get(invoices_url(invoice.municipality)))
    assert "commencé à 14 h 05" in text and "Reprendre le paiement" not in text
    assert "vous pourrez recommencer à 14 h 20" in text
    response = start(alice_client, invoice)
    assert flashed(response) == [
        "Un paiement a été commencé à 14 h 05. S'il n'a pas abouti, vous pourrez "
        "recommencer à 14 h 20."
    ]
    assert Payment.objects.filter(invoice=invoice).count() == 1
    # After the stated wait, "Payer" is back and closes the first attempt.
    clock.move_to(at(14, 21))
    text = text_of(alice_client.get(invoices_url(invoice.municipality)))
    assert "pas encore terminé" not in text and "Payer<span" in text
    assert start(alice_client, invoice).status_code == 200
    first.refresh_from_db()
    second = Payment.objects.get(invoice=invoice, status=Payment.Status.PENDING)
    assert first.status == Payment.Status.ABANDONED
    with django_capture_on_commit_callbacks(execute=True):
        assert ipn(client, second).status_code == 200
    invoice.refresh_from_db()
    assert invoice.paid == TOTAL and invoice.overpaid == 0
    # Payzen's late notification that the first attempt was paid: the bank took the money.
    clock.move_to(at(14, 32))
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        assert ipn(client, first).status_code == 200
    invoice.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Payment.Status.PAID and invoice.paid == Decimal("69.20")
    assert (first.excess, second.excess) == (TOTAL, Decimal("0.00"))
    assert invoice.overpaid == TOTAL and invoice.due == 0
    assert "overpayment of 34.60 on invoice F-2026-00001" in caplog.text
    audit = AuditEntry.objects.get(
        target_type="billing.payment", target_id=first.pk, after__status="paid"
    )
    assert audit.after["overpayment"] == "34.60" and audit.after["status"] == "paid"
    # The family sees it on the invoice and on the list.
    for page in (invoices_url(invoice.municipality), invoice_url(invoice)):
        text = text_of(alice_client.get(page))
        assert "Trop-perçu : 34,60 €, porté au crédit de votre compte famille." in text
    # Staff see it in "Trop-perçus", with the household and both payments.
    overpaid = reverse("billing_staff:overpaid", args=["ville-a"])
    text = text_of(agent_client.get(overpaid))
    row = text[text.index("<tbody>") :]
    assert invoice.number in row and "Foyer Martin" in row
    assert "34,60 €" in row and "69,20 €" in row
    assert row.count("34,60 € par paiement en ligne, le 03/12/2026") == 2
    assert "dont 34,60 € en trop" in row
    staff_invoice = reverse("billing_staff:invoice", args=["ville-a", invoice.pk])
    assert "dont 34,60 € en trop" in text_of(agent_client.get(staff_invoice))


# The overpayment list: who may see it, and constant queries.


def overpaid_invoice(office, number):
    household = HouseholdFactory(municipality=office.municipality, name=f"Foyer {number}")
    invoice = issued_invoice(office, household, number=number, total=TOTAL)
    for index in range(2):
        PaymentFactory(
            invoice=invoice,
            received_on=datetime.date(2026, 12, 3),
            reference=f"chèque {number} {index}",
        )
    Invoice.objects.filter(pk=invoice.pk).update(paid=TOTAL * 2)
    return invoice


def test_the_overpayment_list_is_for_the_municipalitys_staff(
    office_a, household_a, municipality_b, agent_b, alice_client, client
):
    from ribambelle.accounts.models import Role
    from ribambelle.conftest import make_user

    invoice = overpaid_invoice(office_a, "F-2026-00001")
    issued_invoice(office_a, household_a, number="F-2026-00002", total=TOTAL)
    page = reverse("billing_staff:overpaid", args=["ville-a"])
    reader = logged_in(make_user(office_a.municipality, "lecture@ville-a.fr", Role.READ_ONLY))
    text = text_of(reader.get(page))
    assert invoice.number in text and "F-2026-00002" not in text
    assert logged_in(agent_b).get(page).status_code == 404
    text = text_of(logged_in(agent_b).get(reverse("billing_staff:overpaid", args=["ville-b"])))
    assert "Aucun trop-perçu." in text and invoice.number not in text
    assert alice_client.get(page).status_code == 403
    assert "/connexion/?next=" in client.get(page)["Location"]


def test_the_overpayment_list_reads_a_constant_number_of_queries(
    agent_client, office_a, household_a, django_assert_max_num_queries
):
    page = reverse("billing_staff:overpaid", args=["ville-a"])
    overpaid_invoice(office_a, "F-2026-00001")
    with django_assert_max_num_queries(20) as few:
        agent_client.get(page)
    for index in range(2, 8):
        overpaid_invoice(office_a, f"F-2026-0000{index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        text = text_of(agent_client.get(page))
    assert "F-2026-00007" in text


# Where the provider's page opens, said before the click.


def test_the_pages_say_where_payer_leads_before_the_click(
    clock, alice_client, demo_invoice, django_capture_on_commit_callbacks
):
    before = "dans cet onglet, vers la page de paiement sécurisée de la banque de démonstration"
    text = text_of(alice_client.get(invoices_url(demo_invoice.municipality)))
    assert f"« Payer » vous redirige, {before}, puis vous ramène à votre facture." in text
    text = text_of(alice_client.get(invoice_url(demo_invoice)))
    assert f"Vous allez être redirigé, {before}, puis ramené ici." in text
    assert 'target="_blank"' not in text[text.index("pay-title") :]
    payment = started(alice_client, demo_invoice)
    response = decide(alice_client, payment, "paid", django_capture_on_commit_callbacks)
    back = text_of(alice_client.get(response["Location"]))
    assert f'href="{invoice_url(demo_invoice)}"' in back and "Voir la facture F-2026-00001" in back
