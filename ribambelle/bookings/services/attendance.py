"""Attendance taken by staff on the register: present or absent, each change audited."""

from datetime import date

from django.db import transaction

from ribambelle.accounts.models import User
from ribambelle.bookings.models import Activity, Attendance, Booking
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child
from ribambelle.tenants.models import Municipality


def _audit_attendance(
    *,
    municipality: Municipality,
    actor: User,
    action: str,
    activity: Activity,
    child: Child,
    day: date,
    before: str | None,
    after: str | None,
) -> None:
    """The child's record says who marked it present or absent, for which activity and day."""
    where = {"activity": activity.pk, "date": day.isoformat()}
    audit_record(
        municipality=municipality,
        actor=actor,
        action=action,
        target=child,
        household_id=child.household_id,
        before={"attendance": {**where, "status": before}} if before is not None else None,
        after={"attendance": {**where, "status": after}} if after is not None else None,
    )


@transaction.atomic
def attendance_set(
    *,
    municipality: Municipality,
    actor: User,
    activity: Activity,
    child: Child,
    day: date,
    status: str,
) -> Attendance:
    """Record presence or absence; a child who was not booked may be marked present."""
    was_booked = Booking.objects.filter(child=child, activity=activity, date=day).exists()
    attendance, created = Attendance.objects.update_or_create(
        child=child,
        activity=activity,
        date=day,
        defaults={
            "municipality": municipality,
            "status": status,
            "was_booked": was_booked,
            "recorded_by": actor,
        },
    )
    _audit_attendance(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        activity=activity,
        child=child,
        day=day,
        before=None,
        after=status,
    )
    return attendance


@transaction.atomic
def attendance_clear(
    *, municipality: Municipality, actor: User, activity: Activity, child: Child, day: date
) -> None:
    """Take a mark away (the child is unmarked again); logged with the mark it had."""
    attendance = (
        Attendance.objects.for_municipality(municipality)
        .select_for_update()
        .filter(child=child, activity=activity, date=day)
        .first()
    )
    if attendance is None:
        return
    _audit_attendance(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.DELETE,
        activity=activity,
        child=child,
        day=day,
        before=attendance.status,
        after=None,
    )
    attendance.delete()
