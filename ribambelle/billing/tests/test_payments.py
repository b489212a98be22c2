"""Online payment: the demo bank end to end, idempotence and verification of notifications,
PayFiP and Payzen through eopayment with the network replaced by recorded answers, and the
reconciliation."""

import base64
import datetime
import hashlib
import hmac
from decimal import Decimal
from unittest import mock
from urllib.parse import urlencode

import pytest
import requests
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from ribambelle.billing.models import BillingOffice, Invoice, Payment
from ribambelle.billing.payments import demo
from ribambelle.billing.payments.reconcile import payments_reconcile
from ribambelle.billing.tests.factories import InvoiceFactory, PaymentFactory
from ribambelle.conftest import logged_in
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.shortcuts import tenant_reverse

pytestmark = pytest.mark.django_db

TOTAL = Decimal("13.50")


def issued_invoice(office, household, number="F-2026-00001", total=TOTAL):
    """November 2026, issued on 1 December, due on the 16th."""
    return InvoiceFactory(office=office, household=household, number=number, total=total)


def use_provider(office, provider, **options):
    office.provider = provider
    office.provider_options = options
    office.save()
    return office


@pytest.fixture
def demo_office(office_a):
    return use_provider(office_a, BillingOffice.Provider.DEMO, demo_enabled=True)


@pytest.fixture
def invoice(demo_office, household_a):
    return issued_invoice(demo_office, household_a)


def url(municipality, name, **kwargs):
    return tenant_reverse(municipality, f"billing_pay:{name}", **kwargs)


def start(client, invoice):
    return client.post(url(invoice.municipality, "start", pk=invoice.pk))


def started(client, invoice) -> Payment:
    response = start(client, invoice)
    payment = Payment.objects.get(invoice=invoice, status=Payment.Status.PENDING)
    assert response.status_code == 302
    assert response["Location"] == url(
        invoice.municipality, "demo_bank", reference=payment.reference
    )
    return payment


def decide(client, payment, decision, capture):
    with capture(execute=True):
        return client.post(
            url(payment.municipality, "demo_bank", reference=payment.reference),
            {"decision": decision},
        )


def test_demo_bank_pays_the_invoice_and_emails_the_family(
    alice_client, invoice, django_capture_on_commit_callbacks
):
    payment = started(alice_client, invoice)
    assert payment.amount == TOTAL and payment.provider == "demo"
    assert len(payment.reference) >= 24
    page = alice_client.get(url(invoice.municipality, "demo_bank", reference=payment.reference))
    assert "banque de démonstration" in page.content.decode()
    response = decide(alice_client, payment, "paid", django_capture_on_commit_callbacks)
    return_url = url(invoice.municipality, "return", reference=payment.reference)
    assert response.status_code == 302 and response["Location"] == return_url
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.paid == TOTAL and invoice.due == Decimal("0.00")
    assert payment.status == "paid" and payment.received_on == timezone.localdate()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    assert mail.outbox[0].subject == (
        "Votre paiement de 13,50 € pour la facture F-2026-00001 a bien été reçu"
    )
    page = alice_client.get(return_url).content.decode()
    assert "Paiement accepté" in page
    assert tenant_reverse(invoice.municipality, "billing:invoices") in page
    assert AuditEntry.objects.filter(target_type="billing.payment", target_id=payment.pk).count()
    # Nothing left to pay: a new start is refused.
    response = start(alice_client, invoice)
    assert Payment.objects.filter(invoice=invoice).count() == 1


