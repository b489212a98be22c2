"""Writes of published documents. Files are checked by their bytes and stored privately under
a random name (invariant 6); staff changes are audited (invariant 8). The file is written
before the row, so a failed database write takes the file away with it."""

import datetime

from django.core.files import File
from django.db import transaction

from ribambelle.accounts.models import User
from ribambelle.bookings.models import Activity
from ribambelle.core.audit import audit_record
from ribambelle.core.files import document_content_type, store_private_file
from ribambelle.core.models import AuditEntry
from ribambelle.documents.models import Audience, Category, Document, ReadReceipt
from ribambelle.families.models import Household
from ribambelle.tenants.models import Department, Municipality


def _audit_values(document: Document) -> dict[str, object]:
    return {
        "title": document.title,
        "category": document.category_id,
        "audience": document.audience,
        "department": document.department_id,
        "activity": document.activity_id,
        "school": document.school,
        "published_on": document.published_on,
        "ends_on": document.ends_on,
        "content_type": document.content_type,
        "size": document.size,
    }


@transaction.atomic
def document_publish(
    *,
    actor: User | None,
    municipality: Municipality,
    category: Category,
    title: str,
    file: "File[bytes]",
    published_on: datetime.date,
    ends_on: datetime.date | None = None,
    audience: str = Audience.ALL,
    department: Department | None = None,
    activity: Activity | None = None,
    school: str = "",
) -> Document:
    """Publish `file` (PDF, JPEG or PNG by its bytes; ValidationError otherwise). Only the
    target that matches the audience is kept. `actor` is None only for documents the system
    loads (the demo)."""
    if category.municipality_id != municipality.pk:
        raise ValueError("The category is not of this municipality.")
    for target in (department, activity):
        if target is not None and target.municipality_id != municipality.pk:
            raise ValueError("The audience is not of this municipality.")
    content_type = document_content_type(file)
    document = Document(
        municipality=municipality,
        category=category,
        title=title,
        original_name=(getattr(file, "name", "") or "")[:255],
        content_type=content_type,
        size=file.size,
        published_on=published_on,
        ends_on=ends_on,
        audience=audience,
        department=department if audience == Audience.DEPARTMENT else None,
        activity=activity if audience == Audience.ACTIVITY else None,
        school=school.strip() if audience == Audience.SCHOOL else "",
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    stored_name = store_private_file(document.file, file, content_type)
    try:
        with transaction.atomic():
            document.save()
            audit_record(
                municipality=municipality,
                actor=actor,
                action=AuditEntry.Action.CREATE,
                target=document,
                after=_audit_values(document),
            )
    except BaseException:
        document.file.storage.delete(stored_name)
        raise
    return document


@transaction.atomic
def document_withdraw(*, actor: User, document: Document) -> None:
    """Delete the row (and its read receipts), then the file once the transaction commits."""
    storage, stored_name = document.file.storage, document.file.name or ""
    audit_record(
        municipality=document.municipality,
        actor=actor,
        action=AuditEntry.Action.DELETE,
        target=document,
        before=_audit_values(document),
    )
    document.delete()
    transaction.on_commit(lambda: storage.delete(stored_name))


def document_mark_read(*, document: Document, household: Household) -> ReadReceipt:
    receipt, _created = ReadReceipt.objects.get_or_create(document=document, household=household)
    return receipt


@transaction.atomic
def category_add(*, actor: User, municipality: Municipality, name: str) -> Category:
    position = Category.objects.for_municipality(municipality).count()
    category = Category.objects.create(municipality=municipality, name=name, position=position)
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=category,
        after={"name": name},
    )
    return category


@transaction.atomic
def category_rename(*, actor: User, category: Category, name: str) -> Category:
    before = category.name
    category.name = name
    category.save(update_fields=["name"])
    audit_record(
        municipality=category.municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=category,
        before={"name": before},
        after={"name": name},
    )
    return category


@transaction.atomic
def category_delete(*, actor: User, category: Category) -> None:
    """Only an empty category may go (documents PROTECT their category)."""
    if category.documents.exists():
        raise ValueError("The category still has documents.")
    audit_record(
        municipality=category.municipality,
        actor=actor,
        action=AuditEntry.Action.DELETE,
        target=category,
        before={"name": category.name},
    )
    category.delete()
