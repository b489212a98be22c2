"""Reads of billing for the families' pages. A family sees only its own household's issued
invoices; a draft, another household's or another municipality's invoice answers 404."""

from django.db.models import F, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from ribambelle.billing.models import CreditNote, Invoice
from ribambelle.families.models import Household

LIST_FIELDS = (
    "pk",
    "status",
    "number",
    "period_start",
    "due_on",
    "total",
    "paid",
    "credited",
    "office__provider",
    "office__provider_options",
)


def issued_invoices(household: Household) -> QuerySet[Invoice]:
    """Newest first: the latest issue date, then the highest number."""
    return (
        Invoice.objects.for_municipality(household.municipality_id)
        .filter(household=household, status=Invoice.Status.ISSUED)
        .select_related("office")
        .order_by("-issued_on", "-number")
    )


def invoices_for_list(household: Household) -> QuerySet[Invoice]:
    return issued_invoices(household).only(*LIST_FIELDS)


def unpaid_invoices(household: Household) -> QuerySet[Invoice]:
    """Issued invoices with something still due, the oldest due date first."""
    return (
        issued_invoices(household)
        .filter(total__gt=F("paid") + F("credited"))
        .order_by("due_on", "number")
        .only(*LIST_FIELDS)
    )


def family_invoice_get(household: Household, pk: int) -> Invoice:
    """One issued invoice of the household, with what its document shows, in three queries."""
    return get_object_or_404(
        issued_invoices(household)
        .select_related("municipality", "office")
        .prefetch_related(
            "lines",
            Prefetch("credit_notes", queryset=CreditNote.objects.order_by("created_at", "pk")),
        ),
        pk=pk,
    )
