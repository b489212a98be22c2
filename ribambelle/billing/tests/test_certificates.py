"""Tax certificates from payments to "Mes documents": the amounts per child, the PDF (tagged
PDF/A-3u, checked by pdfinfo and qpdf), the e-mail, versions on regeneration, the command."""

import datetime
import io
import subprocess
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command

from ribambelle.billing.account.models import AccountMovement
from ribambelle.billing.certificates import services
from ribambelle.billing.certificates.models import CertificateSettings, TaxCertificate
from ribambelle.billing.models import Payment
from ribambelle.billing.tests.factories import (
    InvoiceFactory,
    InvoiceLineFactory,
    PaymentFactory,
)
from ribambelle.billing.tests.test_invoice_document import run, tool
from ribambelle.billing.tests.test_portal import pdf_text
from ribambelle.core.models import AuditEntry
from ribambelle.documents.selectors import family_documents_of
from ribambelle.families.models import FamilyDocument
from ribambelle.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

JANUARY = datetime.date(2026, 1, 15)
SIRET = "21999999900010"


@pytest.fixture
def hugo(household_a):
    return ChildFactory(
        household=household_a,
        first_name="Hugo",
        last_name="Martin",
        birth_date=datetime.date(2021, 4, 17),
    )


@pytest.fixture
def certificate_settings(municipality_a, evening_care):
    found = CertificateSettings.objects.create(
        municipality=municipality_a,
        signatory_name="Camille Roux",
        signatory_title="Régisseuse de recettes",
    )
    found.activities.set([evening_care])
    return found


@pytest.fixture
def paid_2025(office_a, household_a, hugo, child_a, canteen, evening_care, certificate_settings):
    """An invoice of June 2025: Hugo's evening care 40 €, his meals 20 €, Léa's evening care
    40 € (Léa is over six); paid by cheque in July 2025."""
    office_a.siret = SIRET
    office_a.save()
    invoice = InvoiceFactory(
        office=office_a,
        household=household_a,
        number="F-2025-000001",
        period_start=datetime.date(2025, 6, 1),
        period_end=datetime.date(2025, 6, 30),
        issued_on=datetime.date(2025, 7, 1),
        due_on=datetime.date(2025, 7, 16),
        total=Decimal("100.00"),
        paid=Decimal("100.00"),
    )
    for child, activity, quantity, price in [
        (hugo, evening_care, 20, "2.00"),
        (hugo, canteen, 10, "2.00"),
        (child_a, evening_care, 20, "2.00"),
    ]:
        InvoiceLineFactory(
            invoice=invoice,
            child=child,
            activity=activity,
            child_name=f"{child.first_name} {child.last_name}",
            label=activity.name,
            quantity=quantity,
            unit_price=Decimal(price),
        )
    PaymentFactory(invoice=invoice, amount=Decimal("100.00"), received_on=datetime.date(2025, 7, 5))
    return invoice


@pytest.fixture
def generated(paid_2025, municipality_a, manager_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = services.tax_certificates_generate(
            municipality=municipality_a, year=2025, actor=manager_a, today=JANUARY
        )
    return result


def test_one_certificate_with_the_eligible_amount(generated, household_a, hugo, manager_a):
    assert (generated.created, generated.households, generated.total_cents) == (1, 1, 4000)
    certificate = TaxCertificate.objects.get(household=household_a, year=2025)
    assert certificate.version == 1
    assert certificate.amounts == {
        "children": [
            {"child": hugo.pk, "name": "Hugo Martin", "birth_date": "2021-04-17", "cents": 4000}
        ]
    }
    document = certificate.document
    assert document.issued and document.kind == "tax_certificate"
    assert document.version_key == "tax-2025" and document.name == "Attestation fiscale 2025"
    assert list(family_documents_of(household_a)) == [document]
    assert AuditEntry.objects.filter(
        actor=manager_a, target_type="billing.taxcertificate", target_id=certificate.pk
    ).exists()


def test_each_guardian_is_emailed(generated):
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["alice@example.org", "bob@example.org"]
    message = mail.outbox[0]
    assert message.subject == "Votre attestation fiscale 2025 est disponible"
    assert "40,00 €" in message.body
    assert "https://portail.example.fr/ville-a/documents/" in message.body


def test_the_pdf_says_who_what_and_how_much(generated, household_a):
    content = TaxCertificate.objects.get(household=household_a).document.file.read()
    text = pdf_text(content)
    assert "Attestation fiscale de frais de garde 2025" in text
    assert "Ville A" in text and "Régie enfance" in text
    assert "SIRET : 219 999 999 00010" in text
    assert "Foyer Martin" in text and "Alice Martin" in text and "Bob Martin" in text
    assert "Hugo Martin 17/04/2021 40,00 €" in text
    assert "Léa" not in text
    assert "Total 40,00 €" in text
    assert "Je soussigné(e) Camille Roux, Régisseuse de recettes" in text
    assert "âgés de moins de 6 ans au 1er janvier 2025" in text
    assert "le 15/01/2026" in text


def test_the_pdf_is_tagged_pdfa(generated, household_a, tmp_path):
    path = tmp_path / "attestation.pdf"
    path.write_bytes(TaxCertificate.objects.get(household=household_a).document.file.read())
    info = run(tool("pdfinfo"), str(path))
    assert "Tagged:          yes" in info
    assert "Title:           Attestation fiscale de frais de garde 2025 – Ville A" in info
    assert "Author:          Ville A" in info
    xmp = run(tool("pdfinfo"), "-meta", str(path))
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    assert "<dc:language><rdf:Bag><rdf:li>fr</rdf:li>" in xmp
    check = subprocess.run(
        [tool("qpdf"), "--check", str(path)], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(path.read_bytes()))
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]


