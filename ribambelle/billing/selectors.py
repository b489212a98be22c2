"""Reads of billing. A family sees only its own household's issued invoices; a draft,
another household's or another municipality's invoice answers 404. Staff reads are scoped to
their municipality."""

from datetime import date

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from ribambelle.billing.models import CreditNote, Invoice, Payment
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality

# Money received beyond the invoice: what the billing office owes the family.
OVERPAID = Q(paid__gt=F("total") - F("credited"))

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


def live_attempts(household: Household) -> dict[int, Payment]:
    """The household's pending online attempts by invoice (one at most per invoice), in one
    query, with what the provider needs to say whether it can reopen them."""
    attempts = (
        Payment.objects.for_municipality(household.municipality_id)
        .filter(
            invoice__household=household,
            method=Payment.Method.ONLINE,
            status=Payment.Status.PENDING,
        )
        .select_related("invoice__office__municipality")
    )
    return {payment.invoice_id: payment for payment in attempts}


def live_attempt_of(invoice: Invoice) -> Payment | None:
    return (
        Payment.objects.filter(
            invoice=invoice, method=Payment.Method.ONLINE, status=Payment.Status.PENDING
        )
        .select_related("invoice__office__municipality")
        .first()
    )


def overpaid_invoices(municipality: Municipality) -> QuerySet[Invoice]:
    """Issued invoices that received more than they asked for, the oldest first, each with the
    payments it received (which ones went beyond: Payment.excess)."""
    return (
        Invoice.objects.for_municipality(municipality)
        .filter(OVERPAID, status=Invoice.Status.ISSUED)
        .select_related("household")
        .prefetch_related(
            Prefetch(
                "payments",
                queryset=Payment.objects.filter(status=Payment.Status.PAID).order_by(
                    "created_at", "pk"
                ),
                to_attr="paid_payments",
            )
        )
        .order_by("issued_on", "number")
    )


def waiting_counts(municipality: Municipality, today: date) -> dict[str, int]:
    """For the staff dashboard, in one query: unpaid invoices past their due date, and
    overpaid invoices."""
    return Invoice.objects.for_municipality(municipality).aggregate(
        late=Count(
            "pk",
            filter=Q(status=Invoice.Status.ISSUED, due_on__lt=today)
            & Q(paid__lt=F("total") - F("credited")),
        ),
        overpaid=Count("pk", filter=Q(OVERPAID, status=Invoice.Status.ISSUED)),
    )
