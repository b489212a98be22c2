"""Reads of the treasury settings of a billing office and of its revenue imputations.

An activity's imputation is its own, else its department's, else none: `imputations_for`
resolves it once for every activity of an office, in two queries, so that an export of any
size asks nothing more per line."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from ribambelle.billing.models import BillingOffice
from ribambelle.bookings.models import Activity
from ribambelle.tenants.models import Department, Municipality
from ribambelle.treasury.models import Imputation, TreasurySettings

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
