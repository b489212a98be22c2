"""What a municipal invoice carries (SIRET, family quotient and the bracket of each line, the
household's reference, where to pay online, page numbers) and what its PDF is: tagged PDF/A-3u
with XMP metadata, as pdfinfo and qpdf read it.

pdfinfo (poppler-utils) and qpdf are installed by .ci/run; elsewhere their tests skip when they
are missing, except with RIBAMBELLE_REQUIRE_BROWSER=1 (CI), where they fail."""

import datetime
import os
import shutil
import subprocess
from decimal import Decimal

import pytest

from ribambelle.billing import rules
from ribambelle.billing.models import BillingOffice, InvoiceLine
from ribambelle.billing.pdf import invoice_pdf
from ribambelle.billing.tests.factories import InvoiceLineFactory
from ribambelle.billing.tests.test_portal import (  # noqa: F401 - fixtures
    issued,
    make_invoice,
    pdf_text,
    url,
)
from ribambelle.billing.tests.test_staff import url as staff_url
from ribambelle.conftest import logged_in
from ribambelle.core.models import AuditEntry

pytestmark = pytest.mark.django_db

SIRET = "21999999900010"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("RIBAMBELLE_REQUIRE_BROWSER", "") == "1":
            pytest.fail(f"{name} is missing (apt-get install poppler-utils qpdf)", pytrace=False)
        pytest.skip(f"{name} is missing (apt-get install poppler-utils qpdf)")
    return path


def run(*command) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.fixture
def pdf_file(issued, office_a, tmp_path):  # noqa: F811 - the imported fixture
    office_a.siret = SIRET
    office_a.provider = BillingOffice.Provider.DEMO
    office_a.save()
    path = tmp_path / "facture.pdf"
    path.write_bytes(invoice_pdf(issued))
    return path


def test_pdf_is_tagged_pdfa_with_xmp_metadata(pdf_file):
    info = run(tool("pdfinfo"), str(pdf_file))
    assert "Tagged:          yes" in info
    assert "Title:           Facture F-2026-000001 – Ville A" in info
    assert "Author:          Ville A" in info
    assert "Metadata Stream: yes" in info
    xmp = run(tool("pdfinfo"), "-meta", str(pdf_file))
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    assert "<dc:title>" in xmp and "Facture F-2026-000001" in xmp
    assert "<dc:creator><rdf:Seq><rdf:li>Ville A</rdf:li>" in xmp
    assert "<dc:language><rdf:Bag><rdf:li>fr</rdf:li>" in xmp
    check = subprocess.run(
        [tool("qpdf"), "--check", str(pdf_file)], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors" in check.stdout


def test_pdf_carries_siret_quotient_brackets_reference_and_portal(pdf_file, issued):  # noqa: F811
    text = pdf_text(pdf_file.read_bytes())
    assert "SIRET : 219 999 999 00010" in text
    assert "Quotient familial retenu : 650" in text
    assert "QF de 500 à moins de 900" in text  # the bracket that priced the three days
    assert "tarif majoré" in text  # the late booking
    reference = f"{issued.household_id:06d}"
    assert f"Référence famille : {reference}" in text
    assert f"Rappelez la référence famille {reference} et le numéro de facture F-2026-" in text
    assert "En ligne, par carte bancaire : https://portail.example.fr/ville-a/factures/" in text
    assert "Page 1 / 1" in text


def test_the_invoice_page_shows_the_same(alice_client, pdf_file, issued):  # noqa: F811
    page = alice_client.get(url("invoice", pk=issued.pk)).content.decode()
    assert "SIRET : 219 999 999 00010" in page
    assert "QF de 500 à moins de 900" in page
    assert f"Référence famille : {issued.household_id:06d}" in page


def test_a_long_invoice_numbers_its_pages(household_a, office_a):
    invoice = make_invoice(
        household_a, office_a, datetime.date(2026, 10, 1), "1.00", number="F-2026-000007"
    )
    for index in range(70):
        InvoiceLineFactory(
            invoice=invoice,
            child_name=f"Enfant {index}",
            label="Accueil du soir",
            dates=["2026-10-05"],
            quantity=1,
            unit_price=Decimal("1.00"),
            pricing=InvoiceLine.Pricing.DEFAULT,
        )
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(invoice_pdf(invoice)))
    count = len(reader.pages)
    assert count >= 2
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} / {count}" in " ".join(page.extract_text().split())


@pytest.mark.parametrize(
    ("pricing", "floor", "ceiling", "quotient", "label"),
    [
        ("bracket", None, "500", None, "QF inférieur à 500"),
        ("bracket", "500", "900", None, "QF de 500 à moins de 900"),
        ("bracket", "900", None, None, "QF de 900 et plus"),
        ("bracket", "512.50", "1200", None, "QF de 512,50 à moins de 1 200"),
        ("bracket", None, None, None, "tarif unique"),
        ("default", None, None, None, "tarif de base"),
        ("surcharge", None, None, None, "tarif majoré"),
        ("", None, None, None, ""),
    ],
)
def test_pricing_labels(pricing, floor, ceiling, quotient, label):
    line = InvoiceLine(
        pricing=pricing,
        bracket_floor=Decimal(floor) if floor else None,
        bracket_ceiling=Decimal(ceiling) if ceiling else None,
    )
    assert line.pricing_label.replace("\xa0", " ").replace("\u202f", " ") == label


def test_run_records_the_bracket_of_each_line(issued):  # noqa: F811
    lines = list(issued.lines.values_list("kind", "pricing", "bracket_floor", "bracket_ceiling"))
    assert lines == [
        ("normal", "bracket", Decimal("500.00"), Decimal("900.00")),
        ("surcharge", "surcharge", None, None),
    ]
    assert issued.quotient == Decimal("650")


@pytest.mark.parametrize(
    ("siret", "valid"),
    [
        (SIRET, True),
        ("44306184100047", True),
        ("44306184100048", False),
        ("4430618410004", False),
        ("4430618410004A", False),
    ],
)
def test_siret_check_digit(siret, valid):
    assert rules.siret_is_valid(siret) is valid


def test_manager_sets_the_siret_in_the_office_form(manager_client, office_a, department_a):
    data = {"name": office_a.name, "departments": [department_a.pk], "due_days": "15"}
    response = manager_client.post(
        staff_url("office_edit", pk=office_a.pk), {**data, "siret": "219 999 999 00011"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ce numéro SIRET n&#x27;est pas valable" in html
    assert 'value="219 999 999 00011"' in html
    office_a.refresh_from_db()
    assert office_a.siret == ""

    response = manager_client.post(
        staff_url("office_edit", pk=office_a.pk), {**data, "siret": "219 999 999 00010"}
    )
    assert response.status_code == 302
    office_a.refresh_from_db()
    assert office_a.siret == SIRET
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE)
    assert entry.after["siret"] == SIRET


def test_agents_cannot_set_the_siret(agent_client, office_a, department_a):
    response = agent_client.post(
        staff_url("office_edit", pk=office_a.pk),
        {"name": office_a.name, "departments": [department_a.pk], "siret": SIRET},
    )
    assert response.status_code == 403
    office_a.refresh_from_db()
    assert office_a.siret == ""


def test_other_municipality_cannot_reach_the_office(agent_b, office_a, municipality_b):
    from ribambelle.accounts.models import Role

    agent_b.role = Role.MANAGER
    agent_b.save()
    client = logged_in(agent_b)
    response = client.post(staff_url("office_edit", pk=office_a.pk), {"siret": SIRET})
    assert response.status_code == 404