@pytest.mark.parametrize(
    ("decision", "title"),
    [("refused", "Paiement refusé"), ("abandoned", "Paiement abandonné")],
)
def test_refused_or_abandoned_leaves_the_invoice_unpaid(
    alice_client, invoice, decision, title, django_capture_on_commit_callbacks
):
    payment = started(alice_client, invoice)
    response = decide(alice_client, payment, decision, django_capture_on_commit_callbacks)
    page = alice_client.get(response["Location"]).content.decode()
    assert title in page and "n'est pas payée" in page
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.paid == Decimal("0.00") and payment.status == decision
    assert mail.outbox == []
    # A final payment no longer blocks a new try, and the demo bank does not reopen it.
    decide(alice_client, payment, "paid", django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert payment.status == decision
    started(alice_client, invoice)


def notify(client, office, fields):
    return client.post(url(office.municipality, "notify", provider="demo"), fields)


def signed(office, payment, status="paid", **changes):
    fields = {
        "reference": payment.reference,
        "transaction_id": payment.transaction_id,
        "status": status,
        "amount_cents": int(payment.amount * 100),
        **changes,
    }
    return {**fields, "signature": demo.sign(office.pk, fields)}


def test_a_replayed_notification_pays_once(
    client, alice_client, invoice, demo_office, django_capture_on_commit_callbacks
):
    payment = started(alice_client, invoice)
    fields = signed(demo_office, payment)
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(client, demo_office, fields)
        second = notify(client, demo_office, fields)
        third = notify(client, demo_office, signed(demo_office, payment, "refused"))
    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 200]
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.paid == TOTAL and payment.status == "paid"
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert len(mail.outbox) == 2  # one e-mail per guardian, once


def test_tampered_amount_or_bad_signature_is_refused(
    client, alice_client, invoice, demo_office, office_a
):
    payment = started(alice_client, invoice)
    fields = signed(demo_office, payment)
    tampered = {**fields, "amount_cents": "1"}
    wrong_key = {**fields, "signature": demo.sign(demo_office.pk + 1, fields)}
    # Correctly signed, but not the amount of the payment.
    wrong_amount = signed(demo_office, payment, amount_cents=1)
    unknown = signed(demo_office, payment, reference="0" * 24)
    for forged in (tampered, wrong_key, wrong_amount, unknown, {"reference": payment.reference}):
        assert notify(client, demo_office, forged).status_code == 400
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "pending" and invoice.paid == Decimal("0.00")
    assert client.get(url(office_a.municipality, "notify", provider="demo")).status_code == 405
    assert client.post(url(office_a.municipality, "notify", provider="bitcoin")).status_code == 404


def test_another_household_or_tenant_or_role_cannot_start(
    invoice, dave, charlie, household_b, agent_client
):
    assert start(logged_in(dave), invoice).status_code == 404
    assert start(logged_in(charlie), invoice).status_code == 404
    assert start(agent_client, invoice).status_code == 403
    assert not Payment.objects.exists()


def test_a_draft_invoice_cannot_be_paid(alice_client, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.DRAFT)
    assert start(alice_client, invoice).status_code == 404


def test_a_second_start_asks_the_bank_about_the_first_and_keeps_one_live_attempt(
    alice_client, invoice
):
    """A second tab or a double click: the demo bank says the first attempt was left, so it
    is closed before the new one starts (test_payment_attempts covers the other providers)."""
    first = started(alice_client, invoice)
    second = started(alice_client, invoice)
    first.refresh_from_db()
    assert first.status == "abandoned" and second.status == "pending"
    assert Payment.objects.filter(invoice=invoice, status="pending").count() == 1


def test_return_page_reads_the_database_not_the_address(alice_client, invoice, dave, agent_client):
    payment = started(alice_client, invoice)
    return_url = url(invoice.municipality, "return", reference=payment.reference)
    forged = alice_client.get(return_url + "?status=paid&vads_result=00&resultrans=P")
    page = forged.content.decode()
    assert "Paiement en cours de confirmation" in page and "Paiement accepté" not in page
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert logged_in(dave).get(return_url).status_code == 404
    assert agent_client.get(return_url).status_code == 403
    demo_url = url(invoice.municipality, "demo_bank", reference=payment.reference)
    assert logged_in(dave).get(demo_url).status_code == 404


def test_the_demo_bank_is_off_in_production_unless_enabled(
    settings, alice_client, office_a, household_a
):
    settings.DEBUG = False
    use_provider(office_a, BillingOffice.Provider.DEMO)
    invoice = issued_invoice(office_a, household_a)
    response = start(alice_client, invoice)
    assert response["Location"] == tenant_reverse(invoice.municipality, "billing:invoices")
    assert not Payment.objects.exists()
    payment = PaymentFactory(
        invoice=invoice, online=True, reference="a" * 24, transaction_id="a" * 24
    )
    demo_url = url(invoice.municipality, "demo_bank", reference=payment.reference)
    assert alice_client.get(demo_url).status_code == 404
    settings.DEBUG = True
    bank = alice_client.get(demo_url)
    assert bank.status_code == 200
    assert f"Facture {invoice.number}" in bank.content.decode()


