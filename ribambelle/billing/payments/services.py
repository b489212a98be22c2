"""Writes of online payment. The status of a payment comes from the provider, server to server
(a verified notification or a status query), never from the family's browser; confirming is
idempotent: a notification sent twice, or a notification and the reconciliation, pay once."""

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.billing.account.services import account_payment_post
from ribambelle.billing.models import ZERO, Invoice, Payment
from ribambelle.billing.payments.attempts import at_time
from ribambelle.billing.payments.base import (
    InvalidNotification,
    NotificationMessage,
    Provider,
    ProviderError,
    Redirect,
    Result,
    to_cents,
)
from ribambelle.billing.payments.outcomes import trace_of
from ribambelle.billing.payments.registry import provider_class, provider_for, provider_of
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.models import Municipality
from ribambelle.tenants.shortcuts import tenant_reverse

logger = logging.getLogger(__name__)

# An e-mail address inside a provider's error message, never written to the logs.
EMAIL = re.compile(r"[^\s'\"<>(),;]+@[^\s'\"<>(),;]+")
# An attempt the provider never identified (its start failed without a trace) is over after this:
# far longer than a provider takes to answer a start, so it is not one still being started.
START_TIMEOUT = timedelta(minutes=1)


class AttemptInProgress(ValidationError):
    """A new attempt refused: the previous one may still complete."""


@dataclass(frozen=True)
class Checkout:
    payment: Payment
    redirect: Redirect
    # The provider as the family knows it, named on the page that sends them there.
    provider_name: str


def new_reference() -> str:
    """Unguessable and accepted by every provider (PayFiP: 1 to 30 letters and digits)."""
    return secrets.token_hex(12)


def absolute(path: str) -> str:
    return settings.SITE_URL + path


@transaction.atomic
def _payment_create(*, invoice: Invoice, actor: User | None) -> Payment:
    invoice = (
        Invoice.objects.select_for_update(of=("self",)).select_related("office").get(pk=invoice.pk)
    )
    provider = provider_for(invoice.office)
    if invoice.status != Invoice.Status.ISSUED or provider is None:
        raise ValidationError(_("Cette facture ne peut pas être payée en ligne."))
    if invoice.collection == Invoice.Collection.TREASURY:
        raise ValidationError(
            _("Cette facture a été transmise au Trésor public : payez-la auprès du Trésor.")
        )
    if invoice.collection:
        raise ValidationError(_("Cette facture sera prélevée : il n'y a rien à payer en ligne."))
    due = invoice.due
    if due <= ZERO:
        raise ValidationError(_("Cette facture est déjà réglée : il n'y a rien à payer."))
    if due < provider.minimal_amount:
        raise ValidationError(
            _("Le paiement en ligne n'est possible qu'à partir de %(min)s €.")
            % {"min": provider.minimal_amount}
        )
    _payer_check(provider, due, getattr(actor, "email", "") or "")
    live = _live(invoice.pk).first()
    if live is not None:
        # Started meanwhile (another tab, a double click): with the invoice locked, the
        # check and the creation below cannot interleave with another start.
        raise AttemptInProgress(
            _(
                "Un paiement de cette facture est déjà en cours (commencé %(when)s) : "
                "reprenez-le, ou recommencez depuis la facture."
            )
            % {"when": at_time(live.created_at)}
        )
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


def _payer_check(provider: Provider, amount: Decimal, email: str) -> None:
    """What the provider would refuse, said before starting in the family's words (not "the
    payment service does not answer")."""
    if provider.maximal_amount is not None and amount > provider.maximal_amount:
        raise ValidationError(
            _(
                "Le paiement en ligne est limité à %(max)s € par paiement : réglez cette "
                "facture par un autre moyen (chèque, virement…) ou contactez la régie."
            )
            % {"max": formats.number_format(provider.maximal_amount, 0, force_grouping=True)}
        )
    shortest, longest = provider.email_length
    if not email and provider.email_required:
        raise ValidationError(
            _(
                "Le service de paiement demande une adresse e-mail pour vous envoyer son "
                "reçu, et votre compte n'en a pas : contactez la régie pour payer cette facture."
            )
        )
    if email and len(email) < shortest:
        raise ValidationError(
            _(
                "Votre adresse e-mail n'est pas acceptée par le service de paiement : "
                "contactez la régie pour payer cette facture."
            )
        )
    if len(email) > longest:
        raise ValidationError(
            _(
                "Votre adresse e-mail est trop longue pour le service de paiement "
                "(%(max)s caractères au plus) : contactez la régie pour payer cette facture."
            )
            % {"max": longest}
        )


