"""Writes of refunds by credit transfer. Staff decide a refund of (part of) a household's credit
(`refund_transfer_create`): billing's `account_refund_record` posts the REFUND movement once,
at that moment, so the credit cannot be spent meanwhile; the office's pending transfers then
go into one pain.001.001.03 file (`refund_file_generate`), built with sepaxml and validated
against the XSD it ships before it is kept. A generated file never changes."""

import hashlib
import uuid
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from sepaxml import SepaTransfer

from ribambelle.accounts.models import User
from ribambelle.billing.account.services import account_refund_record, cents
from ribambelle.billing.models import BillingOffice, Payment
from ribambelle.core.audit import audit_record
from ribambelle.core.crypto import secret_decrypt
from ribambelle.core.models import AuditEntry
from ribambelle.debits.models import Creditor, Mandate, RefundFile, RefundTransfer
from ribambelle.debits.rules import sepa_text
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality

SCHEMA = "pain.001.001.03"
IN_FORCE = (Mandate.Status.ACTIVE, Mandate.Status.SUSPENDED)


def _creditor_locked(office: BillingOffice) -> Creditor:
    creditor = Creditor.objects.select_for_update().filter(office=office).first()
    if creditor is None:
        raise ValidationError(_("Cette régie n'est pas configurée pour le prélèvement."))
    return creditor


@transaction.atomic
def refund_transfer_create(
    *,
    municipality: Municipality,
    office: BillingOffice,
    household: Household,
    amount: Decimal,
    actor: User | None,
) -> RefundTransfer:
    """Refund `amount` of the household's credit to the account of its mandate with the
    office (in force: active or suspended). Never more than the credit (billing refuses)."""
    if office.municipality_id != municipality.pk or household.municipality_id != municipality.pk:
        raise ValidationError(_("Ce foyer n'existe pas."))
    _creditor_locked(office)
    mandate = (
        Mandate.objects.filter(office=office, household=household, status__in=IN_FORCE)
        .order_by("-pk")
        .first()
    )
    if mandate is None:
        raise ValidationError(
            _("Ce foyer n'a pas de mandat de prélèvement : remboursez-le par chèque ou virement.")
        )
    end_to_end_id = f"REMB-{uuid.uuid4().hex[:24].upper()}"
    movement = account_refund_record(
        municipality=municipality,
        household=household,
        amount=amount,
        method=Payment.Method.TRANSFER,
        refunded_on=timezone.localdate(),
        reference=_("Virement SEPA %(reference)s") % {"reference": end_to_end_id},
        actor=actor,
    )
    transfer = RefundTransfer.objects.create(
        municipality=municipality,
        office=office,
        household=household,
        mandate=mandate,
        amount=amount,
        end_to_end_id=end_to_end_id,
        movement=movement,
        created_by=actor,
    )
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=transfer,
        household_id=household.pk,
        after={"amount": amount, "mandate": mandate.reference, "account": mandate.masked_iban},
    )
    return transfer


@transaction.atomic
def refund_file_generate(
    *, office: BillingOffice, execution_on: date | None, actor: User | None
) -> RefundFile:
    """One pain.001.001.03 file of the office's pending transfers, validated, stored; the
    transfers are then in it. Refused when nothing is pending."""
    creditor = _creditor_locked(office)
    pending = list(
        RefundTransfer.objects.filter(office=office, status=RefundTransfer.Status.PENDING)
        .select_related("mandate", "household")
        .order_by("pk")
    )
    if not pending:
        raise ValidationError(_("Aucun remboursement n'attend d'être viré."))
    number = RefundFile.objects.filter(office=office).count() + 1
    message_id = f"REMB-{office.pk:06d}-{number:06d}"
    content = pain_001(
        creditor=creditor,
        message_id=message_id,
        transfers=pending,
        execution_on=execution_on or timezone.localdate(),
    )
    total = sum((cents(transfer.amount) for transfer in pending), 0)
    digest = hashlib.sha256(content).hexdigest()
    refund_file = RefundFile(
        municipality_id=office.municipality_id,
        office=office,
        message_id=message_id,
        count=len(pending),
        total_cents=total,
        sha256=digest,
        created_by=actor,
    )
    refund_file.file.save(f"{message_id}.xml", ContentFile(content), save=False)
    refund_file.save()
    RefundTransfer.objects.filter(pk__in=[transfer.pk for transfer in pending]).update(
        status=RefundTransfer.Status.IN_FILE, file=refund_file
    )
    audit_record(
        municipality=office.municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=refund_file,
        after={"count": len(pending), "total": Decimal(total) / 100, "sha256": digest},
    )
    return refund_file


def _current_version(mandate: Mandate) -> Mandate:
    """The last version of a mandate (a change of account makes a new one)."""
    seen = 0
    while mandate.replaced_by_id is not None and seen < MAX_VERSIONS:
        mandate = Mandate.objects.get(pk=mandate.replaced_by_id)
        seen += 1
    return mandate


# Versions followed at most (a cycle is impossible, this only bounds the loop).
MAX_VERSIONS = 50


def pain_001(
    *,
    creditor: Creditor,
    message_id: str,
    transfers: list[RefundTransfer],
    execution_on: date,
) -> bytes:
    """The credit transfer file, validated against the pain.001.001.03 XSD (sepaxml raises
    when it does not validate)."""
    sepa = SepaTransfer(
        {
            "name": sepa_text(creditor.name, 70),
            "IBAN": secret_decrypt(creditor.iban),
            "BIC": creditor.bic,
            "batch": True,
            "currency": "EUR",
        },
        schema=SCHEMA,
    )
    sepa.msg_id = message_id
    header = sepa._xml.find("CstmrCdtTrfInitn/GrpHdr/MsgId")
    if header is not None:
        header.text = message_id
    for transfer in transfers:
        # The account in force now: a family that changed accounts since the refund was
        # decided is paid on the new one.
        mandate = _current_version(transfer.mandate)
        payment = {
            "name": sepa_text(mandate.debtor_name, 70),
            "IBAN": secret_decrypt(mandate.iban),
            "amount": cents(transfer.amount),
            "execution_date": execution_on,
            "description": sepa_text(
                _("Remboursement du crédit du compte famille %(reference)s")
                % {"reference": f"{transfer.household_id:06d}"},
                140,
            ),
            "endtoend_id": transfer.end_to_end_id,
        }
        if mandate.bic:
            payment["BIC"] = mandate.bic
        sepa.add_payment(payment)
    return bytes(sepa.export(validate=True))
