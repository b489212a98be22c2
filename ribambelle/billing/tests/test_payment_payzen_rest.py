"""Payzen/Systempay asked through its own REST API (issue 16, points 4 and 10): with the REST
password of the office's mode, a pending Payzen payment is settled by Payzen's Order/Get answer,
from the reconciliation and from the return page; without it nothing changes.

The answers are Order/Get answers as Payzen's REST API V4 sends them (a V4/WebService/Response
holding a V4/OrderTransactions, or a V4/WebService/WebServiceError); the network is replaced at
the one function that posts (payzen_rest.http_post), or below it at urllib for the errors."""

import base64
import datetime
import json
import logging
import urllib.error
from decimal import Decimal
from unittest import mock

import pytest
import time_machine

from ribambelle.billing.models import BillingOffice, Payment
from ribambelle.billing.payments import payzen_rest
from ribambelle.billing.payments.base import ProviderError
from ribambelle.billing.payments.config import SYSTEMPAY_URL
from ribambelle.billing.payments.reconcile import payments_reconcile
from ribambelle.billing.payments.registry import provider_of
from ribambelle.billing.tests.test_payment_attempts import at, flashed, text_of
from ribambelle.billing.tests.test_payment_config import (
    PRODUCTION_SECRET,
    office_data,
    payzen_started,
    staff_url,
)
from ribambelle.billing.tests.test_payments import PAYZEN_SECRET, issued_invoice, url, use_provider
from ribambelle.core.crypto import secret_decrypt, secret_encrypt
from ribambelle.core.models import AuditEntry

pytestmark = pytest.mark.django_db

TOTAL = Decimal("34.60")
PROD_REST = "prodpassword_Q7fJk2LmN8pRt4VwX9zBc3Dg"
TEST_REST = "testpassword_H5sA1eK6yU0oI9pL2mN4bV7c"
SHOP = "12345678"
LOGGER = "ribambelle.billing.payments"


@pytest.fixture
def clock():
    with time_machine.travel(at(14, 5), tick=False) as traveller:
        yield traveller


def rest_office(office, *, service_url=None, **extra):
    """A production Payzen office with both REST passwords saved (the test one from its set-up,
    which production must never use)."""
    options = {
        "vads_site_id": SHOP,
        "vads_ctx_mode": "PRODUCTION",
        "secret_production": secret_encrypt(PRODUCTION_SECRET),
        "secret_rest_production": secret_encrypt(PROD_REST),
        "secret_rest_test": secret_encrypt(TEST_REST),
        "signature_algo": "hmac_sha256",
        **extra,
    }
    if service_url:
        options["service_url"] = service_url
    return use_provider(office, BillingOffice.Provider.PAYZEN, **options)


def transaction(payment, detailed="AUTHORISED", status="PAID", **changes):
    """One transaction of an Order/Get answer (fields as Payzen lists them)."""
    paid = status == "PAID"
    item = {
        "shopId": SHOP,
        "uuid": "5b1c7c3b0b5d4d4ca0b8f5f5e7c4a3b2",
        "amount": 3460,
        "currency": "EUR",
        "paymentMethodType": "CARD",
        "paymentMethodToken": None,
        "detailedStatus": detailed,
        "status": status,
        "operationType": "DEBIT",
        "effectiveStrongAuthentication": "ENABLED",
        "creationDate": "2026-12-03T13:06:12+00:00",
        "errorCode": None if paid else "149",
        "errorMessage": None if paid else "refused",
        "detailedErrorCode": None if paid else "05",
        "detailedErrorMessage": None,
        "metadata": None,
        "transactionDetails": {
            "liabilityShift": "YES",
            "effectiveAmount": 3460,
            "effectiveCurrency": "EUR",
            "creationContext": "CHARGE",
            "cardDetails": {
                "paymentSource": "EC",
                "manualValidation": "NO",
                "expectedCaptureDate": "2026-12-03T13:06:12+00:00",
                "effectiveBrand": "CB",
                "pan": "497010XXXXXX0055",
                "expiryMonth": 11,
                "expiryYear": 2028,
                "country": "FR",
                "legacyTransId": "a1B2c3",
                "legacyTransDate": "2026-12-03T13:06:12+00:00",
                "authorizationResponse": {
                    "amount": 3460 if paid else None,
                    "currency": "EUR",
                    "authorizationDate": "2026-12-03T13:06:12+00:00",
                    "authorizationNumber": "3fe4b2" if paid else None,
                    "authorizationResult": "0" if paid else "5",
                    "authorizationMode": "FULL",
                    "_type": "V4/PaymentMethod/Details/Cards/CardAuthorizationResponse",
                },
                "_type": "V4/PaymentMethod/Details/CardDetails",
            },
            "_type": "V4/TransactionDetails",
        },
        "orderDetails": {
            "orderTotalAmount": 3460,
            "orderEffectiveAmount": 3460,
            "orderCurrency": "EUR",
            "mode": "PRODUCTION",
            "orderId": payment.reference,
            "metadata": None,
            "_type": "V4/OrderDetails",
        },
        "_type": "V4/PaymentTransaction",
    }
    for key, value in changes.items():
        if key in ("mode", "orderId"):
            item["orderDetails"][key] = value
        else:
            item[key] = value
    return item


