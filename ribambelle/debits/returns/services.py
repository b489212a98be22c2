"""Writes of returned debits: the import of a bank file and the staff's manual entry. A return
undoes the payment the debit had recorded (billing's `payment_return`), charges the
creditor's return fee on the family account (`fee_charge`), gives the invoice back its "Payer"
and counts against the mandate, suspended after the creditor's number of returns. Each import
is one transaction under the creditor's lock: the same file (same digest) imported again, or a
return already recorded, changes nothing."""

import hashlib
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.billing.account.services import fee_charge, payment_return
from ribambelle.billing.models import ZERO, BillingOffice, Invoice
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.debits.models import Creditor, Debit, DebitReturn, Mandate, ReturnFile
from ribambelle.debits.returns import parsers
from ribambelle.debits.returns.reasons import REASONS, is_chargeable, reason_label
from ribambelle.tenants.models import Municipality


@dataclass
class ImportResult:
    """What an import did, for the staff's summary."""

    file: ReturnFile | None
    already_imported: bool = False
    returned: list[DebitReturn] = field(default_factory=list)
    # Returns recorded before (by another file or by hand).
    known: list[str] = field(default_factory=list)
    # End-to-end ids of no debit sent by this office: told to staff, not an error.
    unknown: list[str] = field(default_factory=list)
    # Whole files or payment groups the bank refused (pain.002): told to staff.
    refused: list[str] = field(default_factory=list)


def _creditor_locked(office: BillingOffice) -> Creditor:
    creditor = Creditor.objects.select_for_update().filter(office=office).first()
    if creditor is None:
        raise ValidationError(_("Cette régie n'est pas configurée pour le prélèvement."))
    return creditor


@transaction.atomic
def returns_import(
    *, office: BillingOffice, uploaded_file: File[bytes], actor: User | None
) -> ImportResult:
    """Import a camt.054 or pain.002 file of the office's bank. Unreadable or unknown files
    are refused with a French message (nothing is kept)."""
    creditor = _creditor_locked(office)
    content = uploaded_file.read(parsers.MAX_BYTES + 1)
    digest = hashlib.sha256(content).hexdigest()
    known_file = ReturnFile.objects.filter(office=office, sha256=digest).first()
    if known_file is not None:
        return ImportResult(file=known_file, already_imported=True)
    try:
        parsed = parsers.parse(content)
    except parsers.ReturnFileError as error:
        raise ValidationError(str(error)) from error
    source = ReturnFile(
        municipality_id=office.municipality_id,
        office=office,
        kind=parsed.kind,
        sha256=digest,
        imported_by=actor,
    )
    source.file.save(f"{parsed.kind}-{digest[:16]}.xml", ContentFile(content), save=False)
    source.save()
    result = ImportResult(file=source, refused=parsed.refused)
    debits = {
        debit.end_to_end_id: debit
        for debit in Debit.objects.filter(
            municipality_id=office.municipality_id,
            mandate__office=office,
            end_to_end_id__in={item.end_to_end_id for item in parsed.items},
        )
    }
    for item in parsed.items:
        debit = debits.get(item.end_to_end_id)
        if debit is None or debit.status not in (Debit.Status.SENT, Debit.Status.RETURNED):
            result.unknown.append(item.end_to_end_id)
            continue
        recorded = _debit_return(
            creditor=creditor,
            debit=debit,
            reason_code=item.reason_code,
            returned_on=item.returned_on,
            source=source,
            actor=actor,
        )
        if recorded is None:
            result.known.append(item.end_to_end_id)
        else:
            result.returned.append(recorded)
    audit_record(
        municipality=office.municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=source,
        after={
            "kind": parsed.kind,
            "sha256": digest,
            "returned": [r.debit.end_to_end_id for r in result.returned],
            "known": result.known,
            "unknown": result.unknown,
            "refused": result.refused,
        },
    )
    return result


@transaction.atomic
def debit_return_record(
    *,
    municipality: Municipality,
    debit: Debit,
    reason_code: str,
    returned_on: date,
    actor: User | None,
) -> DebitReturn:
    """Staff type a return the bank told them about (letter, statement line)."""
    if debit.municipality_id != municipality.pk:
        raise ValidationError(_("Ce prélèvement n'existe pas."))
    if reason_code not in REASONS:
        raise ValidationError(_("Choisissez un motif de rejet de la liste."))
    if returned_on > timezone.localdate():
        raise ValidationError(_("La date du rejet ne peut pas être dans le futur."))
    office = BillingOffice.objects.get(pk=debit.mandate.office_id)
    creditor = _creditor_locked(office)
    recorded = _debit_return(
        creditor=creditor,
        debit=debit,
        reason_code=reason_code,
        returned_on=returned_on,
        source=None,
        actor=actor,
    )
    if recorded is None:
        raise ValidationError(_("Ce prélèvement n'est pas en cours : il ne peut pas être rejeté."))
    return recorded


