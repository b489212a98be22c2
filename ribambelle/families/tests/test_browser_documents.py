"""Acceptance: a parent uploads a PDF insurance certificate for a child whose leisure centre
requires it; a refused file says why and keeps the input; the record becomes complete, the
document is listed and downloads; no axe violation on the upload and child pages."""

import pytest
from playwright.sync_api import expect

from ribambelle.conftest import PASSWORD
from ribambelle.families.models import FamilyDocument, Requirement
from ribambelle.families.tests.test_documents import PDF, SVG
from ribambelle.tenants.tests.factories import DepartmentFactory
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_insurance_certificate_completes_the_record(page, live_server, alice, child_a):
    municipality = child_a.municipality
    centre = DepartmentFactory(municipality=municipality, name="Centre de loisirs")
    Requirement.objects.create(
        municipality=municipality, department=centre, item="insurance_certificate"
    )
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/enfants/{child_a.pk}/")
    missing = page.locator("#a-completer")
    expect(missing).to_contain_text("Dossier incomplet")
    expect(missing).to_contain_text("Attestation d'assurance")

    page.locator("#documents").get_by_role("link", name="Ajouter un document").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter un document pour Léa Martin")
    assert_no_axe_violations(page)

    page.get_by_label("Type de document").select_option("insurance")
    page.get_by_label("Nom du document").fill("Attestation assurance 2025")
    page.get_by_label("Fichier").set_input_files(
        {"name": "attestation.png", "mimeType": "image/png", "buffer": SVG}
    )
    page.get_by_role("button", name="Envoyer le document").click()
    expect(page.locator("#form-errors")).to_contain_text("n'est pas un PDF")
    expect(page.locator("#id_file_error")).to_be_visible()
    expect(page.get_by_label("Nom du document")).to_have_value("Attestation assurance 2025")
    expect(page.get_by_label("Type de document")).to_have_value("insurance")
    assert not FamilyDocument.objects.exists()
    assert_no_axe_violations(page)

    page.get_by_label("Fichier").set_input_files(
        {"name": "attestation.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Envoyer le document").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Le document « Attestation assurance 2025 » est enregistré."
    )
    expect(page.get_by_text("Dossier complet")).to_be_visible()
    expect(page.locator("#a-completer")).to_have_count(0)
    documents = page.locator("#documents")
    expect(documents).to_contain_text("Attestation d'assurance")
    assert_no_axe_violations(page)

    with page.expect_download() as download_info:
        documents.get_by_role("link", name="Attestation assurance 2025").click()
    download = download_info.value
    assert download.suggested_filename == "Attestation assurance 2025.pdf"
    assert download.path().read_bytes() == PDF


def test_guardian_document_on_household_page(page, live_server, alice, bob, household_a):
    bob_guardian = household_a.guardians.get(user=bob)
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/foyer/")
    page.get_by_role("link", name="Ajouter un document pour Bob Martin").click()
    page.get_by_label("Type de document").select_option("quotient")
    page.get_by_label("Nom du document").fill("Attestation CAF")
    page.get_by_label("Fichier").set_input_files(
        {"name": "caf.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Envoyer le document").click()
    expect(page.get_by_role("status")).to_contain_text("Le document « Attestation CAF » est")
    documents = page.locator(f"#guardian-{bob_guardian.pk}-documents")
    expect(documents).to_contain_text("Attestation CAF")
    expect(documents).to_contain_text("Attestation de quotient familial")
    assert_no_axe_violations(page)
