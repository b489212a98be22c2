"""The accounting office's CSV: issued invoices, credit notes and payments of a period, one row
each, in French (amounts with a comma, dates as dd/mm/yyyy). Cells that a spreadsheet would run
as a formula are neutralised. Rows are streamed from three queries, whatever their number."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.billing import periods
from ribambelle.core.spreadsheet import safe_cell
from ribambelle.tenants.models import Municipality

CHUNK = 2000


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def filename(start: date, end: date) -> str:
    return f"facturation-{start:%Y%m%d}-{end:%Y%m%d}.csv"


def header() -> list[str]:
    return [
        _("Type"),
        _("Numéro"),
        _("Date"),
        _("Régie"),
        _("Foyer"),
        _("Facture"),
        _("Montant"),
        _("Moyen de paiement"),
        _("Référence"),
        _("Échéance"),
    ]


def accounting_rows(municipality: Municipality, start: date, end: date) -> Iterator[list[str]]:
    """The header, then invoices by number, credit notes by number, payments by day."""
    yield header()
    invoices = periods.invoices_issued_between(municipality, start, end)
    for item in invoices.iterator(chunk_size=CHUNK):
        yield [
            _("Facture"),
            safe_cell(item.number),
            _day(item.issued_on),
            safe_cell(item.office.name),
            safe_cell(item.household_name),
            safe_cell(item.number),
            _amount(item.total),
            "",
            "",
            _day(item.due_on),
        ]
    notes = periods.credit_notes_between(municipality, start, end)
    for note in notes.iterator(chunk_size=CHUNK):
        yield [
            _("Avoir"),
            safe_cell(note.number),
            _day(timezone.localtime(note.created_at).date()),
            safe_cell(note.invoice.office.name),
            safe_cell(note.invoice.household_name),
            safe_cell(note.invoice.number),
            _amount(note.amount),
            "",
            safe_cell(note.reason),
            "",
        ]
    payments = periods.payments_received_between(municipality, start, end)
    for payment in payments.iterator(chunk_size=CHUNK):
        received = payment.received_on or timezone.localtime(payment.created_at).date()
        yield [
            _("Paiement"),
            "",
            _day(received),
            safe_cell(payment.invoice.office.name),
            safe_cell(payment.invoice.household_name),
            safe_cell(payment.invoice.number),
            _amount(payment.amount),
            payment.get_method_display(),
            safe_cell(payment.reference or payment.transaction_id),
            "",
        ]
