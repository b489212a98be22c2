from functools import cache
from itertools import product
from pathlib import Path

from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    get_default_password_validators,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ribambelle.accounts import rules
from ribambelle.accounts.rules import Flaw, PasswordMethod

# Beyond this many l33t characters, only the two uniform readings are tried.
L33T_FULL_READINGS_MAX = 6


def password_floor(user) -> int:
    municipality = getattr(user, "municipality", None)
    floor = municipality.password_min_entropy if municipality else rules.DEFAULT_FLOOR
    return max(rules.LOWEST_FLOOR, floor)


def context_words(user) -> tuple[str, ...]:
    """The municipality's names, which an attacker spraying its portal tries first."""
    municipality = getattr(user, "municipality", None)
    if municipality is None:
        return ()
    return rules.place_words(municipality.name, municipality.slug, municipality.city)


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


def l33t_readings(text: str) -> set[str]:
    """The ways of reading its l33t characters as letters: "p@ssw0rd" gives "password"."""
    options = [(char, *rules.L33T.get(char, "")) for char in text]
    if sum(len(choices) > 1 for choices in options) <= L33T_FULL_READINGS_MAX:
        return {"".join(reading) for reading in product(*options)}
    return {"".join(choices[min(n, len(choices) - 1)] for choices in options) for n in (0, 1, 2)}


def is_common(password: str) -> bool:
    common = common_passwords()
    if password.lower().strip() in common:
        return True
    stem = rules.strip_decorations(password).lower()
    return any(rules.fold(reading) in common for reading in l33t_readings(stem))


def password_flaws(password: str, user=None) -> list[Flaw]:
    """Every reason to refuse the password, in the order they are told."""
    floor = password_floor(user)
    flaws = []
    if not rules.assess(password, floor).strong_enough:
        flaws.append(Flaw.WEAK)
    if rules.is_repetitive(password):
        flaws.append(Flaw.REPETITIVE)
    if is_common(password):
        flaws.append(Flaw.COMMON)
    email = getattr(user, "email", "") or ""
    names = (getattr(user, "first_name", ""), getattr(user, "last_name", ""))
    if email and rules.derived_from_personal_data(password, email, names):
        flaws.append(Flaw.PERSONAL)
    if Flaw.COMMON not in flaws:  # "one of the most common" already says it all
        flaws += rules.spraying_patterns(
            password, floor, context_words=context_words(user), is_common=is_common
        )
    return flaws


def _own_hint(flaw: Flaw, password: str, floor: int) -> str:
    if flaw is Flaw.WEAK:
        return _(
            "Ce mot de passe est trop facile à deviner (force %(bits)s bits sur "
            "%(floor)s attendus). Allongez-le, mélangez majuscules, minuscules, "
            "chiffres et caractères spéciaux, ou utilisez une phrase d'au moins 7 mots."
        ) % {"bits": rules.assess(password, floor).bits, "floor": floor}
    return {
        Flaw.REPETITIVE: _("Ce mot de passe répète trop les mêmes caractères : variez-les."),
        Flaw.COMMON: _("Ce mot de passe fait partie des plus courants : choisissez-en un autre."),
        Flaw.PERSONAL: _(
            "Ce mot de passe reprend votre adresse e-mail ou votre nom : "
            "choisissez-en un qui ne vous désigne pas."
        ),
        Flaw.REPEATED_BLOCK: _(
            "Ce mot de passe répète un même morceau (comme « Soleil2024!Soleil2024! ») : "
            "la copie ne le rend pas plus fort, c'est ce qu'un attaquant essaie en premier."
        ),
        Flaw.SEQUENCE: _(
            "Ce mot de passe repose sur une suite facile à deviner : touches voisines du "
            "clavier (comme « azerty » ou « 1qaz ») ou suite (comme « abcd » ou « 1234 »). "
            "C'est ce qu'un attaquant essaie en premier."
        ),
        Flaw.SERVICE_NAME: _(
            "Ce mot de passe reprend le nom du portail ou de la commune : c'est ce qu'un "
            "attaquant essaie en premier."
        ),
        Flaw.YEAR: _(
            "Ce mot de passe repose sur une année : c'est ce qu'un attaquant essaie en "
            "premier, et sans elle il est trop court."
        ),
    }[flaw]


