"""Family documents: checked by content (type, size, active PDF content), stored privately under
a random name, audited; downloads only for the household (portal) and the municipality's staff,
404 for another household or municipality, 403 for the wrong role."""

import io
import zlib
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import lxml.html
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from PIL import Image

from ribambelle.conftest import logged_in
from ribambelle.core import files
from ribambelle.core.files import ascii_filename
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child, FamilyDocument, Household, Requirement
from ribambelle.families.services.documents import document_add
from ribambelle.families.tests.factories import FamilyDocumentFactory
from ribambelle.tenants.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def image_bytes(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 20)).save(buffer, format=image_format)
    return buffer.getvalue()


def pdf_with(body: bytes) -> bytes:
    return b"%PDF-1.7\n" + body + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def object_stream(content: bytes) -> bytes:
    packed = zlib.compress(content)
    return (
        b"5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream\nendobj\n"
    )


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def url(name, **kwargs):
    return reverse(name, kwargs={"municipality_slug": "ville-a", **kwargs})


def stored_files(settings) -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def guardian_of(household: Household, user):
    return household.guardians.get(user=user)


@pytest.fixture
def document_a(alice, household_a, child_a):
    return document_add(
        actor=alice,
        household=household_a,
        child=child_a,
        kind="insurance",
        name="Attestation assurance Léa",
        description="",
        file=upload("a.pdf", PDF, "application/pdf"),
    )


@pytest.fixture
def document_b(household_b, charlie):
    return document_add(
        actor=charlie,
        household=household_b,
        child=household_b.children.get(),
        kind="other",
        name="Autre",
        description="",
        file=upload("b.pdf", PDF, "application/pdf"),
    )


# Content checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "application/pdf"),
        (image_bytes("PNG"), "image/png"),
        (image_bytes("JPEG"), "image/jpeg"),
        (pdf_with(b"1 0 obj\n<< /Type /Catalog /OpenAction [3 0 R /Fit] >>\nendobj"), files.PDF),
    ],
)
def test_accepted_types_are_read_from_the_bytes(content, expected):
    # Declared as something else, under a misleading name: the bytes decide.
    assert files.document_content_type(upload("x.txt", content, "text/plain")) == expected


EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("name", "content", "content_type", "code"),
    [
        ("attestation.pdf", EXECUTABLE, "application/pdf", "type"),
        ("photo.png", SVG, "image/png", "type"),
        ("photo.svg", SVG, "image/svg+xml", "type"),
        ("attestation.pdf", b"<html><script>alert(1)</script></html>", "application/pdf", "type"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png", "type"),
        ("photo.gif", image_bytes("GIF"), "image/gif", "type"),
        ("big.pdf", PDF + b"\x00" * (12 * 1024 * 1024), "application/pdf", "too_big"),
        ("empty.pdf", b"", "application/pdf", "empty"),
        ("cut.pdf", PDF[:60], "application/pdf", "damaged"),
        (
            "js.pdf",
            pdf_with(b"1 0 obj\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj"),
            "application/pdf",
            "active",
        ),
        (
            "escaped.pdf",
            pdf_with(b"1 0 obj\n<< /OpenAction << /S /J#61vaScript /J#53 (x) >> >>\nendobj"),
            "application/pdf",
            "active",
        ),
        (
            "launch.pdf",
            pdf_with(b"1 0 obj\n<< /OpenAction << /S /Launch /F (cmd.exe) >> >>\nendobj"),
            "application/pdf",
            "active",
        ),
        (
            "hidden.pdf",
            pdf_with(object_stream(b"3 0 << /S /JavaScript /JS (app.alert(1)) >>")),
            "application/pdf",
            "active",
        ),
        (
            "unreadable.pdf",
            pdf_with(b"5 0 obj\n<< /Type /ObjStm /N 1 >>\nstream\nnot zlib\nendstream\nendobj"),
            "application/pdf",
            "active",
        ),
    ],
)
def test_refused_files(name, content, content_type, code):
    with pytest.raises(ValidationError) as raised:
        files.document_content_type(upload(name, content, content_type))
    assert raised.value.code == code


def test_plain_object_stream_is_accepted():
    content = pdf_with(object_stream(b"3 0 << /Type /Page /Parent 2 0 R >>"))
    assert files.document_content_type(upload("ok.pdf", content, "")) == files.PDF


def test_validate_image_still_works():
    files.validate_image(upload("logo.png", image_bytes("PNG"), "image/png"))
    with pytest.raises(ValidationError):
        files.validate_image(upload("logo.png", SVG, "image/png"))


# Service --------------------------------------------------------------------------------------


