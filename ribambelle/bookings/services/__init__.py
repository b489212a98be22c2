"""Writes for bookings. Every booking change goes through `bookings_apply`, which re-checks the
calendar, the eligibility, the deadlines and the capacity inside one transaction, after locking
the per activity-and-day counters it touches (invariants 2 and 3)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.bookings import rules, selectors
from ribambelle.bookings.forms_config import ActivityForm, BookingSettingsForm
from ribambelle.bookings.models import Activity, Attendance, Booking, Closure, DayCount
from ribambelle.bookings.rules import Change
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.families import selectors as family_selectors
from ribambelle.families.models import Child, Household
from ribambelle.tenants.models import Municipality

# Outcome kinds
BOOKED = "booked"
ALREADY = "already"
CANCELLED = "cancelled"
NOT_BOOKED = "not_booked"
REFUSED = "refused"


@dataclass(frozen=True)
class Outcome:
    change: Change
    kind: str
    reason: str = ""

    @property
    def refused(self) -> bool:
        return self.kind == REFUSED


class BookingError(Exception):
    """A request that names a child or an activity outside what the caller may touch."""


def _household_refusal(household: Household) -> str:
    if household.status != Household.Status.ACTIVE:
        return _(
            "Votre inscription doit d'abord être validée par la mairie avant de pouvoir réserver."
        )
    return ""


@transaction.atomic
def bookings_apply(
    *,
    municipality: Municipality,
    household: Household,
    actor,
    changes: list[Change],
    source: str = Booking.Source.FAMILY,
    override: bool = False,
) -> list[Outcome]:
    """Book or cancel days for children of one household. Children and activities are looked up
    again inside the transaction, scoped to the household and the municipality: a forged id
    raises BookingError and nothing is written. `override` (staff only) lifts the deadlines,
    never the calendar, the eligibility or the capacity; each late change is logged."""
    if not changes:
        return []
    household = Household.objects.select_for_update().get(
        pk=household.pk, municipality=municipality
    )
    child_ids = {c.child_id for c in changes}
    activity_ids = {c.activity_id for c in changes}
    children = list(family_selectors.children_with_records(household).filter(pk__in=child_ids))
    activities = list(
        selectors.activities_of(municipality).filter(pk__in=activity_ids, is_active=True)
    )
    if len(children) != len(child_ids) or len(activities) != len(activity_ids):
        raise BookingError
    activity_specs = selectors.activity_specs(municipality, activities)
    child_specs = selectors.child_specs(municipality, children, activities)
    days = {c.day for c in changes}
    first, last = min(days), max(days)

    # The counters of every open (activity, day) booked here exist, then are locked, always in
    # the same order so that two transactions never wait for each other.
    wanted = sorted(
        {
            (c.activity_id, c.day)
            for c in changes
            if c.book and rules.closure_of(activity_specs[c.activity_id], c.day) is None
        }
    )
    if wanted:
        DayCount.objects.bulk_create(
            [DayCount(activity_id=a, date=d) for a, d in wanted], ignore_conflicts=True
        )
    counters = {
        (counter.activity_id, counter.date): counter
        for counter in DayCount.objects.select_for_update()
        .filter(activity_id__in=activity_ids, date__gte=first, date__lte=last)
        .order_by("pk")
    }
    existing = {
        (b.child_id, b.activity_id, b.date): b.pk
        for b in Booking.objects.filter(
            child_id__in=child_ids, activity_id__in=activity_ids, date__gte=first, date__lte=last
        ).only("pk", "child_id", "activity_id", "date")
    }
    now = timezone.now()
    blocked = _household_refusal(household)
    outcomes: list[Outcome] = []
    to_create: list[Booking] = []
    to_delete: list[int] = []
    late_changes: list[Change] = []
    touched: set[tuple[int, date]] = set()
    for change in changes:
        key = (change.child_id, change.activity_id, change.day)
        counter = counters.get((change.activity_id, change.day))
        if change.book and key in existing:
            outcomes.append(Outcome(change, ALREADY))
            continue
        if not change.book and key not in existing:
            outcomes.append(Outcome(change, NOT_BOOKED))
            continue
        if blocked:
            outcomes.append(Outcome(change, REFUSED, blocked))
            continue
        decision = rules.decide(
            activity_specs[change.activity_id],
            child_specs[change.child_id],
            change.day,
            book=change.book,
            now=now,
            booked_count=counter.booked if counter else 0,
            override=override,
        )
        if not decision.allowed:
            outcomes.append(Outcome(change, REFUSED, decision.reason))
            continue
        if change.book:
            to_create.append(
                Booking(
                    municipality=municipality,
                    child_id=change.child_id,
                    activity_id=change.activity_id,
                    date=change.day,
                    source=source,
                    late=decision.late,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
            )
            existing[key] = None
            counter.booked += 1
            outcomes.append(Outcome(change, BOOKED))
        else:
            to_delete.append(existing.pop(key))
            if counter is not None and counter.booked > 0:
                counter.booked -= 1
            outcomes.append(Outcome(change, CANCELLED))
        if counter is not None:
            touched.add((change.activity_id, change.day))
        if decision.late:
            late_changes.append(change)
    if to_create:
        Booking.objects.bulk_create(to_create, batch_size=1000)
    if to_delete:
        Booking.objects.filter(pk__in=to_delete).delete()
    if touched:
        DayCount.objects.bulk_update([counters[k] for k in touched], ["booked"], batch_size=1000)
    if late_changes:
        _log_overrides(municipality, household, actor, children, late_changes)
    return outcomes


def _log_overrides(municipality, household, actor, children, changes: list[Change]) -> None:
    by_child = {c.pk: c for c in children}
    grouped: dict[int, list[Change]] = defaultdict(list)
    for change in changes:
        grouped[change.child_id].append(change)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                municipality=municipality,
                actor=actor,
                action=AuditEntry.Action.OVERRIDE,
                target_type="families.child",
                target_id=child_id,
                target_label=str(by_child[child_id])[:200],
                household_id=household.pk,
                after={
                    "deadline_override": [
                        {
                            "activity": change.activity_id,
                            "date": change.day.isoformat(),
                            "action": "book" if change.book else "cancel",
                        }
                        for change in items
                    ]
                },
            )
            for child_id, items in grouped.items()
        ]
    )


def week_changes(
    spec_days: list[date], child_id: int, activity_id: int, *, book: bool = True
) -> list[Change]:
    return [Change(child_id, activity_id, day, book) for day in spec_days]


ADD = "add"
REPLACE = "replace"


def mass_booking(
    *,
    municipality: Municipality,
    household: Household,
    actor,
    pairs: list[tuple[Child, Activity]],
    weekdays: set[int],
    start: date,
    end: date,
    mode: str,
) -> dict[tuple[int, int], rules.MassResult]:
    """Book the chosen weekdays between two dates for each (child, activity) pair. In "replace"
    mode, within the range the booked days become exactly the chosen ones: other booked days
    are cancelled (where the cancelling deadline allows). One transaction for all the pairs, a
    constant number of queries whatever the length of the range."""
    chosen, others = rules.mass_days(start, end, weekdays)
    changes = []
    for child, activity in pairs:
        changes.extend(Change(child.pk, activity.pk, day, True) for day in chosen)
        if mode == REPLACE:
            changes.extend(Change(child.pk, activity.pk, day, False) for day in others)
    outcomes = bookings_apply(
        municipality=municipality,
        household=household,
        actor=actor,
        changes=changes,
        source=Booking.Source.MASS,
    )
    results: dict[tuple[int, int], rules.MassResult] = {
        (child.pk, activity.pk): rules.MassResult() for child, activity in pairs
    }
    for outcome in outcomes:
        change = outcome.change
        result = results[(change.child_id, change.activity_id)]
        if outcome.kind == BOOKED:
            result.booked.append(change.day)
        elif outcome.kind == ALREADY:
            result.already.append(change.day)
        elif outcome.kind == CANCELLED:
            result.cancelled.append(change.day)
        elif outcome.kind == REFUSED:
            # In replace mode, a booked day that could not be cancelled stays booked: say so.
            result.refused.append((change.day, outcome.reason))
    return results


@transaction.atomic
def attendance_set(
    *,
    municipality: Municipality,
    actor,
    activity: Activity,
    child: Child,
    day: date,
    status: str,
) -> Attendance:
    """Record presence or absence; a child who was not booked may be marked present."""
    was_booked = Booking.objects.filter(child=child, activity=activity, date=day).exists()
    attendance, _created = Attendance.objects.update_or_create(
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
    return attendance


@transaction.atomic
def attendance_clear(*, activity: Activity, child: Child, day: date) -> None:
    Attendance.objects.filter(child=child, activity=activity, date=day).delete()


def audit_feed_reset(*, municipality, actor, household) -> None:
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=household,
        household_id=household.pk,
        after={"calendar_feed": "renouvelé"},
    )


# Configuration by managers: each write in one transaction with its audit entry (invariant 8).
# Changing an activity's rules never touches the bookings already made.

AUDITED_ACTIVITY_FIELDS = [
    name for name in ActivityForm.Meta.fields if name not in ("department", "enrolled")
]


def _json_safe(value):
    return value.strftime("%H:%M") if isinstance(value, time) else value


def activity_snapshot(activity: Activity) -> dict:
    values = {"department": activity.department_id}
    values.update({name: _json_safe(getattr(activity, name)) for name in AUDITED_ACTIVITY_FIELDS})
    if activity.pk:
        values["enrolled"] = sorted(activity.enrolled.values_list("pk", flat=True))
    return values


@transaction.atomic
def activity_save(
    *, municipality: Municipality, actor, form: ActivityForm, before: dict
) -> Activity:
    """Save a valid activity form and log what changed. `before` is the snapshot taken before
    the form was validated (validation writes the typed values into the instance)."""
    creating = form.instance.pk is None
    activity = form.save(commit=False)
    activity.municipality = municipality
    activity.save()
    form.save_m2m()
    after = activity_snapshot(activity)
    if creating:
        audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.CREATE,
            target=activity,
            after=after,
        )
        return activity
    changed = [name for name in after if before.get(name) != after[name]]
    if changed:
        audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            target=activity,
            before={name: before.get(name) for name in changed},
            after={name: after[name] for name in changed},
        )
    return activity


def _closure_values(closure: Closure) -> dict:
    return {
        "label": closure.label,
        "department": closure.department_id,
        "starts_on": closure.starts_on,
        "ends_on": closure.ends_on,
    }


@transaction.atomic
def closure_add(*, municipality: Municipality, actor, closure: Closure) -> Closure:
    closure.municipality = municipality
    closure.save()
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=closure,
        after=_closure_values(closure),
    )
    return closure


@transaction.atomic
def closure_delete(*, municipality: Municipality, actor, closure: Closure) -> None:
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.DELETE,
        target=closure,
        before=_closure_values(closure),
    )
    Closure.objects.for_municipality(municipality).filter(pk=closure.pk).delete()


@transaction.atomic
def booking_settings_save(*, municipality: Municipality, actor, form: BookingSettingsForm):
    changed = {name: form.cleaned_data[name] for name in form.changed_data}
    form.save()
    if changed:
        audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            target=form.instance,
            before={name: form.initial.get(name) for name in changed},
            after=changed,
        )
