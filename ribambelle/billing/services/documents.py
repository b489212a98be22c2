"""Stored documents: an issued invoice and a credit note never change, so their PDF is rendered
once, by the task that follows the issue or the creation, and then served from the storage."""

from typing import Any

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from ribambelle.billing import pdf
from ribambelle.billing.models import CreditNote, Invoice
from ribambelle.billing.services import BillingError
from ribambelle.core.files import PDF, store_private_file


def _stored_document(
    model: type[Invoice] | type[CreditNote], row: Invoice | CreditNote, render: Any
) -> FieldFile:
    """The row's stored PDF, rendered and stored first when there is none or when the storage
    lost it. Two requests that find it missing at once both render; the first to write its
    name keeps it, the other deletes its copy and serves the first one."""
    field: FieldFile = row.pdf
    if field.name and field.storage.exists(field.name):
        return field
    previous = field.name or ""
    stored = store_private_file(field, ContentFile(render(row)), PDF)
    if not model.objects.filter(pk=row.pk, pdf=previous).update(pdf=stored):
        field.storage.delete(stored)
        row.refresh_from_db(fields=["pdf"])
    return row.pdf


def invoice_document(*, invoice: Invoice) -> FieldFile:
    """The PDF of an issued invoice, as issued (pdf.invoice_pdf)."""
    if invoice.status != Invoice.Status.ISSUED:
        raise BillingError(_("Seule une facture émise a un document."))
    return _stored_document(Invoice, invoice, pdf.invoice_pdf)


def credit_note_document(*, note: CreditNote) -> FieldFile:
    """The PDF of a credit note (pdf.credit_note_pdf)."""
    return _stored_document(CreditNote, note, pdf.credit_note_pdf)
