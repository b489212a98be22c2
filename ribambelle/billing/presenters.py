"""What billing pages say about what the selectors read: a tariff in words, an invoice's status
for the family (with a symbol, never by colour alone) and what the family can do about paying
it online."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ribambelle.billing import pdf
from ribambelle.billing.models import ZERO, Invoice, Payment, Tariff
from ribambelle.billing.payments.attempts import LiveAttempt, live_attempt
from ribambelle.billing.payments.registry import can_pay_online, provider_for


def euros(value: Decimal) -> str:
    return _("%(amount)s €") % {"amount": formats.number_format(value, 2)}


def tariff_text(tariff: Tariff | None) -> list[str]:
    """The tariff in words, one phrase per line: "QF < 500 : 1,20 €"."""
    if tariff is None:
        return [_("Pas de tarif : cette activité n'est pas facturée.")]
    lines = [
        _("Facturé sur %(basis)s.") % {"basis": tariff.get_basis_display()},
    ]
    for bracket in tariff.brackets.all():
        if bracket.up_to is None:
            lines.append(_("QF au-delà : %(price)s") % {"price": euros(bracket.price)})
        else:
            lines.append(
                _("QF < %(bound)s : %(price)s")
                % {"bound": formats.number_format(bracket.up_to, 0), "price": euros(bracket.price)}
            )
    lines.append(
        _("Prix par défaut (quotient inconnu) : %(price)s") % {"price": euros(tariff.default_price)}
    )
    if tariff.surcharge_price is not None:
        lines.append(_("Prix majoré : %(price)s") % {"price": euros(tariff.surcharge_price)})
    return lines


PAID = "paid"
PARTIAL = "partial"
TO_PAY = "to-pay"
LATE = "late"
DEBIT = "debit"
STATUS_LABELS = {
    PAID: (gettext_lazy("payée"), "✓"),
    PARTIAL: (gettext_lazy("partiellement payée"), "◐"),
    TO_PAY: (gettext_lazy("à payer"), "○"),
    LATE: (gettext_lazy("en retard"), "⚠"),
    DEBIT: (gettext_lazy("prélèvement prévu"), "↻"),
}


def invoice_status(invoice: Invoice, today: date) -> str:
    """Paid once nothing is due (credit notes count); to be debited while a direct debit is
    scheduled or sent (its date may follow the due date: the family has nothing to do, so it is
    never late); late once the due date has passed with something still due, whether or not
    part of it was paid."""
    if invoice.due == ZERO:
        return PAID
    if invoice.collection in (Invoice.Collection.DEBIT, Invoice.Collection.DEBIT_SENT):
        return DEBIT
    if invoice.due_on is not None and invoice.due_on < today:
        return LATE
    if invoice.paid > ZERO or invoice.credited > ZERO:
        return PARTIAL
    return TO_PAY


@dataclass(frozen=True)
class Paying:
    """What the family can do about paying an invoice online: "Payer" (with the provider named
    before the click, since its page opens in this tab), or the attempt already under way."""

    can_pay: bool
    provider_name: str = ""
    attempt: LiveAttempt | None = None


def paying_of(invoice: Invoice, payment: Payment | None) -> Paying:
    attempt = live_attempt(payment)
    can_pay = attempt is None and can_pay_online(invoice)
    provider = provider_for(invoice.office) if can_pay else None
    return Paying(
        can_pay=can_pay,
        provider_name=str(provider.display_name()) if provider is not None else "",
        attempt=attempt,
    )


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    period: str
    status: str
    status_label: str
    status_icon: str
    paying: Paying
    reminder: str = ""  # "1re relance envoyée le …", for an invoice still due


def rows_of(
    invoices: Iterable[Invoice], today: date, attempts: dict[int, Payment]
) -> list[InvoiceRow]:
    rows = []
    for invoice in invoices:
        status = invoice_status(invoice, today)
        label, icon = STATUS_LABELS[status]
        rows.append(
            InvoiceRow(
                invoice,
                pdf.period_label(invoice),
                status,
                str(label),
                icon,
                paying_of(invoice, attempts.get(invoice.pk)),
            )
        )
    return rows