def test_document_add_stores_privately_under_a_random_name(settings, alice, household_a, child_a):
    document = document_add(
        actor=alice,
        household=household_a,
        child=child_a,
        kind="insurance",
        name="../../etc/passwd",
        description="Pour le centre de loisirs",
        # A PNG sent as a PDF: stored as what it is.
        file=upload("../../evil.pdf", image_bytes("PNG"), "application/pdf"),
    )
    assert document.content_type == "image/png"
    assert document.municipality_id == household_a.municipality_id
    assert document.uploaded_by == alice and document.size == len(image_bytes("PNG"))
    assert document.file.name.startswith("family-documents/")
    assert document.file.name.endswith(".png") and "evil" not in document.file.name
    [stored] = stored_files(settings)
    assert stored.read_bytes() == image_bytes("PNG")
    assert Path(settings.STATIC_ROOT) not in stored.parents
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.household_id) == (
        AuditEntry.Action.UPLOAD,
        alice,
        household_a.pk,
    )
    assert entry.target_type == "families.familydocument" and entry.target_id == document.pk
    assert entry.after["kind"] == "insurance" and entry.after["child"] == child_a.pk


def test_failed_database_write_removes_the_file(settings, alice, household_a, child_a):
    with (
        mock.patch(
            "ribambelle.families.services.documents.audit_record",
            side_effect=IntegrityError("boom"),
        ),
        pytest.raises(IntegrityError),
    ):
        document_add(
            actor=alice,
            household=household_a,
            child=child_a,
            kind="insurance",
            name="Attestation",
            description="",
            file=upload("a.pdf", PDF, "application/pdf"),
        )
    assert not FamilyDocument.objects.exists()
    assert stored_files(settings) == []


def test_document_add_refuses_an_owner_of_another_household(alice, household_a, dave):
    other_child = Child.objects.get(first_name="Tom")
    with pytest.raises(ValueError):
        document_add(
            actor=alice,
            household=household_a,
            child=other_child,
            kind="other",
            name="x",
            description="",
            file=upload("a.pdf", PDF, "application/pdf"),
        )


# Upload view ----------------------------------------------------------------------------------