def order_answer(*transactions, mode="PRODUCTION"):
    return {
        "webService": "Order/Get",
        "version": "V4",
        "applicationVersion": "6.3.0",
        "status": "SUCCESS",
        "answer": {"transactions": list(transactions), "_type": "V4/OrderTransactions"},
        "ticket": None,
        "serverDate": "2026-12-03T13:26:00+00:00",
        "applicationProvider": "PAYZEN",
        "metadata": None,
        "mode": mode,
        "serverUrl": "https://api.payzen.eu",
        "_type": "V4/WebService/Response",
    }


def error_answer(code, message):
    return {
        "webService": "Order/Get",
        "version": "V4",
        "status": "ERROR",
        "answer": {
            "errorCode": code,
            "errorMessage": message,
            "detailedErrorCode": None,
            "detailedErrorMessage": None,
            "_type": "V4/WebService/WebServiceError",
        },
        "mode": "PRODUCTION",
        "_type": "V4/WebService/Response",
    }


NOT_FOUND = error_answer("PSP_010", "transaction not found")


class PayzenApi:
    """Payzen's REST API as the tests answer it: the calls it got, the answer it gives."""

    def __init__(self):
        self.calls = []
        self.answer = NOT_FOUND
        self.http_status = 200

    def post(self, address, body, headers, timeout):
        self.calls.append({"url": address, "body": json.loads(body), "headers": headers})
        assert timeout <= 10
        return self.http_status, json.dumps(self.answer).encode()

    def password_used(self, index=-1):
        token = self.calls[index]["headers"]["Authorization"].removeprefix("Basic ")
        return base64.b64decode(token).decode()


@pytest.fixture
def api():
    service = PayzenApi()
    with mock.patch.object(payzen_rest, "http_post", side_effect=service.post):
        yield service


def pending_payment(office, household):
    """A payment started on Payzen's page (as payment_start leaves it)."""
    invoice = issued_invoice(office, household, total=TOTAL)
    return Payment.objects.create(
        municipality=invoice.municipality,
        invoice=invoice,
        method=Payment.Method.ONLINE,
        status=Payment.Status.PENDING,
        amount=TOTAL,
        reference="RBM-TEST-0001",
        transaction_id="RBM-TEST-0001",
        provider="payzen",
    )


def started(clock, alice_client, office, household):
    invoice = issued_invoice(office, household, total=TOTAL)
    return invoice, payzen_started(alice_client, invoice)


# The reconciliation asks Payzen.


