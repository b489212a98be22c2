"""Writes for billing: the monthly invoice run (compute drafts, recompute, issue with gapless
numbers), credit notes, manual payments, billing offices and tariffs. Each is one transaction
(a run that fails half-way leaves no partial invoice behind) and each leaves an audit entry."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.billing import hooks, rules, selectors
from ribambelle.billing.account.services import (
    account_credit_note_post,
    account_invoices_post,
    account_payment_post,
)
from ribambelle.billing.models import (
    ZERO,
    BillingOffice,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    NumberSequence,
    Payment,
    Tariff,
    TariffBracket,
)
from ribambelle.billing.payments import config as payment_config
from ribambelle.bookings.models import Activity
from ribambelle.core.audit import audit_record, audit_record_changes
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Household
from ribambelle.tenants.models import Department, Municipality

INVOICE_PREFIX = "F"
CREDIT_PREFIX = "AV"


class BillingError(Exception):
    """A refused billing action; the message is in French for the staff."""


# Monthly runs


@transaction.atomic
def invoice_run_compute(
    *, municipality: Municipality, office: BillingOffice, month: date, actor: User | None
) -> InvoiceRun:
    """Compute (or recompute) the draft invoices of a month for a billing office. An issued run
    is never recomputed. `actor` is None when the system computes (demo and bench data)."""
    start, end = rules.month_bounds(month)
    run, created = InvoiceRun.objects.select_for_update().get_or_create(
        office=office, month=start, defaults={"municipality": municipality, "created_by": actor}
    )
    if run.municipality_id != municipality.pk:
        raise BillingError(_("Cette facturation n'existe pas."))
    if run.status == InvoiceRun.Status.ISSUED:
        raise BillingError(_("Cette facturation est déjà émise : elle ne peut plus changer."))
    run.office = office  # the run's office, already read: its name labels the audit entry
    if not created:
        Invoice.objects.filter(run=run).delete()
    specs, basis = selectors.tariff_specs(office)
    count, total = 0, ZERO
    for households in selectors.household_chunks(municipality):
        days = selectors.billables(
            municipality=municipality, households=households, basis=basis, start=start, end=end
        )
        drafts: list[tuple[Invoice, list[rules.Line]]] = []
        for household in households:
            lines = rules.invoice_lines(days.get(household.pk, []), specs, household.quotient)
            if not lines:
                continue
            invoice = Invoice(
                municipality=municipality,
                office=office,
                run=run,
                household=household,
                period_start=start,
                period_end=end,
                total=rules.total_of(lines),
                household_name=household.name,
                quotient=household.quotient,
            )
            drafts.append((invoice, lines))
            count, total = count + 1, total + invoice.total
        Invoice.objects.bulk_create([invoice for invoice, _lines in drafts])
        InvoiceLine.objects.bulk_create(
            [_line_row(invoice, line) for invoice, lines in drafts for line in lines],
            batch_size=2000,
        )
    run.computed_at = timezone.now()
    run.save(update_fields=["computed_at"])
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        target=run,
        after={"office": office.name, "month": start, "invoices": count, "total": total},
    )
    return run


def _line_row(invoice: Invoice, line: rules.Line) -> InvoiceLine:
    return InvoiceLine(
        invoice=invoice,
        child_id=line.child_id,
        activity_id=line.activity_id,
        child_name=line.child_name,
        label=line.label,
        kind=InvoiceLine.Kind.SURCHARGE if line.surcharge else InvoiceLine.Kind.NORMAL,
        dates=[day.isoformat() for day in line.dates],
        quantity=line.quantity,
        unit_price=line.unit_price,
        amount=line.amount,
        pricing=line.pricing.source if line.pricing else "",
        bracket_floor=line.pricing.floor if line.pricing else None,
        bracket_ceiling=line.pricing.ceiling if line.pricing else None,
    )


def _next_numbers(municipality: Municipality, kind: str, year: int, count: int) -> range:
    """Reserve `count` consecutive numbers: the sequence row is locked until the transaction
    ends, so a concurrent run waits and continues after the last number given here."""
    # get_or_create reads the row locked; when two transactions create it at once, the second
    # one's insert fails on the unique constraint and it reads the row again, locked.
    sequence, _created = NumberSequence.objects.select_for_update().get_or_create(
        municipality=municipality, kind=kind, year=year
    )
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    return range(first, first + count)


@transaction.atomic
def invoice_run_issue(
    *, municipality: Municipality, run: InvoiceRun, actor: User | None
) -> InvoiceRun:
    """Issue every draft of the run: numbers in the order of the households' names, the
    household copied onto the invoice, then the documents and e-mails once the transaction is
    committed. The invoices are written by one set-based statement (`_issue_invoices`)."""
    run = (
        InvoiceRun.objects.select_for_update(of=("self",))
        .select_related("office")
        .get(pk=run.pk, municipality=municipality)
    )
    if run.status == InvoiceRun.Status.ISSUED:
        raise BillingError(_("Cette facturation est déjà émise."))
    today = timezone.localdate()
    count = Invoice.objects.filter(run=run).count()
    numbers = _next_numbers(municipality, NumberSequence.Kind.INVOICE, today.year, count)
    due_on = today + timedelta(days=run.office.due_days)
    if count:
        _issue_invoices(run, numbers, year=today.year, issued_on=today, due_on=due_on)
        # The households' accounts debited, and credit they hold used, in the same transaction.
        issued = list(Invoice.objects.filter(run=run))
        account_invoices_post(invoices=issued, actor=actor)
        # Direct debits scheduled (debits app) before the documents and e-mails are made.
        hooks.run_issued(run, [invoice.pk for invoice in issued])
    run.status = InvoiceRun.Status.ISSUED
    run.issued_at = timezone.now()
    run.save(update_fields=["status", "issued_at"])
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=run,
        before={"status": InvoiceRun.Status.DRAFT},
        after={
            "status": run.status,
            "invoices": count,
            "numbers": [
                rules.format_number(INVOICE_PREFIX, today.year, numbers[0]),
                rules.format_number(INVOICE_PREFIX, today.year, numbers[-1]),
            ]
            if count
            else [],
            "due_on": due_on,
        },
    )
    run_id = run.pk
    transaction.on_commit(lambda: _notify_issued(run_id))
    return run


# The number as rules.format_number writes it ("%06d": six digits at least, never cut).
_PADDED = {
    "sqlite": "printf('%%06d', {n})",
    "postgresql": "CASE WHEN {n} < 1000000 THEN lpad(({n})::text, 6, '0') ELSE ({n})::text END",
}


def _issue_invoices(
    run: InvoiceRun, numbers: range, *, year: int, issued_on: date, due_on: date
) -> None:
    """One UPDATE ... FROM for the whole run instead of a CASE WHEN per row and field: the
    position of each invoice in the households' alphabetical order (a window function) gives
    its number, and the household's name and postal address are copied in the same statement
    (as rules.postal_address writes it). The run is locked, and so is the sequence that
    reserved `numbers`: nothing else numbers or changes these drafts meanwhile."""
    vendor = connection.vendor
    if vendor not in _PADDED:
        raise NotImplementedError(f"Issuing invoices is not written for {vendor}.")
    quote = connection.ops.quote_name
    invoice = quote(Invoice._meta.db_table)
    household = quote(Household._meta.db_table)

    def column(model: Any, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    town = f"TRIM(h.{column(Household, 'postal_code')} || ' ' || h.{column(Household, 'city')})"
    sql = f"""
        UPDATE {invoice} SET
            {column(Invoice, "number")} = %s || {_PADDED[vendor].format(n="ranked.sequence")},
            {column(Invoice, "status")} = %s,
            {column(Invoice, "issued_on")} = %s,
            {column(Invoice, "due_on")} = %s,
            {column(Invoice, "household_name")} = ranked.name,
            {column(Invoice, "household_address")} = CASE
                WHEN ranked.street <> '' AND ranked.town <> ''
                    THEN ranked.street || %s || ranked.town
                WHEN ranked.street <> '' THEN ranked.street
                ELSE ranked.town
            END
        FROM (
            SELECT i.{column(Invoice, "id")} AS invoice_id,
                h.{column(Household, "name")} AS name,
                h.{column(Household, "address")} AS street,
                {town} AS town,
                %s - 1 + ROW_NUMBER() OVER (
                    ORDER BY h.{column(Household, "name")}, h.{column(Household, "id")}
                ) AS sequence
            FROM {invoice} i
            JOIN {household} h ON h.{column(Household, "id")} = i.{column(Invoice, "household")}
            WHERE i.{column(Invoice, "run")} = %s
        ) AS ranked
        WHERE {invoice}.{column(Invoice, "id")} = ranked.invoice_id
    """  # noqa: S608 - only quoted names are formatted in; the values are parameters
    prefix = rules.format_number(INVOICE_PREFIX, year, 0).removesuffix("000000")
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [prefix, Invoice.Status.ISSUED, issued_on, due_on, "\n", numbers[0], run.pk],
        )


def _notify_issued(run_id: int) -> None:
    from ribambelle.billing import tasks

    tasks.send_run_issued.enqueue(run_id)


# One invoice: credit notes and payments received by the office


@transaction.atomic
def credit_note_create(
    *,
    municipality: Municipality,
    invoice: Invoice,
    amount: Decimal,
    reason: str,
    actor: User | None,
) -> CreditNote:
    """A correction of an issued invoice, at most what is still due on it."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk, municipality=municipality)
    if invoice.status != Invoice.Status.ISSUED:
        raise ValidationError(_("Seule une facture émise peut recevoir un avoir."))
    if amount <= ZERO or amount > invoice.total - invoice.credited:
        raise ValidationError(
            _("Le montant de l'avoir doit être compris entre 0,01 € et %(max)s €.")
            % {"max": number_format(invoice.total - invoice.credited, 2)}
        )
    year = timezone.localdate().year
    [number] = _next_numbers(municipality, NumberSequence.Kind.CREDIT, year, 1)
    note = CreditNote.objects.create(
        municipality=municipality,
        invoice=invoice,
        number=rules.format_number(CREDIT_PREFIX, year, number),
        amount=amount,
        reason=reason,
        created_by=actor,
    )
    Invoice.objects.filter(pk=invoice.pk).update(credited=F("credited") + amount)
    account_credit_note_post(note=note, invoice=invoice, actor=actor)
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=note,
        household_id=invoice.household_id,
        after={"invoice": invoice.number, "amount": amount, "reason": reason},
    )
    note_id = note.pk
    transaction.on_commit(lambda: _notify_credited(note_id))
    return note


