from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.db import IntegrityError, transaction
from django.utils import timezone

from ribambelle.accounts import throttle
from ribambelle.accounts.backends import axes_username
from ribambelle.accounts.models import Role, User
from ribambelle.accounts.tasks import send_password_link
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.models import Municipality


class AlreadyExists(Exception):
    """An account with this e-mail exists in the municipality."""


def _login_keys(municipality: Municipality | None, email: str, ip: str) -> dict[str, int]:
    municipality_id = municipality.pk if municipality else None
    return {
        throttle.account_key("login-account", municipality_id, email): (
            settings.LOGIN_LIMIT_PER_ACCOUNT
        ),
        throttle.key("login-ip", ip): settings.LOGIN_LIMIT_PER_IP,
    }


def login_throttled(*, municipality: Municipality | None, email: str, ip: str) -> bool:
    """Beyond django-axes' lock-out of one account from one address: a limit per account from
    all addresses (password spraying from many addresses) and per address on all accounts.
    Counted the same way whether the account exists or not."""
    return throttle.exceeded(_login_keys(municipality, email, ip))


def login_failure_record(*, municipality: Municipality | None, email: str, ip: str) -> None:
    throttle.record(*_login_keys(municipality, email, ip))


def login_success_record(*, user: User) -> None:
    throttle.clear(throttle.account_key("login-account", user.municipality_id, user.email))


@transaction.atomic
def password_link_request(*, municipality: Municipality, email: str, ip: str) -> bool:
    """Queue the "Créer le mot de passe" e-mail. Returns False when the address or e-mail has
    asked too often; the answer never depends on whether the account exists."""
    email = email.strip().lower()
    email_key = throttle.account_key("link-email", municipality.pk, email)
    ip_key = throttle.key("link-ip", ip)
    limits = {
        email_key: settings.PASSWORD_LINK_LIMIT_PER_EMAIL,
        ip_key: settings.PASSWORD_LINK_LIMIT_PER_IP,
    }
    if throttle.exceeded(limits):
        return False
    throttle.record(email_key, ip_key)
    # Enqueued inside the transaction: with the database queue, the task exists iff we commit.
    # Outside DEBUG the queue is the database: the request does the same work whether the
    # account exists or not, and the e-mail is sent by the worker.
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
    # A new password ends any lock-out on the account, as the lock-out message promises.
    axes_reset(
        username=axes_username(None, {"email": user.email, "municipality": user.municipality})
    )
    throttle.clear(throttle.account_key("login-account", user.municipality_id, user.email))
    return user


@transaction.atomic
def staff_invite(
    *,
    municipality: Municipality,
    actor: User | None,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
) -> User:
    """Create a staff account without a password and send its first-connection e-mail. The
    actor is the manager who invites, or None for the platform operator's first manager."""
    if role not in {Role.MANAGER, Role.AGENT, Role.READ_ONLY}:
        raise ValueError(role)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                municipality=municipality,
                role=role,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
            )
    except IntegrityError:
        raise AlreadyExists(email) from None
    send_password_link.enqueue(municipality.pk, user.email)
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.INVITE,
        target=user,
        after={
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user.role,
        },
    )
    return user
