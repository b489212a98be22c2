"""Rate limits kept in the database (ThrottleEvent), so that every app server sees the same
counts without a shared cache. Keys are hashed: e-mails and addresses are not stored."""

import hashlib
from datetime import timedelta

from django.utils import timezone

from ribambelle.accounts.models import ThrottleEvent

WINDOW = timedelta(hours=1)


def key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def exceeded(limits: dict[str, int]) -> bool:
    """True when any key has reached its limit within the window."""
    since = timezone.now() - WINDOW
    recent = ThrottleEvent.objects.filter(created_at__gte=since)
    return any(recent.filter(key=k).count() >= limit for k, limit in limits.items())


def record(*keys: str) -> None:
    now = timezone.now()
    ThrottleEvent.objects.filter(created_at__lt=now - WINDOW).delete()
    ThrottleEvent.objects.bulk_create([ThrottleEvent(key=k, created_at=now) for k in keys])


def clear(*keys: str) -> None:
    ThrottleEvent.objects.filter(key__in=keys).delete()


def account_key(kind: str, municipality_id: int | None, email: str) -> str:
    return key(kind, f"{municipality_id or '-'}:{email.strip().lower()}")