def _live(invoice_id: int) -> QuerySet[Payment]:
    return Payment.objects.filter(
        invoice_id=invoice_id, method=Payment.Method.ONLINE, status=Payment.Status.PENDING
    )


def _previous_attempt_close(*, invoice: Invoice) -> None:
    """Before a new attempt, the pending one must be over: as its provider says, asked server
    to server here (outside any lock: a slow provider must not hold the invoice), or, when the
    provider cannot be asked, once the stated wait has passed. While the provider says the
    attempt may still complete (PayFiP's P5, up to two hours), it stays live. Raises
    AttemptInProgress (or a ValidationError) saying since when and until when."""
    payment = _live(invoice.pk).select_related("invoice__office__municipality").first()
    if payment is None:
        return
    provider = provider_of(payment)
    now = timezone.now()
    final_by = provider.final_by(payment) if provider is not None else payment.created_at
    started = at_time(payment.created_at)
    if not payment.transaction_id:
        # The provider never gave it an id: the family never reached its page.
        final_by = payment.created_at + START_TIMEOUT
        if now < final_by:
            raise AttemptInProgress(
                _("Un paiement est déjà en cours pour cette facture (commencé %(when)s).")
                % {"when": started}
            )
        payment_abandon(payment=payment)
        return
    if provider is not None and provider.status_known:
        _ask_before_restart(payment, provider, started, now < final_by, at_time(final_by))
        return
    if now < final_by:
        raise AttemptInProgress(
            _(
                "Un paiement a été commencé %(when)s. S'il n'a pas abouti, vous pourrez "
                "recommencer %(restart)s."
            )
            % {"when": started, "restart": at_time(final_by)}
        )
    payment_abandon(payment=payment, unanswered=True)


def _ask_before_restart(
    payment: Payment, provider: Provider, started: str, in_time: bool, restart: str
) -> None:
    try:
        result = provider.status(payment)
    except ProviderError:
        logger.warning("payment %s: status query failed", payment.reference, exc_info=True)
        if in_time:
            raise ValidationError(
                _(
                    "Le service de paiement ne répond pas : nous ne pouvons pas encore "
                    "savoir si le paiement commencé %(when)s a abouti. Réessayez dans "
                    "quelques minutes."
                )
                % {"when": started}
            ) from None
        payment_abandon(payment=payment, unanswered=True)
        return
    if result.status != Payment.Status.PENDING:
        payment_confirm(result=result)
    payment.refresh_from_db(fields=["status"])
    if payment.status == Payment.Status.PAID:
        raise ValidationError(
            _(
                "Le paiement commencé %(when)s a finalement abouti : il est enregistré "
                "sur la facture."
            )
            % {"when": started}
        )
    if payment.status != Payment.Status.PENDING:
        return
    if in_time:
        raise AttemptInProgress(
            _(
                "La banque indique que le paiement commencé %(when)s peut encore "
                "aboutir. Reprenez-le s'il est encore ouvert ; sinon, vous pourrez "
                "recommencer %(restart)s."
            )
            % {"when": started, "restart": restart}
        )
    # Past the stated wait, the provider still says it may complete: it stays live.
    raise AttemptInProgress(
        _(
            "La banque indique que le paiement commencé %(when)s peut encore aboutir : "
            "réessayez dans quelques minutes."
        )
        % {"when": started}
    )


@transaction.atomic
def payment_abandon(*, payment: Payment, unanswered: bool = False) -> Payment:
    """Close an attempt that is over. `unanswered`: closed by our own wait, the provider never
    having said how it ended; staff see it in "Paiements en attente". A confirmation that comes
    later is still recorded (payment_confirm)."""
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("invoice__municipality")
        .get(pk=payment.pk)
    )
    if payment.status == Payment.Status.PENDING:
        if unanswered:
            payment.unanswered = True
            payment.save(update_fields=["unanswered"])
        _set_status(payment, Payment.Status.ABANDONED)
    return payment


def payment_start(*, invoice: Invoice, actor: User | None) -> Checkout:
    """Close the previous attempt when it is over, create the pending payment (the invoice row
    locked, so two tabs cannot both start one), then ask the provider where to send the family,
    outside the transaction: a slow provider must not keep the invoice locked."""
    _previous_attempt_close(invoice=invoice)
    payment = _payment_create(invoice=invoice, actor=actor)
    municipality = payment.invoice.municipality
    return_url = absolute(
        tenant_reverse(municipality, "billing_pay:return", reference=payment.reference)
    )
    notify_url = absolute(
        tenant_reverse(municipality, "billing_pay:notify", provider=payment.provider)
    )
    try:
        provider = _provider_of(payment)
        redirect = provider.start(payment, return_url, notify_url)
    except ProviderError as error:
        logger.warning(
            "payment %s: the provider refused to start: %s",
            payment.reference,
            EMAIL.sub("<e-mail>", str(error)),
        )
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.ABANDONED)
        raise ValidationError(
            _("Le service de paiement ne répond pas. Réessayez dans quelques minutes.")
        ) from None
    payment.transaction_id = redirect.transaction_id
    payment.save(update_fields=["transaction_id"])
    return Checkout(payment=payment, redirect=redirect, provider_name=str(provider.display_name()))