def test_a_paid_answer_settles_a_pending_payment_through_the_reconciliation(
    clock, alice_client, office_a, household_a, api
):
    office = rest_office(office_a)
    invoice, payment = started(clock, alice_client, office, household_a)
    clock.move_to(at(14, 21))
    api.answer = order_answer(transaction(payment))
    counts = payments_reconcile()
    assert counts["checked"] == 1 and counts["confirmed"] == 1 and counts["errors"] == 0
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "paid" and invoice.paid == TOTAL
    # Asked as Payzen documents it, with the production REST password of the shop.
    call = api.calls[0]
    assert call["url"] == "https://api.payzen.eu/api-payment/V4/Order/Get"
    assert call["body"] == {"orderId": payment.reference, "operationType": "DEBIT"}
    assert api.password_used() == f"{SHOP}:{PROD_REST}"
    assert call["headers"]["Content-Type"] == "application/json"
    # The transaction data is kept under the notification's names, shown to staff alike.
    assert payment.provider_data == {
        "vads_trans_uuid": "5b1c7c3b0b5d4d4ca0b8f5f5e7c4a3b2",
        "vads_trans_id": "a1B2c3",
        "vads_auth_number": "3fe4b2",
        "vads_auth_result": "0",
        "vads_trans_status": "AUTHORISED",
        "vads_trans_date": "20261203130612",
    }


@pytest.mark.parametrize(
    ("detailed", "simple", "final"),
    [
        ("CAPTURED", "PAID", "paid"),
        ("REFUSED", "UNPAID", "refused"),
        ("CAPTURE_FAILED", "UNPAID", "refused"),
        ("CANCELLED", "UNPAID", "abandoned"),
        ("EXPIRED", "UNPAID", "abandoned"),
        ("ABANDONED", "ABANDONED", "abandoned"),
        ("WAITING_AUTHORISATION", "RUNNING", "pending"),
        ("AUTHORISED_TO_VALIDATE", "RUNNING", "pending"),
        ("UNDER_VERIFICATION", "RUNNING", "pending"),
    ],
)
def test_every_transaction_status_is_final_or_kept_pending(
    clock, alice_client, office_a, household_a, api, detailed, simple, final
):
    office = rest_office(office_a)
    invoice, payment = started(clock, alice_client, office, household_a)
    clock.move_to(at(14, 21))
    api.answer = order_answer(transaction(payment, detailed, simple))
    counts = payments_reconcile()
    assert counts["checked"] == 1 and counts["errors"] == 0
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == final
    assert invoice.paid == (TOTAL if final == "paid" else 0)
    if final != "pending":
        assert payment.provider_data["vads_trans_status"] == detailed


def test_a_second_card_that_paid_settles_the_order(clock, alice_client, office_a, household_a, api):
    """On Payzen's page the family's first card was refused, the second one paid."""
    office = rest_office(office_a)
    _invoice, payment = started(clock, alice_client, office, household_a)
    clock.move_to(at(14, 21))
    refused = transaction(payment, "REFUSED", "UNPAID", uuid="0a0a0a0a0a0a4a0a8a0a0a0a0a0a0a0a")
    api.answer = order_answer(refused, transaction(payment))
    payments_reconcile()
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.provider_data["vads_trans_uuid"].startswith("5b1c")


def test_an_order_without_transaction_is_abandoned_once_payzens_page_is_closed(
    clock, alice_client, office_a, household_a, api
):
    office = rest_office(office_a)
    invoice, payment = started(clock, alice_client, office, household_a)
    return_url = url(invoice.municipality, "return", reference=payment.reference)
    clock.move_to(at(14, 8))
    assert "Paiement en cours de confirmation" in text_of(alice_client.get(return_url))
    assert len(api.calls) == 1  # PSP_010 while the page may still be open: pending
    payment.refresh_from_db()
    assert payment.status == "pending"
    clock.move_to(at(14, 21))
    assert payments_reconcile()["errors"] == 0
    payment.refresh_from_db()
    assert payment.status == "abandoned" and not payment.unanswered


def test_an_unknown_transaction_status_is_an_error_asked_again(
    clock, alice_client, office_a, household_a, api, caplog
):
    office = rest_office(office_a)
    _invoice, payment = started(clock, alice_client, office, household_a)
    clock.move_to(at(14, 21))
    api.answer = order_answer(transaction(payment, "SOMETHING_NEW", "PAID"))
    with caplog.at_level(logging.ERROR):
        assert payments_reconcile()["errors"] == 1
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert "unknown transaction status" in caplog.text


