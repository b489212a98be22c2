"""The lifecycle of an online payment with real provider messages (issue 16): every Payzen and
PayFiP result ends in a final state or is explicitly asked again; payments without a final
answer are listed for staff; the provider's logs hold no secret; what a provider would refuse is
said before starting; the return page asks the provider once; the provider's transaction data is
kept and shown to staff; overlapping reconciliations do nothing twice."""

import datetime
import logging
from decimal import Decimal
from unittest import mock
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from ribambelle.billing.models import BillingOffice, Payment
from ribambelle.billing.payments import reconcile
from ribambelle.billing.payments.base import ProviderError, Result
from ribambelle.billing.payments.demo import DemoProvider
from ribambelle.billing.payments.reconcile import payments_reconcile
from ribambelle.billing.payments.services import payment_confirm
from ribambelle.billing.tests.factories import InvoiceFactory, PaymentFactory
from ribambelle.billing.tests.test_payment_attempts import (
    IDOPS,
    PayfipService,
    at,
    flashed,
    text_of,
)
from ribambelle.billing.tests.test_payments import (
    FORM,
    PAYZEN_SECRET,
    issued_invoice,
    payzen_ipn,
    start,
    url,
    use_provider,
)
from ribambelle.bookings.rules import PARIS
from ribambelle.conftest import logged_in
from ribambelle.families.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

TOTAL = Decimal("34.60")


@pytest.fixture
def clock():
    with time_machine.travel(at(14, 5), tick=False) as traveller:
        yield traveller


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


@pytest.fixture
def payfip_web(office_a):
    use_provider(
        office_a, BillingOffice.Provider.PAYFIP, numcli="090909", saisie="T", demo_enabled=True
    )
    service = PayfipService()
    service.details = 0

    def post(_transport, address, message, headers):
        if b"creerPaiementSecurise" not in message:
            service.details += 1
        return service.post(address, message, headers)

    with mock.patch("zeep.transports.Transport.post", autospec=True, side_effect=post):
        yield service


def payzen_started(alice_client, invoice) -> Payment:
    assert start(alice_client, invoice).status_code == 200
    return Payment.objects.get(invoice=invoice, status=Payment.Status.PENDING)


def ipn(client, payment, **fields):
    notify_url = url(payment.municipality, "notify", provider="payzen")
    return client.post(notify_url, urlencode(payzen_ipn(payment, **fields)), **FORM)


def payfip_paid(payment, heurtrans="1412"):
    return {"heurtrans": heurtrans, "refdet": payment.reference, "resultrans": "P"}


# Every provider result is final or asked again.


@pytest.mark.parametrize(
    ("code", "status", "alarm"),
    [
        ("00", "paid", False),
        ("02", "refused", False),  # the merchant must call the card's bank: no authorisation
        ("05", "refused", False),
        ("17", "abandoned", False),  # cancelled by the family on Payzen's page
        ("30", "refused", True),  # format error: the shop's settings
        ("96", "refused", True),  # technical error
    ],
)
def test_every_payzen_result_is_final(
    client, alice_client, payzen_office, household_a, caplog, code, status, alarm
):
    invoice = issued_invoice(payzen_office, household_a, total=TOTAL)
    payment = payzen_started(alice_client, invoice)
    with caplog.at_level(logging.ERROR, logger="ribambelle.billing.payments"):
        assert ipn(client, payment, amount="3460", result=code).status_code == 200
    payment.refresh_from_db()
    assert payment.status == status
    assert payment.provider_data["vads_result"] == code
    assert (f"failed with vads_result {code}" in caplog.text) is alarm
    invoice.refresh_from_db()
    assert invoice.paid == (TOTAL if status == "paid" else Decimal("0.00"))


def test_an_unknown_payzen_result_is_not_acknowledged_so_payzen_sends_it_again(
    client, alice_client, payzen_office, household_a, caplog
):
    invoice = issued_invoice(payzen_office, household_a, total=TOTAL)
    payment = payzen_started(alice_client, invoice)
    with caplog.at_level(logging.ERROR, logger="ribambelle.billing.payments"):
        assert ipn(client, payment, amount="3460", result="42").status_code == 400
    assert "unknown vads_result '42'" in caplog.text
    payment.refresh_from_db()
    assert payment.status == "pending" and payment.provider_data == {}
    # Payzen's next try, with a result we know, is applied.
    assert ipn(client, payment, amount="3460", result="00").status_code == 200
    payment.refresh_from_db()
    assert payment.status == "paid"


