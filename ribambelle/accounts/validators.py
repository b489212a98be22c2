from functools import cache
from pathlib import Path

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ribambelle.accounts import rules


def password_floor(user) -> int:
    municipality = getattr(user, "municipality", None)
    floor = municipality.password_min_entropy if municipality else rules.DEFAULT_FLOOR
    return max(rules.LOWEST_FLOOR, floor)


@cache
def common_passwords() -> frozenset[str]:
    """Django's 20,000 common passwords plus French ones."""
    french = Path(__file__).parent / "data" / "common-fr.txt"
    extra = {
        line.strip()
        for line in french.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    return frozenset(CommonPasswordValidator().passwords) | extra


def is_common(password: str) -> bool:
    common = common_passwords()
    return password.lower().strip() in common or rules.common_stem(password) in common


class CnilPasswordValidator:
    """The CNIL entropy rule with the municipality's floor, plus the refusals the entropy
    formula cannot see: common passwords, repetitions and personal data."""

    def problems(self, password: str, user=None) -> list[str]:
        messages = []
        floor = password_floor(user)
        assessment = rules.assess(password, floor)
        if not assessment.strong_enough:
            messages.append(
                _(
                    "Ce mot de passe est trop facile à deviner (force %(bits)s bits sur "
                    "%(floor)s attendus). Allongez-le, mélangez majuscules, minuscules, "
                    "chiffres et caractères spéciaux, ou utilisez une phrase d'au moins 7 mots."
                )
                % {"bits": assessment.bits, "floor": floor}
            )
        if rules.is_repetitive(password):
            messages.append(_("Ce mot de passe répète trop les mêmes caractères : variez-les."))
        if is_common(password):
            messages.append(
                _("Ce mot de passe fait partie des plus courants : choisissez-en un autre.")
            )
        email = getattr(user, "email", "") or ""
        names = (getattr(user, "first_name", ""), getattr(user, "last_name", ""))
        if email and rules.derived_from_personal_data(password, email, names):
            messages.append(
                _(
                    "Ce mot de passe reprend votre adresse e-mail ou votre nom : "
                    "choisissez-en un qui ne vous désigne pas."
                )
            )
        return messages

    def validate(self, password: str, user=None) -> None:
        messages = self.problems(password, user)
        if messages:
            raise ValidationError(messages, code="password_policy")

    def get_help_text(self) -> str:
        return _(
            "Au moins 12 caractères mêlant majuscules, minuscules, chiffres et caractères "
            "spéciaux, ou 14 caractères avec majuscules, minuscules et chiffres, ou une phrase "
            "d'au moins 7 mots."
        )
