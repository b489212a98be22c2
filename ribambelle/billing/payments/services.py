"""Writes of online payment. The status of a payment comes from the provider, server to server
(a verified notification or a status query), never from the family's browser; confirming is
idempotent: a notification sent twice, or a notification and the reconciliation, pay once."""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.billing.models import ZERO, Invoice, Payment
from ribambelle.billing.payments.base import (
    InvalidNotification,
    ProviderError,
    Redirect,
    Result,
    to_cents,
)
from ribambelle.billing.payments.registry import provider_class, provider_for, provider_of
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.shortcuts import tenant_reverse

logger = logging.getLogger(__name__)

# A pending online payment younger than this blocks a new one (two tabs, a double click); it is
# also how long PayFiP keeps an operation open.
PENDING_BLOCKS = timedelta(minutes=20)
# Pending payments older than this are asked about by the reconciliation.
RECONCILE_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Checkout:
    payment: Payment
    redirect: Redirect


def new_reference() -> str:
    """Unguessable and accepted by every provider (PayFiP: 1 to 30 letters and digits)."""
    return secrets.token_hex(12)


def absolute(path: str) -> str:
    return settings.SITE_URL + path


@transaction.atomic
def _payment_create(*, invoice: Invoice, actor) -> Payment:
    invoice = (
        Invoice.objects.select_for_update(of=("self",)).select_related("office").get(pk=invoice.pk)
    )
    provider = provider_for(invoice.office)
    if invoice.status != Invoice.Status.ISSUED or provider is None:
        raise ValidationError(_("Cette facture ne peut pas être payée en ligne."))
    due = invoice.due
    if due <= ZERO:
        raise ValidationError(_("Cette facture est déjà réglée : il n'y a rien à payer."))
    if due < provider.minimal_amount:
        raise ValidationError(
            _("Le paiement en ligne n'est possible qu'à partir de %(min)s €.")
            % {"min": provider.minimal_amount}
        )
    recent = Payment.objects.filter(
        invoice=invoice,
        method=Payment.Method.ONLINE,
        status=Payment.Status.PENDING,
        created_at__gt=timezone.now() - PENDING_BLOCKS,
    )
    if recent.exists():
        raise ValidationError(_("Un paiement est déjà en cours pour cette facture."))
    return Payment.objects.create(
        municipality_id=invoice.municipality_id,
        invoice=invoice,
        method=Payment.Method.ONLINE,
        status=Payment.Status.PENDING,
        amount=due,
        reference=new_reference(),
        provider=provider.name,
        recorded_by=actor,
    )


def payment_start(*, invoice: Invoice, actor) -> Checkout:
    """Create the pending payment (the invoice row locked, so two tabs cannot both start one),
    then ask the provider where to send the family, outside the transaction: a slow provider
    must not keep the invoice locked."""
    payment = _payment_create(invoice=invoice, actor=actor)
    municipality = payment.invoice.municipality
    return_url = absolute(
        tenant_reverse(municipality, "billing_pay:return", reference=payment.reference)
    )
    notify_url = absolute(
        tenant_reverse(municipality, "billing_pay:notify", provider=payment.provider)
    )
    try:
        redirect = provider_of(payment).start(payment, return_url, notify_url)
    except ProviderError:
        logger.warning(
            "payment %s: the provider refused to start", payment.reference, exc_info=True
        )
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.ABANDONED)
        raise ValidationError(
            _("Le service de paiement ne répond pas. Réessayez dans quelques minutes.")
        ) from None
    payment.transaction_id = redirect.transaction_id
    payment.save(update_fields=["transaction_id"])
    return Checkout(payment=payment, redirect=redirect)


