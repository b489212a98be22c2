from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing


class PasswordLinkTokenGenerator(PasswordResetTokenGenerator):
    """Tokens of the "Créer le mot de passe" links. Valid PASSWORD_RESET_TIMEOUT (24 h); dead as
    soon as the password changes (its hash and change date are part of the token), hence single
    use; bound to the account's municipality and e-mail."""

    key_salt = "ribambelle.accounts.tokens.PasswordLinkTokenGenerator"

    def _now(self):
        # Django's default is naive local time: around a clock change a link would live 23 h
        # or 25 h. UTC keeps it at exactly 24 h.
        return datetime.now(UTC).replace(tzinfo=None)

    def _make_hash_value(self, user, timestamp):
        changed = user.password_changed_at.timestamp() if user.password_changed_at else ""
        return (
            f"{user.pk}{user.password}{changed}{user.municipality_id}"
            f"{user.email.lower()}{user.is_active}{timestamp}"
        )


password_link_tokens = PasswordLinkTokenGenerator()


EMAIL_CHANGE_SALT = "ribambelle.accounts.tokens.email_change"


def email_change_token(user, new_email: str) -> str:
    """The link sent to the new address. It carries the address it was sent from, so it dies
    once the e-mail has changed (single use) and when the account changes address otherwise."""
    return signing.dumps(
        {"user": user.pk, "old": user.email, "new": new_email}, salt=EMAIL_CHANGE_SALT
    )


def email_change_address(user, token: str) -> str | None:
    """The new address, when the token is this account's, recent and not used yet."""
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.BadSignature:
        return None
    if data.get("user") != user.pk or data.get("old") != user.email:
        return None
    return data.get("new")
