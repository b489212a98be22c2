"""Stored documents (issue 15): an issued invoice and a credit note never change, so their PDF
is rendered once, by the task that follows the issue or the creation, stored privately and then
served from the storage; rendered again only when the storage lost it. The stored invoice is
the invoice as issued: a later payment or credit note does not change it. A credit note's PDF
answers 404 to another household or municipality and 403 to staff."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core import mail

from ribambelle.billing import pdf, services
from ribambelle.billing.models import CreditNote, Invoice, Payment
from ribambelle.billing.services import documents
from ribambelle.billing.tests.factories import CreditNoteFactory
from ribambelle.billing.tests.test_portal import (  # noqa: F401 - fixtures
    ISSUE_DAY,
    issued,
    pdf_text,
    url,
)
from ribambelle.conftest import logged_in

pytestmark = pytest.mark.django_db


def rendering(target: str = "invoice_pdf"):
    """The renderer, spied on: it still renders, and says how many times it did."""
    return mock.patch.object(pdf, target, wraps=getattr(pdf, target))


def test_the_issuing_task_renders_and_stores_the_pdf_once(
    issued,  # noqa: F811
    agent_a,
):
    from ribambelle.billing import tasks

    assert not issued.pdf
    with rendering() as render:
        assert tasks.send_run_issued.call(issued.run_id) == 1  # fans out to the invoice's task
    assert render.call_count == 1
    issued.refresh_from_db()
    assert issued.pdf.name.startswith("invoices/") and issued.pdf.name.endswith(".pdf")
    assert issued.pdf.storage.exists(issued.pdf.name)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
    ]


def test_a_stored_pdf_is_served_without_rendering(alice_client, issued):  # noqa: F811
    documents.invoice_document(invoice=issued)
    issued.refresh_from_db()
    with issued.pdf.open("rb") as handle:
        stored = handle.read()
    with rendering() as render:
        response = alice_client.get(url("invoice_pdf", pk=issued.pk))
        assert response.status_code == 200
        assert response.getvalue() == stored
    render.assert_not_called()
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_a_missing_pdf_is_rendered_again_and_stored(alice_client, issued):  # noqa: F811
    documents.invoice_document(invoice=issued)
    issued.refresh_from_db()
    lost = issued.pdf.name
    issued.pdf.storage.delete(lost)
    with rendering() as render:
        response = alice_client.get(url("invoice_pdf", pk=issued.pk))
        assert response.status_code == 200
        assert response.getvalue().startswith(b"%PDF-")
        alice_client.get(url("invoice_pdf", pk=issued.pk))
    assert render.call_count == 1  # the second download serves what the first one stored
    issued.refresh_from_db()
    assert issued.pdf.name != lost and issued.pdf.storage.exists(issued.pdf.name)


def test_the_stored_pdf_is_the_invoice_as_issued(alice_client, issued, agent_a):  # noqa: F811
    """Paid and credited afterwards: the document keeps the amount of the day it was issued;
    the invoice page shows what is left to pay."""
    documents.invoice_document(invoice=issued)
    with time_machine.travel(ISSUE_DAY + datetime.timedelta(days=3), tick=False):
        services.credit_note_create(
            municipality=issued.municipality,
            invoice=issued,
            amount=Decimal("6.00"),
            reason="Repas non servi",
            actor=agent_a,
        )
        services.payment_record(
            municipality=issued.municipality,
            invoice=issued,
            amount=Decimal("2.00"),
            method=Payment.Method.CHEQUE,
            received_on=datetime.date(2026, 12, 5),
            reference="",
            actor=agent_a,
        )
    text = pdf_text(alice_client.get(url("invoice_pdf", pk=issued.pk)).getvalue())
    assert "Montant à payer 13,50 €" in text
    assert "Avoir" not in text and "Déjà payé" not in text
    page = alice_client.get(url("invoice", pk=issued.pk)).content.decode()
    assert "Reste à payer" in page and "5,50" in page


@pytest.fixture
def note(issued, agent_a, django_capture_on_commit_callbacks):  # noqa: F811
    with (
        time_machine.travel(ISSUE_DAY + datetime.timedelta(days=3), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        return services.credit_note_create(
            municipality=issued.municipality,
            invoice=issued,
            amount=Decimal("6.00"),
            reason="Repas non servi le 6 novembre",
            actor=agent_a,
        )


def test_a_credit_note_pdf_is_stored_when_created_and_served(alice_client, issued, note):  # noqa: F811
    note.refresh_from_db()
    assert note.pdf.name.startswith("credit-notes/") and note.pdf.storage.exists(note.pdf.name)
    page = alice_client.get(url("invoice", pk=issued.pk)).content.decode()
    link = url("credit_note_pdf", invoice_pk=issued.pk, pk=note.pk)
    assert f'href="{link}?telecharger=1"' in page
    assert f"Télécharger l’avoir {note.number} (PDF)" in page.replace("'", "’")
    with rendering("credit_note_pdf") as render:
        response = alice_client.get(link + "?telecharger=1")
    render.assert_not_called()
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="avoir-{note.number}.pdf";'
    )
    text = pdf_text(response.getvalue())
    assert f"Avoir {note.number}" in text and "Sur la facture F-2026-000001" in text
    assert "Repas non servi le 6 novembre" in text and "6,00 €" in text
    assert "Foyer Martin" in text and "05/12/2026" in text


def test_a_missing_credit_note_pdf_is_rendered_again(alice_client, issued, note):  # noqa: F811
    note.refresh_from_db()
    note.pdf.storage.delete(note.pdf.name)
    with rendering("credit_note_pdf") as render:
        response = alice_client.get(url("credit_note_pdf", invoice_pk=issued.pk, pk=note.pk))
    assert render.call_count == 1
    assert response.status_code == 200 and response.getvalue().startswith(b"%PDF-")


def test_a_credit_note_of_another_household_gets_404(issued, dave):  # noqa: F811
    note = CreditNoteFactory(invoice=issued)
    client = logged_in(dave)
    assert client.get(url("credit_note_pdf", invoice_pk=issued.pk, pk=note.pk)).status_code == 404


def test_a_credit_note_under_another_invoice_gets_404(alice_client, issued, office_a):  # noqa: F811
    note = CreditNoteFactory(invoice=issued)
    other = CreditNoteFactory(
        invoice__household=issued.household,
        invoice__office=office_a,
        invoice__number="F-2026-000100",
        invoice__period_start=datetime.date(2026, 10, 1),
    )
    assert other.invoice.status == Invoice.Status.ISSUED
    response = alice_client.get(url("credit_note_pdf", invoice_pk=other.invoice.pk, pk=note.pk))
    assert response.status_code == 404


def test_a_credit_note_of_another_municipality_gets_404(issued, charlie, household_b):  # noqa: F811
    note = CreditNoteFactory(invoice=issued)
    client = logged_in(charlie)
    for slug in ("ville-a", "ville-b"):
        link = url("credit_note_pdf", slug=slug, invoice_pk=issued.pk, pk=note.pk)
        assert client.get(link).status_code == 404


def test_staff_get_403_on_a_credit_note_pdf(agent_client, issued):  # noqa: F811
    note = CreditNoteFactory(invoice=issued)
    link = url("credit_note_pdf", invoice_pk=issued.pk, pk=note.pk)
    assert agent_client.get(link).status_code == 403
    assert not CreditNote.objects.exclude(pdf="").exists()
