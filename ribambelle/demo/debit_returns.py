"""A returned debit in the demo data: one sent debit of the demo's direct debit households
returned by the family's bank for lack of funds, through the same service as staff use, so
that the demo shows the invoice back to "à payer", the fee on the family account and the
return on the staff's page. Idempotent: a debit already returned is left as it is."""

from datetime import date, timedelta

from django.utils import timezone

from ribambelle.debits.models import Debit, DebitReturn
from ribambelle.debits.returns.services import debit_return_record


def demo_returns(
    *, debit: Debit, reason_code: str = "AM04", returned_on: date | None = None
) -> DebitReturn | None:
    """Return `debit` (SENT) as its bank would, a few days after its collection date (never
    in the future). None when the debit is not sent (already returned, scheduled...)."""
    existing = DebitReturn.objects.filter(debit=debit).first()
    if existing is not None:
        return existing
    if debit.status != Debit.Status.SENT:
        return None
    today = timezone.localdate()
    day = returned_on or min(debit.collection_on + timedelta(days=3), today)
    return debit_return_record(
        municipality=debit.municipality,
        debit=debit,
        reason_code=reason_code,
        returned_on=min(day, today),
        actor=None,
    )
