"""Reads of the treasury: the settings of a billing office and its revenue imputations; the
invoices an export may take, the exports and their pièces, always within one municipality
(another one's answers 404).

An activity's imputation is its own, else its department's, else none: `imputations_for`
resolves it once for every activity of an office, in two queries, so that an export of any
size asks nothing more per line."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.db.models import F, QuerySet, Sum
from django.shortcuts import get_object_or_404

from ribambelle.billing.models import BillingOffice, Invoice, InvoiceRun
from ribambelle.billing.reminders.selectors import invoices_for_treasury
from ribambelle.bookings.models import Activity
from ribambelle.tenants.models import Department, Municipality
from ribambelle.treasury.models import Imputation, PesExport, PesPiece, TreasurySettings

# (nature comptable, fonction); ("", "") when neither the activity nor its department has one.
NO_IMPUTATION = ("", "")


def imputation_key(item: Imputation) -> tuple[str, int]:
    """("activity", id) or ("department", id): what the imputation is for."""
    if item.activity_id is not None:
        return ("activity", item.activity_id)
    return ("department", cast(int, item.department_id))  # one or the other, by constraint


def settings_of(office: BillingOffice) -> TreasurySettings | None:
    return TreasurySettings.objects.filter(office=office).first()


def _activities(office_ids: Iterable[int]) -> list[tuple[int, int, int]]:
    """(office, activity, department) for every activity of the offices' departments."""
    return list(
        Activity.objects.filter(department__billing_offices__in=office_ids)
        .values_list("department__billing_offices", "pk", "department_id")
        .order_by("department__billing_offices", "department__name", "name", "pk")
    )


def resolve(
    activities: Iterable[tuple[int, int, int]], imputations: Iterable[Imputation]
) -> dict[tuple[int, int], tuple[str, str]]:
    """(office, activity) -> (nature, function): the activity's own imputation first, then its
    department's, else ("", "")."""
    own: dict[tuple[int, int], tuple[str, str]] = {}
    by_department: dict[tuple[int, int], tuple[str, str]] = {}
    for item in imputations:
        value = (item.nature, item.function)
        if item.activity_id is not None:
            own[(item.office_id, item.activity_id)] = value
        elif item.department_id is not None:
            by_department[(item.office_id, item.department_id)] = value
    found = {}
    for office_id, activity_id, department_id in activities:
        found[(office_id, activity_id)] = (
            own.get((office_id, activity_id))
            or by_department.get((office_id, department_id))
            or NO_IMPUTATION
        )
    return found


def imputations_for(office: BillingOffice) -> dict[int, tuple[str, str]]:
    """activity id -> (nature, function) for every activity of the office's departments: its
    own imputation, else its department's, else ("", ""). Two queries, whatever the office's
    size. An activity of no department of the office (moved since it was invoiced) is not in
    the answer: read it with .get(activity_id, NO_IMPUTATION)."""
    resolved = resolve(
        _activities([office.pk]), Imputation.objects.filter(office=office).order_by("pk")
    )
    return {activity_id: value for (_office, activity_id), value in resolved.items()}


def imputations_of_municipality(
    municipality: Municipality,
) -> dict[tuple[int, int], tuple[str, str]]:
    """(office id, activity id) -> (nature, function) for every office of the municipality, in
    two queries: what the accounting export reads once."""
    offices = BillingOffice.objects.for_municipality(municipality).values_list("pk", flat=True)
    return resolve(
        _activities(offices), Imputation.objects.for_municipality(municipality).order_by("pk")
    )


@dataclass
class GridRow:
    """One line of an office's imputation table: a department, or one of its activities."""

    kind: str  # "department" or "activity"
    pk: int
    name: str
    nature: str = ""
    function: str = ""
    department_name: str = ""
    children: list["GridRow"] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind[0]}{self.pk}"


def imputation_grid(office: BillingOffice) -> list[GridRow]:
    """The office's departments, each with its activities, and what each has now (three
    queries)."""
    saved = {
        imputation_key(item): (item.nature, item.function)
        for item in Imputation.objects.filter(office=office)
    }
    departments = {
        department.pk: GridRow(
            "department",
            department.pk,
            department.name,
            *saved.get(("department", department.pk), NO_IMPUTATION),
        )
        for department in Department.objects.filter(billing_offices=office).order_by("name", "pk")
    }
    activities = Activity.objects.filter(department__in=list(departments)).order_by("name", "pk")
    for activity in activities.only("pk", "name", "department_id"):
        parent = departments[activity.department_id]
        parent.children.append(
            GridRow(
                "activity",
                activity.pk,
                activity.name,
                *saved.get(("activity", activity.pk), NO_IMPUTATION),
                department_name=parent.name,
            )
        )
    return list(departments.values())


# The PES V2 exports


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
