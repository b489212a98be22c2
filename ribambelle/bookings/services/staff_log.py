"""The audit entries of the booking changes staff make, and of the late ones (invariant 8):
written by bookings_apply in its transaction."""

from collections import defaultdict

from ribambelle.accounts.models import User
from ribambelle.bookings.models import Booking
from ribambelle.bookings.rules import Change
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child, Household
from ribambelle.tenants.models import Municipality


def _log_staff_changes(
    municipality: Municipality,
    household: Household,
    actor: User | None,
    children: list[Child],
    done: list[tuple[Change, bool]],
    source: str,
) -> None:
    """One entry per child (one query): the changes made after the deadline, as overrides, and
    for staff the others too, so that a booking a member of staff cancelled leaves a trace."""
    by_child = {c.pk: c for c in children}
    late: dict[int, list[Change]] = defaultdict(list)
    in_time: dict[int, list[Change]] = defaultdict(list)
    for change, was_late in done:
        if was_late:
            late[change.child_id].append(change)
        elif source == Booking.Source.STAFF:
            in_time[change.child_id].append(change)

    def entry(child_id: int, action: str, key: str, items: list[Change]) -> AuditEntry:
        return AuditEntry(
            municipality=municipality,
            actor=actor if actor is not None and actor.is_authenticated else None,
            action=action,
            target_type="families.child",
            target_id=child_id,
            target_label=str(by_child[child_id])[:200],
            household_id=household.pk,
            after={
                key: [
                    {
                        "activity": change.activity_id,
                        "date": change.day.isoformat(),
                        "action": "book" if change.book else "cancel",
                    }
                    for change in items
                ]
            },
        )

    override = AuditEntry.Action.OVERRIDE
    overrides = [entry(pk, override, "deadline_override", c) for pk, c in late.items()]
    others = [entry(pk, AuditEntry.Action.UPDATE, "bookings", c) for pk, c in in_time.items()]
    AuditEntry.objects.bulk_create([*overrides, *others])
