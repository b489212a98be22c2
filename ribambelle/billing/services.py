"""Writes for billing: the monthly invoice run (compute drafts, recompute, issue with gapless
numbers), credit notes and manual payments. Each is one transaction: a run that fails half-way
leaves no partial invoice behind."""

import calendar
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ribambelle.billing import rules
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
)
from ribambelle.bookings import selectors as booking_selectors
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality

HOUSEHOLDS_PER_CHUNK = 500
INVOICE_PREFIX = "F"
CREDIT_PREFIX = "AV"


class BillingError(Exception):
    """A refused billing action; the message is in French for the staff."""


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def tariff_specs(office: BillingOffice) -> tuple[dict[int, rules.TariffSpec], dict[int, str]]:
    """The office's activities that have a tariff: their specs and what each bills on."""
    tariffs = (
        Tariff.objects.filter(activity__department__billing_offices=office)
        .select_related("activity")
        .prefetch_related("brackets")
    )
    specs, basis = {}, {}
    for tariff in tariffs:
        specs[tariff.activity_id] = rules.TariffSpec(
            activity_id=tariff.activity_id,
            label=tariff.activity.name,
            default_price=tariff.default_price,
            brackets=tuple((b.up_to, b.price) for b in tariff.brackets.all()),
            surcharge_price=tariff.surcharge_price,
        )
        basis[tariff.activity_id] = tariff.basis
    return specs, basis


def _household_chunks(municipality: Municipality) -> Iterator[list[Household]]:
    """Households in chunks, so that memory stays bounded whatever their number."""
    last = 0
    while True:
        chunk = list(
            Household.objects.for_municipality(municipality)
            .filter(pk__gt=last)
            .exclude(status=Household.Status.REFUSED)
            .order_by("pk")
            .only("pk", "name", "quotient")[:HOUSEHOLDS_PER_CHUNK]
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def _billables(
    municipality: Municipality,
    households: list[Household],
    basis: dict[int, str],
    start: date,
    end: date,
) -> dict[int, list[rules.Billable]]:
    """Household id -> its billable days: bookings for activities billed on bookings, present
    days for those billed on attendance (two queries per chunk)."""
    found: dict[int, list[rules.Billable]] = defaultdict(list)
    for row in booking_selectors.billable_days(
        municipality=municipality,
        household_ids=[h.pk for h in households],
        start=start,
        end=end,
        booked_activity_ids=[a for a, b in basis.items() if b == Tariff.Basis.BOOKINGS],
        attended_activity_ids=[a for a, b in basis.items() if b == Tariff.Basis.ATTENDANCE],
    ):
        found[row.household_id].append(
            rules.Billable(row.child_id, row.child_name, row.activity_id, row.day, row.unplanned)
        )
    return found


@transaction.atomic
def run_compute(
    *, municipality: Municipality, office: BillingOffice, month: date, actor
) -> InvoiceRun:
    """Compute (or recompute) the draft invoices of a month for a billing office. An issued run
    is never recomputed."""
    start, end = month_bounds(month)
    run, _created = InvoiceRun.objects.select_for_update().get_or_create(
        office=office, month=start, defaults={"municipality": municipality, "created_by": actor}
    )
    if run.municipality_id != municipality.pk:
        raise BillingError(_("Cette facturation n'existe pas."))
    if run.status == InvoiceRun.Status.ISSUED:
        raise BillingError(_("Cette facturation est déjà émise : elle ne peut plus changer."))
    Invoice.objects.filter(run=run).delete()
    specs, basis = tariff_specs(office)
    for households in _household_chunks(municipality):
        billables = _billables(municipality, households, basis, start, end)
        drafts: list[tuple[Invoice, list[rules.Line]]] = []
        for household in households:
            lines = rules.invoice_lines(billables.get(household.pk, []), specs, household.quotient)
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
        Invoice.objects.bulk_create([invoice for invoice, _lines in drafts])
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
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
                for invoice, lines in drafts
                for line in lines
            ],
            batch_size=2000,
        )
    run.computed_at = timezone.now()
    run.save(update_fields=["computed_at"])
    return run


def _next_numbers(municipality: Municipality, kind: str, year: int, count: int) -> range:
    """Reserve `count` consecutive numbers: the sequence row is locked until the transaction
    ends, so a concurrent run waits and continues after the last number given here."""
    NumberSequence.objects.get_or_create(municipality=municipality, kind=kind, year=year)
    sequence = NumberSequence.objects.select_for_update().get(
        municipality=municipality, kind=kind, year=year
    )
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    return range(first, first + count)


def _address(household: Household) -> str:
    return "\n".join(
        part
        for part in (household.address, f"{household.postal_code} {household.city}".strip())
        if part
    )