def _sentence_hints(flaw: Flaw, password: str, floor: int) -> list[str]:
    """For a password made of the first letters of a sentence: what to change in the
    sentence. The 7-word passphrase rule does not apply to it (the letters have no spaces)."""
    if flaw is Flaw.WEAK:
        classes = rules.character_classes(password)
        needed = rules.length_needed(floor, classes)
        needed_all = rules.length_needed(floor, rules.ALL_CLASSES)
        hints = [
            ngettext(
                "Le mot de passe obtenu est trop court : %(count)s caractère, un par mot, "
                "nombre ou ponctuation de la phrase ; il en faut au moins %(needed)s. "
                "Allongez la phrase.",
                "Le mot de passe obtenu est trop court : %(count)s caractères, un par mot, "
                "nombre ou ponctuation de la phrase ; il en faut au moins %(needed)s. "
                "Allongez la phrase.",
                len(password),
            )
            % {"count": len(password), "needed": needed}
        ]
        if needed_all < needed:
            hints.append(
                _(
                    "Avec une majuscule, un nombre écrit en chiffres et une ponctuation dans "
                    "la phrase, %(needed)s suffisent."
                )
                % {"needed": needed_all}
            )
        return hints
    return [
        {
            Flaw.REPETITIVE: _(
                "Le mot de passe obtenu répète trop les mêmes caractères : choisissez des "
                "mots qui ne commencent pas tous par la même lettre."
            ),
            Flaw.COMMON: _(
                "Le mot de passe obtenu fait partie des plus courants : choisissez une autre "
                "phrase."
            ),
            Flaw.PERSONAL: _(
                "Le mot de passe obtenu reprend votre adresse e-mail ou votre nom : changez "
                "quelques mots de la phrase."
            ),
            Flaw.REPEATED_BLOCK: _(
                "La phrase redit les mêmes mots, et le mot de passe obtenu se répète : "
                "évitez les répétitions."
            ),
            Flaw.SEQUENCE: _(
                "Le mot de passe obtenu forme une suite facile à deviner (comme « abcd » ou "
                "« 1234 ») : changez quelques mots ou le nombre."
            ),
            Flaw.SERVICE_NAME: _(
                "Le mot de passe obtenu reprend le nom du portail ou de la commune : "
                "changez la phrase."
            ),
            Flaw.YEAR: _(
                "Le mot de passe obtenu repose surtout sur une année : ajoutez des mots à la "
                "phrase."
            ),
        }[flaw]
    ]


def hints(flaws: list[Flaw], password: str, floor: int, method: str) -> list[str]:
    """What to do, for the method the user chose: a generated password is drawn again, a
    sentence is made longer or changed, one's own password gets the CNIL's advice."""
    if not flaws:
        return []
    if method == PasswordMethod.GENERATED:
        return [_("Ce mot de passe généré ne convient pas : générez-en un autre.")]
    if method == PasswordMethod.SENTENCE:
        return [hint for flaw in flaws for hint in _sentence_hints(flaw, password, floor)]
    return [_own_hint(flaw, password, floor) for flaw in flaws]


def sentence_help(floor: int) -> str:
    """How long a sentence must be at this floor, said before the user starts typing."""
    return _(
        "Il faut une phrase assez longue : au moins %(all)s mots, nombres et ponctuation "
        "compris, si elle contient une majuscule, un nombre et une ponctuation ; sinon, "
        "jusqu'à %(plain)s mots."
    ) % {
        "all": rules.length_needed(floor, rules.ALL_CLASSES),
        "plain": rules.length_needed(floor, {"lower"}),
    }


class CnilPasswordValidator:
    """The CNIL entropy rule with the municipality's floor, plus the refusals the entropy
    formula cannot see: common passwords, repetitions, personal data and the patterns that
    password-spraying lists try first."""

    def problems(self, password: str, user=None, method: str = PasswordMethod.OWN) -> list[str]:
        return hints(password_flaws(password, user), password, password_floor(user), method)

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


def password_problems(password: str, user, method: str) -> list[str]:
    """Every configured validator's messages, ours worded for the method that was used."""
    messages = []
    for validator in get_default_password_validators():
        if isinstance(validator, CnilPasswordValidator):
            messages += validator.problems(password, user, method)
            continue
        try:
            validator.validate(password, user)
        except ValidationError as error:
            messages += error.messages
    return messages


def generate_acceptable_password(user) -> str:
    """A generated password that this user may keep: drawn again in the rare case where it
    spells part of their name or e-mail address."""
    floor = password_floor(user)
    for _attempt in range(100):
        candidate = rules.generate_password(floor)
        if not password_problems(candidate, user, PasswordMethod.GENERATED):
            return candidate
    raise RuntimeError("No acceptable password could be generated.")
