from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Count, Q, QuerySet

from ribambelle.accounts.models import STAFF_ROLES, DeviceSession, PushSubscription, Role, User
from ribambelle.tenants.models import Municipality


def staff_of(municipality: Municipality) -> QuerySet[User]:
    staff: QuerySet[User] = (
        User.objects.for_municipality(municipality).staff().order_by("last_name", "first_name")
    )
    return staff


def account_counts(municipality: Municipality) -> dict[str, int]:
    """One query whatever the number of accounts."""
    counts: dict[str, int] = User.objects.for_municipality(municipality).aggregate(
        parents=Count("pk", filter=Q(role=Role.PARENT)),
        parents_active=Count("pk", filter=Q(role=Role.PARENT, last_login__isnull=False)),
        staff=Count("pk", filter=Q(role__in=STAFF_ROLES)),
    )
    return counts


def active_user(municipality: Municipality, **lookup: Any) -> User | None:
    """An active account of this municipality, or None: never one of another municipality."""
    user: User | None = (
        User.objects.for_municipality(municipality).filter(is_active=True, **lookup).first()
    )
    return user


def devices_of(user: User) -> list[DeviceSession]:
    """The account's browsers that are still signed in, most recently used first."""
    devices = DeviceSession.objects.filter(user=user).order_by("-last_used_at", "-pk")
    return [device for device in devices if session_alive(device.session_key)]


def device_of(user: User, pk: int) -> DeviceSession | None:
    """One device of this account, or None: never another account's."""
    device: DeviceSession | None = DeviceSession.objects.filter(user=user, pk=pk).first()
    return device


def device_by_key(user: User, session_key: str) -> DeviceSession | None:
    device: DeviceSession | None = DeviceSession.objects.filter(
        user=user, session_key=session_key
    ).first()
    return device


def session_store() -> type[SessionBase]:
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    return store


def session_alive(session_key: str) -> bool:
    """Whether the session still exists and has not expired, in whatever store is configured."""
    return bool(session_store()(session_key=session_key).load())


def push_subscriptions_of(user: User) -> list[PushSubscription]:
    return list(PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk"))
