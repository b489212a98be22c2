"""Asking the providers where pending payments stand, outside a notification: the 15-minute
reconciliation (a lost notification, a closed tab) and the return page (one throttled query
when the family comes back before the notification).

Two overlapping cron runs, or a run and a family on the return page, never ask about the same
payment twice: a payment is claimed first by a conditional UPDATE of its `checked_at` (a row
write, which PostgreSQL locks and SQLite serializes); on PostgreSQL a run also takes an advisory
lock and does nothing when another run holds it. Each run asks about `cap` payments at most, the
least recently asked first, so a backlog is worked through over several runs."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from ribambelle.billing.models import Payment
from ribambelle.billing.payments import tasks
from ribambelle.billing.payments.base import ProviderError
from ribambelle.billing.payments.registry import provider_of
from ribambelle.billing.payments.selectors import stuck_not_alerted
from ribambelle.billing.payments.services import payment_confirm

logger = logging.getLogger(__name__)

# Pending payments older than this are asked about by the reconciliation.
RECONCILE_AFTER = timedelta(minutes=15)
# A payment claimed by a run is not asked about again before this (a run that died meanwhile
# leaves it to the next one).
CLAIM_FOR = timedelta(minutes=10)
# The return page asks the provider at most this often about one payment.
RETURN_CHECK_EVERY = timedelta(seconds=30)
RUN_CAP = 200
# pg_try_advisory_lock's key for the reconciliation ("RBMP").
LOCK_KEY = 0x52424D50


@contextmanager
def _run_lock() -> Iterator[bool]:
    """True when this run may go on: always on SQLite (the claims are enough there)."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _unclaimed(now: datetime, every: timedelta) -> Q:
    return Q(checked_at__isnull=True) | Q(checked_at__lte=now - every)


def _claim(payment_id: int, now: datetime, every: timedelta) -> bool:
    """Whether this caller won the right to ask about the payment now."""
    return bool(
        Payment.objects.filter(
            _unclaimed(now, every), pk=payment_id, status=Payment.Status.PENDING
        ).update(checked_at=now)
    )


def _ask(payment: Payment, counts: dict[str, int]) -> None:
    provider = provider_of(payment)
    if provider is None:
        return
    counts["checked"] += 1
    try:
        result = provider.status(payment)
    except ProviderError:
        logger.warning("payment %s: status query failed", payment.reference, exc_info=True)
        counts["errors"] += 1
        return
    confirmed = payment_confirm(result=result)
    if confirmed is not None and result.status != Payment.Status.PENDING:
        counts["confirmed"] += 1


def payments_reconcile(*, cap: int = RUN_CAP) -> dict[str, int]:
    """Ask the provider about online payments pending for more than 15 minutes. Run every 15
    minutes; returns what it did ("locked": 1 when another run was going on; "alerts": how many
    municipalities were e-mailed about payments without a final answer)."""
    counts = {"checked": 0, "confirmed": 0, "errors": 0, "locked": 0, "alerts": 0}
    with _run_lock() as acquired:
        if not acquired:
            counts["locked"] = 1
            return counts
        now = timezone.now()
        candidates = (
            Payment.objects.filter(
                _unclaimed(now, CLAIM_FOR),
                method=Payment.Method.ONLINE,
                status=Payment.Status.PENDING,
                created_at__lt=now - RECONCILE_AFTER,
            )
            .exclude(transaction_id="")
            .order_by(F("checked_at").asc(nulls_first=True), "pk")
            .values_list("pk", flat=True)[:cap]
        )
        claimed = [pk for pk in list(candidates) if _claim(pk, now, CLAIM_FOR)]
        payments = Payment.objects.filter(pk__in=claimed).select_related("invoice__office")
        for payment in payments.order_by("pk"):
            _ask(payment, counts)
        counts["alerts"] = _alert_municipalities(timezone.now())
    return counts


def _alert_municipalities(now: datetime) -> int:
    """E-mail each municipality (its contact address) once about its payments that have just
    been left without a final answer; they stay on the staff list until they get one."""
    by_municipality: dict[int, list[int]] = {}
    for pk, municipality_id in stuck_not_alerted(now).values_list("pk", "municipality_id"):
        if Payment.objects.filter(pk=pk, alerted_at=None).update(alerted_at=now):
            by_municipality.setdefault(municipality_id, []).append(pk)
    for municipality_id, payment_ids in by_municipality.items():
        tasks.send_stuck_payments_alert.enqueue(municipality_id, payment_ids)
    return len(by_municipality)


def payment_status_refresh(*, payment: Payment) -> Payment:
    """The family is back from the provider's page and no notification has come yet: ask the
    provider once (at most every 30 seconds per payment), where it can be asked (PayFiP)."""
    provider = provider_of(payment)
    if (
        payment.status != Payment.Status.PENDING
        or not payment.transaction_id
        or provider is None
        or not provider.status_on_return
        or not _claim(payment.pk, timezone.now(), RETURN_CHECK_EVERY)
    ):
        return payment
    try:
        result = provider.status(payment)
    except ProviderError:
        logger.warning("payment %s: status query failed", payment.reference, exc_info=True)
        return payment
    if result.status != Payment.Status.PENDING:
        payment_confirm(result=result)
        payment.refresh_from_db()
    return payment