# PayFiP: the SOAP web service, answers as recorded from PayFiP's test platform.
IDOP = "cc0cb210-1cd4-11ea-8cca-0213ad91a103"
SOAP_NS = (
    'xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"',
    'xmlns:ns2="http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/'
    'contrat_paiement_securise/PaiementSecuriseService"',
    'xmlns:ns3="http://securite.service.tpa.cp.finances.gouv.fr/reponse"',
)
CREATE_ANSWER = f"""<?xml version='1.0' encoding='UTF-8'?>
<S:Envelope {SOAP_NS[0]}><S:Body>
<ns2:creerPaiementSecuriseResponse {SOAP_NS[1]} {SOAP_NS[2]}>
<return><idOp>{IDOP}</idOp></return>
</ns2:creerPaiementSecuriseResponse></S:Body></S:Envelope>"""
DETAIL_ANSWER = """<?xml version='1.0' encoding='UTF-8'?>
<S:Envelope {0}><S:Body>
<ns2:recupererDetailPaiementSecuriseResponse {1} {2}>
<return><dattrans>01122026</dattrans><exer>2026</exer><heurtrans>1012</heurtrans>
<idOp>{idop}</idOp><mel>alice@example.org</mel><montant>{montant}</montant>
<numauto>112233445566</numauto><numcli>090909</numcli><objet>Facture F 2026 00001</objet>
<refdet>{refdet}</refdet><resultrans>{resultrans}</resultrans><saisie>T</saisie></return>
</ns2:recupererDetailPaiementSecuriseResponse></S:Body></S:Envelope>"""


class PayfipWebService:
    """Stands in for zeep's HTTP transport: records the requests, answers from the recording."""

    def __init__(self):
        self.requests: list[bytes] = []
        self.detail = {}

    def post(self, address, message, headers):
        self.requests.append(message)
        assert address == "https://www.payfip.gouv.fr/tpa/services/securite"
        if b"creerPaiementSecurise" in message:
            body = CREATE_ANSWER
        else:
            body = DETAIL_ANSWER.format(*SOAP_NS, idop=IDOP, **self.detail)
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        response._content = body.encode()
        response.encoding = "utf-8"
        return response


@pytest.fixture
def payfip(office_a):
    use_provider(
        office_a, BillingOffice.Provider.PAYFIP, numcli="090909", saisie="T", demo_enabled=True
    )
    service = PayfipWebService()
    with mock.patch(
        "zeep.transports.Transport.post", autospec=True, side_effect=lambda _t, *a: service.post(*a)
    ):
        yield service