@pytest.mark.parametrize(
    "changes",
    [{"shopId": "87654321"}, {"mode": "TEST"}, {"currency": "USD"}, {"orderId": "OTHER-REF"}],
)
def test_an_answer_for_another_shop_mode_currency_or_order_never_counts(
    clock, alice_client, office_a, household_a, api, caplog, changes
):
    office = rest_office(office_a)
    invoice, payment = started(clock, alice_client, office, household_a)
    clock.move_to(at(14, 21))
    api.answer = order_answer(transaction(payment, **changes))
    with caplog.at_level(logging.ERROR):
        assert payments_reconcile()["errors"] == 1
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "pending" and invoice.paid == 0
    assert "mismatch" in caplog.text


# The return page asks Payzen once, throttled.


def test_the_return_page_settles_a_paid_payzen_payment_throttled(
    clock, alice_client, office_a, household_a, api
):
    office = rest_office(office_a)
    invoice, payment = started(clock, alice_client, office, household_a)
    return_url = url(invoice.municipality, "return", reference=payment.reference)
    clock.move_to(at(14, 7))
    api.answer = order_answer(transaction(payment, "WAITING_AUTHORISATION", "RUNNING"))
    assert "Paiement en cours de confirmation" in text_of(alice_client.get(return_url))
    clock.move_to(at(14, 7) + datetime.timedelta(seconds=20))
    alice_client.get(return_url)
    assert len(api.calls) == 1  # asked 20 seconds ago: not again
    clock.move_to(at(14, 8))
    api.answer = order_answer(transaction(payment))
    assert "Paiement accepté" in text_of(alice_client.get(return_url))
    assert len(api.calls) == 2
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "paid" and invoice.paid == TOTAL
    alice_client.get(return_url)
    assert len(api.calls) == 2  # final: never asked again


def test_a_refused_answer_on_the_return_page_closes_the_attempt(
    clock, alice_client, office_a, household_a, api
):
    office = rest_office(office_a)
    invoice, payment = started(clock, alice_client, office, household_a)
    clock.move_to(at(14, 7))
    api.answer = order_answer(transaction(payment, "REFUSED", "UNPAID"))
    alice_client.get(url(invoice.municipality, "return", reference=payment.reference))
    payment.refresh_from_db()
    assert payment.status == "refused"


def test_starting_again_asks_payzen_first(clock, alice_client, office_a, household_a, api):
    office = rest_office(office_a)
    invoice, payment = started(clock, alice_client, office, household_a)
    clock.move_to(at(14, 9))
    api.answer = order_answer(transaction(payment))
    response = alice_client.post(url(invoice.municipality, "start", pk=invoice.pk))
    assert any("a finalement abouti" in message for message in flashed(response))
    payment.refresh_from_db()
    assert payment.status == "paid"


# Errors: never a 500, counted, nothing changes, no secret in the logs.


def failing_urlopen(error):
    return mock.patch("urllib.request.urlopen", side_effect=error)


@pytest.mark.parametrize(
    "error",
    [
        urllib.error.HTTPError(
            "https://api.payzen.eu/api-payment/V4/Order/Get", 401, "Unauthorized", {}, None
        ),
        TimeoutError("timed out"),
        urllib.error.URLError("Name or service not known"),
    ],
    ids=["401", "timeout", "unreachable"],
)
def test_an_unreachable_or_refusing_api_is_an_error_counted_never_a_500(
    clock, alice_client, office_a, household_a, caplog, error
):
    office = rest_office(office_a)
    invoice, payment = started(clock, alice_client, office, household_a)
    clock.move_to(at(14, 21))
    with failing_urlopen(error), caplog.at_level(logging.DEBUG):
        counts = payments_reconcile()
        clock.move_to(at(14, 22))
        page = alice_client.get(url(invoice.municipality, "return", reference=payment.reference))
    assert counts["checked"] == 1 and counts["errors"] == 1 and counts["confirmed"] == 0
    assert page.status_code == 200 and "Paiement en cours de confirmation" in text_of(page)
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert "status query failed" in caplog.text
    token = base64.b64encode(f"{SHOP}:{PROD_REST}".encode()).decode()
    for secret in (PROD_REST, TEST_REST, token, PRODUCTION_SECRET):
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, error_answer("INT_905", "invalid login or password")),
        (500, {}),
        (200, "<html>maintenance</html>"),
    ],
)
def test_an_api_error_answer_is_a_provider_error(office_a, household_a, api, status, body):
    office = rest_office(office_a)
    payment = pending_payment(office, household_a)
    api.http_status, api.answer = status, body
    with pytest.raises(ProviderError):
        provider_of(payment).status(payment)


