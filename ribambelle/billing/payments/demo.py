"""The demonstration bank built into Ribambelle, for the demo and the tests, and for test
municipalities (provider_options {"demo_enabled": true} lets it run with DEBUG off; never set
it for a municipality that takes real payments: no money moves).

It behaves like a real provider: its page posts a decision, then it sends a notification signed
with HMAC-SHA256 (key: SECRET_KEY and the office id) that goes through the same verification
path as any provider's, before sending the family back to the return page."""

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.models import BillingOffice, Payment
from ribambelle.billing.payments.base import (
    InvalidNotification,
    NotificationMessage,
    Provider,
    Redirect,
    Result,
    to_cents,
)
from ribambelle.tenants.shortcuts import tenant_reverse

SIGNED_FIELDS = ("reference", "transaction_id", "status", "amount_cents")
DECISIONS = (Payment.Status.PAID, Payment.Status.REFUSED, Payment.Status.ABANDONED)


def _key(office_id: int) -> bytes:
    return f"{settings.SECRET_KEY}:billing-demo-bank:{office_id}".encode()


def sign(office_id: int, fields: Mapping[str, object]) -> str:
    message = urlencode([(name, str(fields.get(name, ""))) for name in SIGNED_FIELDS])
    return hmac.new(_key(office_id), message.encode(), hashlib.sha256).hexdigest()


def demo_allowed(office: BillingOffice) -> bool:
    return bool(settings.DEBUG) or (office.provider_options or {}).get("demo_enabled") is True


def notification_message(
    office: BillingOffice, payment: Payment, decision: str
) -> NotificationMessage:
    """The signed message the demo bank sends to the notification endpoint."""
    fields = {
        "reference": payment.reference,
        "transaction_id": payment.transaction_id,
        "status": decision,
        "amount_cents": str(to_cents(payment.amount)),
    }
    fields["signature"] = sign(office.pk, fields)
    return NotificationMessage(method="POST", form=fields, body=urlencode(fields).encode())


class DemoProvider(Provider):
    name = BillingOffice.Provider.DEMO

    def display_name(self) -> str | Promise:
        return _("la banque de démonstration")

    @classmethod
    def notification_lookup(cls, message: NotificationMessage) -> dict[str, str]:
        reference = message.form.get("reference", "")
        if not reference:
            raise InvalidNotification("missing reference")
        return {"reference": reference}

    def start(self, payment: Payment, return_url: str, notify_url: str) -> Redirect:
        url = tenant_reverse(
            self.office.municipality, "billing_pay:demo_bank", reference=payment.reference
        )
        return Redirect(url=url, transaction_id=payment.reference)

    def handle_notification(self, message: NotificationMessage) -> Result:
        data = message.form
        fields = {name: data.get(name, "") for name in SIGNED_FIELDS}
        if not hmac.compare_digest(sign(self.office.pk, fields), data.get("signature", "")):
            raise InvalidNotification("bad signature")
        if fields["status"] not in DECISIONS:
            raise InvalidNotification("unknown status")
        try:
            amount_cents = int(fields["amount_cents"])
        except ValueError as error:
            raise InvalidNotification("bad amount") from error
        return Result(
            provider=self.name,
            reference=fields["reference"],
            transaction_id=fields["transaction_id"],
            status=fields["status"],
            amount_cents=amount_cents,
            raw=dict(fields),
        )

    def status(self, payment: Payment) -> Result:
        """The demo bank notifies at the moment the family decides: a payment still pending
        when this is asked (a new "Payer", the reconciliation) was left on its page."""
        return Result(
            provider=self.name,
            reference=payment.reference,
            transaction_id=payment.transaction_id,
            status=Payment.Status.ABANDONED,
            amount_cents=None,
        )

    def resume(self, payment: Payment) -> Redirect | None:
        """Its page stays open as long as the attempt is pending."""
        if not demo_allowed(self.office):
            return None
        url = tenant_reverse(
            self.office.municipality, "billing_pay:demo_bank", reference=payment.reference
        )
        return Redirect(url=url, transaction_id=payment.transaction_id)

    def final_by(self, payment: Payment) -> datetime:
        return payment.created_at