def test_upload_for_a_child(settings, alice_client, alice, child_a):
    target = url("families:child_document_add", pk=child_a.pk)
    assert alice_client.get(target).status_code == 200
    response = alice_client.post(
        target,
        {
            "kind": "insurance",
            "name": "Attestation 2025",
            "description": "MAIF",
            "file": upload("scan.pdf", PDF, "application/pdf"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("families:child", pk=child_a.pk) + "#documents"
    document = FamilyDocument.objects.get()
    assert (document.child, document.guardian, document.kind) == (child_a, None, "insurance")
    assert (document.name, document.description) == ("Attestation 2025", "MAIF")
    assert len(stored_files(settings)) == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.UPLOAD, actor=alice).count() == 1
    html = alice_client.get(response["Location"]).content.decode()
    assert "Le document « Attestation 2025 » est enregistré." in html


def test_upload_for_a_guardian(alice_client, bob, household_a):
    guardian = guardian_of(household_a, bob)
    response = alice_client.post(
        url("families:guardian_document_add", pk=guardian.pk),
        {
            "kind": "quotient",
            "name": "Attestation CAF",
            "file": upload("caf.jpg", image_bytes("JPEG"), "image/jpeg"),
        },
    )
    assert response["Location"] == url("families:household") + f"#guardian-{guardian.pk}-documents"
    document = FamilyDocument.objects.get()
    assert (document.guardian, document.child, document.content_type) == (
        guardian,
        None,
        "image/jpeg",
    )
    html = alice_client.get(url("families:household")).content.decode()
    assert "Attestation CAF" in html
    assert url("families:document_download", pk=document.pk) in html


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        ("attestation.pdf", EXECUTABLE, "application/pdf", "n&#x27;est pas un PDF"),
        ("photo.png", SVG, "image/png", "n&#x27;est pas un PDF"),
        ("big.pdf", PDF + b"\x00" * (12 * 1024 * 1024), "application/pdf", "dépasse 10 Mo"),
        ("empty.pdf", b"", "application/pdf", "Ce fichier est vide"),
        ("a.pdf", b"GIF89a not really", "application/pdf", "n&#x27;est pas un PDF"),
    ],
)
def test_refused_upload_keeps_the_input_and_stores_nothing(
    settings, alice_client, child_a, name, content, content_type, message
):
    response = alice_client.post(
        url("families:child_document_add", pk=child_a.pk),
        {
            "kind": "pai",
            "name": "Mon PAI",
            "description": "Signé par le médecin",
            "file": upload(name, content, content_type),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # The message is next to the file field and announced with it.
    assert 'id="id_file_error"' in html
    assert 'value="Mon PAI"' in html and "Signé par le médecin" in html
    assert '<option value="pai" selected>' in html
    assert not FamilyDocument.objects.exists()
    assert not AuditEntry.objects.exists()
    assert stored_files(settings) == []


def test_upload_without_file_or_name(alice_client, child_a):
    response = alice_client.post(
        url("families:child_document_add", pk=child_a.pk), {"kind": "other", "name": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez le fichier à envoyer." in html
    assert not FamilyDocument.objects.exists()


def test_upload_page_preselects_the_requested_kind(alice_client, child_a):
    html = alice_client.get(
        url("families:child_document_add", pk=child_a.pk) + "?type=insurance"
    ).content.decode()
    assert '<option value="insurance" selected>' in html
    assert 'enctype="multipart/form-data"' in html


# Access: works / 404 / 403 --------------------------------------------------------------------


def portal_urls(household, child, document):
    return [
        url("families:child_document_add", pk=child.pk),
        url("families:guardian_document_add", pk=household.guardians.first().pk),
        url("families:document_download", pk=document.pk),
    ]


def test_portal_urls_work_for_both_guardians(household_a, child_a, document_a, alice, bob):
    add_for_child, add_for_guardian, download = portal_urls(household_a, child_a, document_a)
    owners = {add_for_child: child_a, add_for_guardian: household_a.guardians.first()}
    for user in (alice, bob):
        client = logged_in(user)
        for page, owner in owners.items():
            response = client.get(page)
            assert response.status_code == 200, page
            assert f"Ajouter un document pour {owner}" in response.content.decode(), page
        response = client.get(download)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_other_household_gets_404(settings, household_a, child_a, document_a, dave):
    client = logged_in(dave)
    for page in portal_urls(household_a, child_a, document_a):
        assert client.get(page).status_code == 404, page
        response = client.post(
            page, {"kind": "other", "name": "x", "file": upload("a.pdf", PDF, "application/pdf")}
        )
        assert response.status_code == 404, page
    assert FamilyDocument.objects.count() == 1
    assert len(stored_files(settings)) == 1


def test_other_municipality_gets_404(household_a, child_a, document_a, household_b, charlie):
    client = logged_in(charlie)
    for page in portal_urls(household_a, child_a, document_a):
        assert client.get(page).status_code == 404, page


def test_document_of_another_municipality_is_404_even_by_pk(alice_client, household_a, document_b):
    assert alice_client.get(url("families:document_download", pk=document_b.pk)).status_code == 404


def test_staff_get_403_on_portal_urls(agent_client, household_a, child_a, document_a):
    for page in portal_urls(household_a, child_a, document_a):
        assert agent_client.get(page).status_code == 403, page


def test_anonymous_is_sent_to_login(client, document_a):
    response = client.get(url("families:document_download", pk=document_a.pk))
    assert response.status_code == 302 and "/connexion/" in response["Location"]


# Download -------------------------------------------------------------------------------------


def test_download_headers(alice_client, document_a):
    response = alice_client.get(url("families:document_download", pk=document_a.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == (
        'attachment; filename="Attestation_assurance_Lea.pdf"; '
        "filename*=UTF-8''Attestation%20assurance%20L%C3%A9a.pdf"
    )


def test_download_of_a_missing_file_is_404(alice_client, document_a):
    document_a.file.storage.delete(document_a.file.name)
    assert alice_client.get(url("families:document_download", pk=document_a.pk)).status_code == 404


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Carnet de santé – Zoé", "Carnet_de_sante_Zoe"), ("../../x", "x"), ("日本", "document")],
)
def test_ascii_filename(name, expected):
    assert ascii_filename(name) == expected


def test_staff_download_works(agent_client, document_a):
    response = agent_client.get(staff_url(document_a.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    # An insurance certificate is not health data: no read logged.
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.READ_HEALTH).exists()


def test_staff_read_of_a_health_document_is_logged(agent_a, agent_client, document_a):
    FamilyDocument.objects.filter(pk=document_a.pk).update(kind="pai")
    assert agent_client.get(staff_url(document_a.pk)).status_code == 200
    entry = AuditEntry.objects.get(action=AuditEntry.Action.READ_HEALTH)
    assert (entry.actor, entry.target_id) == (agent_a, document_a.pk)


def test_staff_of_another_municipality_gets_404(agent_b, document_a, document_b, agent_client):
    assert logged_in(agent_b).get(staff_url(document_a.pk)).status_code == 404
    assert agent_client.get(staff_url(document_b.pk)).status_code == 404


def test_parent_gets_403_on_staff_url(alice_client, document_a):
    assert alice_client.get(staff_url(document_a.pk)).status_code == 403


def staff_url(pk: int) -> str:
    return url("families_staff:document_download", pk=pk)


# The child's page ----------------------------------------------------------------------------


def test_child_page_lists_documents_in_paris_time(alice, alice_client, household_a, child_a):
    # 23:30 UTC on 14 March is already 15 March in Paris.
    with time_machine.travel(datetime(2025, 3, 14, 23, 30, tzinfo=UTC), tick=False):
        document = document_add(
            actor=alice,
            household=household_a,
            child=child_a,
            kind="vaccination",
            name="Carnet de vaccination",
            description="",
            file=upload("v.png", image_bytes("PNG"), "image/png"),
        )
    html = alice_client.get(url("families:child", pk=child_a.pk)).content.decode()
    assert 'id="documents"' in html
    assert "Carnet de vaccination" in html and "déposé le 15 mars 2025" in html
    assert url("families:document_download", pk=document.pk) in html
    assert url("families:child_document_add", pk=child_a.pk) in html
    assert "octets" in html or "Ko" in html


def test_child_page_query_count_does_not_grow_with_documents(
    alice, alice_client, household_a, child_a, django_assert_max_num_queries
):
    def add():
        document_add(
            actor=alice,
            household=household_a,
            child=child_a,
            kind="other",
            name="Doc",
            description="",
            file=upload("a.pdf", PDF, "application/pdf"),
        )

    add()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        alice_client.get(url("families:child", pk=child_a.pk))
    for _ in range(4):
        add()
    with django_assert_max_num_queries(len(one)):
        alice_client.get(url("families:child", pk=child_a.pk))


def test_insurance_certificate_completes_the_record(alice_client, municipality_a, child_a):
    centre = DepartmentFactory(municipality=municipality_a, name="Centre de loisirs")
    Requirement.objects.create(
        municipality=municipality_a, department=centre, item="insurance_certificate"
    )
    page = url("families:child", pk=child_a.pk)
    html = alice_client.get(page).content.decode()
    assert "Dossier incomplet" in html and "Attestation d&#x27;assurance" in html
    alice_client.post(
        url("families:child_document_add", pk=child_a.pk),
        {"kind": "insurance", "name": "Assurance", "file": upload("a.pdf", PDF, "application/pdf")},
    )
    html = alice_client.get(page).content.decode()
    assert "Dossier complet" in html and "Dossier incomplet" not in html


# The same form from "Mes documents", asking whom the document is for


def test_add_from_my_documents_for_a_chosen_person(alice_client, household_a, child_a, dave):
    from ribambelle.families.models import Child, FamilyDocument

    url = "/ville-a/foyer/documents/ajouter/"
    page = alice_client.get(url).content.decode()
    assert "Léa Martin" in page and "Alice Martin" in page and "Tom" not in page
    pdf = SimpleUploadedFile("assurance.pdf", PDF, content_type="application/pdf")
    response = alice_client.post(
        url,
        {"owner": f"child-{child_a.pk}", "kind": "insurance", "name": "Assurance", "file": pdf},
    )
    assert response.status_code == 302 and response["Location"].endswith("#documents-famille")
    assert FamilyDocument.objects.get().child == child_a
    # Another household's child is not a choice: refused, nothing stored, input kept.
    tom = Child.objects.get(first_name="Tom")
    pdf = SimpleUploadedFile("assurance.pdf", PDF, content_type="application/pdf")
    response = alice_client.post(
        url, {"owner": f"child-{tom.pk}", "kind": "insurance", "name": "Autre", "file": pdf}
    )
    assert response.status_code == 400
    assert "Choisissez une personne de votre foyer." in response.content.decode()
    assert 'value="Autre"' in response.content.decode()
    assert FamilyDocument.objects.count() == 1


def test_add_from_my_documents_roles_and_tenants(agent_client, charlie, household_b):
    from ribambelle.conftest import logged_in

    url = "/ville-a/foyer/documents/ajouter/"
    assert agent_client.get(url).status_code == 403
    assert logged_in(charlie).get(url).status_code == 404


def test_staff_household_page_lists_every_document_with_its_person(
    agent_client, alice, household_a, child_a
):
    for name, owner in [
        ("Carnet", {"child": child_a}),
        ("Bulletin", {"child": None, "guardian": household_a.guardians.get(user=alice)}),
        ("CAF", {"child": None}),
    ]:
        FamilyDocumentFactory(household=household_a, name=name, **owner)
    page = agent_client.get(f"/ville-a/gestion/familles/{household_a.pk}/").content.decode()
    (card,) = lxml.html.fromstring(page).xpath(f"//section[@id='household-{household_a.pk}']")
    items = sorted(" ".join(li.text_content().split()) for li in card.xpath(".//li"))
    assert [item.split(" (")[0] for item in items] == [
        "Bulletin · Pour Alice Martin",
        "CAF · Pour tout le foyer",
        "Carnet · Pour Léa Martin",
    ]


def test_feminine_document_kinds_agree(alice_client, document_a, child_a):
    """« Attestation d'assurance déposée le », on the child's page and in « Mes documents »."""
    for page in (url("families:child", pk=child_a.pk), url("documents:index")):
        html = alice_client.get(page).content.decode()
        assert "déposée le" in html and "déposé le" not in html, page
