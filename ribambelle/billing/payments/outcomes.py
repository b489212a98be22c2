"""What each provider's answer means for a payment: a final state, "still in progress", or
"unknown, ask again" (issue 16). Nothing the provider can say is left as a silent "pending":
an unknown answer is refused so that the provider sends it again (Payzen retries a
notification that is not acknowledged) or the reconciliation asks again, and it is logged as
an error; the attempt stays pending and staff see it in "Paiements en attente".

Also: which of the provider's fields are kept on the payment, for reconciliation with the bank
and disputes (TRACE_FIELDS)."""

import logging
import re
from collections.abc import Mapping, Sequence

import eopayment
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.models import Payment
from ribambelle.billing.payments.base import InvalidNotification, ProviderError

logger = logging.getLogger(__name__)


class RetryLater(InvalidNotification):
    """A verified notification whose result we cannot map: not acknowledged (400), so the
    provider sends it again; nothing changes meanwhile."""


class UnknownOutcome(ProviderError):
    """A status query answered with a result we cannot map: treated like an unreachable
    provider (asked again later), logged as an error."""


# eopayment's reading of PayFiP's answer (resultrans P/V paid, R/Z refused, A cancelled; its
# web service's P5 "result not known yet" is WAITING for two hours after the start, then
# EXPIRED, as is P1 "idOp unknown").
PAYFIP_RESULTS: dict[int, str] = {
    eopayment.PAID: Payment.Status.PAID,
    eopayment.DENIED: Payment.Status.REFUSED,
    eopayment.CANCELLED: Payment.Status.ABANDONED,
    eopayment.EXPIRED: Payment.Status.ABANDONED,
    eopayment.WAITING: Payment.Status.PENDING,
}

# Payzen/Systempay's vads_result, each final: 02 (the merchant must call the cardholder's
# bank: no authorisation was given), 05 (refused), 30 (format error: the request was
# rejected) and 96 (technical error) all end the transaction without a debit; Payzen's
# transaction status for them is REFUSED. 17 is the family cancelling on Payzen's page.
PAYZEN_RESULTS: dict[str, str] = {
    "00": Payment.Status.PAID,
    "02": Payment.Status.REFUSED,
    "05": Payment.Status.REFUSED,
    "17": Payment.Status.ABANDONED,
    "30": Payment.Status.REFUSED,
    "96": Payment.Status.REFUSED,
}
# Results that point at a configuration or platform problem rather than the family's card.
PAYZEN_ALARMS = {"30", "96"}


# Payzen/Systempay's REST API (Order/Get, payzen_rest.py): a transaction's detailedStatus.
# PAID ones are final (AUTHORISED is captured automatically); RUNNING ones may still end
# either way (an authorisation awaited or checked, a manual validation); UNPAID ones are
# final without a debit: refused by the bank or its capture failed, cancelled, expired
# (authorisation never captured) or abandoned on Payzen's page.
PAYZEN_DETAILED: dict[str, str] = {
    "AUTHORISED": Payment.Status.PAID,
    "CAPTURED": Payment.Status.PAID,
    "AUTHORISED_TO_VALIDATE": Payment.Status.PENDING,
    "WAITING_AUTHORISATION": Payment.Status.PENDING,
    "WAITING_AUTHORISATION_TO_VALIDATE": Payment.Status.PENDING,
    "UNDER_VERIFICATION": Payment.Status.PENDING,
    "PRE_AUTHORISED": Payment.Status.PENDING,
    "PENDING": Payment.Status.PENDING,
    "SUSPENDED": Payment.Status.PENDING,
    "WAITING_FOR_PAYMENT": Payment.Status.PENDING,
    "REFUSED": Payment.Status.REFUSED,
    "CAPTURE_FAILED": Payment.Status.REFUSED,
    "CANCELLED": Payment.Status.ABANDONED,
    "EXPIRED": Payment.Status.ABANDONED,
    "ABANDONED": Payment.Status.ABANDONED,
}
# Its simplified status, which must agree with the detailed one.
PAYZEN_SIMPLE: dict[str, set[str]] = {
    "PAID": {Payment.Status.PAID},
    "RUNNING": {Payment.Status.PENDING},
    "UNPAID": {Payment.Status.REFUSED, Payment.Status.ABANDONED},
    "ABANDONED": {Payment.Status.ABANDONED},
}