def _notify_credited(note_id: int) -> None:
    from ribambelle.billing import tasks

    tasks.store_credit_note_document.enqueue(note_id)


@transaction.atomic
def payment_record(
    *,
    municipality: Municipality,
    invoice: Invoice,
    amount: Decimal,
    method: str,
    received_on: date,
    reference: str,
    actor: User | None,
) -> Payment:
    """A payment received by the office (cheque, cash, CESU, transfer)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk, municipality=municipality)
    if invoice.status != Invoice.Status.ISSUED:
        raise ValidationError(_("Seule une facture émise peut être payée."))
    if amount <= ZERO or amount > invoice.due:
        raise ValidationError(
            _("Le montant doit être compris entre 0,01 € et le reste à payer (%(due)s €).")
            % {"due": number_format(invoice.due, 2)}
        )
    payment = Payment.objects.create(
        municipality=municipality,
        invoice=invoice,
        method=method,
        status=Payment.Status.PAID,
        amount=amount,
        received_on=received_on,
        reference=reference,
        recorded_by=actor,
    )
    Invoice.objects.filter(pk=invoice.pk).update(paid=F("paid") + amount)
    account_payment_post(payment=payment, invoice=invoice, excess=ZERO, actor=actor)
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=payment,
        household_id=invoice.household_id,
        after={"invoice": invoice.number, "amount": amount, "method": method},
    )
    return payment


# Staff settings: billing offices and tariffs


@dataclass(frozen=True)
class OfficeValues:
    """A billing office as the manager typed it, checked (OfficeForm.values())."""

    name: str
    departments: Sequence[Department]
    siret: str = ""
    due_days: int = 15
    payment_instructions: str = ""
    provider: str = ""
    provider_options: dict[str, Any] = field(default_factory=dict)


@transaction.atomic
def billing_office_save(
    *,
    municipality: Municipality,
    actor: User | None,
    office: BillingOffice | None,
    values: OfficeValues,
) -> BillingOffice:
    """Create an office (`office` None) or change one, and log what changed."""
    if any(department.municipality_id != municipality.pk for department in values.departments):
        raise BillingError(_("Ce service n'existe pas."))
    creating = office is None
    if office is None:
        office = BillingOffice(municipality=municipality)
        before: dict[str, Any] = {}
    else:
        # Read again, locked: the form's validation wrote the typed values into its instance.
        office = BillingOffice.objects.select_for_update().get(
            pk=office.pk, municipality=municipality
        )
        before = selectors.office_snapshot(office)
    office.name = values.name
    office.siret = values.siret
    office.due_days = values.due_days
    office.payment_instructions = values.payment_instructions
    refusal = payment_config.switch_refusal(office, values.provider, values.provider_options)
    if refusal:
        raise BillingError(refusal)
    saved_options = dict(office.provider_options or {})
    office.provider = values.provider
    office.provider_options = payment_config.options_encrypt(values.provider_options, saved_options)
    office.save()
    office.departments.set(values.departments)
    after = selectors.office_snapshot(office, [department.pk for department in values.departments])
    after["provider_options"] = payment_config.secrets_audited(
        saved_options, office.provider_options, after["provider_options"]
    )
    audit_record_changes(
        municipality=municipality,
        actor=actor,
        target=office,
        before=None if creating else before,
        after=after,
    )
    return office


@transaction.atomic
def billing_office_test_set(
    *, municipality: Municipality, actor: User | None, office: BillingOffice, enabled: bool
) -> BillingOffice:
    """Make an office a test office (the operator's command billing_test_office): the demo
    bank and the providers' test modes become available to it. Turned off, its test key is
    dropped (production never uses it) and an office left in a test mode takes no payment
    until a manager chooses production."""
    office = BillingOffice.objects.select_for_update().get(pk=office.pk, municipality=municipality)
    before = selectors.office_snapshot(office)
    options = dict(office.provider_options or {})
    if enabled:
        options["demo_enabled"] = True
    else:
        options.pop("demo_enabled", None)
        options.pop("secret_test", None)
        options.pop("secret_rest_test", None)
    office.provider_options = options
    office.save(update_fields=["provider_options"])
    audit_record_changes(
        municipality=municipality,
        actor=actor,
        target=office,
        before=before,
        after=selectors.office_snapshot(office),
    )
    return office


@transaction.atomic
def tariff_save(
    *,
    municipality: Municipality,
    actor: User | None,
    activity: Activity,
    basis: str,
    default_price: Decimal,
    surcharge_price: Decimal | None,
    brackets: Sequence[tuple[Decimal | None, Decimal]],
) -> Tariff:
    """Create or replace an activity's tariff and its brackets. Invoices already computed keep
    their prices: only the next computation reads the new tariff."""
    if activity.municipality_id != municipality.pk:
        raise BillingError(_("Cette activité n'existe pas."))
    found = Tariff.objects.select_for_update().filter(activity=activity).first()
    creating = found is None
    tariff = Tariff(activity=activity) if found is None else found
    before = {} if creating else selectors.tariff_snapshot(tariff)
    tariff.basis = basis
    tariff.default_price = default_price
    tariff.surcharge_price = surcharge_price
    tariff.save()
    TariffBracket.objects.filter(tariff=tariff).delete()
    TariffBracket.objects.bulk_create(
        [TariffBracket(tariff=tariff, up_to=up_to, price=price) for up_to, price in brackets]
    )
    audit_record_changes(
        municipality=municipality,
        actor=actor,
        target=tariff,
        before=None if creating else before,
        after=selectors.tariff_snapshot(tariff),
    )
    return tariff
