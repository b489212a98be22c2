"""Writes of the treasury settings of a billing office (PES V2 codes) and of its revenue
imputations. Both are manager writes, audited (invariant 8)."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.billing.models import BillingOffice
from ribambelle.bookings.models import Activity
from ribambelle.core.audit import audit_entry, audit_record_changes, audit_record_many
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.models import Department, Municipality
from ribambelle.treasury.models import Imputation, TreasurySettings
from ribambelle.treasury.selectors import imputation_key
from ribambelle.treasury.services import TreasuryError


@dataclass(frozen=True)
class SettingsValues:
    collectivity_code: str
    budget_code: str
    post_code: str
    nomenclature: str
    title_object: str
    payfip: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_office(municipality: Municipality, office: BillingOffice) -> None:
    if office.municipality_id != municipality.pk:
        raise TreasuryError(_("Cette régie n'existe pas."))


@transaction.atomic
def treasury_settings_save(
    *,
    municipality: Municipality,
    actor: User | None,
    office: BillingOffice,
    values: SettingsValues,
) -> TreasurySettings:
    """Create or change what the treasury needs to know of the office."""
    _check_office(municipality, office)
    found = TreasurySettings.objects.select_for_update().filter(office=office).first()
    before = None
    if found is None:
        found = TreasurySettings(municipality=municipality, office=office)
    else:
        before = {name: getattr(found, name) for name in values.as_dict()}
    for name, value in values.as_dict().items():
        setattr(found, name, value)
    found.save()
    audit_record_changes(
        municipality=municipality, actor=actor, target=found, before=before, after=values.as_dict()
    )
    return found


Imputations = Mapping[int, tuple[str, str]]


@transaction.atomic
def imputations_save(
    *,
    municipality: Municipality,
    actor: User | None,
    office: BillingOffice,
    departments: Imputations,
    activities: Imputations,
) -> int:
    """Set the office's imputations as the table says: per department and per activity id,
    (nature, function); a nature left empty removes the imputation (an activity then takes its
    department's). Only the office's departments and their activities are accepted. Returns the
    number of imputations changed; each change has its audit entry."""
    _check_office(municipality, office)
    allowed_departments = set(
        Department.objects.filter(billing_offices=office).values_list("pk", flat=True)
    )
    allowed_activities = set(
        Activity.objects.filter(department__in=allowed_departments).values_list("pk", flat=True)
    )
    if not set(departments) <= allowed_departments or not set(activities) <= allowed_activities:
        raise TreasuryError(_("Ce service ou cette activité n'est pas facturé par cette régie."))
    saved = {
        imputation_key(item): item
        for item in Imputation.objects.select_for_update().filter(office=office)
    }
    wanted = {("department", pk): value for pk, value in departments.items()}
    wanted |= {("activity", pk): value for pk, value in activities.items()}
    entries = []
    for (kind, pk), (nature, function) in wanted.items():
        item = saved.get((kind, pk))
        after = {"nature": nature, "function": function}
        if not nature:
            if item is not None:
                old = {"nature": item.nature, "function": item.function}
                entries.append(
                    _entry(municipality, actor, AuditEntry.Action.DELETE, item, old, None)
                )
                item.delete()
            continue
        if item is None:
            item = Imputation(municipality=municipality, office=office, **{f"{kind}_id": pk})
            action, before = AuditEntry.Action.CREATE, None
        elif (item.nature, item.function) == (nature, function):
            continue
        else:
            action, before = AuditEntry.Action.UPDATE, {"nature": item.nature}
            before["function"] = item.function
        item.nature, item.function = nature, function
        item.save()
        entries.append(_entry(municipality, actor, action, item, before, after))
    audit_record_many(entries)
    return len(entries)


def _entry(
    municipality: Municipality,
    actor: User | None,
    action: str,
    item: Imputation,
    before: dict[str, str] | None,
    after: dict[str, str] | None,
) -> AuditEntry:
    """The entry names the department or activity, so that the log reads without the row."""
    target = {"activity": item.activity_id, "department": item.department_id}
    return audit_entry(
        municipality_id=municipality.pk,
        actor=actor,
        action=action,
        target=item,
        before=None if before is None else {**target, **before},
        after=None if after is None else {**target, **after},
    )
