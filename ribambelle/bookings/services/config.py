"""Configuration writes by managers: activities, closures, reminder settings. Each in one
transaction with its audit entry (invariant 8). Changing an activity's rules never touches the
bookings already made: the rules are read when a family books or cancels."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, time
from typing import Any

from django.db import transaction

from ribambelle.accounts.models import User
from ribambelle.bookings.models import Activity, BookingSettings, Closure
from ribambelle.bookings.selectors.config import activity_snapshot
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child
from ribambelle.tenants import configuration
from ribambelle.tenants.models import Department, Municipality


@dataclass(frozen=True)
class ActivityValues:
    """What a manager sets on an activity, cleaned (selectors.config.ACTIVITY_SETTINGS and the
    department); the enrolled children come apart."""

    department: Department
    name: str
    unit: str
    weekdays: str
    starts_on: date
    ends_on: date
    capacity: int | None
    schools: str
    classes: str
    min_age: int | None
    max_age: int | None
    enrolment_only: bool
    book_kind: str
    book_days: int
    book_working_days: bool
    book_weekday: int
    book_time: time
    cancel_kind: str
    cancel_days: int
    cancel_working_days: bool
    cancel_weekday: int
    cancel_time: time
    position: int
    is_active: bool

    @classmethod
    def of(cls, cleaned: Mapping[str, Any]) -> "ActivityValues":
        return cls(**{field.name: cleaned[field.name] for field in fields(cls)})

    def apply_to(self, activity: Activity) -> None:
        for field in fields(self):
            setattr(activity, field.name, getattr(self, field.name))


def _check_department(municipality: Municipality, values: ActivityValues) -> None:
    if values.department.municipality_id != municipality.pk:
        raise ValueError("The department is not of this municipality.")


@transaction.atomic
def activity_create(
    *,
    municipality: Municipality,
    actor: User,
    values: ActivityValues,
    enrolled: Sequence[Child],
) -> Activity:
    configuration.changing(municipality)  # its row first (tenants.configuration)
    _check_department(municipality, values)
    activity = Activity(municipality=municipality)
    values.apply_to(activity)
    activity.save()
    activity.enrolled.set(enrolled)
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=activity,
        after=activity_snapshot(activity),
    )
    return activity


@transaction.atomic
def activity_update(
    *,
    municipality: Municipality,
    actor: User,
    activity: Activity,
    values: ActivityValues,
    enrolled: Sequence[Child],
) -> Activity:
    """Logs the fields that changed, compared with the row as stored (locked meanwhile), not
    with the instance the caller holds (a form may have written into it)."""
    _check_department(municipality, values)
    configuration.changing(municipality)  # its row first (tenants.configuration)
    stored = Activity.objects.for_municipality(municipality).select_for_update().get(pk=activity.pk)
    before = activity_snapshot(stored)
    values.apply_to(stored)
    stored.save()
    stored.enrolled.set(enrolled)
    after = activity_snapshot(stored)
    changed = [name for name in after if before.get(name) != after[name]]
    if changed:
        audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            target=stored,
            before={name: before.get(name) for name in changed},
            after={name: after[name] for name in changed},
        )
    return stored


def _closure_values(closure: Closure) -> dict[str, object]:
    return {
        "label": closure.label,
        "department": closure.department_id,
        "starts_on": closure.starts_on,
        "ends_on": closure.ends_on,
    }


@transaction.atomic
def closure_add(
    *,
    municipality: Municipality,
    actor: User,
    label: str,
    department: Department | None,
    starts_on: date,
    ends_on: date,
) -> Closure:
    if department is not None and department.municipality_id != municipality.pk:
        raise ValueError("The department is not of this municipality.")
    configuration.changing(municipality)  # its row first (tenants.configuration)
    closure = Closure.objects.create(
        municipality=municipality,
        label=label,
        department=department,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=closure,
        after=_closure_values(closure),
    )
    return closure


@transaction.atomic
def closure_delete(*, municipality: Municipality, actor: User, closure: Closure) -> None:
    configuration.changing(municipality)  # its row first (tenants.configuration)
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.DELETE,
        target=closure,
        before=_closure_values(closure),
    )
    Closure.objects.for_municipality(municipality).filter(pk=closure.pk).delete()


@transaction.atomic
def booking_settings_update(
    *,
    municipality: Municipality,
    actor: User,
    reminders_enabled: bool,
    reminder_hours: int,
) -> BookingSettings:
    """Logs the settings that changed; nothing when nothing did."""
    current, _created = BookingSettings.objects.select_for_update().get_or_create(
        municipality=municipality
    )
    wanted = {"reminders_enabled": reminders_enabled, "reminder_hours": reminder_hours}
    changed = {name: value for name, value in wanted.items() if getattr(current, name) != value}
    if not changed:
        return current
    before = {name: getattr(current, name) for name in changed}
    for name, value in changed.items():
        setattr(current, name, value)
    current.save()
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=current,
        before=before,
        after=changed,
    )
    return current
