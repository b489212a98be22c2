"""Reads of mandates and creditor settings, scoped to the municipality and the household:
whatever is not theirs answers 404 (invariant 1)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from ribambelle.billing.models import BillingOffice
from ribambelle.core.statements import Statement
from ribambelle.debits.models import Creditor, Mandate
from ribambelle.families.models import Household
from ribambelle.tenants.models import HouseholdKey, Municipality

IN_FORCE = (Mandate.Status.ACTIVE, Mandate.Status.SUSPENDED)
# What "Mes factures" shows of a mandate in force (debits/mandates/_family_section.html).
SHOWN = (
    *("pk", "office_id", "reference", "status", "debtor_name"),
    *("iban_country", "iban_last4", "document"),
)


def creditors_of(municipality_id: int) -> QuerySet[Creditor]:
    """The billing offices of the municipality that collect by direct debit."""
    return (
        Creditor.objects.for_municipality(municipality_id)
        .select_related("office")
        .order_by("office__name", "pk")
    )


def creditor_of(office: BillingOffice) -> Creditor | None:
    return Creditor.objects.filter(office=office).first()


def family_creditor_get(household: Household, office_pk: int) -> Creditor:
    """An office of the household's municipality that offers direct debit, else 404."""
    creditor: Creditor = get_object_or_404(
        creditors_of(household.municipality_id).select_related("office__municipality"),
        office_id=office_pk,
    )
    return creditor


_in_force = Statement(
    lambda municipality, household: (
        Mandate.objects.for_household(HouseholdKey(municipality, household))
        .filter(status__in=IN_FORCE)
        .only(*SHOWN)
    )
)


def mandates_in_force(household: Household) -> dict[int, Mandate]:
    """The household's mandate in force for each office, by office id (its SQL compiled once:
    "Mes factures" asks it at every visit)."""
    found = _in_force(municipality=household.municipality_id, household=household.pk)
    return {mandate.office_id: mandate for mandate in found}


_family_creditors = Statement(
    lambda municipality: creditors_of(municipality).only(
        "pk", "office_id", "collection_day", "office__name"
    )
)


def family_creditors(municipality_id: int) -> list[Creditor]:
    """creditors_of with what "Mes factures" shows of them, its SQL compiled once."""
    return _family_creditors(municipality=municipality_id)


def family_mandate_get(household: Household, pk: int) -> Mandate:
    """A mandate in force of the household, else 404 (another household's, or an old one)."""
    mandate: Mandate = get_object_or_404(
        Mandate.objects.for_household(household)
        .filter(status__in=IN_FORCE)
        .select_related("office", "municipality", "household"),
        pk=pk,
    )
    return mandate


def household_mandates(household: Household) -> QuerySet[Mandate]:
    """Every mandate of the household, every version, newest first (staff)."""
    return (
        Mandate.objects.for_household(household)
        .select_related("office", "signed_by")
        .order_by("office__name", "-created_at", "-pk")
    )


def staff_mandate_get(municipality: Municipality, household: Household, pk: int) -> Mandate:
    mandate: Mandate = get_object_or_404(
        Mandate.objects.for_municipality(municipality)
        .filter(household_id=household.pk)
        .select_related("office", "municipality", "household"),
        pk=pk,
    )
    return mandate