def notification_receive(*, municipality, provider_name: str, request) -> Payment | None:
    """A provider's server-to-server message (the demo bank's too): find the payment it claims
    to be about, verify it with that office's keys, then confirm. Raises InvalidNotification
    (logged, nothing changed) when it does not check out."""
    lookup = provider_class(provider_name).notification_lookup(request)
    payment = (
        Payment.objects.for_municipality(municipality)
        .filter(provider=provider_name, method=Payment.Method.ONLINE, **lookup)
        .exclude(reference="")
        .select_related("invoice__office")
        .first()
    )
    if payment is None:
        logger.warning(
            "online payment notification for no known payment: %s %s", provider_name, lookup
        )
        raise InvalidNotification("unknown payment")
    result = provider_of(payment).handle_notification(request)
    if result.status == Payment.Status.PENDING:
        return payment
    if result.reference != payment.reference:
        _refuse("reference mismatch", result)
        raise InvalidNotification("reference mismatch")
    confirmed = payment_confirm(result=result)
    if confirmed is None:
        raise InvalidNotification("refused")
    return confirmed


def _refuse(reason: str, result: Result) -> None:
    logger.warning(
        "online payment notification refused (%s): provider=%s reference=%s transaction=%s "
        "status=%s amount_cents=%s",
        reason,
        result.provider,
        result.reference,
        result.transaction_id,
        result.status,
        result.amount_cents,
    )


@transaction.atomic
def payment_confirm(*, result: Result) -> Payment | None:
    """Apply what the provider says. A paid payment is final; a verified PAID after a refusal
    or an abandon is still recorded (the bank took the money: e.g. a second try on the bank's
    page). Returns None when the result was refused (unknown reference, amount mismatch)."""
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("invoice")
        .filter(provider=result.provider, reference=result.reference, method=Payment.Method.ONLINE)
        .exclude(reference="")
        .first()
    )
    if payment is None:
        _refuse("unknown reference", result)
        return None
    if result.transaction_id and result.transaction_id != payment.transaction_id:
        _refuse("transaction id mismatch", result)
        return None
    if result.status == Payment.Status.PENDING or payment.status == Payment.Status.PAID:
        return payment
    if result.status != Payment.Status.PAID:
        if payment.status == Payment.Status.PENDING:
            _set_status(payment, result.status)
        return payment
    if result.amount_cents != to_cents(payment.amount):
        _refuse("amount mismatch", result)
        return None
    _set_status(payment, Payment.Status.PAID, received_on=timezone.localdate())
    Invoice.objects.filter(pk=payment.invoice_id).update(paid=F("paid") + payment.amount)
    transaction.on_commit(lambda: _notify_paid(payment.pk))
    return payment


def _set_status(payment: Payment, status: str, received_on=None) -> None:
    before = payment.status
    payment.status = status
    payment.received_on = received_on
    payment.save(update_fields=["status", "received_on"])
    audit_record(
        municipality=payment.invoice.municipality,
        actor=None,
        action=AuditEntry.Action.UPDATE,
        target=payment,
        household_id=payment.invoice.household_id,
        before={"status": before},
        after={
            "status": status,
            "invoice": payment.invoice.number,
            "amount": payment.amount,
            "provider": payment.provider,
            "reference": payment.reference,
        },
    )


def _notify_paid(payment_id: int) -> None:
    from ribambelle.billing.payments import tasks

    tasks.send_payment_received.enqueue(payment_id)


def payments_reconcile() -> dict[str, int]:
    """Ask the provider about every online payment pending for more than 15 minutes (a lost
    notification, a family that closed the tab). Run every 15 minutes."""
    counts = {"checked": 0, "confirmed": 0, "errors": 0}
    pending = (
        Payment.objects.filter(
            method=Payment.Method.ONLINE,
            status=Payment.Status.PENDING,
            created_at__lt=timezone.now() - RECONCILE_AFTER,
        )
        .select_related("invoice__office")
        .order_by("pk")
    )
    for payment in pending.iterator():
        provider = provider_of(payment)
        if provider is None or not payment.transaction_id:
            continue
        counts["checked"] += 1
        try:
            result = provider.status(payment)
        except ProviderError:
            logger.warning("payment %s: status query failed", payment.reference, exc_info=True)
            counts["errors"] += 1
            continue
        confirmed = payment_confirm(result=result)
        if confirmed is not None and result.status != Payment.Status.PENDING:
            counts["confirmed"] += 1
    return counts