def test_running_again_without_change_writes_nothing(generated, municipality_a, household_a):
    mail.outbox.clear()
    again = services.tax_certificates_generate(
        municipality=municipality_a, year=2025, actor=None, today=JANUARY
    )
    assert (again.created, again.unchanged, again.households, again.total_cents) == (
        0,
        1,
        1,
        4000,
    )
    assert TaxCertificate.objects.filter(household=household_a).count() == 1
    assert FamilyDocument.objects.filter(household=household_a, issued=True).count() == 1
    assert mail.outbox == []


def test_a_correction_makes_a_new_version_and_keeps_the_old(
    generated, paid_2025, municipality_a, household_a, django_capture_on_commit_callbacks
):
    """A credit note of 50 € on the paid invoice in December 2025: half of it came back as
    credit, so half of Hugo's share is no longer paid."""
    AccountMovement.objects.create(
        municipality=municipality_a,
        household=household_a,
        kind=AccountMovement.Kind.EXCESS,
        on=datetime.date(2025, 12, 10),
        credit_cents=5000,
        invoice=paid_2025,
        credit_note=paid_2025.credit_notes.create(
            municipality=municipality_a, number="A-2025-000001", amount=Decimal("50.00")
        ),
    )
    first = TaxCertificate.objects.get(household=household_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.tax_certificates_generate(
            municipality=municipality_a, year=2025, actor=None, today=JANUARY
        )
    assert (again.created, again.total_cents) == (1, 2000)
    second = TaxCertificate.objects.get(household=household_a, version=2)
    first.document.refresh_from_db()
    assert first.document.replaced_at is not None
    assert list(family_documents_of(household_a)) == [second.document]
    assert FamilyDocument.objects.filter(household=household_a, issued=True).count() == 2
    assert "Version 2" in pdf_text(second.document.file.read())
    assert len(mail.outbox) == 2 and "remplace" in mail.outbox[0].body


def test_returned_debits_and_other_years_do_not_count(paid_2025, municipality_a):
    Payment.objects.filter(invoice=paid_2025).update(status=Payment.Status.RETURNED)
    result = services.tax_certificates_generate(
        municipality=municipality_a, year=2025, actor=None, today=JANUARY
    )
    assert (result.created, result.households) == (0, 0)
    Payment.objects.filter(invoice=paid_2025).update(status=Payment.Status.PAID)
    assert (
        services.tax_certificates_generate(
            municipality=municipality_a, year=2024, actor=None, today=JANUARY
        ).created
        == 0
    )


def test_a_year_not_over_is_refused(paid_2025, municipality_a):
    with pytest.raises(services.CertificateError, match="n'est pas terminée"):
        services.tax_certificates_generate(
            municipality=municipality_a, year=2026, actor=None, today=JANUARY
        )


def test_other_municipalities_are_untouched(paid_2025, municipality_b, household_b):
    result = services.tax_certificates_generate(
        municipality=municipality_b, year=2025, actor=None, today=JANUARY
    )
    assert result.created == 0
    assert not TaxCertificate.objects.exists()


def test_the_command_prints_the_count_and_total(paid_2025, household_a, time_machine):
    time_machine.move_to(datetime.datetime(2026, 1, 20, 10, 0))
    out = io.StringIO()
    call_command("tax_certificates", "--municipality", "ville-a", "--year", "2025", stdout=out)
    assert "2025: 1 certificate(s), total 40.00 EUR (1 written now, 0 unchanged)." in out.getvalue()
    assert TaxCertificate.objects.filter(household=household_a).exists()


def test_the_command_refuses_an_unknown_municipality(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No municipality"):
        call_command("tax_certificates", "--municipality", "nowhere", "--year", "2025")


def test_a_certificate_no_longer_due_is_replaced_by_one_at_zero(
    generated, paid_2025, municipality_a, household_a
):
    """The cheque bounced after the certificate was sent: the wrong one must not stay."""
    Payment.objects.filter(invoice=paid_2025).update(status=Payment.Status.RETURNED)
    again = services.tax_certificates_generate(
        municipality=municipality_a, year=2025, actor=None, today=JANUARY
    )
    assert (again.created, again.households, again.total_cents) == (1, 0, 0)
    latest = TaxCertificate.objects.get(household=household_a, version=2)
    assert latest.amounts == {"children": []} and latest.total_cents == 0
    assert "Aucune somme payée" in pdf_text(latest.document.file.read())
