"""Writes of the family account (compte famille, invariant 10). Each existing write path of
billing (an invoice issued, a payment confirmed or recorded, a credit note) calls one of the
`account_*_post` functions inside its own transaction, so that a movement exists exactly when
the money moved; the caller audits. Money received beyond an invoice becomes the family's
credit, used at once by its other unpaid invoices, then by the next ones issued, or refunded
by staff (`account_refund_record`, audited)."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.billing.models import ZERO, AccountMovement, CreditNote, Invoice, Payment
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality

Kind = AccountMovement.Kind


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _credit_cents(municipality_id: int, household_id: int) -> int:
    total = AccountMovement.objects.filter(
        municipality_id=municipality_id, household_id=household_id
    ).aggregate(credit=Sum("credit_cents"))["credit"]
    return int(total or 0)


def _lock_household(household_id: int) -> None:
    """Account writes of one household wait for each other: a refund and an invoice issue
    cannot both spend the same credit."""
    list(Household.objects.select_for_update().filter(pk=household_id).values_list("pk"))


def _apply(
    *, invoices: Sequence[Invoice], credit: int, actor: User | None, today: date
) -> list[AccountMovement]:
    """Spend `credit` cents on `invoices` (locked by the caller), in their order: each one's
    paid amount grows by what is used and a CREDIT_APPLIED movement says so."""
    movements = []
    for invoice in invoices:
        if credit <= 0:
            break
        used = min(credit, cents(invoice.due))
        if used <= 0:
            continue
        amount = Decimal(used) / 100
        Invoice.objects.filter(pk=invoice.pk).update(paid=F("paid") + amount)
        invoice.paid += amount
        credit -= used
        movements.append(
            AccountMovement(
                municipality_id=invoice.municipality_id,
                household_id=invoice.household_id,
                kind=Kind.CREDIT_APPLIED,
                on=today,
                credit_cents=-used,
                invoice=invoice,
                label=invoice.number,
                created_by=actor,
            )
        )
    return movements


def _spend_on_unpaid(*, municipality_id: int, household_id: int, actor: User | None) -> None:
    """Credit just received pays the household's other unpaid invoices, the oldest first. An
    invoice locked by another transaction (a payment being confirmed) is skipped rather than
    waited for: the credit stays on the account, shown to the family and staff. So is an
    invoice collected otherwise: a direct debit's amount was announced to the family and goes
    to the bank as announced; a title handed to the treasury is the treasury's to settle."""
    credit = _credit_cents(municipality_id, household_id)
    if credit <= 0:
        return
    unpaid = list(
        Invoice.objects.select_for_update(skip_locked=True)
        .filter(
            municipality_id=municipality_id,
            household_id=household_id,
            status=Invoice.Status.ISSUED,
            paid__lt=F("total") - F("credited"),
            collection=Invoice.Collection.NONE,
        )
        .order_by("due_on", "pk")
    )
    AccountMovement.objects.bulk_create(
        _apply(invoices=unpaid, credit=credit, actor=actor, today=timezone.localdate())
    )


def account_invoices_post(*, invoices: Sequence[Invoice], actor: User | None) -> None:
    """Invoices just issued debit their households' accounts; a household holding a credit
    has it used on them at once (in the caller's transaction: invoice_run_issue)."""
    if not invoices:
        return
    AccountMovement.objects.bulk_create(
        [
            AccountMovement(
                municipality_id=invoice.municipality_id,
                household_id=invoice.household_id,
                kind=Kind.INVOICE,
                on=invoice.issued_on or timezone.localdate(),
                amount_cents=-cents(invoice.total),
                invoice=invoice,
                label=invoice.number,
                created_by=actor,
            )
            for invoice in invoices
        ],
        batch_size=1000,
    )
    municipality_id = invoices[0].municipality_id
    # The invoices issued together are one run's: its households, as a subquery.
    households = Invoice.objects.filter(run_id=invoices[0].run_id).values("household_id")
    holding = (
        AccountMovement.objects.filter(municipality_id=municipality_id, household_id__in=households)
        .values("household_id")
        .annotate(held=Sum("credit_cents"))
        .filter(held__gt=0)
        .values_list("household_id", flat=True)
    )
    today = timezone.localdate()
    applied: list[AccountMovement] = []
    for household_id in sorted(holding):
        _lock_household(household_id)
        mine = [invoice for invoice in invoices if invoice.household_id == household_id]
        credit = _credit_cents(municipality_id, household_id)
        applied += _apply(invoices=mine, credit=credit, actor=actor, today=today)
    AccountMovement.objects.bulk_create(applied)


