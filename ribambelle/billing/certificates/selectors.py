"""Reads of the tax certificates: a municipality's settings, what its households paid in a
year (as the plain facts rules.paid_per_child takes), the certificates of a year."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet

from ribambelle.billing.account.models import AccountMovement
from ribambelle.billing.certificates import rules
from ribambelle.billing.certificates.models import CertificateSettings, TaxCertificate
from ribambelle.billing.models import Invoice, InvoiceLine, Payment
from ribambelle.bookings.models import Activity
from ribambelle.families.models import Child
from ribambelle.tenants.models import Municipality

Kind = AccountMovement.Kind


def settings_of(municipality: Municipality) -> CertificateSettings:
    """The municipality's settings; unsaved defaults (nothing eligible) when never saved."""
    found = CertificateSettings.objects.filter(municipality=municipality).first()
    return found or CertificateSettings(municipality=municipality)


def eligible_activity_ids(settings: CertificateSettings) -> set[int]:
    if settings.pk is None:
        return set()
    return set(settings.activities.values_list("pk", flat=True))


def activities_of(municipality: Municipality) -> QuerySet[Activity]:
    """Every activity the municipality has billed or bills, to choose the eligible ones."""
    return (
        Activity.objects.for_municipality(municipality)
        .select_related("department")
        .order_by("department__name", "name", "-starts_on")
    )


@dataclass
class HouseholdFacts:
    invoices: list[rules.InvoiceFacts] = field(default_factory=list)
    offices: dict[int, int] = field(default_factory=dict)  # invoice id: office id
    received: list[rules.Received] = field(default_factory=list)
    taken_back: list[rules.TakenBack] = field(default_factory=list)


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def year_facts(municipality: Municipality, year: int) -> dict[int, HouseholdFacts]:
    """What every household of the municipality paid and got back in `year`, by household id,
    in four queries whatever the number of households."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    facts: dict[int, HouseholdFacts] = {}

    def of(household_id: int) -> HouseholdFacts:
        return facts.setdefault(household_id, HouseholdFacts())

    payments = Payment.objects.for_municipality(municipality).filter(
        status=Payment.Status.PAID, received_on__range=(start, end)
    )
    for invoice_id, household_id, on, amount, excess in payments.values_list(
        "invoice_id", "invoice__household_id", "received_on", "amount", "excess"
    ).order_by("pk"):
        if on is not None:  # always: the range excludes nulls
            of(household_id).received.append(
                rules.Received(invoice_id, on, _cents(amount), _cents(excess))
            )
    movements = AccountMovement.objects.for_municipality(municipality).filter(
        on__range=(start, end), invoice__isnull=False
    )
    for invoice_id, household_id, on, credit in (
        movements.filter(kind=Kind.CREDIT_APPLIED)
        .values_list("invoice_id", "household_id", "on", "credit_cents")
        .order_by("pk")
    ):
        of(household_id).received.append(rules.Received(invoice_id, on, -credit))
    for invoice_id, household_id, on, credit in (
        movements.filter(kind=Kind.EXCESS, credit_note__isnull=False)
        .values_list("invoice_id", "household_id", "on", "credit_cents")
        .order_by("pk")
    ):
        of(household_id).taken_back.append(rules.TakenBack(invoice_id, on, credit))

    moved = Q(
        Exists(
            Payment.objects.filter(
                invoice=OuterRef("pk"),
                status=Payment.Status.PAID,
                received_on__range=(start, end),
            )
        )
    ) | Q(
        Exists(
            AccountMovement.objects.filter(
                invoice=OuterRef("pk"),
                kind__in=[Kind.CREDIT_APPLIED, Kind.EXCESS],
                on__range=(start, end),
            )
        )
    )
    concerned = (
        Invoice.objects.for_municipality(municipality)
        .filter(status=Invoice.Status.ISSUED)
        .filter(moved)
    )
    invoices: dict[int, tuple[int, int, Decimal, list[rules.Line]]] = {
        pk: (household_id, office_id, total, [])
        for pk, household_id, office_id, total in concerned.values_list(
            "pk", "household_id", "office_id", "total"
        )
    }
    lines = InvoiceLine.objects.filter(invoice__in=concerned.values("pk"))
    for invoice_id, child_id, activity_id, amount in lines.values_list(
        "invoice_id", "child_id", "activity_id", "amount"
    ).order_by("pk"):
        invoices[invoice_id][3].append(rules.Line(child_id, activity_id, _cents(amount)))
    for pk, (household_id, office_id, total, invoice_lines) in invoices.items():
        household = of(household_id)
        household.invoices.append(rules.InvoiceFacts(pk, _cents(total), tuple(invoice_lines)))
        household.offices[pk] = office_id
    return facts


def children_of_households(household_ids: list[int]) -> dict[int, list[Child]]:
    found: dict[int, list[Child]] = {}
    for child in Child.objects.filter(household_id__in=household_ids).order_by("birth_date", "pk"):
        found.setdefault(child.household_id, []).append(child)
    return found


def latest_certificates(municipality: Municipality, year: int) -> dict[int, TaxCertificate]:
    """The latest version of each household's certificate of `year`, by household id."""
    latest: dict[int, TaxCertificate] = {}
    for certificate in (
        TaxCertificate.objects.for_municipality(municipality)
        .filter(year=year)
        .order_by("household_id", "version")
    ):
        latest[certificate.household_id] = certificate
    return latest


def certificates_of_year(municipality: Municipality, year: int) -> list[TaxCertificate]:
    """The staff list: each household's latest version, by household name."""
    rows = (
        TaxCertificate.objects.for_municipality(municipality)
        .filter(year=year)
        .select_related("household", "document")
        .order_by("household__name", "household_id", "-version")
    )
    seen: set[int] = set()
    latest = []
    for row in rows:
        if row.household_id not in seen:
            seen.add(row.household_id)
            latest.append(row)
    return latest
