import datetime
from typing import TYPE_CHECKING

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.db import IntegrityError, transaction
from django.utils import timezone

from ribambelle.accounts import rules, selectors, throttle
from ribambelle.accounts.backends import axes_username
from ribambelle.accounts.models import DeviceSession, PushSubscription, Role, User
from ribambelle.accounts.tasks import (
    send_email_change_link,
    send_email_changed_notice,
    send_password_link,
)
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.models import Municipality

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


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
def user_set_password(*, user: User, password: str, keep_session_key: str | None = None) -> User:
    """Validate against the municipality's policy, then store (Argon2). Changing the password
    kills every password link issued before and signs out every device but the one it was
    changed from (`keep_session_key`)."""
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    # A new password ends any lock-out on the account, as the lock-out message promises.
    axes_reset(
        username=axes_username(None, {"email": user.email, "municipality": user.municipality})
    )
    throttle.clear(throttle.account_key("login-account", user.municipality_id, user.email))
    device_sessions_end_all(user=user, keep_session_key=keep_session_key)
    return user


def user_email_change_request(*, user: User, new_email: str) -> None:
    """Send the confirmation link to the new address (or, when it is taken, a notice to it)."""
    send_email_change_link.enqueue(user.pk, new_email.strip().lower())


@transaction.atomic
def user_email_change(*, user: User, new_email: str) -> User:
    """From the confirmed link. The old address is told. Raises AlreadyExists when another
    account of the municipality took the address meanwhile."""
    old_email = user.email
    user.email = new_email
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError:
        user.email = old_email
        raise AlreadyExists(new_email) from None
    send_email_changed_notice.enqueue(user.pk, old_email)
    return user


# Signed-in devices ("Mon compte"): each login of a browser, its Django session by key.

REMEMBERED_SESSION_AGE = datetime.timedelta(days=30)


@transaction.atomic
def device_session_start(
    *, user: User, session_key: str, user_agent: str, ip: str | None, remembered: bool
) -> DeviceSession:
    """Record a login. The devices whose session has ended since are forgotten now, so that
    the list only holds browsers that are still signed in."""
    for device in DeviceSession.objects.filter(user=user):
        if not selectors.session_alive(device.session_key):
            device.delete()
    return DeviceSession.objects.create(
        user=user,
        session_key=session_key,
        user_agent=user_agent[:300],
        network=rules.network_of(ip),
        remembered=remembered,
    )


def device_session_touch(*, device: DeviceSession, ip: str | None) -> None:
    """Called at most every few minutes per device (middleware), never on each request."""
    DeviceSession.objects.filter(pk=device.pk).update(
        last_used_at=timezone.now(), network=rules.network_of(ip)
    )


def device_session_rekey(*, user: User, old_key: str, new_key: str) -> None:
    """The session key changed under a signed-in device (after a password change)."""
    DeviceSession.objects.filter(user=user, session_key=old_key).update(session_key=new_key)


@transaction.atomic
def device_session_end(*, user: User, session_key: str) -> None:
    """Sign one device out: its session is deleted from the store, so its next request is
    anonymous whatever cookie it sends."""
    selectors.session_store()().delete(session_key)
    DeviceSession.objects.filter(user=user, session_key=session_key).delete()


@transaction.atomic
def device_sessions_end_all(*, user: User, keep_session_key: str | None = None) -> int:
    """Sign every device of the account out, except the one `keep_session_key` names."""
    devices = DeviceSession.objects.filter(user=user).exclude(session_key=keep_session_key or "")
    store = selectors.session_store()()
    ended = 0
    for device in devices:
        store.delete(device.session_key)
        device.delete()
        ended += 1
    return ended


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


# Web Push: one subscription per browser where a guardian turned notifications on.


@transaction.atomic
def push_subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str
) -> PushSubscription:
    """The browser's push endpoint is unique: subscribing again (or from another account on the
    same browser) moves it to this account with its new keys."""
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]},
    )
    return subscription


def push_subscription_delete(*, user: User, endpoint: str) -> bool:
    deleted, _rows = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted > 0


def push_notify(*, user: User, title: "StrOrPromise", path: str) -> int:
    """Queue one push per browser of the account. Only a title and a link into the portal:
    never a name, a message's text or anything about a child."""
    from ribambelle.accounts import tasks

    ids = list(PushSubscription.objects.filter(user=user).values_list("pk", flat=True))
    for subscription_id in ids:
        tasks.send_push.enqueue(subscription_id, str(title), path)
    return len(ids)
