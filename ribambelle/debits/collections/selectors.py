"""Reads of the collections for the staff pages and the command, scoped to a municipality
(another tenant's batch is a 404)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.shortcuts import get_object_or_404

from ribambelle.billing.models import BillingOffice
from ribambelle.debits.models import Debit, DebitBatch
from ribambelle.tenants.models import Municipality


@dataclass(frozen=True)
class Upcoming:
    """The debits scheduled for one office and date, not yet in a file."""

    office_id: int
    office_name: str
    collection_on: date
    count: int
    total_cents: int

    @property
    def total(self) -> Decimal:
        return Decimal(self.total_cents) / 100


def upcoming(municipality: Municipality, office: BillingOffice | None = None) -> list[Upcoming]:
    found = Debit.objects.for_municipality(municipality).filter(status=Debit.Status.SCHEDULED)
    if office is not None:
        found = found.filter(mandate__office=office)
    rows = (
        found.values("mandate__office_id", "mandate__office__name", "collection_on")
        .annotate(count=Count("pk"), total=Sum("amount_cents"))
        .order_by("collection_on", "mandate__office__name")
    )
    return [
        Upcoming(
            row["mandate__office_id"],
            row["mandate__office__name"],
            row["collection_on"],
            row["count"],
            int(row["total"] or 0),
        )
        for row in rows
    ]


def batches_of(municipality: Municipality) -> QuerySet[DebitBatch]:
    return (
        DebitBatch.objects.for_municipality(municipality)
        .select_related("office")
        .order_by("-collection_on", "-pk")
    )


def batch_get(municipality: Municipality, pk: int) -> DebitBatch:
    return get_object_or_404(batches_of(municipality), pk=pk)


def batch_debits(batch: DebitBatch) -> QuerySet[Debit]:
    return (
        Debit.objects.for_municipality(batch.municipality_id)
        .filter(batch=batch)
        .select_related("invoice", "mandate")
        .order_by("pk")
    )


def office_of(municipality: Municipality, pk: int | None) -> BillingOffice | None:
    """The office `pk` of the municipality; without `pk` its only or first office (by name)."""
    offices = BillingOffice.objects.for_municipality(municipality).order_by("name", "pk")
    if pk is None:
        return offices.first()
    return offices.filter(pk=pk).first()


def next_date(office: BillingOffice) -> date | None:
    """The next collection date that has debits to collect (the earliest scheduled)."""
    found = (
        Debit.objects.for_municipality(office.municipality_id)
        .filter(mandate__office=office, status=Debit.Status.SCHEDULED)
        .order_by("collection_on")
        .values_list("collection_on", flat=True)
        .first()
    )
    return found