def test_an_unknown_payfip_result_is_asked_again(
    client, alice_client, office_a, household_a, payfip_web, caplog
):
    invoice = issued_invoice(office_a, household_a, total=TOTAL)
    start(alice_client, invoice)
    payment = Payment.objects.get(invoice=invoice)
    payfip_web.state = {"heurtrans": "1406", "refdet": payment.reference, "resultrans": "Q"}
    notify_url = url(invoice.municipality, "notify", provider="payfip")
    with caplog.at_level(logging.ERROR, logger="ribambelle.billing.payments"):
        assert client.post(notify_url, {"idOp": IDOPS[0]}).status_code == 400
    assert "payfip: unknown result" in caplog.text
    Payment.objects.filter(pk=payment.pk).update(
        created_at=payment.created_at - datetime.timedelta(minutes=16)
    )
    assert payments_reconcile()["errors"] == 1
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_an_attempt_stays_live_while_payfip_says_it_may_still_complete(
    clock, alice_client, office_a, household_a, payfip_web
):
    """Past the two hours, PayFiP reports the operation cancelled a minute ago: eopayment reads
    it as still in progress (the idOp is still active), so no new attempt starts yet."""
    invoice = issued_invoice(office_a, household_a, total=TOTAL)
    start(alice_client, invoice)
    first = Payment.objects.get(invoice=invoice)
    clock.move_to(at(16, 6))
    payfip_web.state = {"heurtrans": "1605", "refdet": first.reference, "resultrans": "A"}
    response = start(alice_client, invoice)
    assert flashed(response) == [
        "La banque indique que le paiement commencé à 14 h 05 peut encore aboutir : "
        "réessayez dans quelques minutes."
    ]
    assert list(Payment.objects.filter(invoice=invoice)) == [first]
    clock.move_to(at(16, 9))
    assert start(alice_client, invoice).status_code == 200
    first.refresh_from_db()
    assert first.status == "abandoned" and not first.unanswered


# Staff see payments without a final answer.


def stuck_url(slug="ville-a"):
    return reverse("billing_staff:stuck_payments", args=[slug])


def test_a_lost_payzen_notification_is_listed_for_staff(
    clock, client, alice_client, agent_client, payzen_office, household_a
):
    invoice = issued_invoice(payzen_office, household_a, total=TOTAL)
    first = payzen_started(alice_client, invoice)
    clock.move_to(at(15, 0))
    assert first.reference not in text_of(agent_client.get(stuck_url()))
    # An hour without Payzen's notification: staff are told, on the list and the dashboard.
    clock.move_to(at(15, 6))
    text = text_of(agent_client.get(stuck_url()))
    row = text[text.index("<tbody>") :]
    assert first.reference in row and invoice.number in row and "Foyer Martin" in row
    assert "34,60 €" in row and "03/12/2026 14:05" in row and "sans réponse définitive" in row
    dashboard = text_of(agent_client.get(reverse("backoffice:home", args=["ville-a"])))
    assert 'Paiements en ligne en attente</span> <span class="waiting__count">1<' in dashboard
    # The family starts again: the first attempt is closed without Payzen's word, still listed.
    assert start(alice_client, invoice).status_code == 200
    first.refresh_from_db()
    assert first.status == "abandoned" and first.unanswered
    text = text_of(agent_client.get(stuck_url()))
    assert first.reference in text and "clos sans réponse du prestataire" in text
    # Payzen's notification comes at last: the payment is recorded and leaves the list.
    assert ipn(client, first, amount="3460").status_code == 200
    first.refresh_from_db()
    assert first.status == "paid" and not first.unanswered
    assert first.reference not in text_of(agent_client.get(stuck_url()))


def test_a_late_refusal_of_an_attempt_closed_without_answer_takes_it_off_the_list(
    clock, client, alice_client, agent_client, payzen_office, household_a
):
    """Payzen's notification of a cancelled payment comes after the family started again."""
    invoice = issued_invoice(payzen_office, household_a, total=TOTAL)
    first = payzen_started(alice_client, invoice)
    clock.move_to(at(14, 21))
    assert start(alice_client, invoice).status_code == 200
    first.refresh_from_db()
    assert first.unanswered and first.reference in text_of(agent_client.get(stuck_url()))
    assert ipn(client, first, amount="3460", result="17").status_code == 200
    first.refresh_from_db()
    assert first.status == "abandoned" and not first.unanswered
    assert first.provider_data["vads_result"] == "17"
    assert first.reference not in text_of(agent_client.get(stuck_url()))


