"""Family documents: stored privately under a random name, recorded, audited. The file is
written before the row, so a failed database write must take the file away with it."""

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from ribambelle.accounts.models import User
from ribambelle.core.audit import audit_record
from ribambelle.core.files import document_content_type, store_private_file
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import (
    ISSUED_DOCUMENT_KINDS,
    Child,
    FamilyDocument,
    Guardian,
    Household,
)

# Documents that tell something about a child's health: their reads by staff are logged.
HEALTH_KINDS = frozenset({"pai", "vaccination"})


def _audit_values(document: FamilyDocument) -> dict[str, Any]:
    return {
        "kind": document.kind,
        "name": document.name,
        "child": document.child_id,
        "guardian": document.guardian_id,
        "content_type": document.content_type,
        "size": document.size,
    }


@transaction.atomic
def document_add(
    *,
    actor: User | None,
    household: Household,
    child: Child | None = None,
    guardian: Guardian | None = None,
    kind: str,
    name: str,
    description: str,
    file: "UploadedFile[bytes]",
) -> FamilyDocument:
    """Store `file` for a child or a guardian of `household`. The type comes from the bytes
    (ValidationError otherwise), never from the sender's name or declared type; the name on
    disk is random so that nothing the family typed reaches the storage."""
    owner = child or guardian
    if owner is None or (child is not None and guardian is not None):
        raise ValueError("A document belongs to exactly one child or one guardian.")
    if owner.household_id != household.pk:
        raise ValueError("The child or guardian is not of this household.")
    content_type = document_content_type(file)
    document = FamilyDocument(
        municipality_id=household.municipality_id,
        household=household,
        child=child,
        guardian=guardian,
        kind=kind,
        name=name,
        description=description,
        content_type=content_type,
        size=file.size or 0,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    stored_name = store_private_file(document.file, file, content_type)
    try:
        with transaction.atomic():
            document.save()
            audit_record(
                municipality=household.municipality,
                actor=actor,
                action=AuditEntry.Action.UPLOAD,
                target=document,
                household_id=household.pk,
                after=_audit_values(document),
            )
    except BaseException:
        document.file.storage.delete(stored_name)
        raise
    return document


def issued_document_add(
    *,
    actor: User | None,
    household: Household,
    kind: str,
    name: str,
    version_key: str,
    content: bytes,
    child: Child | None = None,
    guardian: Guardian | None = None,
) -> FamilyDocument:
    """A PDF the municipality issues to the household (a SEPA mandate, a tax certificate),
    shown in "Mes documents". A document with the same `version_key` is a new version: the
    previous ones stay, marked replaced. The caller's transaction holds the row and the audit
    entry; the file, written first, is removed if that transaction fails here."""
    if kind not in ISSUED_DOCUMENT_KINDS:
        raise ValueError(f"{kind!r} is not a kind the municipality issues.")
    if not content.startswith(b"%PDF-"):
        raise ValueError("An issued document is a PDF.")
    for owner in (child, guardian):
        if owner is not None and owner.household_id != household.pk:
            raise ValueError("The child or guardian is not of this household.")
    document = FamilyDocument(
        municipality_id=household.municipality_id,
        household=household,
        child=child,
        guardian=guardian,
        kind=kind,
        name=name,
        content_type="application/pdf",
        size=len(content),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        issued=True,
        version_key=version_key,
    )
    stored_name = store_private_file(document.file, ContentFile(content), "application/pdf")
    try:
        with transaction.atomic():
            FamilyDocument.objects.for_household(household).filter(
                issued=True, version_key=version_key, replaced_at__isnull=True
            ).update(replaced_at=timezone.now())
            document.save()
            audit_record(
                municipality=household.municipality,
                actor=actor,
                action=AuditEntry.Action.CREATE,
                target=document,
                household_id=household.pk,
                after={**_audit_values(document), "version_key": version_key},
            )
    except BaseException:
        document.file.storage.delete(stored_name)
        raise
    return document


def document_staff_read(*, actor: User, document: FamilyDocument) -> None:
    """Staff reads of health documents (PAI, vaccinations) are logged (invariant 8)."""
    if document.kind not in HEALTH_KINDS:
        return
    audit_record(
        municipality=document.municipality,
        actor=actor,
        action=AuditEntry.Action.READ_HEALTH,
        target=document,
        household_id=document.household_id,
        after={"kind": document.kind},
    )
