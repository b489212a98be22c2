from django.conf import settings
from django.tasks import task
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ribambelle.accounts.selectors import active_user
from ribambelle.accounts.tokens import password_link_tokens
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