def payfip_started(alice_client, invoice, service) -> Payment:
    response = alice_client.post(url(invoice.municipality, "start", pk=invoice.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="https://www.payfip.gouv.fr/tpa/paiementws.web?idop={IDOP}"' in page
    payment = Payment.objects.get(invoice=invoice)
    request = service.requests[0].decode()
    assert f"<refdet>{payment.reference}</refdet>" in request
    assert "<montant>1350</montant>" in request and "<numcli>090909</numcli>" in request
    assert "<mel>alice@example.org</mel>" in request
    assert "/ville-a/paiement/notification/payfip/" in request
    assert payment.transaction_id == IDOP and payment.status == "pending"
    return payment


def test_payfip_start_and_notification(
    client, alice_client, payfip, office_a, household_a, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(office_a, household_a)
    payment = payfip_started(alice_client, invoice, payfip)
    notify_url = url(invoice.municipality, "notify", provider="payfip")
    # The notification is checked with the web service: a wrong amount changes nothing.
    payfip.detail = {"montant": "100", "refdet": payment.reference, "resultrans": "P"}
    assert client.post(notify_url, {"idOp": IDOP}).status_code == 400
    assert client.post(notify_url, {"idOp": "unknown"}).status_code == 400
    payment.refresh_from_db()
    assert payment.status == "pending"
    payfip.detail = {"montant": "1350", "refdet": payment.reference, "resultrans": "P"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(notify_url, {"idOp": IDOP}).status_code == 200
        assert client.post(notify_url, {"idOp": IDOP}).status_code == 200
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "paid" and invoice.paid == TOTAL
    assert len(mail.outbox) == 2
    assert f"<idOp>{IDOP}</idOp>" in payfip.requests[-1].decode()


def test_payfip_refusal(client, alice_client, payfip, office_a, household_a):
    invoice = issued_invoice(office_a, household_a)
    payment = payfip_started(alice_client, invoice, payfip)
    payfip.detail = {"montant": "1350", "refdet": payment.reference, "resultrans": "R"}
    notify_url = url(invoice.municipality, "notify", provider="payfip")
    assert client.post(notify_url, {"idOp": IDOP}).status_code == 200
    payment.refresh_from_db()
    assert payment.status == "refused"
    page = alice_client.get(url(invoice.municipality, "return", reference=payment.reference))
    assert "Paiement refusé" in page.content.decode()


def test_reconcile_confirms_a_pending_payment_through_status(
    alice_client, payfip, office_a, household_a, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(office_a, household_a)
    payment = payfip_started(alice_client, invoice, payfip)
    payfip.detail = {"montant": "1350", "refdet": payment.reference, "resultrans": "P"}
    assert payments_reconcile()["checked"] == 0  # too recent: the notification may come
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reconcile_payments", stdout=mock.Mock())
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "paid" and invoice.paid == TOTAL
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert payments_reconcile()["checked"] == 0
    invoice.refresh_from_db()
    assert invoice.paid == TOTAL


def test_reconcile_abandons_a_forgotten_demo_payment(alice_client, invoice):
    payment = started(alice_client, invoice)
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    assert payments_reconcile() == {
        "checked": 1,
        "confirmed": 1,
        "errors": 0,
        "locked": 0,
        "alerts": 0,
    }
    payment.refresh_from_db()
    assert payment.status == "abandoned"


# Payzen: a form posted to Payzen, then its signed notification (IPN).
PAYZEN_SECRET = "7hSwrgp5yzk4Jm8d"  # a test shop's key


def payzen_signature(fields: dict) -> str:
    values = [fields[key] for key in sorted(fields) if key.startswith("vads_")]
    message = "+".join([*values, PAYZEN_SECRET]).encode()
    digest = hmac.new(PAYZEN_SECRET.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@pytest.fixture
def payzen(office_a):
    return use_provider(
        office_a,
        BillingOffice.Provider.PAYZEN,
        vads_site_id="12345678",
        vads_ctx_mode="TEST",
        secret_test=PAYZEN_SECRET,
        signature_algo="hmac_sha256",
        demo_enabled=True,  # a test municipality: the only kind with a test mode
    )


def payzen_ipn(payment, amount="1350", result="00", **changes):
    """A notification as Payzen posts it (fields of a recorded test-shop IPN)."""
    fields = {
        "vads_action_mode": "INTERACTIVE",
        "vads_amount": amount,
        "vads_auth_mode": "FULL",
        "vads_auth_number": "3fe4b2" if result == "00" else "",
        "vads_auth_result": result,
        "vads_capture_delay": "0",
        "vads_card_brand": "CB",
        "vads_card_number": "497010XXXXXX0055",
        "vads_ctx_mode": "TEST",
        "vads_currency": "978",
        "vads_effective_amount": amount,
        "vads_effective_creation_date": "20261201091542",
        "vads_ext_info_eopayment_trans_id": payment.reference,
        "vads_extra_result": "",
        "vads_hash": "9b5e1c6f0b0f8c4e1b8f7a1d3e2c5b4a6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a",
        "vads_operation_type": "DEBIT",
        "vads_order_id": payment.reference,
        "vads_page_action": "PAYMENT",
        "vads_payment_config": "SINGLE",
        "vads_result": result,
        "vads_site_id": "12345678",
        "vads_trans_date": "20261201091508",
        "vads_trans_id": "a1B2c3",
        "vads_trans_status": "AUTHORISED" if result == "00" else "REFUSED",
        "vads_trans_uuid": "8f1b0c2d3e4f4a5b9c6d7e8f9a0b1c2d",
        "vads_url_check_src": "PAY",
        "vads_version": "V2",
        **changes,
    }
    fields["signature"] = payzen_signature(fields)
    return fields


def test_payzen_form_then_signed_notification(
    client, alice_client, payzen, household_a, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(payzen, household_a)
    response = alice_client.post(url(invoice.municipality, "start", pk=invoice.pk))
    assert response.status_code == 200
    assert "form-action 'self' https://secure.payzen.eu" in response["Content-Security-Policy"]
    page = response.content.decode()
    payment = Payment.objects.get(invoice=invoice)
    assert 'action="https://secure.payzen.eu/vads-payment/"' in page
    for name, value in [
        ("vads_amount", "1350"),
        ("vads_site_id", "12345678"),
        ("vads_order_id", payment.reference),
        ("vads_ext_info_eopayment_trans_id", payment.reference),
    ]:
        assert f'name="{name}" value="{value}"' in page
    assert "/ville-a/paiement/notification/payzen/" in page  # vads_url_check
    notify_url = url(invoice.municipality, "notify", provider="payzen")
    forged = {**payzen_ipn(payment), "vads_amount": "100"}
    assert client.post(notify_url, urlencode(forged), **FORM).status_code == 400
    wrong_amount = payzen_ipn(payment, amount="100")
    assert client.post(notify_url, urlencode(wrong_amount), **FORM).status_code == 400
    payment.refresh_from_db()
    assert payment.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        ipn = urlencode(payzen_ipn(payment))
        assert client.post(notify_url, ipn, **FORM).status_code == 200
        assert client.post(notify_url, ipn, **FORM).status_code == 200
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "paid" and invoice.paid == TOTAL
    assert len(mail.outbox) == 2


def test_payzen_refusal(client, alice_client, payzen, household_a):
    invoice = issued_invoice(payzen, household_a)
    alice_client.post(url(invoice.municipality, "start", pk=invoice.pk))
    payment = Payment.objects.get(invoice=invoice)
    notify_url = url(invoice.municipality, "notify", provider="payzen")
    ipn = urlencode(payzen_ipn(payment, result="05"))
    assert client.post(notify_url, ipn, **FORM).status_code == 200
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "refused" and invoice.paid == Decimal("0.00")


FORM = {"content_type": "application/x-www-form-urlencoded"}


def test_payfip_unreachable_abandons_the_attempt_and_says_so(alice_client, office_a, household_a):
    use_provider(
        office_a, BillingOffice.Provider.PAYFIP, numcli="090909", saisie="T", demo_enabled=True
    )
    invoice = issued_invoice(office_a, household_a)
    with mock.patch(
        "zeep.transports.Transport.post", side_effect=requests.ConnectionError("timed out")
    ):
        response = start(alice_client, invoice)
    assert response["Location"] == tenant_reverse(invoice.municipality, "billing:invoices")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Le service de paiement ne répond pas. Réessayez dans quelques minutes."]
    # The failed attempt does not block the next one.
    assert Payment.objects.get(invoice=invoice).status == "abandoned"


@pytest.mark.parametrize(
    ("provider", "options", "total", "paid", "expected"),
    [
        ("demo", {"demo_enabled": True}, "13.50", "0", True),
        ("demo", {"demo_enabled": True}, "13.50", "13.50", False),
        ("", {}, "13.50", "0", False),
        ("payfip", {"numcli": "090909"}, "0.50", "0", False),  # PayFiP: 1 € at least
        ("payfip", {"numcli": "090909"}, "1.00", "0", True),
    ],
)
def test_can_pay_online(settings, office_a, household_a, provider, options, total, paid, expected):
    from ribambelle.billing.payments.registry import can_pay_online

    settings.DEBUG = False
    use_provider(office_a, provider, **options)
    invoice = issued_invoice(office_a, household_a, total=Decimal(total))
    invoice.paid = Decimal(paid)
    assert can_pay_online(invoice) is expected


def test_a_verified_payment_after_a_refusal_is_still_recorded(
    client, alice_client, invoice, demo_office, agent_client, django_capture_on_commit_callbacks
):
    """The bank took the money (a second try on its page): losing it would be worse."""
    payment = started(alice_client, invoice)
    demo_url = url(invoice.municipality, "demo_bank", reference=payment.reference)
    assert agent_client.get(demo_url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        notify(client, demo_office, signed(demo_office, payment, "refused"))
        notify(client, demo_office, signed(demo_office, payment, "paid"))
        notify(client, demo_office, signed(demo_office, payment, "abandoned"))
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "paid" and invoice.paid == TOTAL
