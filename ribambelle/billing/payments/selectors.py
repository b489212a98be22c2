"""Online payments that need a person: for the staff list "Paiements en attente" and the
dashboard (issue 16). A family may have been debited for any of them."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from ribambelle.billing.models import Payment
from ribambelle.tenants.models import Municipality

# An online payment pending for longer than settings.PAYMENT_PENDING_ALERT_MINUTES (one hour by
# default) is listed: the notification is lost, or the provider still has no result.
# Attempts closed by our own wait, the provider never having answered, stay listed this long.
UNANSWERED_LISTED_FOR = timedelta(days=30)


def pending_alert_after() -> timedelta:
    minutes = settings.PAYMENT_PENDING_ALERT_MINUTES
    return timedelta(minutes=minutes)


def _stuck(now: datetime) -> Q:
    return Q(status=Payment.Status.PENDING, created_at__lt=now - pending_alert_after()) | Q(
        status=Payment.Status.ABANDONED,
        unanswered=True,
        created_at__gte=now - UNANSWERED_LISTED_FOR,
    )


def stuck_payments(municipality: Municipality, now: datetime) -> QuerySet[Payment]:
    """Still pending past the alert time, or closed without the provider's word: the oldest
    first, with their invoice and household."""
    return (
        Payment.objects.for_municipality(municipality)
        .filter(_stuck(now), method=Payment.Method.ONLINE)
        .select_related("invoice__household")
        .order_by("created_at", "pk")
    )


def stuck_count(municipality: Municipality, now: datetime) -> int:
    return (
        Payment.objects.for_municipality(municipality)
        .filter(_stuck(now), method=Payment.Method.ONLINE)
        .count()
    )


def stuck_not_alerted(now: datetime) -> QuerySet[Payment]:
    """Every municipality's stuck payments the municipality was not yet e-mailed about."""
    return Payment.objects.filter(_stuck(now), method=Payment.Method.ONLINE, alerted_at=None)
