"""Which reminder level an unpaid invoice has reached (pure logic, no ORM)."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Step:
    pk: int
    days_after_due: int


def step_to_take(
    steps: Sequence[Step], taken: Collection[int], due_on: date, today: date
) -> Step | None:
    """The latest step reached on `today`, unless it or a later one was already taken.

    Only the latest step reached is taken: an invoice found 30 days late the first time the
    reminders run (levels configured afterwards, a pause lifted) gets one message, not the 7-day
    and the 21-day ones together; and a step is never taken after a later one."""
    reached = [step for step in steps if due_on + timedelta(days=step.days_after_due) <= today]
    if not reached:
        return None
    latest = max(reached, key=lambda step: step.days_after_due)
    if any(step.pk in taken and step.days_after_due >= latest.days_after_due for step in steps):
        return None
    return latest