def test_the_reconciliation_emails_the_municipality_once_about_a_lost_notification(
    clock, alice_client, payzen_office, household_a, django_capture_on_commit_callbacks
):
    municipality = payzen_office.municipality
    municipality.email = "regie@ville-a.fr"
    municipality.save()
    invoice = issued_invoice(payzen_office, household_a, total=TOTAL)
    payment = payzen_started(alice_client, invoice)
    clock.move_to(at(14, 50))
    assert payments_reconcile()["alerts"] == 0  # not an hour yet
    assert mail.outbox == []
    clock.move_to(at(15, 10))
    assert payments_reconcile()["alerts"] == 1
    [alert] = mail.outbox
    assert alert.to == ["regie@ville-a.fr"]
    assert alert.subject == "Paiements en ligne sans réponse du prestataire : 1 à vérifier"
    line = (
        f"Facture {invoice.number} (Foyer Martin) : 34,60 €, commencé le 03/12/2026 14:05, "
        f"référence {payment.reference}"
    )
    assert line in alert.body
    assert stuck_url() in alert.body
    clock.move_to(at(15, 30))
    assert payments_reconcile()["alerts"] == 0
    assert len(mail.outbox) == 1


def test_the_stuck_list_is_for_the_municipalitys_staff(
    clock, office_a, household_a, agent_b, alice_client, client, readonly_client
):
    invoice = issued_invoice(office_a, household_a, total=TOTAL)
    stuck = PaymentFactory(invoice=invoice, online=True)
    Payment.objects.filter(pk=stuck.pk).update(created_at=at(12, 0))
    assert stuck.reference in text_of(readonly_client.get(stuck_url()))
    assert logged_in(agent_b).get(stuck_url()).status_code == 404
    other = text_of(logged_in(agent_b).get(stuck_url("ville-b")))
    assert "Aucun paiement en attente." in other and stuck.reference not in other
    assert alice_client.get(stuck_url()).status_code == 403
    assert "/connexion/?next=" in client.get(stuck_url())["Location"]


# No secret in the logs, whatever the level.


