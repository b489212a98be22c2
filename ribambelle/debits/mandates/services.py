"""Writes of SEPA mandates and of the creditor settings.

A mandate is signed online by a guardian (who confirmed with the password) or recorded by staff
from a signed paper form. A change of account is a new version with the same reference (RUM),
`amended` set, the previous version REPLACED and pointing to it, in one transaction. The family
revokes, staff suspend and reactivate, the daily run expires the mandates unused for 36 months.
Whenever a mandate stops being in force, its scheduled debits are cancelled so that the family
can pay those invoices another way. Every change leaves an audit entry."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.billing.models import BillingOffice, Invoice
from ribambelle.core.audit import audit_record
from ribambelle.core.crypto import secret_encrypt
from ribambelle.core.files import PDF, store_private_file
from ribambelle.core.models import AuditEntry
from ribambelle.debits import rules
from ribambelle.debits.mandates import documents
from ribambelle.debits.mandates.tasks import send_mandate_signed
from ribambelle.debits.models import Creditor, Debit, Mandate
from ribambelle.families.models import DocumentKind, Household
from ribambelle.families.services.documents import issued_document_add
from ribambelle.tenants.models import Municipality

IN_FORCE = (Mandate.Status.ACTIVE, Mandate.Status.SUSPENDED)
# A mandate unused for 36 months lapses (SEPA Core rulebook).
EXPIRY_MONTHS = 36
RUM_ATTEMPTS = 20


class MandateError(ValidationError):
    """A refused change of a mandate, with the French message to show."""


@dataclass(frozen=True)
class CreditorValues:
    name: str
    ics: str
    iban: str  # "" keeps the saved one
    bic: str
    collection_day: int
    return_fee: Decimal
    returns_before_suspension: int


@dataclass(frozen=True)
class MandateValues:
    """What the debtor gives (cleaned by debits.rules through the forms)."""

    debtor_name: str
    iban: str
    bic: str
    signed_at: str


def _creditor_audit(creditor: Creditor) -> dict[str, Any]:
    return {
        "name": creditor.name,
        "ics": creditor.ics,
        "iban": f"•••• {creditor.iban_last4}" if creditor.iban_last4 else "",
        "bic": creditor.bic,
        "collection_day": creditor.collection_day,
        "return_fee": creditor.return_fee,
        "returns_before_suspension": creditor.returns_before_suspension,
    }


def _mandate_audit(mandate: Mandate) -> dict[str, Any]:
    return {
        "office": mandate.office_id,
        "reference": mandate.reference,
        "version": mandate.version,
        "status": mandate.status,
        "origin": mandate.origin,
        "debtor_name": mandate.debtor_name,
        "iban": mandate.masked_iban,
        "bic": mandate.bic,
        "signed_on": mandate.signed_on,
        "signed_at": mandate.signed_at,
        "end_reason": mandate.end_reason,
    }


def _audit(mandate: Mandate, actor: Any, action: str, before: dict[str, Any] | None) -> None:
    audit_record(
        municipality=mandate.municipality,
        actor=actor,
        action=action,
        target=mandate,
        household_id=mandate.household_id,
        before=before,
        after=_mandate_audit(mandate),
    )


@transaction.atomic
def creditor_save(
    *,
    municipality: Municipality,
    actor: User,
    office: BillingOffice,
    values: CreditorValues,
) -> Creditor:
    """The SEPA settings of `office` (created on first save). An empty IBAN keeps the saved
    one; the IBAN is stored encrypted and never read back to a page."""
    if office.municipality_id != municipality.pk:
        raise ValueError("The office is not of this municipality.")
    creditor = Creditor.objects.select_for_update().filter(office=office).first()
    before = _creditor_audit(creditor) if creditor is not None else None
    if creditor is None:
        if not values.iban:
            raise MandateError(_("Saisissez l'IBAN du compte de la régie."))
        creditor = Creditor(municipality=municipality, office=office)
    creditor.name = values.name
    creditor.ics = rules.ics_clean(values.ics)
    if values.iban:
        iban = rules.iban_clean(values.iban)
        creditor.iban = secret_encrypt(iban)
        creditor.iban_last4 = iban[-4:]
    creditor.bic = rules.bic_clean(values.bic)
    creditor.collection_day = values.collection_day
    creditor.return_fee = values.return_fee
    creditor.returns_before_suspension = values.returns_before_suspension
    creditor.save()
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
        target=creditor,
        before=before,
        after=_creditor_audit(creditor),
    )
    return creditor


def _locked_creditor(office: BillingOffice) -> Creditor:
    creditor = Creditor.objects.select_for_update().select_related("office__municipality")
    found = creditor.filter(office=office).first()
    if found is None:
        raise MandateError(_("Cette régie ne propose pas le prélèvement."))
    return found


def _rum_unused(office: BillingOffice, household: Household) -> str:
    for _attempt in range(RUM_ATTEMPTS):
        rum = rules.rum_generate(office.pk, household.pk)
        if not Mandate.objects.filter(office=office, reference__iexact=rum).exists():
            return rum
    raise RuntimeError("No free mandate reference after many draws.")


def _check_none_in_force(office: BillingOffice, household: Household) -> None:
    if Mandate.objects.filter(office=office, household=household, status__in=IN_FORCE).exists():
        raise MandateError(
            _(
                "Ce foyer a déjà un mandat en vigueur pour cette régie : changez son compte ou "
                "révoquez-le d'abord."
            )
        )


def _with_account(mandate: Mandate, values: MandateValues) -> None:
    iban = rules.iban_clean(values.iban)
    mandate.debtor_name = values.debtor_name
    mandate.iban = secret_encrypt(iban)
    mandate.iban_country, mandate.iban_last4 = rules.iban_parts(iban)
    mandate.bic = rules.bic_clean(values.bic, required=rules.bic_needed(iban))
    mandate.signed_at = values.signed_at


def _save_new(mandate: Mandate) -> None:
    try:
        with transaction.atomic():
            mandate.save(force_insert=True)
    except IntegrityError as error:
        raise MandateError(
            _(
                "Un autre mandat vient d'être enregistré pour ce foyer et cette régie : "
                "rechargez la page."
            )
        ) from error


def _publish(creditor: Creditor, mandate: Mandate, actor: Any) -> None:
    """The PDF of an online mandate: kept with the mandate, put in "Mes documents" (a new
    version replaces the previous one there) and e-mailed once the transaction commits."""
    content = documents.mandate_pdf(creditor, mandate)
    stored = store_private_file(mandate.document, ContentFile(content), PDF)
    try:
        mandate.save(update_fields=["document"])
        issued_document_add(
            actor=actor,
            household=mandate.household,
            kind=DocumentKind.MANDATE,
            name=_("Mandat de prélèvement SEPA – %(office)s") % {"office": creditor.office.name},
            version_key=f"mandate-{mandate.office_id}-{mandate.reference}",
            content=content,
        )
    except BaseException:
        mandate.document.storage.delete(stored)
        raise
    mandate_id = mandate.pk
    transaction.on_commit(lambda: send_mandate_signed.enqueue(mandate_id))


@transaction.atomic
def mandate_sign(
    *, household: Household, office: BillingOffice, actor: User, values: MandateValues
) -> Mandate:
    """A mandate signed online by a guardian of `household` (the view checked the password)."""
    creditor = _locked_creditor(office)
    if office.municipality_id != household.municipality_id:
        raise ValueError("The office is not of the household's municipality.")
    _check_none_in_force(office, household)
    mandate = Mandate(
        municipality_id=household.municipality_id,
        office=office,
        household=household,
        reference=_rum_unused(office, household),
        origin=Mandate.Origin.ONLINE,
        signed_on=timezone.localdate(),
        signed_by=actor,
    )
    _with_account(mandate, values)
    _save_new(mandate)
    _audit(mandate, actor, AuditEntry.Action.CREATE, None)
    _publish(creditor, mandate, actor)
    return mandate


@transaction.atomic
def mandate_amend(*, mandate: Mandate, actor: User, values: MandateValues) -> Mandate:
    """A change of account signed online: a new version of the same RUM, `amended`, in force
    with the status of the previous one; the previous version REPLACED and pointing to it."""
    creditor = _locked_creditor(mandate.office)
    previous = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if previous.status not in IN_FORCE:
        raise MandateError(_("Ce mandat n'est plus en vigueur : signez-en un nouveau."))
    before = _mandate_audit(previous)
    status = previous.status
    previous.status = Mandate.Status.REPLACED
    previous.ended_at = timezone.now()
    previous.end_reason = _("Changement de compte")
    previous.save(update_fields=["status", "ended_at", "end_reason"])
    new = Mandate(
        municipality_id=previous.municipality_id,
        office_id=previous.office_id,
        household_id=previous.household_id,
        reference=previous.reference,
        version=previous.version + 1,
        amended=True,
        status=status,
        origin=Mandate.Origin.ONLINE,
        signed_on=timezone.localdate(),
        signed_by=actor,
        # Not collected yet: its first debit carries the amendment (AmdmntInd, the previous
        # account or SMNDA), read from the previous version's collections.
        returns=previous.returns,
    )
    _with_account(new, values)
    _save_new(new)
    previous.replaced_by = new
    previous.save(update_fields=["replaced_by"])
    _debits_move(previous, new)
    _audit(previous, actor, AuditEntry.Action.UPDATE, before)
    _audit(new, actor, AuditEntry.Action.CREATE, None)
    _publish(creditor, new, actor)
    return new


def _debits_move(previous: Mandate, new: Mandate) -> None:
    """The debits not yet sent are collected on the new account: they follow the new version,
    and their invoices name it."""
    scheduled = Debit.objects.filter(
        mandate=previous, status=Debit.Status.SCHEDULED, batch__isnull=True
    )
    invoice_ids = list(scheduled.values_list("invoice_id", flat=True))
    scheduled.update(mandate=new)
    if invoice_ids:
        Invoice.objects.filter(pk__in=invoice_ids, collection=Invoice.Collection.DEBIT).update(
            collection_detail=new.masked_iban
        )


def _end(mandate: Mandate, status: str, reason: str) -> None:
    mandate.status = status
    mandate.ended_at = timezone.now()
    mandate.end_reason = reason[:250]
    mandate.save(update_fields=["status", "ended_at", "end_reason"])
    debits_cancel_for_mandate(mandate=mandate)


@transaction.atomic
def mandate_revoke(*, mandate: Mandate, actor: User, reason: str = "") -> Mandate:
    """The family withdraws its consent: no debit is sent any more; the invoices it would
    have collected are to be paid another way."""
    locked = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if locked.status not in IN_FORCE:
        raise MandateError(_("Ce mandat n'est déjà plus en vigueur."))
    before = _mandate_audit(locked)
    _end(locked, Mandate.Status.REVOKED, reason or _("Révoqué par la famille"))
    _audit(locked, actor, AuditEntry.Action.UPDATE, before)
    return locked


def _staff_mandate(municipality: Municipality, mandate: Mandate) -> Mandate:
    if mandate.municipality_id != municipality.pk:
        raise ValueError("The mandate is not of this municipality.")
    return Mandate.objects.select_for_update().get(pk=mandate.pk)


@transaction.atomic
def mandate_suspend(
    *, municipality: Municipality, mandate: Mandate, actor: User, reason: str = ""
) -> Mandate:
    """Staff stop collecting on the mandate for now (it stays in force, the family keeps it)."""
    locked = _staff_mandate(municipality, mandate)
    if locked.status != Mandate.Status.ACTIVE:
        raise MandateError(_("Seul un mandat actif peut être suspendu."))
    before = _mandate_audit(locked)
    locked.status = Mandate.Status.SUSPENDED
    locked.end_reason = (reason or _("Suspendu par la régie"))[:250]
    locked.save(update_fields=["status", "end_reason"])
    debits_cancel_for_mandate(mandate=locked)
    _audit(locked, actor, AuditEntry.Action.OVERRIDE, before)
    return locked


@transaction.atomic
def mandate_reactivate(*, municipality: Municipality, mandate: Mandate, actor: User) -> Mandate:
    locked = _staff_mandate(municipality, mandate)
    if locked.status != Mandate.Status.SUSPENDED:
        raise MandateError(_("Seul un mandat suspendu peut être réactivé."))
    before = _mandate_audit(locked)
    locked.status = Mandate.Status.ACTIVE
    locked.end_reason = ""
    locked.returns = 0
    locked.save(update_fields=["status", "end_reason", "returns"])
    _audit(locked, actor, AuditEntry.Action.OVERRIDE, before)
    return locked


@transaction.atomic
def mandate_paper_record(
    *,
    municipality: Municipality,
    household: Household,
    office: BillingOffice,
    actor: User,
    values: MandateValues,
    signed_on: date,
    reference: str,
    scan: File[Any],
    content_type: str,
) -> Mandate:
    """A mandate the family signed on paper, recorded by staff with the scan of the form.
    `reference`: the RUM printed on the form, or "" to draw one."""
    if household.municipality_id != municipality.pk or office.municipality_id != municipality.pk:
        raise ValueError("The household or office is not of this municipality.")
    _locked_creditor(office)
    _check_none_in_force(office, household)
    if reference:
        reference = rules.rum_clean(reference)
        if Mandate.objects.filter(office=office, reference__iexact=reference).exists():
            raise MandateError(
                _("Cette référence de mandat (RUM) est déjà utilisée pour cette régie.")
            )
    mandate = Mandate(
        municipality=municipality,
        office=office,
        household=household,
        reference=reference or _rum_unused(office, household),
        origin=Mandate.Origin.PAPER,
        signed_on=signed_on,
    )
    _with_account(mandate, values)
    stored = store_private_file(mandate.document, scan, content_type)
    try:
        _save_new(mandate)
        _audit(mandate, actor, AuditEntry.Action.CREATE, None)
    except BaseException:
        mandate.document.storage.delete(stored)
        raise
    return mandate


def expiry_date(mandate: Mandate) -> date:
    """The day a mandate lapses when nothing is collected before."""
    last = mandate.last_collected_on or mandate.signed_on
    return rules.months_later(last, EXPIRY_MONTHS)


@transaction.atomic
def mandates_expire(*, today: date | None = None) -> int:
    """The daily run: mandates in force with no collection for 36 months (or never used for
    36 months after signing) become EXPIRED. Returns how many."""
    today = today or timezone.localdate()
    limit = rules.months_later(today, -EXPIRY_MONTHS)
    stale = (
        Mandate.objects.select_for_update()
        .select_related("municipality")
        .filter(status__in=IN_FORCE)
        .filter(
            Q(last_collected_on__lte=limit)
            | Q(last_collected_on__isnull=True, signed_on__lte=limit)
        )
        .order_by("pk")
    )
    count = 0
    for mandate in stale:
        before = _mandate_audit(mandate)
        _end(mandate, Mandate.Status.EXPIRED, _("Aucun prélèvement depuis 36 mois"))
        _audit(mandate, None, AuditEntry.Action.UPDATE, before)
        count += 1
    return count


def debits_cancel_for_mandate(*, mandate: Mandate) -> int:
    """The debits of `mandate` not yet sent to the bank are cancelled and their invoices no
    longer say "sera prélevée": the family may pay them online again. Runs inside the caller's
    transaction; returns how many debits were cancelled."""
    with transaction.atomic():
        scheduled = Debit.objects.select_for_update().filter(
            mandate=mandate, status=Debit.Status.SCHEDULED, batch__isnull=True
        )
        invoice_ids = list(scheduled.values_list("invoice_id", flat=True))
        count = scheduled.update(status=Debit.Status.CANCELLED)
        if invoice_ids:
            Invoice.objects.filter(pk__in=invoice_ids, collection=Invoice.Collection.DEBIT).update(
                collection="", collection_on=None, collection_detail=""
            )
    return count