def account_payment_post(
    *, payment: Payment, invoice: Invoice, excess: Decimal, actor: User | None
) -> None:
    """A payment received (every channel) credits the account; its part beyond what the
    invoice asked for becomes credit, spent on the household's other unpaid invoices."""
    on = payment.received_on or timezone.localdate()
    _post(
        invoice,
        excess,
        AccountMovement(
            municipality_id=invoice.municipality_id,
            household_id=invoice.household_id,
            kind=Kind.PAYMENT,
            method=payment.method,
            on=on,
            amount_cents=cents(payment.amount),
            invoice=invoice,
            payment=payment,
            label=invoice.number,
            created_by=actor,
        ),
        _excess(invoice, excess, on, actor, payment=payment),
    )


def _post(
    invoice: Invoice, excess: Decimal, movement: AccountMovement, excess_row: AccountMovement
) -> None:
    """Write a movement and, when money went beyond what was due, the credit it leaves, which
    then pays the household's other unpaid invoices."""
    _lock_household(invoice.household_id)
    AccountMovement.objects.bulk_create([movement, excess_row] if excess > ZERO else [movement])
    if excess > ZERO:
        _spend_on_unpaid(
            municipality_id=invoice.municipality_id,
            household_id=invoice.household_id,
            actor=movement.created_by,
        )


def _excess(
    invoice: Invoice,
    excess: Decimal,
    on: date,
    actor: User | None,
    payment: Payment | None = None,
    credit_note: CreditNote | None = None,
) -> AccountMovement:
    return AccountMovement(
        municipality_id=invoice.municipality_id,
        household_id=invoice.household_id,
        kind=Kind.EXCESS,
        on=on,
        credit_cents=cents(excess),
        invoice=invoice,
        payment=payment,
        credit_note=credit_note,
        label=invoice.number,
        created_by=actor,
    )


def account_credit_note_post(*, note: CreditNote, invoice: Invoice, actor: User | None) -> None:
    """A credit note credits the account. `invoice` is the invoice as it was before the note:
    the part of the note beyond what was still due (a note on a paid invoice) becomes credit."""
    excess = max(invoice.paid + invoice.credited + note.amount - invoice.total, ZERO) - (
        invoice.overpaid
    )
    on = timezone.localdate()
    _post(
        invoice,
        excess,
        AccountMovement(
            municipality_id=invoice.municipality_id,
            household_id=invoice.household_id,
            kind=Kind.CREDIT_NOTE,
            on=on,
            amount_cents=cents(note.amount),
            invoice=invoice,
            credit_note=note,
            label=note.number,
            created_by=actor,
        ),
        _excess(invoice, excess, on, actor, credit_note=note),
    )


@transaction.atomic
def account_refund_record(
    *,
    municipality: Municipality,
    household: Household,
    amount: Decimal,
    method: str,
    refunded_on: date,
    reference: str,
    actor: User | None,
) -> AccountMovement:
    """Staff give back (part of) the family's credit: a transfer or a cheque made outside, of
    which this is the record. Never more than the credit held."""
    if household.municipality_id != municipality.pk:
        raise ValidationError(_("Ce foyer n'existe pas."))
    _lock_household(household.pk)
    credit = _credit_cents(municipality.pk, household.pk)
    wanted = cents(amount)
    if wanted <= 0 or wanted > credit:
        raise ValidationError(
            _(
                "Le remboursement doit être compris entre 0,01 € et le crédit du foyer "
                "(%(credit)s €)."
            )
            % {"credit": number_format(Decimal(max(credit, 0)) / 100, 2)}
        )
    movement = AccountMovement.objects.create(
        municipality=municipality,
        household=household,
        kind=Kind.REFUND,
        method=method,
        on=refunded_on,
        amount_cents=-wanted,
        credit_cents=-wanted,
        label=reference,
        created_by=actor,
    )
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=movement,
        household_id=household.pk,
        after={"amount": amount, "method": method, "on": refunded_on, "reference": reference},
    )
    return movement


# Returned payments and their fees


