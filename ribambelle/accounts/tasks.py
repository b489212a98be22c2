import json

from django.conf import settings
from django.tasks import task
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from pywebpush import WebPushException, webpush

from ribambelle.accounts.models import PushSubscription, User
from ribambelle.accounts.selectors import active_user
from ribambelle.accounts.tokens import email_change_token, password_link_tokens
from ribambelle.core.emails import send_branded_email
from ribambelle.tenants.models import Municipality


@task
def send_password_link(municipality_id: int, email: str) -> None:
    """Queued for every request, whether the account exists or not: the answer to the family
    and its timing are the same either way; only here do we find out."""
    municipality = Municipality.objects.filter(pk=municipality_id, is_active=True).first()
    if municipality is None:
        return
    user = active_user(municipality, email=email.strip().lower())
    if user is None:
        return
    path = reverse(
        "accounts:password_link",
        kwargs={
            "municipality_slug": municipality.slug,
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": password_link_tokens.make_token(user),
        },
    )
    send_branded_email(
        municipality=municipality,
        to=user.email,
        subject=format_lazy(_("Créer votre mot de passe – {name}"), name=municipality.name),
        template="password_link",
        context={
            "user": user,
            "link": settings.SITE_URL + path,
            "first_connection": not user.has_usable_password(),
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )


@task
def send_email_change_link(user_id: int, new_email: str) -> None:
    """The confirmation link goes to the new address. When another account of the municipality
    already uses it, its owner is told instead and nothing changes; the person asking sees the
    same page either way, so the form says nothing about whose address it is."""
    user = User.objects.filter(pk=user_id, is_active=True).select_related("municipality").first()
    if user is None or user.municipality is None:
        return
    municipality = user.municipality
    context: dict[str, object] = {"user": user, "new_email": new_email}
    if active_user(municipality, email=new_email) is not None:
        template = "email_change_taken"
    else:
        template = "email_change_link"
        path = reverse(
            "accounts:email_change_confirm",
            kwargs={
                "municipality_slug": municipality.slug,
                "token": email_change_token(user, new_email),
            },
        )
        context |= {
            "link": settings.SITE_URL + path,
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        }
    send_branded_email(
        municipality=municipality,
        to=new_email,
        subject=format_lazy(_("Confirmer votre adresse e-mail – {name}"), name=municipality.name),
        template=template,
        context=context,
    )


@task
def send_email_changed_notice(user_id: int, old_email: str) -> None:
    """The old address learns that it no longer opens the account."""
    user = User.objects.filter(pk=user_id).select_related("municipality").first()
    if user is None or user.municipality is None:
        return
    send_branded_email(
        municipality=user.municipality,
        to=old_email,
        subject=format_lazy(
            _("Votre adresse de connexion a changé – {name}"), name=user.municipality.name
        ),
        template="email_changed",
        context={"user": user, "new_email": user.email},
    )


# Web Push: push services keep an undelivered message this long (the browser may be off).
PUSH_TTL_SECONDS = 24 * 3600
PUSH_TIMEOUT_SECONDS = 10


@task
def send_push(subscription_id: int, title: str, path: str) -> bool:
    """Encrypt (RFC 8291, aes128gcm) and post one notification to the browser's push service,
    signed with the VAPID key (RFC 8292). A subscription the push service no longer knows (404,
    410) is removed; other failures raise, so that the queue records them."""
    subscription = PushSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None or not settings.VAPID_PRIVATE_KEY:
        return False
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps({"title": title, "url": path}),
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=PUSH_TTL_SECONDS,
            timeout=PUSH_TIMEOUT_SECONDS,
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in (404, 410):
            subscription.delete()
            return False
        raise
    return True
