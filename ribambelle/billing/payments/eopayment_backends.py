"""PayFiP (DGFiP, web-service mode) and Payzen/Systempay through eopayment.

office.provider_options holds the provider's settings:
- PayFiP: {"numcli": "123456", "saisie": "T" (test) | "X" (activation) | "W" (production)};
- Payzen/Systempay: {"vads_site_id": "12345678", "vads_ctx_mode": "TEST" | "PRODUCTION",
  "secret_test": ..., "secret_production": ..., "signature_algo": "hmac_sha256",
  "service_url": ... (Systempay's address; Payzen's by default)}.
A missing mode is production (never eopayment's default, test); the keys are stored encrypted
(payments.config). Every answer is checked against this configuration before it counts: its
mode (eopayment's `test` flag, Payzen's vads_ctx_mode), its shop (numcli, vads_site_id), and for
Payzen its currency and operation; a mismatch is refused and logged as an error.

PayFiP's notification carries only the operation id (idOp): the result is read from PayFiP's
web service, server to server. Payzen's notification is signed with the shop's secret; Payzen
retries it until it is accepted. eopayment has no server-to-server query for Payzen: with the
REST API password of its mode ("secret_rest_test", "secret_rest_production", optional, encrypted
like the keys), Payzen's own web service is asked (payzen_rest), never passed to eopayment."""

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import eopayment
from django.utils import timezone
from eopayment import payfip_ws

from ribambelle.billing.models import BillingOffice, Payment
from ribambelle.billing.payments import config, logs, outcomes, payzen_rest
from ribambelle.billing.payments.base import (
    InvalidNotification,
    NotificationMessage,
    Provider,
    ProviderError,
    Redirect,
    Result,
)

logger = logging.getLogger(__name__)

# Our own keys in provider_options, never passed to eopayment.
OWN_OPTIONS = {"demo_enabled", "secret_rest_test", "secret_rest_production"}


