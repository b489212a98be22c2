from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from ribambelle.accounts.models import User
from ribambelle.accounts.sessions import user_read_with_session
from ribambelle.tenants.models import Municipality


def client_ip(request) -> str | None:
    """The client's address. Behind TRUSTED_PROXY_COUNT reverse proxies, each of which appends
    the address it received the request from to X-Forwarded-For, the client is the
    TRUSTED_PROXY_COUNT-th address from the right; anything further left is client-supplied
    and cannot be trusted."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def axes_username(request, credentials) -> str:
    """Lock-out key: the account is the (municipality, e-mail) pair, not the e-mail alone."""
    credentials = credentials or {}
    email = (credentials.get("email") or credentials.get("username") or "").strip().lower()
    municipality = credentials.get("municipality") or getattr(request, "municipality", None)
    slug = municipality.slug if municipality else "-"
    return f"{slug}:{email}"


class MunicipalityEmailBackend(ModelBackend):
    """Log in by e-mail within one municipality; platform operators log in with no municipality
    (Django admin)."""

    def authenticate(  # type: ignore[override]  # by e-mail and municipality, not username
        self,
        request: HttpRequest | None,
        email: str | None = None,
        password: str | None = None,
        municipality: Municipality | None = None,
        **kwargs: Any,
    ) -> User | None:
        if email is None:
            email = kwargs.get("username")
        if not email or password is None:
            return None
        try:
            user = User.objects.get(municipality=municipality, email=email.strip().lower())
        except User.DoesNotExist:
            # Same cost as a real check, so that timing does not tell which e-mails exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        """The signed-in user of each request, read with its municipality and, for a parent,
        the guardian and household behind the account: the tenants' middleware and
        `families.selectors.household_of` then read nothing more (one query instead of three
        on every family page). The session store has usually read it with the session
        (`accounts.sessions`): that one is taken when it is the user the session names."""
        user = user_read_with_session(user_id)
        if user is None:
            try:
                user = User.objects.select_related("municipality", "guardian__household").get(
                    pk=user_id
                )
            except User.DoesNotExist:
                return None
        return user if self.user_can_authenticate(user) else None
