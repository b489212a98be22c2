"""The invoice document, shown as an HTML page and printed to PDF by WeasyPrint from the same
template body. The PDF is rendered without any network: the only resource WeasyPrint may load
is a data: URI (the municipality's logo, read from the private storage).

An issued invoice never changes (invariant 4): its PDF is the invoice as issued, without what
was paid or credited since (the portal page shows that), rendered once and stored privately
(services.documents.invoice_document); a credit note has its own PDF, stored the same way.

The PDF is PDF/A-3u (archived by the treasury and the families for years) and tagged (read
aloud by screen readers), with XMP metadata: title, author (the municipality), language."""

import base64
import functools
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from ribambelle.billing import rules
from ribambelle.billing.models import CreditNote, Invoice, InvoiceLine
from ribambelle.core.dates import MONTH_NAMES
from ribambelle.tenants.models import Municipality
from ribambelle.tenants.shortcuts import tenant_reverse

PDF_VARIANT = "pdf/a-3u"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"

MONTH_ABBREVIATIONS = [
    _("janv."),
    _("févr."),
    _("mars"),
    _("avr."),
    _("mai"),
    _("juin"),
    _("juil."),
    _("août"),
    _("sept."),
    _("oct."),
    _("nov."),
    _("déc."),
]
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def period_label(invoice: Invoice) -> str:
    """ "novembre 2026"."""
    return f"{MONTH_NAMES[invoice.period_start.month - 1]} {invoice.period_start.year}"


def compact_dates(days: list[date]) -> str:
    """ "2, 3, 5, 6 nov." and, across months, "30 nov., 1, 2 déc.": short enough for a line."""
    groups: list[tuple[tuple[int, int], list[int]]] = []
    for day in sorted(days):
        key = (day.year, day.month)
        if groups and groups[-1][0] == key:
            groups[-1][1].append(day.day)
        else:
            groups.append((key, [day.day]))
    return ", ".join(
        f"{', '.join(str(number) for number in numbers)} {MONTH_ABBREVIATIONS[month - 1]}"
        for (_year, month), numbers in groups
    )


@dataclass(frozen=True)
class LineView:
    line: InvoiceLine
    dates: str
    surcharge: bool


def logo_data_uri(municipality: Municipality) -> str:
    """The logo inlined, so that neither the browser nor WeasyPrint fetches anything."""
    if not municipality.logo:
        return ""
    suffix = "." + (municipality.logo.name or "").rsplit(".", 1)[-1].lower()
    content_type = LOGO_TYPES.get(suffix)
    if content_type is None:
        return ""
    try:
        with municipality.logo.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return ""
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def portal_url(invoice: Invoice) -> str:
    """Where the family sees and pays its invoices online."""
    return settings.SITE_URL + tenant_reverse(invoice.municipality, "billing:invoices")


def document_context(invoice: Invoice, *, as_issued: bool = False) -> dict:
    """What the invoice template shows; `as_issued` for the stored PDF: the amounts of the day
    it was issued, with neither payments nor credit notes."""
    lines = [
        LineView(
            line=line,
            dates=compact_dates([date.fromisoformat(day) for day in line.dates]),
            surcharge=line.kind == InvoiceLine.Kind.SURCHARGE,
        )
        for line in invoice.lines.all()
    ]
    return {
        "invoice": invoice,
        "issuer": invoice.municipality,
        "office": invoice.office,
        "logo": logo_data_uri(invoice.municipality),
        "period": period_label(invoice),
        "lines": lines,
        "credit_notes": [] if as_issued else list(invoice.credit_notes.all()),
        "as_issued": as_issued,
        "siret": rules.format_siret(invoice.office.siret),
        "portal_url": portal_url(invoice),
        "pay_online": bool(invoice.office.provider),
    }


@functools.cache
def _with_language(metadata_class: Any) -> Any:
    """WeasyPrint's XMP packet with the document's language (dc:language) added: PDF/A asks
    that the XMP say what the document information says, and readers look for it there."""
    base: Any = metadata_class

    class Metadata(base):
        def generate_rdf_metadata(self, variant, version, conformance):
            # WeasyPrint's own output, not outside input.
            packet = super().generate_rdf_metadata(variant, version, conformance)
            rdf = ElementTree.fromstring(packet)  # noqa: S314
            if self.lang:
                description = ElementTree.SubElement(
                    rdf, f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""}
                )
                languages = ElementTree.SubElement(
                    ElementTree.SubElement(description, f"{{{DC}}}language"), f"{{{RDF}}}Bag"
                )
                ElementTree.SubElement(languages, f"{{{RDF}}}li").text = self.lang
            return ElementTree.tostring(rdf, encoding="utf-8")

    return Metadata


def _write_pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    document = HTML(string=html, base_url=None, url_fetcher=fetcher).render(
        pdf_variant=PDF_VARIANT, pdf_tags=True
    )
    metadata_class: Any = type(document.metadata)
    document.metadata.__class__ = _with_language(metadata_class)
    return document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True, srgb=True)


def write_pdf(html: str) -> bytes:
    """Any document of the municipality (a SEPA mandate...) printed the way invoices are:
    PDF/A-3u, tagged, without network."""
    return _write_pdf(html)


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as issued (see the module's docstring)."""
    context = document_context(invoice, as_issued=True)
    return _write_pdf(render_to_string("billing/portal/invoice_pdf.html", context))


def credit_note_pdf(note: CreditNote) -> bytes:
    invoice = note.invoice
    context = {
        "note": note,
        "invoice": invoice,
        "issuer": invoice.municipality,
        "office": invoice.office,
        "logo": logo_data_uri(invoice.municipality),
        "period": period_label(invoice),
        "siret": rules.format_siret(invoice.office.siret),
    }
    return _write_pdf(render_to_string("billing/portal/credit_note_pdf.html", context))


def pdf_filename(invoice: Invoice) -> str:
    return f"facture-{invoice.number}.pdf"


def credit_note_filename(note: CreditNote) -> str:
    return f"avoir-{note.number}.pdf"
