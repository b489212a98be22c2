"""Reads of one period's invoices, credit notes and payments, for the accounting office's
export (billing.exports) and the treasury's accounting export."""

from datetime import date

from django.db.models import Q, QuerySet

from ribambelle.billing.models import CreditNote, Invoice, Payment
from ribambelle.tenants.models import Municipality


def invoices_issued_between(
    municipality: Municipality, start: date, end: date
) -> QuerySet[Invoice]:
    return (
        Invoice.objects.for_municipality(municipality)
        .filter(status=Invoice.Status.ISSUED, issued_on__gte=start, issued_on__lte=end)
        .select_related("office")
        .order_by("number")
    )


def credit_notes_between(
    municipality: Municipality, start: date, end: date
) -> QuerySet[CreditNote]:
    return (
        CreditNote.objects.for_municipality(municipality)
        .filter(created_at__date__gte=start, created_at__date__lte=end)
        .select_related("invoice__office")
        .order_by("number")
    )


def payments_received_between(
    municipality: Municipality, start: date, end: date
) -> QuerySet[Payment]:
    """Paid payments by the day they were received (online ones: the day they were made)."""
    return (
        Payment.objects.for_municipality(municipality)
        .filter(status=Payment.Status.PAID)
        .filter(
            Q(received_on__gte=start, received_on__lte=end)
            | Q(received_on__isnull=True, created_at__date__gte=start, created_at__date__lte=end)
        )
        .select_related("invoice__office")
        .order_by("received_on", "pk")
    )
