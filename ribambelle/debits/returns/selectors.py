"""Reads for the staff pages of returned debits, scoped to the municipality."""

from django.db.models import QuerySet

from ribambelle.billing.models import BillingOffice
from ribambelle.debits.models import Debit, DebitReturn
from ribambelle.tenants.models import Municipality


def debit_returns(municipality: Municipality) -> QuerySet[DebitReturn]:
    return (
        DebitReturn.objects.for_municipality(municipality)
        .select_related("debit__invoice__household", "debit__mandate", "source")
        .order_by("-returned_on", "-pk")
    )


def creditor_offices(municipality: Municipality) -> QuerySet[BillingOffice]:
    """The billing offices that collect by direct debit."""
    return BillingOffice.objects.for_municipality(municipality).filter(creditor__isnull=False)


def sent_debits(municipality: Municipality) -> QuerySet[Debit]:
    """The debits the bank may still return, newest collections first."""
    return (
        Debit.objects.for_municipality(municipality)
        .filter(status=Debit.Status.SENT)
        .select_related("invoice__household")
        .order_by("-collection_on", "end_to_end_id")
    )
