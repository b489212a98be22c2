"""The mandate as a document: the text the SEPA rulebook asks every mandate form to show
(shared by the signing page and the PDF), and the PDF itself, printed the way invoices are
(billing.pdf: PDF/A-3u, tagged, without network)."""

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from ribambelle.billing import pdf
from ribambelle.debits.models import Creditor, Mandate


def mandate_context(creditor: Creditor, mandate: Mandate) -> dict[str, Any]:
    municipality = creditor.office.municipality
    return {
        "issuer": municipality,
        "logo": pdf.logo_data_uri(municipality),
        "creditor": creditor,
        "mandate": mandate,
        "household": mandate.household,
    }


def mandate_pdf(creditor: Creditor, mandate: Mandate) -> bytes:
    """The signed mandate (or its new version after a change of account), for the family's
    "Mes documents", its e-mail and the office's records."""
    with translation.override("fr"):
        html = render_to_string(
            "debits/mandates/mandate_pdf.html", mandate_context(creditor, mandate)
        )
    return pdf.write_pdf(html)


def mandate_filename(mandate: Mandate) -> str:
    suffix = f"-v{mandate.version}" if mandate.version > 1 else ""
    return f"mandat-sepa-{mandate.reference}{suffix}.pdf"


# The stored document's extension (chosen from its checked type when it was stored).
STORED_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


def mandate_document_type(mandate: Mandate) -> tuple[str, str]:
    """The content type and download name of a mandate's document: the PDF of a mandate
    signed online, or the scan (PDF, JPEG or PNG) of a paper one."""
    extension = (mandate.document.name or "").rsplit(".", 1)[-1].lower()
    if extension not in STORED_TYPES:
        extension = "pdf"
    name = mandate_filename(mandate).removesuffix(".pdf") + "." + extension
    return STORED_TYPES[extension], name