def payzen_transaction_status(transaction: Mapping[str, object], reference: str) -> str:
    """What one transaction of Payzen's Order/Get answer means; raises UnknownOutcome (asked
    again later, logged as an error) for a status we do not know or that contradicts itself."""
    detailed = str(transaction.get("detailedStatus") or "")
    simple = str(transaction.get("status") or "")
    status = PAYZEN_DETAILED.get(detailed)
    if status is None or status not in PAYZEN_SIMPLE.get(simple, set()):
        logger.error(
            "payzen: unknown transaction status %r/%r for payment %s: it stays pending, "
            "asked again later",
            simple[:40],
            detailed[:40],
            reference,
        )
        raise UnknownOutcome(f"unknown Payzen transaction status {simple!r}/{detailed!r}")
    return status


def payzen_order_status(
    transactions: Sequence[Mapping[str, object]], reference: str
) -> tuple[str, Mapping[str, object]]:
    """What an order's transactions mean together (the family may try several cards on
    Payzen's page): paid when one is, pending while one may still be, else what the latest
    says. Returns the status and the transaction it comes from; `transactions` is not empty."""
    statuses = [(payzen_transaction_status(item, reference), item) for item in transactions]
    for wanted in (Payment.Status.PAID, Payment.Status.PENDING):
        for status, item in statuses:
            if status == wanted:
                return status, item
    return max(statuses, key=lambda pair: str(pair[1].get("creationDate") or ""))


def payfip_status(eopayment_result: int, reference: str) -> str:
    """Raises UnknownOutcome for eopayment's ERROR (a resultrans it does not know)."""
    status = PAYFIP_RESULTS.get(eopayment_result)
    if status is None:
        logger.error(
            "payfip: unknown result %s for payment %s: it stays pending, asked again later",
            eopayment_result,
            reference,
        )
        raise UnknownOutcome(f"unknown PayFiP result {eopayment_result}")
    return status


def payzen_status(data: Mapping[str, str], reference: str) -> str:
    """Raises RetryLater when vads_result is missing or unknown (Payzen sends it again)."""
    code = str(data.get("vads_result", ""))
    status = PAYZEN_RESULTS.get(code)
    if status is None:
        logger.error(
            "payzen: unknown vads_result %r for payment %s: not acknowledged, Payzen retries",
            code,
            reference,
        )
        raise RetryLater(f"unknown vads_result {code!r}")
    if code in PAYZEN_ALARMS:
        logger.error(
            "payzen: payment %s failed with vads_result %s (%s): check the shop's settings",
            reference,
            code,
            data.get("vads_extra_result", ""),
        )
    return status


# The provider's fields kept on the payment (Payment.provider_data), with their label for staff.
TRACE_FIELDS: dict[str, dict[str, object]] = {
    "payfip": {
        "numauto": _("numéro d'autorisation"),
        "dattrans": _("date de la transaction"),
        "heurtrans": _("heure de la transaction"),
        "resultrans": _("résultat"),
    },
    "payzen": {
        "vads_trans_id": _("identifiant de transaction"),
        "vads_trans_uuid": _("référence unique de la transaction"),
        "vads_auth_number": _("numéro d'autorisation"),
        "vads_trans_date": _("date de la transaction"),
        "vads_result": _("résultat"),
        "vads_auth_result": _("code de la banque"),
        "vads_trans_status": _("statut chez Payzen"),
    },
}
_SAFE_VALUE = re.compile(r"^[\w\-:./ ]{0,100}$")


def trace_of(provider: str, raw: Mapping[str, str]) -> dict[str, str]:
    """The fields worth keeping, as the provider sent them (short, plain values only)."""
    kept = {}
    for name in TRACE_FIELDS.get(provider, {}):
        value = str(raw.get(name) or "")
        if value and _SAFE_VALUE.match(value):
            kept[name] = value
    return kept


def trace_rows(payment: Payment) -> list[tuple[str, str]]:
    """(label, value) of what the provider said about a payment, for staff."""
    labels = TRACE_FIELDS.get(payment.provider, {})
    data = payment.provider_data or {}
    return [(str(label), str(data[name])) for name, label in labels.items() if data.get(name)]