@transaction.atomic
def payment_return(
    *, payment: Payment, returned_on: date, label: str, actor: User | None
) -> AccountMovement:
    """A payment the bank took back (a returned direct debit, a bounced cheque): it no longer
    counts, its invoice is due again and the account is debited by its amount (RETURN). The
    credit it had left (money beyond the invoice) is withdrawn: if the family had spent or been
    refunded that credit, the account's credit goes below zero, a debt the next credit received
    covers first. Credit the household still holds pays the invoice at once. Returning a
    payment already returned changes nothing and gives its RETURN movement again."""
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == Payment.Status.RETURNED:
        return AccountMovement.objects.get(payment=payment, kind=Kind.RETURN)
    if payment.status != Payment.Status.PAID:
        raise ValidationError(_("Seul un paiement reçu peut être rejeté."))
    _lock_household(invoice.household_id)
    overpaid = invoice.overpaid
    Invoice.objects.filter(pk=invoice.pk).update(paid=F("paid") - payment.amount)
    invoice.paid -= payment.amount
    withdrawn = overpaid - invoice.overpaid
    payment.status = Payment.Status.RETURNED
    payment.save(update_fields=["status"])
    movement = AccountMovement.objects.create(
        municipality_id=invoice.municipality_id,
        household_id=invoice.household_id,
        kind=Kind.RETURN,
        method=payment.method,
        on=returned_on,
        amount_cents=-cents(payment.amount),
        credit_cents=-cents(withdrawn),
        invoice=invoice,
        payment=payment,
        label=label,
        created_by=actor,
    )
    _spend_on_unpaid(
        municipality_id=invoice.municipality_id, household_id=invoice.household_id, actor=actor
    )
    audit_record(
        municipality=invoice.municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=payment,
        household_id=invoice.household_id,
        before={"status": Payment.Status.PAID},
        after={
            "status": payment.status,
            "invoice": invoice.number,
            "amount": payment.amount,
            "returned_on": returned_on,
            "label": label,
        },
    )
    return movement


def _fee_movement(
    *,
    municipality: Municipality,
    household: Household,
    amount_cents: int,
    method: str,
    on: date,
    label: str,
    invoice: Invoice | None,
    actor: User | None,
) -> AccountMovement:
    movement = AccountMovement.objects.create(
        municipality=municipality,
        household=household,
        kind=Kind.FEE,
        method=method,
        on=on,
        amount_cents=amount_cents,
        credit_cents=amount_cents,
        invoice=invoice,
        label=label,
        created_by=actor,
    )
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=movement,
        household_id=household.pk,
        after={"amount": Decimal(amount_cents) / 100, "method": method, "on": on, "label": label},
    )
    return movement


@transaction.atomic
def fee_charge(
    *,
    municipality: Municipality,
    household: Household,
    amount: Decimal,
    charged_on: date,
    label: str,
    invoice: Invoice | None,
    actor: User | None,
) -> AccountMovement:
    """A charge outside the invoices (the bank fee of a returned debit): a FEE movement that
    debits the balance and takes the amount from the credit (an issued invoice never changes,
    and a fee invoice would need its own number, run and document for a few euros). Credit the
    family holds pays it at once; beyond, the credit is negative until the family settles it
    (`fee_payment_record`) or receives credit."""
    if household.municipality_id != municipality.pk:
        raise ValidationError(_("Ce foyer n'existe pas."))
    if amount <= ZERO:
        raise ValidationError(_("Les frais doivent être d'au moins 0,01 €."))
    _lock_household(household.pk)
    return _fee_movement(
        municipality=municipality,
        household=household,
        amount_cents=-cents(amount),
        method="",
        on=charged_on,
        label=label,
        invoice=invoice,
        actor=actor,
    )


def _fees_owed_cents(municipality_id: int, household_id: int) -> int:
    """What the household owes outside its invoices: the part of a negative credit."""
    return max(-_credit_cents(municipality_id, household_id), 0)


@transaction.atomic
def fee_payment_record(
    *,
    municipality: Municipality,
    household: Household,
    amount: Decimal,
    method: str,
    received_on: date,
    reference: str,
    actor: User | None,
) -> AccountMovement:
    """The family paid fees it owed (at the office, by cheque or transfer): never more than
    what it owes outside its invoices."""
    if household.municipality_id != municipality.pk:
        raise ValidationError(_("Ce foyer n'existe pas."))
    _lock_household(household.pk)
    owed = _fees_owed_cents(municipality.pk, household.pk)
    wanted = cents(amount)
    if wanted <= 0 or wanted > owed:
        raise ValidationError(
            _("Le montant doit être compris entre 0,01 € et les frais dus (%(owed)s €).")
            % {"owed": number_format(Decimal(owed) / 100, 2)}
        )
    return _fee_movement(
        municipality=municipality,
        household=household,
        amount_cents=wanted,
        method=method,
        on=received_on,
        label=reference,
        invoice=None,
        actor=actor,
    )