@transaction.atomic
def run_issue(*, municipality: Municipality, run: InvoiceRun, actor) -> InvoiceRun:
    """Issue every draft of the run: numbers in the order of the households' names, the
    household copied onto the invoice, then e-mails once the transaction is committed."""
    run = InvoiceRun.objects.select_for_update().get(pk=run.pk, municipality=municipality)
    if run.status == InvoiceRun.Status.ISSUED:
        raise BillingError(_("Cette facturation est déjà émise."))
    today = timezone.localdate()
    invoices = list(
        Invoice.objects.filter(run=run)
        .select_related("household")
        .order_by("household__name", "household_id")
    )
    numbers = _next_numbers(municipality, NumberSequence.Kind.INVOICE, today.year, len(invoices))
    due_on = today + timedelta(days=run.office.due_days)
    for invoice, number in zip(invoices, numbers, strict=True):
        household = invoice.household
        invoice.number = rules.format_number(INVOICE_PREFIX, today.year, number)
        invoice.status = Invoice.Status.ISSUED
        invoice.issued_on = today
        invoice.due_on = due_on
        invoice.household_name = household.name
        invoice.household_address = _address(household)
    # The quotient stays the one the lines were priced with when the run was computed.
    Invoice.objects.bulk_update(
        invoices,
        ["number", "status", "issued_on", "due_on", "household_name", "household_address"],
        batch_size=1000,
    )
    run.status = InvoiceRun.Status.ISSUED
    run.issued_at = timezone.now()
    run.save(update_fields=["status", "issued_at"])
    ids = [invoice.pk for invoice in invoices]
    transaction.on_commit(lambda: _notify_issued(ids))
    return run


def _notify_issued(invoice_ids: list[int]) -> None:
    from ribambelle.billing import tasks

    for invoice_id in invoice_ids:
        tasks.send_invoice_issued.enqueue(invoice_id)


@transaction.atomic
def credit_note_create(
    *, municipality: Municipality, invoice: Invoice, amount: Decimal, reason: str, actor
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
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=note,
        household_id=invoice.household_id,
        after={"invoice": invoice.number, "amount": amount, "reason": reason},
    )
    return note


@transaction.atomic
def payment_record(
    *,
    municipality: Municipality,
    invoice: Invoice,
    amount: Decimal,
    method: str,
    received_on: date,
    reference: str,
    actor,
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
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=payment,
        household_id=invoice.household_id,
        after={"invoice": invoice.number, "amount": amount, "method": method},
    )
    return payment


# Staff settings: billing offices and tariffs.


def _office_values(office: BillingOffice) -> dict:
    return {
        "name": office.name,
        "siret": office.siret,
        "departments": sorted(office.departments.values_list("pk", flat=True)) if office.pk else [],
        "due_days": office.due_days,
        "payment_instructions": office.payment_instructions,
        "provider": office.provider,
        # Secrets are logged as "set", never their value.
        "provider_options": {
            key: ("***" if key.startswith("secret") and value else value)
            for key, value in sorted((office.provider_options or {}).items())
        },
    }


def office_snapshot(office: BillingOffice) -> dict:
    """Taken before the form validates: validation writes the typed values into the instance."""
    return _office_values(office)


@transaction.atomic
def office_save(*, municipality: Municipality, actor, form, before: dict) -> BillingOffice:
    """Save a valid billing office form and log what changed."""
    creating = form.instance.pk is None
    office = form.save(commit=False)
    office.municipality = municipality
    office.save()
    form.save_m2m()
    after = _office_values(office)
    changed = [name for name in after if before.get(name) != after[name]]
    if creating or changed:
        audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
            target=office,
            before={} if creating else {name: before.get(name) for name in changed},
            after=after if creating else {name: after[name] for name in changed},
        )
    return office


def tariff_snapshot(tariff: Tariff) -> dict:
    return {
        "basis": tariff.basis,
        "default_price": tariff.default_price,
        "surcharge_price": tariff.surcharge_price,
        "brackets": [[b.up_to, b.price] for b in tariff.brackets.all()] if tariff.pk else [],
    }


@transaction.atomic
def tariff_save(
    *,
    municipality: Municipality,
    actor,
    activity,
    basis: str,
    default_price: Decimal,
    surcharge_price: Decimal | None,
    brackets: list[tuple[Decimal | None, Decimal]],
) -> Tariff:
    """Create or replace an activity's tariff and its brackets. Invoices already computed keep
    their prices: only the next computation reads the new tariff."""
    from ribambelle.billing.models import TariffBracket

    if activity.municipality_id != municipality.pk:
        raise BillingError(_("Cette activité n'existe pas."))
    tariff = Tariff.objects.select_for_update().filter(activity=activity).first()
    creating = tariff is None
    before = {} if creating else tariff_snapshot(tariff)
    if creating:
        tariff = Tariff(activity=activity)
    tariff.basis = basis
    tariff.default_price = default_price
    tariff.surcharge_price = surcharge_price
    tariff.save()
    TariffBracket.objects.filter(tariff=tariff).delete()
    TariffBracket.objects.bulk_create(
        [TariffBracket(tariff=tariff, up_to=up_to, price=price) for up_to, price in brackets]
    )
    after = tariff_snapshot(tariff)
    changed = [name for name in after if before.get(name) != after[name]]
    if creating or changed:
        audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
            target=tariff,
            before={} if creating else {name: before.get(name) for name in changed},
            after=after if creating else {name: after[name] for name in changed},
        )
    return tariff
