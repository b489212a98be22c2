"""An office's payment configuration and what it lets through (issue 16, points 1, 2, 5, 7, 8):
production by default, test mode only for a test office, every Payzen notification and PayFiP
answer checked against the office's mode, shop, currency and operation, no error page for a
message that does not verify, a switch refused while attempts may still be answered, only the
providers' own payment pages, keys encrypted at rest.

Provider messages are the recorded ones of test_payments: Payzen notifications signed as Payzen
signs them and parsed by eopayment, PayFiP's SOAP answers through zeep's transport."""

import base64
import datetime
import hashlib
import hmac
import importlib
import io
import logging
from decimal import Decimal
from unittest import mock
from urllib.parse import urlencode

import pytest
import requests
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import connection

from ribambelle.billing.models import BillingOffice, Payment
from ribambelle.billing.payments import config
from ribambelle.billing.payments.reconcile import payments_reconcile
from ribambelle.billing.payments.registry import can_pay_online
from ribambelle.billing.tests.factories import BillingOfficeFactory, PaymentFactory
from ribambelle.billing.tests.test_payments import (
    CREATE_ANSWER,
    DETAIL_ANSWER,
    FORM,
    IDOP,
    PAYZEN_SECRET,
    SOAP_NS,
    TOTAL,
    issued_invoice,
    payzen_ipn,
    url,
    use_provider,
)
from ribambelle.core.crypto import SecretUnreadable, secret_decrypt, secret_encrypt
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.shortcuts import tenant_reverse

pytestmark = pytest.mark.django_db

PRODUCTION_SECRET = "9rXk2LmQ7tVb4NzW"  # a production shop's key (same format as the test one)
LOGGER = "ribambelle.billing.payments.eopayment_backends"


def sign(fields: dict, secret: str) -> dict:
    """As Payzen signs a notification (HMAC-SHA-256 over the vads_ values and the key)."""
    fields = {k: v for k, v in fields.items() if k != "signature"}
    values = [fields[key] for key in sorted(fields) if key.startswith("vads_")]
    message = "+".join([*values, secret]).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return {**fields, "signature": base64.b64encode(digest).decode()}


def production_ipn(payment, **changes) -> dict:
    return sign(payzen_ipn(payment, vads_ctx_mode="PRODUCTION", **changes), PRODUCTION_SECRET)


@pytest.fixture
def payzen_production(office_a):
    """A production office that still has the test key it was set up with (saved before this
    release, in clear)."""
    return use_provider(
        office_a,
        BillingOffice.Provider.PAYZEN,
        vads_site_id="12345678",
        vads_ctx_mode="PRODUCTION",
        secret_test=PAYZEN_SECRET,
        secret_production=secret_encrypt(PRODUCTION_SECRET),
        signature_algo="hmac_sha256",
    )


