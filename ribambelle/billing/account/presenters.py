"""What the account's history says about each movement, in French, for families and staff."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from ribambelle.billing.models import AccountMovement, Payment

Kind = AccountMovement.Kind


@dataclass(frozen=True)
class MovementRow:
    on: date
    label: str
    # Effect on the balance (None: none) and on the credit held (None: none).
    amount: Decimal | None
    credit: Decimal | None


def method_label(method: str) -> str:
    try:
        return str(Payment.Method(method).label)
    except ValueError:
        return method


def movement_label(movement: AccountMovement) -> str:
    number = movement.invoice.number if movement.invoice else movement.label
    values = {"number": number, "method": method_label(movement.method)}
    if movement.kind == Kind.INVOICE:
        return _("Facture %(number)s") % values
    if movement.kind == Kind.PAYMENT:
        return _("Paiement (%(method)s), facture %(number)s") % values
    if movement.kind == Kind.CREDIT_NOTE:
        note = movement.credit_note.number if movement.credit_note else movement.label
        return _("Avoir %(note)s, facture %(number)s") % {**values, "note": note}
    if movement.kind == Kind.EXCESS:
        return _("Trop-perçu sur la facture %(number)s, mis en crédit") % values
    if movement.kind == Kind.CREDIT_APPLIED:
        return _("Crédit utilisé pour la facture %(number)s") % values
    if movement.kind == Kind.REFUND:
        label = _("Remboursement (%(method)s)") % values
        return f"{label} — {movement.label}" if movement.label else label
    if movement.kind == Kind.FEE:
        if movement.amount_cents < 0:
            if movement.invoice:
                return _("Frais de rejet de prélèvement, facture %(number)s") % values
            return _("Frais de rejet de prélèvement")
        label = _("Frais de rejet réglés (%(method)s)") % values
        return f"{label} — {movement.label}" if movement.label else label
    if movement.method and movement.method != Payment.Method.DEBIT:
        label = _("Paiement rejeté (%(method)s), facture %(number)s") % values
    else:
        label = _("Prélèvement rejeté, facture %(number)s") % values
    # The reason the bank gave ("AM04 : provision insuffisante").
    return f"{label} — {movement.label}" if movement.label else label


def movement_rows(movements: list[AccountMovement]) -> list[MovementRow]:
    return [
        MovementRow(
            on=movement.on,
            label=movement_label(movement),
            amount=movement.amount if movement.amount_cents else None,
            credit=movement.credit if movement.credit_cents else None,
        )
        for movement in movements
    ]
