"""The invoice document, shown as an HTML page and printed to PDF by WeasyPrint from the same
template body. The PDF is rendered without any network: the only resource WeasyPrint may load
is a data: URI (the municipality's logo, read from the private storage)."""

import base64
from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.models import Invoice, InvoiceLine
from ribambelle.bookings.rules import MONTH_NAMES
from ribambelle.tenants.models import Municipality

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
    suffix = "." + municipality.logo.name.rsplit(".", 1)[-1].lower()
    content_type = LOGO_TYPES.get(suffix)
    if content_type is None:
        return ""
    try:
        with municipality.logo.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return ""
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def document_context(invoice: Invoice) -> dict:
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
        "credit_notes": list(invoice.credit_notes.all()),
    }


def invoice_pdf(invoice: Invoice) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string("billing/portal/invoice_pdf.html", document_context(invoice))
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()


def pdf_filename(invoice: Invoice) -> str:
    return f"facture-{invoice.number}.pdf"
