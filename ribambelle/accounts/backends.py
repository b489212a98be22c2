from django.contrib.auth.backends import ModelBackend

from ribambelle.accounts.models import User


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

    def authenticate(self, request, email=None, password=None, municipality=None, **kwargs):
        if email is None:
            email = kwargs.get("username")
        if not email or password is None:
            return None
        try:
            user = User.objects.get(municipality=municipality, email__iexact=email.strip())
        except User.DoesNotExist:
            # Same cost as a real check, so that timing does not tell which e-mails exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