def _provider_of(payment: Payment) -> Provider:
    """The provider of a payment this module created or found by its provider's name."""
    provider = provider_of(payment)
    if provider is None:
        raise ProviderError(f"no provider {payment.provider!r}")
    return provider


def notification_receive(
    *, municipality: Municipality, provider_name: str, message: NotificationMessage
) -> Payment:
    """A provider's server-to-server message (the demo bank's too): find the payment it claims
    to be about, verify it with that office's keys, then confirm. Raises InvalidNotification
    (logged, nothing changed) when it does not check out."""
    lookup = provider_class(provider_name).notification_lookup(message)
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
    try:
        result = _provider_of(payment).handle_notification(message)
    except ProviderError as error:
        raise InvalidNotification(str(error)) from error
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
    page, or a late answer about an attempt the family started again). The invoice is locked
    first, so two confirmations cannot both count against what it still asked for: money
    beyond that is kept as the payment's excess, logged and audited as an overpayment. Returns
    None when the result was refused (unknown reference, amount mismatch)."""
    found = (
        Payment.objects.filter(
            provider=result.provider, reference=result.reference, method=Payment.Method.ONLINE
        )
        .exclude(reference="")
        .values_list("pk", "invoice_id")
        .first()
    )
    if found is None:
        _refuse("unknown reference", result)
        return None
    payment_id, invoice_id = found
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice_id)
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("invoice__municipality")
        .get(pk=payment_id)
    )
    if result.transaction_id and result.transaction_id != payment.transaction_id:
        _refuse("transaction id mismatch", result)
        return None
    if result.status == Payment.Status.PENDING or payment.status == Payment.Status.PAID:
        return payment
    if result.status != Payment.Status.PAID:
        if payment.status == Payment.Status.PENDING:
            _keep_trace(payment, result)
            _set_status(payment, result.status)
        elif payment.unanswered:
            # Closed by our wait; the provider's word at last: nothing was taken.
            _keep_trace(payment, result)
        return payment
    if result.amount_cents != to_cents(payment.amount):
        _refuse("amount mismatch", result)
        return None
    _keep_trace(payment, result)
    excess = max(payment.amount - invoice.due, ZERO)
    invoice.paid += payment.amount
    invoice.save(update_fields=["paid"])
    payment.excess = excess
    payment.save(update_fields=["excess"])
    if excess:
        logger.warning(
            "payment %s: overpayment of %s on invoice %s (paid %s on %s)",
            payment.reference,
            excess,
            invoice.number,
            invoice.paid,
            invoice.total,
        )
    _set_status(payment, Payment.Status.PAID, received_on=timezone.localdate(), excess=excess)
    account_payment_post(payment=payment, invoice=invoice, excess=excess, actor=None)
    transaction.on_commit(lambda: _notify_paid(payment.pk))
    return payment


def _keep_trace(payment: Payment, result: Result) -> None:
    """The provider's transaction data, kept for reconciliation with the bank and disputes;
    the provider has now answered about this attempt."""
    payment.provider_data = {**payment.provider_data, **trace_of(result.provider, result.raw)}
    payment.unanswered = False
    payment.save(update_fields=["provider_data", "unanswered"])


def _set_status(
    payment: Payment, status: str, received_on: date | None = None, excess: Decimal = ZERO
) -> None:
    before = payment.status
    payment.status = status
    payment.received_on = received_on
    payment.save(update_fields=["status", "received_on"])
    after: dict[str, object] = {
        "status": status,
        "invoice": payment.invoice.number,
        "amount": payment.amount,
        "provider": payment.provider,
        "reference": payment.reference,
    }
    if excess:
        after["overpayment"] = excess
    audit_record(
        municipality=payment.invoice.municipality,
        actor=None,
        action=AuditEntry.Action.UPDATE,
        target=payment,
        household_id=payment.invoice.household_id,
        before={"status": before},
        after=after,
    )


def _notify_paid(payment_id: int) -> None:
    from ribambelle.billing.payments import tasks

    tasks.send_payment_received.enqueue(payment_id)
