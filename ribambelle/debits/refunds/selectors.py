"""Reads of the refunds page: households holding credit that a transfer can refund (a mandate
in force gives the account), pending transfers and generated files, per municipality."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.shortcuts import get_object_or_404

from ribambelle.billing.models import AccountMovement
from ribambelle.debits.models import Mandate, RefundFile, RefundTransfer
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality

IN_FORCE = (Mandate.Status.ACTIVE, Mandate.Status.SUSPENDED)


@dataclass(frozen=True)
class CreditRow:
    household: Household
    credit: Decimal
    mandate: Mandate | None


def households_with_credit(municipality: Municipality, limit: int = 200) -> list[CreditRow]:
    held = (
        AccountMovement.objects.for_municipality(municipality)
        .values("household_id")
        .annotate(held=Sum("credit_cents"))
        .filter(held__gt=0)
        .order_by("-held")
        .values_list("household_id", "held")[:limit]
    )
    credits = dict(held)
    households = Household.objects.for_municipality(municipality).in_bulk(list(credits))
    mandates: dict[int, Mandate] = {}
    for mandate in Mandate.objects.for_municipality(municipality).filter(
        household_id__in=list(credits), status__in=IN_FORCE, office__creditor__isnull=False
    ):
        mandates.setdefault(mandate.household_id, mandate)
    return [
        CreditRow(households[pk], Decimal(credit) / 100, mandates.get(pk))
        for pk, credit in credits.items()
        if pk in households
    ]


def pending_transfers(municipality: Municipality) -> QuerySet[RefundTransfer]:
    return (
        RefundTransfer.objects.for_municipality(municipality)
        .filter(status=RefundTransfer.Status.PENDING)
        .select_related("household", "mandate", "office")
        .order_by("pk")
    )


def refund_files(municipality: Municipality) -> QuerySet[RefundFile]:
    return RefundFile.objects.for_municipality(municipality).select_related("office")


def refund_file_get(municipality: Municipality, pk: int) -> RefundFile:
    found: RefundFile = get_object_or_404(refund_files(municipality), pk=pk)
    return found
