"""The 2025 tax certificate in Chromium: a parent finds it in "Mes documents", shown as issued
by the municipality, and downloads it (a PDF); axe-core finds no violation on the page."""

import datetime

import pytest
from playwright.sync_api import expect

from ribambelle.billing.certificates.services import tax_certificates_generate
from ribambelle.billing.tests.test_certificates import (  # noqa: F401 - fixtures
    certificate_settings,
    hugo,
    paid_2025,
)
from ribambelle.conftest import PASSWORD
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def certificate(paid_2025, municipality_a):  # noqa: F811
    tax_certificates_generate(
        municipality=municipality_a, year=2025, actor=None, today=datetime.date(2026, 1, 15)
    )


def test_parent_opens_the_2025_certificate(page, live_server, alice, certificate):
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/documents/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes documents")
    item = page.locator("#documents-famille li", has_text="Attestation fiscale 2025")
    expect(item).to_contain_text("Attestation fiscale de frais de garde")
    expect(item).to_contain_text("émise par la mairie le")
    expect(item).not_to_contain_text("déposée")
    assert_no_axe_violations(page)

    link = item.get_by_role("link", name="Attestation fiscale 2025")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "Attestation fiscale 2025.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_manager_generates_the_certificates(page, live_server, manager_a, paid_2025):  # noqa: F811
    base = live_server.url
    log_in(page, base, manager_a.email, PASSWORD)
    page.goto(f"{base}/ville-a/gestion/attestations-fiscales/?annee=2025")
    expect(page.get_by_role("heading", level=1)).to_have_text("Attestations fiscales 2025")
    expect(page.get_by_label("Garderie du soir")).to_be_checked()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Générer les attestations 2025").click()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Foyer Martin"))
    expect(row).to_contain_text("Hugo Martin")
    expect(row).to_contain_text("40,00")
    assert_no_axe_violations(page)
