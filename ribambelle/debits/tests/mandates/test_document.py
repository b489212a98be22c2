"""The mandate's PDF is what the rulebook asks a mandate form to say, printed like invoices:
tagged PDF/A-3u with its metadata, and never the full IBAN."""

import datetime

import pytest
from pypdf import PdfReader

from ribambelle.billing.tests.test_invoice_document import run, tool
from ribambelle.debits.mandates.documents import mandate_filename, mandate_pdf
from ribambelle.debits.tests.mandates.factories import DEBTOR_IBAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdf_file(creditor_a, mandate_a, tmp_path):
    mandate_a.signed_on = datetime.date(2026, 11, 23)
    path = tmp_path / "mandat.pdf"
    path.write_bytes(mandate_pdf(creditor_a, mandate_a))
    return path


def test_the_pdf_is_tagged_pdfa(pdf_file, mandate_a):
    info = run(tool("pdfinfo"), str(pdf_file))
    assert "Tagged:          yes" in info
    assert f"Title:           Mandat de prélèvement SEPA {mandate_a.reference} – Ville A" in info
    assert "Author:          Ville A" in info
    xmp = run(tool("pdfinfo"), "-meta", str(pdf_file))
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    assert "<dc:language><rdf:Bag><rdf:li>fr</rdf:li>" in xmp


def test_the_pdf_says_what_the_rulebook_asks(pdf_file, mandate_a):
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(pdf_file).pages).split())
    for expected in [
        "Mandat de prélèvement SEPA",
        "Régie enfance de Ville A",
        "FR72ZZZ123456",
        mandate_a.reference,
        "vous autorisez (A) Régie enfance de Ville A à envoyer des instructions à votre banque",
        "dans les 8 semaines suivant la date de débit",
        "Type de paiement : récurrent",
        "Alice Martin",
        "FR•• •••• 2606",
        "Lyon",
        "23/11/2026",
        "Signé électroniquement sur le portail famille",
    ]:
        assert expected in text, expected
    assert DEBTOR_IBAN not in text


def test_the_file_name_says_the_version(mandate_a):
    assert mandate_filename(mandate_a) == f"mandat-sepa-{mandate_a.reference}.pdf"
    mandate_a.version = 2
    assert mandate_filename(mandate_a) == f"mandat-sepa-{mandate_a.reference}-v2.pdf"
