import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.db import transaction
from django.utils import timezone

from ribambelle.accounts.models import Role, ThrottleEvent, User
from ribambelle.accounts.tasks import send_password_link
from ribambelle.tenants.models import Municipality

THROTTLE_WINDOW = timedelta(hours=1)


def _throttle_key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


@transaction.atomic
def password_link_request(*, municipality: Municipality, email: str, ip: str) -> bool:
    """Queue the "Créer le mot de passe" e-mail. Returns False when the address or e-mail has
    asked too often; the answer never depends on whether the account exists."""
    email = email.strip().lower()
    now = timezone.now()
    ThrottleEvent.objects.filter(created_at__lt=now - THROTTLE_WINDOW).delete()
    email_key = _throttle_key("link-email", f"{municipality.pk}:{email}")
    ip_key = _throttle_key("link-ip", ip)
    recent = ThrottleEvent.objects.filter(created_at__gte=now - THROTTLE_WINDOW)
    if (
        recent.filter(key=email_key).count() >= settings.PASSWORD_LINK_LIMIT_PER_EMAIL
        or recent.filter(key=ip_key).count() >= settings.PASSWORD_LINK_LIMIT_PER_IP
    ):
        return False
    ThrottleEvent.objects.bulk_create(
        [ThrottleEvent(key=email_key, created_at=now), ThrottleEvent(key=ip_key, created_at=now)]
    )
    # Enqueued inside the transaction: with the database queue, the task exists iff we commit.
    send_password_link.enqueue(municipality.pk, email)
    return True


@transaction.atomic
def user_set_password(*, user: User, password: str) -> User:
    """Validate against the municipality's policy, then store (Argon2). Changing the password
    kills every password link issued before."""
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    return user


@transaction.atomic
def staff_invite(
    *, municipality: Municipality, email: str, first_name: str, last_name: str, role: str
) -> User:
    """Create a staff account without a password and send its first-connection e-mail."""
    if role not in {Role.MANAGER, Role.AGENT, Role.READ_ONLY}:
        raise ValueError(role)
    user = User.objects.create_user(
        email,
        municipality=municipality,
        role=role,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    send_password_link.enqueue(municipality.pk, user.email)
    return user
