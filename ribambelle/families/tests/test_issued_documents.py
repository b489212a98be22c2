"""Documents the municipality issues to a household: a new version replaces the previous one
in "Mes documents", both are kept, and the family's own documents are untouched."""

import pytest

from ribambelle.core.models import AuditEntry
from ribambelle.families.models import FamilyDocument
from ribambelle.families.services.documents import issued_document_add

PDF = b"%PDF-1.7\n%test\n"


@pytest.mark.django_db
def test_new_version_replaces_and_keeps_the_old(household_a):
    first = issued_document_add(
        actor=None,
        household=household_a,
        kind="tax_certificate",
        name="Attestation fiscale 2025",
        version_key="tax-2025",
        content=PDF,
    )
    second = issued_document_add(
        actor=None,
        household=household_a,
        kind="tax_certificate",
        name="Attestation fiscale 2025",
        version_key="tax-2025",
        content=PDF + b"v2",
    )
    first.refresh_from_db()
    assert first.replaced_at is not None and second.replaced_at is None
    assert FamilyDocument.objects.filter(household=household_a, issued=True).count() == 2
    assert second.file.read() == PDF + b"v2"
    entry = AuditEntry.objects.get(target_id=second.pk, action=AuditEntry.Action.CREATE)
    assert entry.after["version_key"] == "tax-2025"


@pytest.mark.django_db
def test_only_pdfs_of_issued_kinds(household_a):
    with pytest.raises(ValueError):
        issued_document_add(
            actor=None,
            household=household_a,
            kind="insurance",
            name="x",
            version_key="k",
            content=PDF,
        )
    with pytest.raises(ValueError):
        issued_document_add(
            actor=None,
            household=household_a,
            kind="mandate",
            name="x",
            version_key="k",
            content=b"<html>",
        )
    assert not FamilyDocument.objects.filter(household=household_a).exists()
