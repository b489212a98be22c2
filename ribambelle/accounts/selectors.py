from typing import Any

from django.db.models import Count, Q, QuerySet

from ribambelle.accounts.models import STAFF_ROLES, Role, User
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
