"""PayFiP (DGFiP, web-service mode) and Payzen/Systempay through eopayment.

office.provider_options holds the provider's settings:
- PayFiP: {"numcli": "123456", "saisie": "T" (test) | "X" (activation) | "W" (production)};
- Payzen/Systempay: {"vads_site_id": "12345678", "vads_ctx_mode": "TEST" | "PRODUCTION",
  "secret_test": ..., "secret_production": ..., "signature_algo": "hmac_sha256",
  "service_url": ... (Systempay's address; Payzen's by default)}.

PayFiP's notification carries only the operation id (idOp): the result is read from PayFiP's
web service, server to server. Payzen's notification is signed with the shop's secret; Payzen
retries it until it is accepted, and eopayment has no server-to-server query for it."""

import logging
from datetime import timedelta
from urllib.parse import parse_qs

import eopayment
from django.utils import timezone
from eopayment import payfip_ws

from ribambelle.billing.models import BillingOffice, Payment
from ribambelle.billing.payments import logs, outcomes
from ribambelle.billing.payments.base import (
    InvalidNotification,
    NotificationMessage,
    Provider,
    ProviderError,
    Redirect,
    Result,
)

logger = logging.getLogger(__name__)

STATUS_OF = {
    eopayment.PAID: Payment.Status.PAID,
    eopayment.DENIED: Payment.Status.REFUSED,
    eopayment.CANCELLED: Payment.Status.ABANDONED,
    eopayment.EXPIRED: Payment.Status.ABANDONED,
}
# Our own keys in provider_options, never passed to eopayment.
OWN_OPTIONS = {"demo_enabled"}


def _status(result) -> str:
    return STATUS_OF.get(result, Payment.Status.PENDING)


def _cents(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _payer_email(payment: Payment) -> str:
    return getattr(payment.recorded_by, "email", "") or ""


class EopaymentProvider(Provider):
    kind = ""

    def backend(self, return_url: str = "", notify_url: str = "") -> eopayment.Payment:
        options = {k: v for k, v in self.options.items() if k not in OWN_OPTIONS}
        options.update(normal_return_url=return_url, automatic_return_url=notify_url)
        return eopayment.Payment(self.kind, options, logger=logs.pin())


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


def _fields(message: NotificationMessage) -> str:
    """The signed fields as Payzen sent them: its signature is computed over their values."""
    if message.method == "POST":
        return message.body.decode("utf-8", "replace")
    return message.query_string


class PayzenProvider(EopaymentProvider):
    """eopayment cannot ask Payzen about a payment: an attempt left on its page is taken as
    abandoned 15 minutes after its start (Payzen's payment page session is shorter). Its signed
    form is not kept, so an attempt is not reopened."""

    name = BillingOffice.Provider.PAYZEN
    kind = eopayment.PAYZEN
    status_known = False
    email_length = (0, 127)

    def display_name(self) -> str:
        return "Systempay" if "systempay" in self.options.get("service_url", "") else "Payzen"

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
        try:
            response = self.backend().response(_fields(message))
        except eopayment.PaymentException as error:
            raise InvalidNotification(str(error)) from error
        if not response.signed:
            raise InvalidNotification("bad signature")
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
        """No server-to-server query through eopayment: the payment stays pending until
        Payzen's notification, which Payzen retries until it is accepted."""
        return Result(
            provider=self.name,
            reference=payment.reference,
            transaction_id=payment.transaction_id,
            status=Payment.Status.PENDING,
            amount_cents=None,
        )