def test_only_https_is_ever_asked():
    with pytest.raises(ValueError, match="https"):
        payzen_rest.http_post("file:///etc/passwd", b"{}", {}, 1)


# Which password, which platform; without one, behaviour as before.


def test_the_test_password_is_never_used_in_production_and_the_modes_own_is(
    clock, alice_client, office_a, household_a, api
):
    # Production with only the test password saved: Payzen is not asked, as before.
    office = rest_office(office_a)
    options = dict(office.provider_options)
    del options["secret_rest_production"]
    office = use_provider(office, BillingOffice.Provider.PAYZEN, **options)
    invoice, payment = started(clock, alice_client, office, household_a)
    provider = provider_of(payment)
    assert not provider.status_known and not provider.status_on_return
    clock.move_to(at(14, 21))
    alice_client.get(url(invoice.municipality, "return", reference=payment.reference))
    assert payments_reconcile()["errors"] == 0
    assert api.calls == []
    payment.refresh_from_db()
    assert payment.status == "pending"
    # A test office in test mode asks with the test password.
    use_provider(
        office,
        BillingOffice.Provider.PAYZEN,
        vads_site_id=SHOP,
        vads_ctx_mode="TEST",
        secret_test=PAYZEN_SECRET,
        secret_rest_test=secret_encrypt(TEST_REST),
        secret_rest_production=secret_encrypt(PROD_REST),
        demo_enabled=True,
    )
    payment.refresh_from_db()
    api.answer = order_answer(transaction(payment, mode="TEST"), mode="TEST")
    result = provider_of(payment).status(payment)
    assert api.password_used() == f"{SHOP}:{TEST_REST}" and result.status == "paid"


def test_a_systempay_office_asks_systempays_api(office_a, household_a, api):
    office = rest_office(office_a, service_url=SYSTEMPAY_URL)
    payment = pending_payment(office, household_a)
    api.answer = order_answer(transaction(payment, "WAITING_AUTHORISATION", "RUNNING"))
    assert provider_of(payment).status(payment).status == "pending"
    assert api.calls[0]["url"] == "https://api.systempay.fr/api-payment/V4/Order/Get"


def test_the_rest_passwords_never_reach_eopayment(office_a):
    office = rest_office(office_a)
    options = provider_of_office(office).eopayment_options()
    assert not any(key.startswith("secret_rest") for key in options)


def provider_of_office(office):
    from ribambelle.billing.payments.registry import provider_for

    return provider_for(office)


# The office's settings: optional, encrypted, never shown again, audited, removable, checked.


