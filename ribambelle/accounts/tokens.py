from datetime import UTC, datetime

from django.contrib.auth.tokens import PasswordResetTokenGenerator


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