def _cents(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _payer_email(payment: Payment) -> str:
    return getattr(payment.recorded_by, "email", "") or ""


class ConfigurationMismatch(InvalidNotification):
    """An answer that is not for this office's configuration (another mode, shop, currency or
    operation): it never counts, whatever its signature."""


class EopaymentProvider(Provider):
    kind = ""

    def __init__(self, office: BillingOffice) -> None:
        super().__init__(office)
        self.options = config.options_decrypt(office)

    @property
    def test_mode(self) -> bool:
        return config.office_test_mode(self.name, self.options)

    def eopayment_options(self) -> dict[str, object]:
        """What eopayment gets: the mode explicit, and in production no test key, so that a
        message claiming the test mode can never be verified with it."""
        return {k: v for k, v in self.options.items() if k not in OWN_OPTIONS}

    def backend(self, return_url: str = "", notify_url: str = "") -> eopayment.Payment:
        options = self.eopayment_options()
        options.update(normal_return_url=return_url, automatic_return_url=notify_url)
        return eopayment.Payment(self.kind, options, logger=logs.pin())

    def mismatch(self, reason: str, **details: object) -> ConfigurationMismatch:
        """Log an answer that does not match the office's configuration, as an error: it is a
        misconfiguration or a forgery, and staff must know."""
        logger.error(
            "%s answer refused for billing office %s: %s %s",
            self.name,
            self.office.pk,
            reason,
            " ".join(f"{key}={value!r}" for key, value in sorted(details.items())),
        )
        return ConfigurationMismatch(reason)


class PayfipProvider(EopaymentProvider):
    """PayFiP keeps an operation (idOp) open for 15 minutes after its creation: the family can
    be sent back to its page until then. Its status answers "in progress" (P5) until the
    payment ends; eopayment reads P5 as "may still complete" for two hours, then as expired."""

    name = BillingOffice.Provider.PAYFIP
    kind = eopayment.PAYFIP_WS
    minimal_amount = eopayment.get_backend(eopayment.PAYFIP_WS).minimal_amount
    maximal_amount = eopayment.get_backend(eopayment.PAYFIP_WS).maximal_amount
    email_required = True
    email_length = (6, 80)
    status_on_return = True
    resumable_for = timedelta(minutes=15)
    unanswered_after = timedelta(minutes=payfip_ws.Payment.P5_WAITING_IN_MINUTES)

    def eopayment_options(self) -> dict[str, object]:
        options = super().eopayment_options()
        options["saisie"] = options.get("saisie") or "W"
        return options

    def check_answer(self, response) -> None:
        """A detailed answer (PayFiP's web service read the operation) is this office's: its
        client number and its mode (saisie T is a test payment: no money moved). Raises
        ConfigurationMismatch."""
        data = response.bank_data or {}
        if not data:
            return  # "in progress" or "expired": PayFiP says nothing more.
        numcli = str(data.get("numcli") or "")
        if numcli != str(self.options.get("numcli") or ""):
            raise self.mismatch("client number mismatch", numcli=numcli)
        if bool(response.test) != self.test_mode:
            raise self.mismatch(
                "test flag mismatch", saisie=data.get("saisie"), office_test=self.test_mode
            )
        if response.test and not config.test_mode_allowed(self.office):
            raise self.mismatch("test payment for an office that is not a test office")

    @classmethod
    def notification_lookup(cls, message: NotificationMessage) -> dict[str, str]:
        idop = message.param("idOp")
        if not idop:
            raise InvalidNotification("missing idOp")
        return {"transaction_id": idop}

    def start(self, payment: Payment, return_url: str, notify_url: str) -> Redirect:
        try:
            idop, _kind, url = self.backend(return_url, notify_url).request(
                payment.amount,
                email=_payer_email(payment),
                refdet=payment.reference,
                exer=str(timezone.localdate().year),
                subject=f"Facture {payment.invoice.number}",
            )
        except (eopayment.PaymentException, ValueError) as error:
            raise ProviderError(str(error)) from error
        return Redirect(url=url, transaction_id=str(idop))

    def _result(self, idop: str, created_at=None) -> Result:
        try:
            response = self.backend().backend.payment_status(idop, transaction_date=created_at)
        except eopayment.PaymentException as error:
            raise ProviderError(str(error)) from error
        try:
            self.check_answer(response)
        except ConfigurationMismatch as error:
            raise ProviderError(str(error)) from error
        data = response.bank_data or {}
        return Result(
            provider=self.name,
            reference=str(data.get("refdet") or ""),
            transaction_id=idop,
            status=outcomes.payfip_status(response.result, idop),
            amount_cents=_cents(data.get("montant")),
            raw={k: str(v) for k, v in data.items()},
        )

    def handle_notification(self, message: NotificationMessage) -> Result:
        """PayFiP's message is not signed: what counts is its web service's answer."""
        idop = self.notification_lookup(message)["transaction_id"]
        try:
            return self._result(idop)
        except ProviderError as error:
            raise InvalidNotification(str(error)) from error

    def status(self, payment: Payment) -> Result:
        result = self._result(payment.transaction_id, payment.created_at)
        if not result.reference:
            # Waiting or expired: PayFiP gives no detail, the payment is ours by its idOp.
            result = Result(
                provider=self.name,
                reference=payment.reference,
                transaction_id=result.transaction_id,
                status=result.status,
                amount_cents=result.amount_cents,
            )
        return result

    def resume(self, payment: Payment) -> Redirect | None:
        if not payment.transaction_id:
            return None
        if timezone.now() >= payment.created_at + self.resumable_for:
            return None
        url = f"{payfip_ws.PAYMENT_URL}?idop={payment.transaction_id}"
        return Redirect(url=url, transaction_id=payment.transaction_id)


OPTIONAL_UNLESS_PAID = {"vads_currency", "vads_operation_type"}


def _fields(message: NotificationMessage) -> str:
    """The signed fields as Payzen sent them: its signature is computed over their values."""
    if message.method == "POST":
        return message.body.decode("utf-8", "replace")
    return message.query_string


class PayzenProvider(EopaymentProvider):
    """With the REST API password of the office's mode, Payzen is asked where a payment stands
    (its Order/Get web service): by the reconciliation, on the return page and before a new
    attempt. Without it (eopayment cannot ask Payzen), an attempt left on its page is taken as
    abandoned 15 minutes after its start (Payzen's payment page session is shorter), and only
    Payzen's notification settles it. Its signed form is not kept, so an attempt is not
    reopened."""

    name = BillingOffice.Provider.PAYZEN
    kind = eopayment.PAYZEN
    status_known = False
    email_length = (0, 127)

    def __init__(self, office: BillingOffice) -> None:
        super().__init__(office)
        # Only the password of the office's mode: the test one never asks about production.
        mode = "test" if self.test_mode else "production"
        self.rest_password = str(self.options.get(f"secret_rest_{mode}") or "")
        self.status_known = self.status_on_return = bool(self.rest_password)

    def display_name(self) -> str:
        return "Systempay" if self.options.get("service_url") == config.SYSTEMPAY_URL else "Payzen"

    def eopayment_options(self) -> dict[str, object]:
        """Only the key of the office's mode, and only an allowed payment page."""
        options = super().eopayment_options()
        options["vads_ctx_mode"] = "TEST" if self.test_mode else "PRODUCTION"
        if not self.test_mode:
            options.pop("secret_test", None)
        url = options.get("service_url") or config.PAYZEN_URL
        if not config.service_url_allowed(str(url)):
            raise ProviderError(f"service_url not allowed: {url!r}")
        options["service_url"] = url
        return options

    def check_message(self, fields: dict[str, list[str]]) -> None:
        """Before any signature is computed: the message is for this office's shop, mode,
        currency and operation, and its mode's key is configured. Raises InvalidNotification
        (ConfigurationMismatch when the message is about another configuration)."""
        if self.office.provider != self.name:
            raise self.mismatch(
                "office no longer uses this provider", provider=self.office.provider
            )

        def value(name: str) -> str:
            return (fields.get(name) or [""])[0]

        mode = "TEST" if self.test_mode else "PRODUCTION"
        expected = {
            "vads_ctx_mode": mode,
            "vads_site_id": str(self.options.get("vads_site_id") or ""),
            "vads_currency": config.PAYZEN_CURRENCY,
            "vads_operation_type": config.PAYZEN_OPERATION,
        }
        # A message about no payment (abandoned on Payzen's page) may lack the operation and
        # the currency; a payment always has them.
        paid = value("vads_result") == "00"
        for name, wanted in expected.items():
            received = value(name)
            if received == "" and not paid and name in OPTIONAL_UNLESS_PAID:
                continue
            if received != wanted:
                raise self.mismatch(f"{name} mismatch", received=received, expected=wanted)
        if self.test_mode and not config.test_mode_allowed(self.office):
            raise self.mismatch("test mode for an office that is not a test office")
        if not self.options.get(f"secret_{mode.lower()}"):
            raise self.mismatch("no key for the office's mode", mode=mode)

    @classmethod
    def notification_lookup(cls, message: NotificationMessage) -> dict[str, str]:
        fields = parse_qs(_fields(message))
        reference = (fields.get("vads_ext_info_eopayment_trans_id") or [""])[0]
        if not reference:
            raise InvalidNotification("missing vads_ext_info_eopayment_trans_id")
        return {"reference": reference}

    def start(self, payment: Payment, return_url: str, notify_url: str) -> Redirect:
        try:
            _transaction_id, _kind, form = self.backend(return_url, notify_url).request(
                payment.amount,
                email=_payer_email(payment) or None,
                orderid=payment.reference,
                transaction_id=payment.reference,
                info1=f"Facture {payment.invoice.number}",
            )
        except (eopayment.PaymentException, ValueError) as error:
            raise ProviderError(str(error)) from error
        fields = tuple((field["name"], field["value"]) for field in form.fields)
        return Redirect(url=form.url, transaction_id=payment.reference, fields=fields)

    def handle_notification(self, message: NotificationMessage) -> Result:
        signed = _fields(message)
        self.check_message(parse_qs(signed, keep_blank_values=True))
        try:
            response = self.backend().response(signed)
        except (eopayment.PaymentException, ProviderError, ValueError, KeyError) as error:
            raise InvalidNotification(str(error)) from error
        if not response.signed:
            raise InvalidNotification("bad signature")
        if bool(response.test) != self.test_mode:
            raise self.mismatch("test flag mismatch", office_test=self.test_mode)
        data = response.bank_data or {}
        return Result(
            provider=self.name,
            reference=str(response.transaction_id),
            transaction_id=str(response.transaction_id),
            status=outcomes.payzen_status(data, str(response.transaction_id)),
            amount_cents=_cents(data.get("vads_amount")),
            raw={k: str(v) for k, v in data.items()},
        )

    def status(self, payment: Payment) -> Result:
        """Payzen's REST API answer about the payment (its order), checked against the office's
        shop and mode. Without a REST API password: pending, until Payzen's notification
        (which Payzen retries until it is accepted). An order without any transaction is the
        family who never paid on Payzen's page: pending while the page may still be open,
        abandoned after."""
        result = Result(
            provider=self.name,
            reference=payment.reference,
            transaction_id=payment.transaction_id,
            status=Payment.Status.PENDING,
            amount_cents=None,
        )
        if not self.rest_password:
            return result
        if self.test_mode and not config.test_mode_allowed(self.office):
            raise ProviderError(
                str(self.mismatch("test mode for an office that is not a test office"))
            )
        url = str(self.eopayment_options()["service_url"])
        transactions = payzen_rest.order_transactions(
            api_url=config.rest_api_url(url),
            shop_id=str(self.options.get("vads_site_id") or ""),
            password=self.rest_password,
            order_id=payment.reference,
        )
        if not transactions:
            if timezone.now() < self.final_by(payment):
                return result
            return replace(result, status=Payment.Status.ABANDONED)
        for transaction in transactions:
            self.check_transaction(transaction, payment)
        status, chosen = outcomes.payzen_order_status(transactions, payment.reference)
        return Result(
            provider=self.name,
            reference=payment.reference,
            transaction_id=payment.transaction_id,
            status=status,
            amount_cents=_cents(chosen.get("amount")),
            raw=_rest_trace(chosen),
        )

    def check_transaction(self, transaction: Mapping[str, Any], payment: Payment) -> None:
        """A transaction of Payzen's answer is this office's shop and mode, in euros, for this
        payment's order. Raises ProviderError (logged as an error): it never counts."""
        details = _object(transaction.get("orderDetails"))
        expected = {
            "shopId": str(self.options.get("vads_site_id") or ""),
            "mode": "TEST" if self.test_mode else "PRODUCTION",
            "currency": "EUR",
            "orderId": payment.reference,
        }
        received = {
            "shopId": str(transaction.get("shopId") or ""),
            "mode": str(details.get("mode") or ""),
            "currency": str(transaction.get("currency") or ""),
            "orderId": str(details.get("orderId") or ""),
        }
        for name, wanted in expected.items():
            if received[name] != wanted:
                error = self.mismatch(f"{name} mismatch", received=received[name][:40])
                raise ProviderError(str(error))


def _object(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _rest_trace(transaction: Mapping[str, Any]) -> dict[str, str]:
    """The REST answer's transaction data under the names of Payzen's notification fields, so
    that staff see the same whichever way Payzen told us (outcomes.TRACE_FIELDS)."""
    card = _object(_object(transaction.get("transactionDetails")).get("cardDetails"))
    authorisation = _object(card.get("authorizationResponse"))
    trace = {
        "vads_trans_uuid": transaction.get("uuid"),
        "vads_trans_id": card.get("legacyTransId"),
        "vads_auth_number": authorisation.get("authorizationNumber"),
        "vads_auth_result": authorisation.get("authorizationResult"),
        "vads_trans_status": transaction.get("detailedStatus"),
    }
    try:
        created = datetime.fromisoformat(str(transaction.get("creationDate") or ""))
        trace["vads_trans_date"] = created.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    except ValueError:
        pass
    return {key: str(value) for key, value in trace.items() if value not in (None, "")}
