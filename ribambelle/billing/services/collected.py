"""Payments collected by direct debit, recorded by the debits app when it sends a batch to the
bank (billing never imports debits: debits calls this). Set-based, so that a batch of
thousands of debits costs a constant number of queries."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.billing.account.services import cents
from ribambelle.billing.models import AccountMovement, Invoice, Payment
from ribambelle.tenants.models import Municipality


@dataclass(frozen=True)
class Collected:
    """One debit sent: what it collects on which invoice, and its EndToEndId."""

    invoice_id: int
    amount_cents: int
    reference: str


@transaction.atomic
def debit_payments_record(
    *,
    municipality: Municipality,
    collected: Sequence[Collected],
    received_on: date,
    actor: User | None,
) -> list[Payment]:
    """Each debit sent becomes a PAID payment of method DEBIT received on the collection date
    (a debit the debtor's bank returns is then marked RETURNED by the returns), the invoice's
    paid amount grows and the family account is credited. A debit never collects more than
    is still due: the caller checked it, and this refuses it again under the invoices' locks."""
    if not collected:
        return []
    amounts = {item.invoice_id: item.amount_cents for item in collected}
    if len(amounts) != len(collected):
        raise ValidationError(_("Une facture ne peut être prélevée qu'une fois par remise."))
    invoices = {
        invoice.pk: invoice
        for invoice in Invoice.objects.select_for_update()
        .filter(municipality=municipality, pk__in=list(amounts))
        .only("pk", "household_id", "status", "number", "total", "paid", "credited")
    }
    for invoice_id, amount in amounts.items():
        invoice = invoices.get(invoice_id)
        if invoice is None or invoice.status != Invoice.Status.ISSUED:
            raise ValidationError(_("Seule une facture émise peut être payée."))
        if amount <= 0 or amount > cents(invoice.due):
            raise ValidationError(
                _("Le prélèvement de la facture %(number)s dépasse son reste à payer.")
                % {"number": invoice.number}
            )
    payments = Payment.objects.bulk_create(
        [
            Payment(
                municipality=municipality,
                invoice_id=item.invoice_id,
                method=Payment.Method.DEBIT,
                status=Payment.Status.PAID,
                amount=Decimal(item.amount_cents) / 100,
                received_on=received_on,
                reference=item.reference,
                recorded_by=actor,
            )
            for item in collected
        ]
    )
    ids = [payment.pk for payment in payments]
    Invoice.objects.filter(pk__in=list(amounts)).update(
        paid=F("paid")
        + Subquery(Payment.objects.filter(invoice=OuterRef("pk"), pk__in=ids).values("amount")[:1])
    )
    AccountMovement.objects.bulk_create(
        [
            AccountMovement(
                municipality=municipality,
                household_id=invoices[payment.invoice_id].household_id,
                kind=AccountMovement.Kind.PAYMENT,
                method=Payment.Method.DEBIT,
                on=received_on,
                amount_cents=amounts[payment.invoice_id],
                invoice_id=payment.invoice_id,
                payment=payment,
                label=invoices[payment.invoice_id].number,
                created_by=actor,
            )
            for payment in payments
        ]
    )
    return payments
