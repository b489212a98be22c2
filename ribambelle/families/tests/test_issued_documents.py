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


# How issued documents show to the family and to staff.


def portal_url(name, slug="ville-a", **kwargs):
    from django.urls import reverse

    return reverse(name, kwargs={"municipality_slug": slug, **kwargs})


@pytest.fixture
def certificate_versions(household_a):
    old = issued_document_add(
        actor=None,
        household=household_a,
        kind="tax_certificate",
        name="Attestation fiscale 2025",
        version_key="tax-2025",
        content=PDF + b"old",
    )
    new = issued_document_add(
        actor=None,
        household=household_a,
        kind="tax_certificate",
        name="Attestation fiscale 2025",
        version_key="tax-2025",
        content=PDF + b"new",
    )
    return old, new


@pytest.mark.django_db
def test_mes_documents_shows_the_current_version_as_issued(alice_client, certificate_versions):
    old, new = certificate_versions
    page = alice_client.get(portal_url("documents:index")).text
    download = portal_url("families:document_download", pk=new.pk)
    assert f'href="{download}"' in page
    assert portal_url("families:document_download", pk=old.pk) + '"' not in page
    assert "Attestation fiscale de frais de garde" in page  # the kind's tag
    assert "émise par la mairie le" in page
    assert "déposée le" not in page


@pytest.mark.django_db
def test_the_family_downloads_an_issued_document(alice_client, certificate_versions):
    _old, new = certificate_versions
    response = alice_client.get(portal_url("families:document_download", pk=new.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF + b"new"


@pytest.mark.django_db
def test_another_household_gets_404(dave, certificate_versions):
    from ribambelle.conftest import logged_in

    _old, new = certificate_versions
    client = logged_in(dave)
    assert client.get(portal_url("families:document_download", pk=new.pk)).status_code == 404


@pytest.mark.django_db
def test_staff_cannot_use_the_family_download(agent_client, certificate_versions):
    _old, new = certificate_versions
    response = agent_client.get(portal_url("families:document_download", pk=new.pk))
    assert response.status_code == 403


@pytest.mark.django_db
def test_families_cannot_upload_an_issued_kind(alice_client, household_a, child_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    for kind in ("tax_certificate", "mandate"):
        response = alice_client.post(
            portal_url("families:child_document_add", pk=child_a.pk),
            {
                "kind": kind,
                "name": "Fausse attestation",
                "file": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
            },
        )
        assert response.status_code == 400
    page = alice_client.get(portal_url("families:household_document_add")).text
    assert 'value="tax_certificate"' not in page and 'value="mandate"' not in page
    assert not FamilyDocument.objects.filter(household=household_a).exists()


@pytest.mark.django_db
def test_staff_household_page_shows_every_version(agent_client, household_a, certificate_versions):
    old, new = certificate_versions
    page = agent_client.get(portal_url("families_staff:household", pk=household_a.pk)).text
    for document in (old, new):
        assert portal_url("families_staff:document_download", pk=document.pk) in page
    assert "émis par la mairie" in page
    assert "remplacé par une version plus récente le" in page
    response = agent_client.get(portal_url("families_staff:document_download", pk=old.pk))
    assert response.status_code == 200
