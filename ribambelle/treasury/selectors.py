"""Reads of the treasury export: the invoices an export may take, the exports and their
pièces, always within one municipality (another one's answers 404)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, QuerySet, Sum
from django.shortcuts import get_object_or_404

from ribambelle.billing.models import BillingOffice, Invoice, InvoiceRun
from ribambelle.billing.reminders.selectors import invoices_for_treasury
from ribambelle.tenants.models import Municipality
from ribambelle.treasury.models import PesExport, PesPiece, TreasurySettings


def exportable(
    municipality: Municipality, office: BillingOffice, source: str, run: InvoiceRun | None
) -> QuerySet[Invoice]:
    """Issued invoices of the office still due, collected by nobody yet (not in a debit, not
    sent to the treasury): those of `run`, or those at the last reminder level."""
    invoices: QuerySet[Invoice]
    if source == PesExport.Source.RUN:
        invoices = Invoice.objects.for_municipality(municipality).filter(run=run)
    else:
        invoices = invoices_for_treasury(municipality)
    return (
        invoices.filter(
            office=office,
            status=Invoice.Status.ISSUED,
            collection="",
            total__gt=F("paid") + F("credited"),
            pes_piece__isnull=True,
        )
        .exclude(number="")
        .order_by("number")
    )


@dataclass(frozen=True)
class Totals:
    count: int
    total: Decimal


def totals_of(invoices: QuerySet[Invoice]) -> Totals:
    """How many invoices and what they still owe: the amount of the titles."""
    found = invoices.order_by().aggregate(
        total=Sum(F("total") - F("paid") - F("credited")), count=Sum(1)
    )
    return Totals(found["count"] or 0, found["total"] or Decimal("0.00"))


def settings_of(office: BillingOffice) -> TreasurySettings | None:
    return TreasurySettings.objects.filter(office=office).first()


def issued_runs(municipality: Municipality) -> QuerySet[InvoiceRun]:
    return (
        InvoiceRun.objects.for_municipality(municipality)
        .filter(status=InvoiceRun.Status.ISSUED)
        .select_related("office")
        .order_by("-month", "office__name")
    )


def exports_of(municipality: Municipality) -> QuerySet[PesExport]:
    return PesExport.objects.for_municipality(municipality).select_related("office", "run")


def export_get(municipality: Municipality, pk: int) -> PesExport:
    return get_object_or_404(exports_of(municipality), pk=pk)


def pieces_of(export: PesExport) -> QuerySet[PesPiece]:
    return PesPiece.objects.filter(export=export).select_related("invoice").order_by("number")


def cumulative_before(office: BillingOffice, year: int) -> Decimal:
    """What the office's bordereaux of the year already sent (MtCumulAnnuel)."""
    found = PesExport.objects.filter(office=office, year=year).aggregate(total=Sum("total"))
    return found["total"] or Decimal("0.00")