def test_debug_logs_of_a_full_payzen_and_payfip_flow_hold_no_secret(
    client, alice_client, payzen_office, household_a, caplog, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(payzen_office, household_a, total=TOTAL)
    with caplog.at_level(logging.DEBUG):
        payment = payzen_started(alice_client, invoice)
        assert ipn(client, payment, amount="3460").status_code == 200
        forged = {**payzen_ipn(payment, amount="3460"), "signature": "x"}
        notify_url = url(invoice.municipality, "notify", provider="payzen")
        assert client.post(notify_url, urlencode(forged), **FORM).status_code == 400
    use_provider(
        payzen_office, BillingOffice.Provider.PAYFIP, numcli="090909", saisie="T", demo_enabled=True
    )
    second = InvoiceFactory(
        office=payzen_office,
        household=household_a,
        number="F-2026-00002",
        total=TOTAL,
        period_start=datetime.date(2026, 10, 1),
    )
    service = PayfipService()
    with (
        mock.patch(
            "zeep.transports.Transport.post",
            autospec=True,
            side_effect=lambda _t, *a: service.post(*a),
        ),
        caplog.at_level(logging.DEBUG),
        django_capture_on_commit_callbacks(execute=True),
    ):
        start(alice_client, second)
        paid = Payment.objects.get(invoice=second)
        service.state = {"heurtrans": "1406", "refdet": paid.reference, "resultrans": "P"}
        notify_url = url(second.municipality, "notify", provider="payfip")
        assert client.post(notify_url, {"idOp": IDOPS[0]}).status_code == 200
    paid.refresh_from_db()
    assert paid.status == "paid"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records  # the flows did log
    assert PAYZEN_SECRET not in logged and PAYZEN_SECRET not in caplog.text
    # Nor the payer's e-mail, which eopayment and zeep write at DEBUG.
    assert "alice@example.org" not in logged


# What the provider would refuse is said before starting.


@pytest.mark.parametrize(
    ("provider", "total", "email", "message"),
    [
        (
            "payfip",
            "100000.01",
            None,
            "Le paiement en ligne est limité à 100 000 € par paiement : réglez cette facture "
            "par un autre moyen (chèque, virement…) ou contactez la régie.",
        ),
        (
            "payfip",
            "34.60",
            "a" * 70 + "@example.org",
            "Votre adresse e-mail est trop longue pour le service de paiement (80 caractères "
            "au plus) : contactez la régie pour payer cette facture.",
        ),
        (
            "payzen",
            "34.60",
            "a" * 116 + "@example.org",
            "Votre adresse e-mail est trop longue pour le service de paiement (127 caractères "
            "au plus) : contactez la régie pour payer cette facture.",
        ),
    ],
)
def test_what_the_provider_would_refuse_is_said_before_starting(
    alice, alice_client, payzen_office, household_a, provider, total, email, message
):
    if provider == "payfip":
        use_provider(payzen_office, provider, numcli="090909", saisie="T", demo_enabled=True)
    if email:
        type(alice).objects.filter(pk=alice.pk).update(email=email)
    invoice = issued_invoice(payzen_office, household_a, total=Decimal(total))
    with mock.patch("zeep.transports.Transport.post") as soap:
        response = start(alice_client, invoice)
    assert flashed(response) == [message]
    assert not Payment.objects.exists() and not soap.called


def test_a_provider_error_is_logged_without_the_payers_email(
    alice_client, payzen_office, household_a, caplog
):
    invoice = issued_invoice(payzen_office, household_a, total=TOTAL)
    error = ProviderError("('MEL is not a valid email, %r' % 'alice@example.org', ValueError())")
    with (
        mock.patch("ribambelle.billing.payments.eopayment_backends.PayzenProvider.start") as go,
        caplog.at_level(logging.WARNING),
    ):
        go.side_effect = error
        response = start(alice_client, invoice)
    assert flashed(response) == [
        "Le service de paiement ne répond pas. Réessayez dans quelques minutes."
    ]
    assert "the provider refused to start" in caplog.text
    assert "alice@example.org" not in caplog.text and "<e-mail>" in caplog.text


# The return page asks PayFiP once, throttled.


def test_the_return_page_asks_payfip_once_throttled(
    clock, alice_client, office_a, household_a, payfip_web
):
    invoice = issued_invoice(office_a, household_a, total=TOTAL)
    start(alice_client, invoice)
    payment = Payment.objects.get(invoice=invoice)
    return_url = url(invoice.municipality, "return", reference=payment.reference)
    # Back from PayFiP before its notification: it has no result yet (P5).
    clock.move_to(at(14, 8))
    assert "Paiement en cours de confirmation" in text_of(alice_client.get(return_url))
    assert payfip_web.details == 1
    clock.move_to(at(14, 8) + datetime.timedelta(seconds=20))
    alice_client.get(return_url)
    assert payfip_web.details == 1  # asked 20 seconds ago: not again
    clock.move_to(at(14, 9))
    payfip_web.state = payfip_paid(payment, "1408")
    assert "Paiement accepté" in text_of(alice_client.get(return_url))
    assert payfip_web.details == 2
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "paid" and invoice.paid == TOTAL
    alice_client.get(return_url)
    assert payfip_web.details == 2  # final: never asked again


def test_the_return_page_does_not_ask_a_provider_that_cannot_be_asked(
    alice_client, payzen_office, household_a
):
    invoice = issued_invoice(payzen_office, household_a, total=TOTAL)
    payment = payzen_started(alice_client, invoice)
    with mock.patch("requests.Session.request") as network:
        page = alice_client.get(url(invoice.municipality, "return", reference=payment.reference))
    assert "Paiement en cours de confirmation" in text_of(page) and not network.called


# The provider's transaction data, kept and shown to staff.


def test_payfip_transaction_data_is_kept_and_shown_to_staff(
    clock, client, alice_client, agent_client, office_a, household_a, payfip_web
):
    invoice = issued_invoice(office_a, household_a, total=TOTAL)
    start(alice_client, invoice)
    payment = Payment.objects.get(invoice=invoice)
    payfip_web.state = payfip_paid(payment)
    notify_url = url(invoice.municipality, "notify", provider="payfip")
    assert client.post(notify_url, {"idOp": IDOPS[0]}).status_code == 200
    payment.refresh_from_db()
    assert payment.provider_data == {
        "numauto": "112233445566",
        "dattrans": "03122026",
        "heurtrans": "1412",
        "resultrans": "P",
    }
    text = text_of(agent_client.get(reverse("billing_staff:invoice", args=["ville-a", invoice.pk])))
    assert "<dt>Numéro d'autorisation</dt><dd>112233445566</dd>" in text
    assert "<dt>Date de la transaction</dt><dd>03122026</dd>" in text


def test_payzen_transaction_data_is_kept_and_shown_to_staff(
    client, alice_client, agent_client, payzen_office, household_a
):
    invoice = issued_invoice(payzen_office, household_a, total=TOTAL)
    payment = payzen_started(alice_client, invoice)
    assert ipn(client, payment, amount="3460").status_code == 200
    payment.refresh_from_db()
    assert payment.provider_data == {
        "vads_trans_id": "a1B2c3",
        "vads_trans_uuid": "8f1b0c2d3e4f4a5b9c6d7e8f9a0b1c2d",
        "vads_auth_number": "3fe4b2",
        "vads_trans_date": "20261201091508",
        "vads_result": "00",
        "vads_auth_result": "00",
        "vads_trans_status": "AUTHORISED",
    }
    text = text_of(agent_client.get(reverse("billing_staff:invoice", args=["ville-a", invoice.pk])))
    assert "<dt>Identifiant de transaction</dt><dd>a1B2c3</dd>" in text
    assert "<dd>8f1b0c2d3e4f4a5b9c6d7e8f9a0b1c2d</dd>" in text
    assert "<dt>Numéro d'autorisation</dt><dd>3fe4b2</dd>" in text
    # The card number and the payer's data are not kept.
    assert "vads_card_number" not in payment.provider_data


# The reconciliation: a cap per run, and overlapping runs do nothing twice.


def left_demo_attempts(office, household, count):
    use_provider(office, BillingOffice.Provider.DEMO, demo_enabled=True)
    payments = []
    for index in range(count):
        household = HouseholdFactory(municipality=office.municipality, name=f"Foyer {index}")
        invoice = issued_invoice(office, household, number=f"F-2026-0000{index + 1}", total=TOTAL)
        payment = PaymentFactory(invoice=invoice, online=True)
        Payment.objects.filter(pk=payment.pk).update(
            transaction_id=payment.reference,
            created_at=datetime.datetime(2026, 12, 3, 13, 0, tzinfo=PARIS),
        )
        payments.append(payment)
    return payments


def test_the_reconciliation_asks_about_a_capped_number_per_run(clock, office_a, household_a):
    left_demo_attempts(office_a, household_a, 3)
    assert payments_reconcile(cap=2)["checked"] == 2
    assert payments_reconcile(cap=2)["checked"] == 1
    assert payments_reconcile(cap=2)["checked"] == 0
    assert not Payment.objects.filter(status="pending").exists()


def test_overlapping_reconciliations_do_nothing_twice(clock, office_a, household_a):
    payments = left_demo_attempts(office_a, household_a, 3)
    asked, inner = [], []
    original = DemoProvider.status

    def status(provider, payment):
        asked.append(payment.pk)
        if not inner:
            # Another cron run starts while this one is asking the provider.
            inner.append(payments_reconcile())
        return original(provider, payment)

    with mock.patch.object(DemoProvider, "status", autospec=True, side_effect=status):
        outer = payments_reconcile()
    assert outer["checked"] == 3 and outer["confirmed"] == 3
    # The other run finds every payment claimed: it asks about none of them. The payments,
    # left for an hour, are e-mailed about once between the two runs.
    [other] = inner
    assert (other["checked"], other["confirmed"], other["locked"]) == (0, 0, 0)
    assert other["alerts"] + outer["alerts"] == 1
    assert sorted(asked) == sorted(payment.pk for payment in payments)


def test_a_claimed_payment_is_asked_again_after_the_claim_expires(clock, office_a, household_a):
    [payment] = left_demo_attempts(office_a, household_a, 1)
    Payment.objects.filter(pk=payment.pk).update(checked_at=at(14, 0))
    assert payments_reconcile()["checked"] == 0  # claimed five minutes ago by a run
    clock.move_to(at(14, 11))
    assert payments_reconcile()["checked"] == 1
    assert datetime.timedelta(minutes=10) == reconcile.CLAIM_FOR


def test_a_result_for_another_transaction_keeps_no_data(office_a, household_a):
    [payment] = left_demo_attempts(office_a, household_a, 1)
    result = Result(
        provider="demo",
        reference=payment.reference,
        transaction_id="another",
        status="paid",
        amount_cents=3460,
        raw={"numauto": "1"},
    )
    assert payment_confirm(result=result) is None
    payment.refresh_from_db()
    assert payment.status == "pending" and payment.provider_data == {}