def test_the_rest_password_is_saved_encrypted_audited_and_removable(
    manager_client, manager_a, office_a, department_a
):
    page = staff_url("office_edit", pk=office_a.pk)
    form = manager_client.get(page).content.decode()
    assert "un paiement bloqué se règle seul" in form.replace("&#x27;", "'")
    assert "Mot de passe de test de l&#x27;API REST" not in form  # production office
    data = office_data(
        department_a,
        provider="payzen",
        payzen_site_id=SHOP,
        payzen_secret_production=PRODUCTION_SECRET,
    )
    # Optional: saved without one.
    assert manager_client.post(page, data).status_code == 302
    office_a.refresh_from_db()
    assert "secret_rest_production" not in office_a.provider_options
    kept = {k: v for k, v in data.items() if k != "payzen_secret_production"}
    # Checked: a test password (or anything else) is refused for production, in French.
    for wrong in (TEST_REST, "prodpassword_", "prodpassword_abc def ghi jkl mno pqr"):
        response = manager_client.post(page, {**kept, "payzen_rest_production": wrong})
        assert response.status_code == 400
        text = text_of(response)
        assert "Ce mot de passe commence par « prodpassword_ »" in text
        assert f'value="{wrong}"' not in text and "abc def" not in text  # never shown back
        assert 'value="Régie enfance"' in text  # the rest of the input is kept
    response = manager_client.post(page, {**kept, "payzen_rest_production": PROD_REST})
    assert response.status_code == 302
    office_a.refresh_from_db()
    stored = office_a.provider_options["secret_rest_production"]
    assert stored.startswith("fernet:") and secret_decrypt(stored) == PROD_REST
    entry = AuditEntry.objects.filter(target_type="billing.billingoffice").latest("pk")
    assert entry.after["provider_options"]["secret_rest_production"] == "***"
    form = manager_client.get(page).content.decode()
    assert PROD_REST not in form and "Un mot de passe est enregistré" in form
    # Replaced: "modifiée"; saved again untouched: kept, nothing audited about it.
    other = "prodpassword_Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2"
    assert manager_client.post(page, {**kept, "payzen_rest_production": other}).status_code == 302
    entry = AuditEntry.objects.filter(target_type="billing.billingoffice").latest("pk")
    assert entry.after["provider_options"]["secret_rest_production"] == "modifiée"
    assert other not in str(entry.after) + str(entry.before)
    assert manager_client.post(page, {**kept, "due_days": "20"}).status_code == 302
    office_a.refresh_from_db()
    assert secret_decrypt(office_a.provider_options["secret_rest_production"]) == other
    # Removed.
    response = manager_client.post(page, {**kept, "payzen_rest_remove_production": "on"})
    assert response.status_code == 302
    office_a.refresh_from_db()
    assert "secret_rest_production" not in office_a.provider_options
    entry = AuditEntry.objects.filter(target_type="billing.billingoffice").latest("pk")
    assert entry.before["provider_options"]["secret_rest_production"] == "***"
    assert "secret_rest_production" not in entry.after["provider_options"]


def test_a_test_office_keeps_its_test_password_until_it_goes_live(
    manager_client, office_a, department_a
):
    from ribambelle.billing.services import billing_office_test_set

    office_a.provider_options = {"demo_enabled": True}
    office_a.save()
    page = staff_url("office_edit", pk=office_a.pk)
    data = office_data(
        department_a,
        provider="payzen",
        payzen_site_id=SHOP,
        payzen_ctx_mode="TEST",
        payzen_secret_test=PAYZEN_SECRET,
        payzen_rest_test=PROD_REST,  # the production one typed in the test field
    )
    response = manager_client.post(page, data)
    assert response.status_code == 400
    assert "Ce mot de passe commence par « testpassword_ »" in text_of(response)
    assert manager_client.post(page, {**data, "payzen_rest_test": TEST_REST}).status_code == 302
    office_a.refresh_from_db()
    assert secret_decrypt(office_a.provider_options["secret_rest_test"]) == TEST_REST
    billing_office_test_set(
        municipality=office_a.municipality, actor=None, office=office_a, enabled=False
    )
    office_a.refresh_from_db()
    assert "secret_rest_test" not in office_a.provider_options


def test_a_test_mode_left_on_a_real_office_is_never_asked(office_a, household_a, api, caplog):
    """A municipality gone live whose office is still in test mode: no query with the test
    password, an error instead."""
    office = use_provider(
        office_a,
        BillingOffice.Provider.PAYZEN,
        vads_site_id=SHOP,
        vads_ctx_mode="TEST",
        secret_test=PAYZEN_SECRET,
        secret_rest_test=secret_encrypt(TEST_REST),
    )
    payment = pending_payment(office, household_a)
    with caplog.at_level(logging.ERROR), pytest.raises(ProviderError):
        provider_of(payment).status(payment)
    assert api.calls == [] and "not a test office" in caplog.text