def _debit_return(
    *,
    creditor: Creditor,
    debit: Debit,
    reason_code: str,
    returned_on: date,
    source: ReturnFile | None,
    actor: User | None,
) -> DebitReturn | None:
    """Record one return (the caller holds the creditor's lock); None when the debit is not
    sent any more (already returned, or never sent)."""
    debit = Debit.objects.select_for_update().select_related("invoice").get(pk=debit.pk)
    if debit.status != Debit.Status.SENT:
        return None
    invoice = debit.invoice
    debit.status = Debit.Status.RETURNED
    debit.save(update_fields=["status"])
    chargeable = is_chargeable(reason_code)
    fee = creditor.return_fee if chargeable else ZERO
    record = DebitReturn.objects.create(
        municipality_id=debit.municipality_id,
        debit=debit,
        reason_code=reason_code,
        returned_on=returned_on,
        fee=fee,
        source=source,
        created_by=actor,
    )
    label = reason_label(reason_code)[:250]
    if debit.payment is not None:
        payment_return(payment=debit.payment, returned_on=returned_on, label=label, actor=actor)
    if fee > ZERO:
        fee_charge(
            municipality=invoice.municipality,
            household=invoice.household,
            amount=fee,
            charged_on=returned_on,
            label=label,
            invoice=invoice,
            actor=actor,
        )
    _collection_reset([invoice.pk])
    _first_debit_undone(debit)
    suspended = chargeable and _mandate_count_return(creditor, debit.mandate_id, actor)
    audit_record(
        municipality=invoice.municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=record,
        household_id=invoice.household_id,
        after={
            "debit": debit.end_to_end_id,
            "invoice": invoice.number,
            "reason": reason_code,
            "returned_on": returned_on,
            "fee": fee,
            "mandate_suspended": suspended,
        },
    )
    record_id = record.pk
    transaction.on_commit(lambda: _notify_returned(record_id))
    return record


def _first_debit_undone(debit: Debit) -> None:
    """A first debit (FRST) that came back collected nothing: the mandate's next debit is a
    first one again, unless another of its debits went through."""
    if debit.sequence != Debit.Sequence.FIRST:
        return
    went_through = Debit.objects.filter(mandate_id=debit.mandate_id, status=Debit.Status.SENT)
    if not went_through.exists():
        Mandate.objects.filter(pk=debit.mandate_id).update(last_collected_on=None)


def _collection_reset(invoice_ids: list[int]) -> None:
    """The invoices are to be paid again by the family: "Payer" comes back."""
    Invoice.objects.filter(pk__in=invoice_ids).update(
        collection=Invoice.Collection.NONE, collection_on=None, collection_detail=""
    )


def _mandate_count_return(creditor: Creditor, mandate_id: int, actor: User | None) -> bool:
    """One more return on the mandate; at the creditor's number it is suspended and its
    scheduled debits cancelled (their invoices back to "à payer"). True when suspended now."""
    mandate = Mandate.objects.select_for_update().get(pk=mandate_id)
    mandate.returns += 1
    fields = ["returns"]
    suspend = (
        mandate.returns >= creditor.returns_before_suspension
        and mandate.status == Mandate.Status.ACTIVE
    )
    if suspend:
        mandate.status = Mandate.Status.SUSPENDED
        mandate.end_reason = _("Suspendu après %(count)s prélèvements rejetés.") % {
            "count": mandate.returns
        }
        fields += ["status", "end_reason"]
    mandate.save(update_fields=fields)
    if suspend:
        scheduled = Debit.objects.filter(mandate=mandate, status=Debit.Status.SCHEDULED)
        invoice_ids = list(scheduled.values_list("invoice_id", flat=True))
        scheduled.update(status=Debit.Status.CANCELLED)
        _collection_reset(invoice_ids)
        audit_record(
            municipality=mandate.municipality,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            target=mandate,
            household_id=mandate.household_id,
            before={"status": Mandate.Status.ACTIVE},
            after={
                "status": mandate.status,
                "returns": mandate.returns,
                "cancelled_debits": len(invoice_ids),
            },
        )
    return suspend


def _notify_returned(record_id: int) -> None:
    from ribambelle.debits.returns import tasks

    tasks.send_debit_returned.enqueue(record_id)