def payzen_started(alice_client, invoice) -> Payment:
    response = alice_client.post(url(invoice.municipality, "start", pk=invoice.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="vads_ctx_mode" value="PRODUCTION"' in page
    return Payment.objects.get(invoice=invoice, status="pending")


def post_ipn(client, office, fields):
    notify_url = url(office.municipality, "notify", provider="payzen")
    return client.post(notify_url, urlencode(fields), **FORM)


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# 1. A notification must match the office's mode, shop, currency and operation.


def test_a_test_mode_payzen_notification_to_a_production_office_is_refused(
    client, alice_client, payzen_production, household_a, caplog, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(payzen_production, household_a)
    payment = payzen_started(alice_client, invoice)
    # Correctly signed with the shop's test key, which eopayment would pick from the message.
    test_mode = payzen_ipn(payment)
    assert test_mode["vads_ctx_mode"] == "TEST"
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        assert post_ipn(client, payzen_production, test_mode).status_code == 400
    assert any("vads_ctx_mode mismatch" in line for line in errors(caplog))
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "pending" and invoice.paid == Decimal("0.00")
    # The production key verifies the production message.
    with django_capture_on_commit_callbacks(execute=True):
        assert post_ipn(client, payzen_production, production_ipn(payment)).status_code == 200
    invoice.refresh_from_db()
    assert invoice.paid == TOTAL


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("vads_site_id", "87654321"),  # another shop's notification, signed with its key
        ("vads_currency", "840"),  # dollars
        ("vads_operation_type", "CREDIT"),  # a refund
    ],
)
def test_another_shop_currency_or_operation_is_refused(
    client, alice_client, payzen_production, household_a, caplog, field, value
):
    invoice = issued_invoice(payzen_production, household_a)
    payment = payzen_started(alice_client, invoice)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        response = post_ipn(client, payzen_production, production_ipn(payment, **{field: value}))
    assert response.status_code == 400
    assert any(f"{field} mismatch" in line for line in errors(caplog))
    invoice.refresh_from_db()
    assert invoice.paid == Decimal("0.00")


def test_in_production_the_test_key_is_never_given_to_eopayment(payzen_production):
    from ribambelle.billing.payments.eopayment_backends import PayzenProvider

    options = PayzenProvider(payzen_production).eopayment_options()
    assert "secret_test" not in options
    assert options["secret_production"] == PRODUCTION_SECRET
    assert options["vads_ctx_mode"] == "PRODUCTION"


# 2. Production by default; a test result never counts for a production office.


class PayfipWebService:
    """PayFiP's SOAP service as recorded, answering with the given mode (saisie)."""

    def __init__(self, saisie="W", numcli="090909"):
        self.saisie = saisie
        self.numcli = numcli
        self.detail: dict[str, str] = {}

    def post(self, address, message, headers):
        if b"creerPaiementSecurise" in message:
            body = CREATE_ANSWER
        else:
            answer = DETAIL_ANSWER.replace("<saisie>T</saisie>", f"<saisie>{self.saisie}</saisie>")
            answer = answer.replace("<numcli>090909</numcli>", f"<numcli>{self.numcli}</numcli>")
            body = answer.format(*SOAP_NS, idop=IDOP, **self.detail)
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        response._content = body.encode()
        response.encoding = "utf-8"
        return response


@pytest.fixture
def payfip_production(office_a):
    use_provider(office_a, BillingOffice.Provider.PAYFIP, numcli="090909", saisie="W")
    service = PayfipWebService()
    with mock.patch(
        "zeep.transports.Transport.post", autospec=True, side_effect=lambda _t, *a: service.post(*a)
    ):
        yield service


def test_a_payfip_answer_in_test_mode_is_not_counted_for_a_production_office(
    client, alice_client, payfip_production, office_a, household_a, caplog
):
    invoice = issued_invoice(office_a, household_a)
    assert alice_client.post(url(invoice.municipality, "start", pk=invoice.pk)).status_code == 200
    payment = Payment.objects.get(invoice=invoice)
    payfip_production.saisie = "T"
    payfip_production.detail = {"montant": "1350", "refdet": payment.reference, "resultrans": "P"}
    notify_url = url(invoice.municipality, "notify", provider="payfip")
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        assert client.post(notify_url, {"idOp": IDOP}).status_code == 400
        Payment.objects.filter(pk=payment.pk).update(
            created_at=payment.created_at - datetime.timedelta(minutes=16)
        )
        assert payments_reconcile()["errors"] == 1
    assert sum("test flag mismatch" in line for line in errors(caplog)) == 2
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "pending" and invoice.paid == Decimal("0.00")
    # Another client number's answer does not count either; the office's own does.
    payfip_production.saisie, payfip_production.numcli = "W", "111111"
    assert client.post(notify_url, {"idOp": IDOP}).status_code == 400
    payfip_production.numcli = "090909"
    assert client.post(notify_url, {"idOp": IDOP}).status_code == 200
    invoice.refresh_from_db()
    assert invoice.paid == TOTAL


def test_production_is_the_default_and_test_mode_is_for_test_offices_only(
    manager_client, office_a, department_a
):
    page = staff_url("office_edit", pk=office_a.pk)
    form = manager_client.get(page).content.decode()
    assert 'value="T"' not in form and 'value="TEST"' not in form
    assert 'value="W" selected' in form and 'value="PRODUCTION" selected' in form
    assert "réservé aux collectivités de test" in form
    data = office_data(department_a, provider="payfip", payfip_numcli="123456", payfip_saisie="T")
    response = manager_client.post(page, data)
    assert response.status_code == 400
    assert "Choisissez le mode activation ou production." in response.content.decode()
    assert 'value="123456"' in response.content.decode()  # the input is kept
    office_a.refresh_from_db()
    assert office_a.provider == ""
    # Without a mode, production.
    data = office_data(department_a, provider="payfip", payfip_numcli="123456")
    assert manager_client.post(page, data).status_code == 302
    office_a.refresh_from_db()
    assert office_a.provider_options == {"numcli": "123456", "saisie": "W"}
    # A test municipality's office is offered the test modes.
    office_a.provider_options = {**office_a.provider_options, "demo_enabled": True}
    office_a.save()
    form = manager_client.get(page).content.decode()
    assert 'value="T"' in form and 'value="TEST"' in form


@pytest.mark.parametrize(
    ("provider", "options"),
    [
        ("payfip", {"numcli": "090909", "saisie": "T"}),
        ("payzen", {"vads_site_id": "12345678", "vads_ctx_mode": "TEST", "secret_test": "k" * 16}),
    ],
)
def test_an_office_left_in_test_mode_takes_no_payment(
    settings, office_a, household_a, provider, options
):
    settings.DEBUG = False
    use_provider(office_a, provider, **options)
    invoice = issued_invoice(office_a, household_a)
    assert can_pay_online(invoice) is False
    use_provider(office_a, provider, demo_enabled=True, **options)
    assert can_pay_online(invoice) is True


# 5. Never a 500 on the notification endpoint; a switch keeps in-flight attempts verifiable.


def test_a_missing_or_unreadable_key_or_garbage_is_a_400(
    client, alice_client, payzen_production, household_a, settings
):
    invoice = issued_invoice(payzen_production, household_a)
    payment = payzen_started(alice_client, invoice)
    # The key of the message's mode is missing: a production office without a test key.
    payzen_production.provider_options = {
        k: v for k, v in payzen_production.provider_options.items() if k != "secret_test"
    }
    payzen_production.save()
    assert post_ipn(client, payzen_production, payzen_ipn(payment)).status_code == 400
    # The production key removed (by hand in the database) while the attempt was in flight.
    options = dict(payzen_production.provider_options)
    del options["secret_production"]
    payzen_production.provider_options = options
    payzen_production.save()
    assert post_ipn(client, payzen_production, production_ipn(payment)).status_code == 400
    # A key saved with another RIBAMBELLE_SECRETS_KEY cannot be read: refused, not a crash.
    settings.SECRETS_KEYS = ["an old passphrase"]
    payzen_production.provider_options = {**options, "secret_production": secret_encrypt("x")}
    payzen_production.save()
    settings.SECRETS_KEYS = ["the new passphrase"]
    assert post_ipn(client, payzen_production, production_ipn(payment)).status_code == 400
    # Not a Payzen message at all, or no payment of ours.
    notify_url = url(payzen_production.municipality, "notify", provider="payzen")
    assert client.post(notify_url, {"vads_ctx_mode": "PRODUCTION"}).status_code == 400
    garbage = f"vads_ext_info_eopayment_trans_id={payment.reference}&signature=x"
    assert client.post(notify_url, garbage, **FORM).status_code == 400
    assert client.post(notify_url, b"\xff\xfe", **FORM).status_code == 400
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_another_municipality_cannot_notify_for_our_payment(
    client, alice_client, payzen_production, household_a, municipality_b
):
    invoice = issued_invoice(payzen_production, household_a)
    payment = payzen_started(alice_client, invoice)
    other = tenant_reverse(municipality_b, "billing_pay:notify", provider="payzen")
    assert client.post(other, urlencode(production_ipn(payment)), **FORM).status_code == 400
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_a_switch_is_refused_while_an_attempt_may_still_be_answered(
    client,
    alice_client,
    manager_client,
    payzen_production,
    department_a,
    household_a,
    django_capture_on_commit_callbacks,
):
    invoice = issued_invoice(payzen_production, household_a)
    payment = payzen_started(alice_client, invoice)
    page = staff_url("office_edit", pk=payzen_production.pk)
    to_payfip = office_data(
        department_a, provider="payfip", payfip_numcli="123456", payfip_saisie="W"
    )
    response = manager_client.post(page, to_payfip)
    assert response.status_code == 400
    assert "Des paiements en ligne de cette régie sont encore en cours" in response.content.decode()
    # Another shop, same provider: refused too. A due-days change is not a switch.
    other_shop = office_data(department_a, provider="payzen", payzen_site_id="87654321")
    assert manager_client.post(page, other_shop).status_code == 400
    same = office_data(department_a, provider="payzen", payzen_site_id="12345678", due_days="20")
    assert manager_client.post(page, same).status_code == 302
    payzen_production.refresh_from_db()
    assert payzen_production.provider == "payzen" and payzen_production.due_days == 20
    # The attempt is still verified with the office's settings.
    with django_capture_on_commit_callbacks(execute=True):
        assert post_ipn(client, payzen_production, production_ipn(payment)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == "paid"


def test_after_the_answer_window_a_switch_is_allowed_and_a_late_message_is_a_400(
    client, alice_client, manager_client, payzen_production, department_a, household_a
):
    invoice = issued_invoice(payzen_production, household_a)
    payment = payzen_started(alice_client, invoice)
    Payment.objects.filter(pk=payment.pk).update(
        created_at=payment.created_at - datetime.timedelta(hours=3)
    )
    page = staff_url("office_edit", pk=payzen_production.pk)
    to_payfip = office_data(
        department_a, provider="payfip", payfip_numcli="123456", payfip_saisie="W"
    )
    assert manager_client.post(page, to_payfip).status_code == 302
    assert post_ipn(client, payzen_production, production_ipn(payment)).status_code == 400


# 7. Only the providers' own payment pages.


def test_a_forged_service_url_is_refused_by_the_form(manager_client, office_a, department_a):
    page = staff_url("office_edit", pk=office_a.pk)
    data = office_data(
        department_a,
        provider="payzen",
        payzen_site_id="12345678",
        payzen_secret_production=PRODUCTION_SECRET,
        payzen_service_url="https://paiement.example.net/vads-payment/",
    )
    response = manager_client.post(page, data)
    assert response.status_code == 400
    assert (
        "Cette adresse n&#x27;est pas celle d&#x27;une page de paiement Payzen ou Systempay"
        in response.content.decode()
    )
    office_a.refresh_from_db()
    assert office_a.provider == ""
    data["payzen_service_url"] = config.SYSTEMPAY_URL
    assert manager_client.post(page, data).status_code == 302
    office_a.refresh_from_db()
    assert office_a.provider_options["service_url"] == config.SYSTEMPAY_URL


def test_the_payment_page_posts_only_to_an_allowed_provider(
    alice_client, payzen_production, household_a
):
    options = {**payzen_production.provider_options, "service_url": config.SYSTEMPAY_URL}
    use_provider(payzen_production, "payzen", **options)
    invoice = issued_invoice(payzen_production, household_a)
    response = alice_client.post(url(invoice.municipality, "start", pk=invoice.pk))
    csp = response["Content-Security-Policy"]
    assert "form-action 'self' https://paiement.systempay.fr;" in csp + ";"
    assert 'action="https://paiement.systempay.fr/vads-payment/"' in response.content.decode()
    # A forged address put in the database by other means: no "Payer", no page.
    Payment.objects.all().delete()
    forged = {**options, "service_url": "https://paiement.example.net/vads-payment/"}
    use_provider(payzen_production, "payzen", **forged)
    assert can_pay_online(invoice) is False
    response = alice_client.post(url(invoice.municipality, "start", pk=invoice.pk))
    assert response.status_code == 302 and not Payment.objects.filter(status="pending").exists()
    assert config.origin_allowed("https://secure.payzen.eu/vads-payment/")
    assert not config.origin_allowed("https://secure.payzen.eu.example.net/vads-payment/")


# 8. Keys encrypted at rest, checked, replaced and removed, audited as such.


def test_keys_are_encrypted_at_rest_and_audited_as_changed(
    manager_client, manager_a, office_a, department_a
):
    page = staff_url("office_edit", pk=office_a.pk)
    data = office_data(department_a, provider="payzen", payzen_site_id="12345678")
    response = manager_client.post(page, {**data, "payzen_secret_production": "short-key"})
    assert response.status_code == 400
    assert "compte au moins 16 lettres et chiffres" in response.content.decode()
    response = manager_client.post(page, {**data, "payzen_secret_production": PRODUCTION_SECRET})
    assert response.status_code == 302
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT provider_options FROM billing_billingoffice WHERE id = %s", [office_a.pk]
        )
        raw = cursor.fetchone()[0]
    assert PRODUCTION_SECRET not in str(raw) and "fernet:" in str(raw)
    office_a.refresh_from_db()
    assert secret_decrypt(office_a.provider_options["secret_production"]) == PRODUCTION_SECRET
    # Saved again untouched: nothing to audit about the key.
    assert manager_client.post(page, {**data, "due_days": "20"}).status_code == 302
    entry = AuditEntry.objects.filter(target_type="billing.billingoffice").latest("pk")
    assert "provider_options" not in entry.after
    # Replaced: "modifiée", not "*** -> ***".
    new_key = "Zz9Yy8Xx7Ww6Vv5U"
    response = manager_client.post(
        page, {**data, "due_days": "20", "payzen_secret_production": new_key}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(target_type="billing.billingoffice").latest("pk")
    assert entry.actor == manager_a
    assert entry.after["provider_options"]["secret_production"] == "modifiée"
    assert entry.before["provider_options"]["secret_production"] == "***"
    assert new_key not in str(entry.after) + str(entry.before)


def test_a_key_can_be_removed_but_not_the_one_in_use(manager_client, office_a, department_a):
    office_a.provider_options = {"demo_enabled": True}
    office_a.save()
    page = staff_url("office_edit", pk=office_a.pk)
    data = office_data(
        department_a,
        provider="payzen",
        payzen_site_id="12345678",
        payzen_ctx_mode="PRODUCTION",
        payzen_secret_test=PAYZEN_SECRET,
        payzen_secret_production=PRODUCTION_SECRET,
    )
    assert manager_client.post(page, data).status_code == 302
    form = manager_client.get(page).content.decode()
    assert "Supprimer la clé de test" in form and "Supprimer la clé de production" in form
    kept = {k: v for k, v in data.items() if not k.startswith("payzen_secret")}
    assert manager_client.post(page, {**kept, "payzen_remove_test": "on"}).status_code == 302
    office_a.refresh_from_db()
    assert "secret_test" not in office_a.provider_options
    assert "secret_production" in office_a.provider_options
    entry = AuditEntry.objects.filter(target_type="billing.billingoffice").latest("pk")
    assert entry.before["provider_options"]["secret_test"] == "***"
    assert "secret_test" not in entry.after["provider_options"]
    response = manager_client.post(page, {**kept, "payzen_remove_production": "on"})
    assert response.status_code == 400
    assert "Indiquez la clé de ce mode." in response.content.decode()


def test_a_production_office_keeps_no_test_key(manager_client, office_a, department_a):
    page = staff_url("office_edit", pk=office_a.pk)
    data = office_data(
        department_a,
        provider="payzen",
        payzen_site_id="12345678",
        payzen_secret_test=PAYZEN_SECRET,
        payzen_secret_production=PRODUCTION_SECRET,
    )
    assert manager_client.post(page, data).status_code == 302
    office_a.refresh_from_db()
    assert "secret_test" not in office_a.provider_options
    assert "Clé de test" not in manager_client.get(page).content.decode()


def test_encryption_round_trip_and_key_rotation(settings):
    settings.SECRETS_KEYS = ["first passphrase"]
    token = secret_encrypt(PRODUCTION_SECRET)
    assert token.startswith("fernet:") and PRODUCTION_SECRET not in token
    assert secret_encrypt(token) == token  # never twice
    assert secret_decrypt(token) == PRODUCTION_SECRET
    assert secret_decrypt("legacy-clear") == "legacy-clear"
    settings.SECRETS_KEYS = ["second passphrase", "first passphrase"]
    assert secret_decrypt(token) == PRODUCTION_SECRET
    settings.SECRETS_KEYS = ["second passphrase"]
    with pytest.raises(SecretUnreadable):
        secret_decrypt(token)
    settings.SECRETS_KEYS = []  # falls back to SECRET_KEY
    assert secret_decrypt(secret_encrypt("abc")) == "abc"


def test_the_migration_encrypts_keys_saved_in_clear(office_a):
    use_provider(office_a, "payzen", vads_site_id="12345678", secret_production=PRODUCTION_SECRET)
    migration = importlib.import_module(
        "ribambelle.billing.migrations.0004_encrypt_provider_secrets"
    )
    migration.encrypt(django_apps, None)
    office_a.refresh_from_db()
    stored = office_a.provider_options["secret_production"]
    assert stored.startswith("fernet:") and secret_decrypt(stored) == PRODUCTION_SECRET
    migration.encrypt(django_apps, None)
    office_a.refresh_from_db()
    assert office_a.provider_options["secret_production"] == stored
    migration.decrypt(django_apps, None)
    office_a.refresh_from_db()
    assert office_a.provider_options["secret_production"] == PRODUCTION_SECRET


# The office settings page: manager only, own municipality only.


def staff_url(name, slug="ville-a", **kwargs):
    from django.urls import reverse

    return reverse(f"billing_staff:{name}", kwargs={"municipality_slug": slug, **kwargs})


def office_data(department, **extra):
    return {"name": "Régie enfance", "departments": [department.pk], "due_days": "15", **extra}


def test_office_settings_page_roles_and_tenants(
    manager_client, agent_client, alice_client, office_a, municipality_b, department_a
):
    page = staff_url("office_edit", pk=office_a.pk)
    assert manager_client.get(page).status_code == 200
    other = BillingOfficeFactory(municipality=municipality_b, name="Régie de B")
    assert manager_client.get(staff_url("office_edit", pk=other.pk)).status_code == 404
    data = office_data(department_a, provider="payfip", payfip_numcli="123456")
    assert manager_client.post(staff_url("office_edit", pk=other.pk), data).status_code == 404
    other.refresh_from_db()
    assert other.provider == ""
    assert agent_client.get(page).status_code == 403
    assert agent_client.post(page, data).status_code == 403
    assert alice_client.get(page).status_code == 403
    office_a.refresh_from_db()
    assert office_a.provider == ""


def test_pending_attempt_does_not_block_a_demo_office(office_a, household_a):
    office = use_provider(office_a, "demo", demo_enabled=True)
    invoice = issued_invoice(office, household_a)
    PaymentFactory(invoice=invoice, online=True, reference="b" * 24, transaction_id="b" * 24)
    assert config.switch_refusal(office, "payfip", {"numcli": "123456", "saisie": "W"}) == ""


def test_the_operator_turns_a_test_office_into_a_real_one(office_a, household_a, settings):
    settings.DEBUG = False
    use_provider(
        office_a,
        "payzen",
        vads_site_id="12345678",
        vads_ctx_mode="TEST",
        secret_test=secret_encrypt(PAYZEN_SECRET),
    )
    invoice = issued_invoice(office_a, household_a)
    assert can_pay_online(invoice) is False
    out = io.StringIO()
    call_command("billing_test_office", "ville-a", "Régie enfance", "--on", stdout=out)
    assert "test office" in out.getvalue()
    office_a.refresh_from_db()
    assert office_a.provider_options["demo_enabled"] is True
    assert can_pay_online(invoice) is True
    call_command("billing_test_office", "ville-a", str(office_a.pk), "--off", stdout=out)
    assert "still in test mode" in out.getvalue()
    office_a.refresh_from_db()
    assert "demo_enabled" not in office_a.provider_options
    assert "secret_test" not in office_a.provider_options
    assert can_pay_online(invoice) is False
    entry = AuditEntry.objects.filter(target_type="billing.billingoffice").latest("pk")
    assert entry.actor is None and entry.before["provider_options"]["secret_test"] == "***"
    with pytest.raises(CommandError):
        call_command("billing_test_office", "ville-b", "Régie enfance", "--on")


def test_an_office_left_in_test_mode_is_told_and_offered_production(
    manager_client, office_a, department_a
):
    use_provider(office_a, "payfip", numcli="123456", saisie="T")
    page = staff_url("office_edit", pk=office_a.pk)
    form = manager_client.get(page).content.decode()
    assert "Cette régie est encore en mode test" in form
    assert 'value="W" selected' in form
    data = office_data(department_a, provider="payfip", payfip_numcli="123456", payfip_saisie="W")
    assert manager_client.post(page, data).status_code == 302
    assert "encore en mode test" not in manager_client.get(page).content.decode()


def test_activation_to_production_is_not_a_switch(
    alice_client, manager_client, payfip_production, office_a, department_a, household_a
):
    use_provider(office_a, "payfip", numcli="090909", saisie="X")
    invoice = issued_invoice(office_a, household_a)
    assert alice_client.post(url(invoice.municipality, "start", pk=invoice.pk)).status_code == 200
    page = staff_url("office_edit", pk=office_a.pk)
    data = office_data(department_a, provider="payfip", payfip_numcli="090909", payfip_saisie="W")
    assert manager_client.post(page, data).status_code == 302
    office_a.refresh_from_db()
    assert office_a.provider_options["saisie"] == "W"
    data["payfip_numcli"] = "123456"
    response = manager_client.post(page, data)
    assert response.status_code == 400
    assert "Des paiements en ligne de cette régie sont encore en cours" in response.content.decode()
    office_a.refresh_from_db()
    assert office_a.provider_options["numcli"] == "090909"


def test_a_test_payment_never_counts_once_the_office_is_no_longer_a_test_office(
    client, alice_client, office_a, household_a, caplog
):
    use_provider(
        office_a,
        "payzen",
        vads_site_id="12345678",
        vads_ctx_mode="TEST",
        secret_test=secret_encrypt(PAYZEN_SECRET),
        demo_enabled=True,
    )
    invoice = issued_invoice(office_a, household_a)
    assert alice_client.post(url(invoice.municipality, "start", pk=invoice.pk)).status_code == 200
    payment = Payment.objects.get(invoice=invoice)
    options = {k: v for k, v in office_a.provider_options.items() if k != "demo_enabled"}
    use_provider(office_a, "payzen", **options)  # the municipality went live meanwhile
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        assert post_ipn(client, office_a, payzen_ipn(payment)).status_code == 400
    assert any("not a test office" in line for line in errors(caplog))
    invoice.refresh_from_db()
    assert invoice.paid == Decimal("0.00")


def test_an_abandon_without_operation_or_currency_is_still_read(
    client, alice_client, payzen_production, household_a
):
    invoice = issued_invoice(payzen_production, household_a)
    payment = payzen_started(alice_client, invoice)
    fields = payzen_ipn(payment, vads_ctx_mode="PRODUCTION", result="17")
    fields = {k: v for k, v in fields.items() if k not in ("vads_operation_type", "vads_currency")}
    fields["vads_trans_status"] = "ABANDONED"
    assert post_ipn(client, payzen_production, sign(fields, PRODUCTION_SECRET)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == "abandoned"
    # A payment without them is refused.
    paid = {k: v for k, v in production_ipn(payment).items() if k != "vads_currency"}
    assert post_ipn(client, payzen_production, sign(paid, PRODUCTION_SECRET)).status_code == 400


def test_the_service_refuses_a_test_mode_for_a_real_office(municipality_a, manager_a, office_a):
    from ribambelle.billing import services

    values = services.OfficeValues(
        name=office_a.name,
        departments=list(office_a.departments.all()),
        provider="payfip",
        provider_options={"numcli": "123456", "saisie": "T"},
    )
    with pytest.raises(services.BillingError, match="Seule une collectivité de test"):
        services.billing_office_save(
            municipality=municipality_a, actor=manager_a, office=office_a, values=values
        )
    office_a.refresh_from_db()
    assert office_a.provider == ""
