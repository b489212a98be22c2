"""Password rules after the CNIL recommendation (délibération n° 2022-100).

The CNIL measures a password by its entropy: length x log2(size of the alphabet made of the
character classes it uses). It counts 26 lower-case letters, 26 upper-case letters, 10 digits
and at least 37 special characters, and states its results to the whole bit: its first example,
12 characters of the four classes (12 x log2(99) = 79.55), is presented as reaching 80 bits. We
compare the same way, so that each of the CNIL's examples passes and nothing weaker does.
"""

from __future__ import annotations

import math
import re
import secrets
import string
import unicodedata
from dataclasses import dataclass

CLASS_SIZES = {"lower": 26, "upper": 26, "digit": 10, "special": 37}
PASSPHRASE_MIN_WORDS = 7
DEFAULT_FLOOR = 80
LOWEST_FLOOR = 50
GENERATED_SPECIALS = "!#$%&*+-=?@_"


def character_classes(password: str) -> set[str]:
    classes = set()
    for char in password:
        if char in string.ascii_lowercase:
            classes.add("lower")
        elif char in string.ascii_uppercase:
            classes.add("upper")
        elif char in string.digits:
            classes.add("digit")
        else:
            classes.add("special")
    return classes


def entropy_bits(password: str) -> float:
    alphabet = sum(CLASS_SIZES[name] for name in character_classes(password))
    if not password or alphabet < 2:
        return 0.0
    return len(password) * math.log2(alphabet)


def passphrase_words(password: str) -> list[str]:
    """Words of two letters or more, as a passphrase is a sentence and not one letter apart."""
    return [word for word in re.split(r"[\s\-_.,;:!?'’]+", password) if len(word) >= 2]


@dataclass(frozen=True)
class Assessment:
    bits: int
    floor: int
    is_passphrase: bool

    @property
    def strong_enough(self) -> bool:
        return self.is_passphrase or self.bits >= self.floor

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.bits / self.floor)) if self.floor else 100


def assess(password: str, floor: int = DEFAULT_FLOOR) -> Assessment:
    floor = max(LOWEST_FLOOR, floor)
    is_passphrase = len(set(passphrase_words(password.lower()))) >= PASSPHRASE_MIN_WORDS
    return Assessment(bits=round(entropy_bits(password)), floor=floor, is_passphrase=is_passphrase)


def is_repetitive(password: str) -> bool:
    """Entropy counts the alphabet, not the choices: "Aaaaaaaaaaaa1!" must not pass."""
    if not password:
        return False
    if re.search(r"(.)\1{3,}", password):
        return True
    return len(set(password)) < max(4, len(password) // 3)


def common_stem(password: str) -> str:
    """The password without the digits and punctuation around it, folded: "Azerty123!" gives
    "azerty", to be looked up in the lists of common passwords."""
    return _fold(re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if char.isalnum())


def derived_from_personal_data(password: str, email: str, names: tuple[str, ...] = ()) -> bool:
    """True when the password contains the e-mail's local part, its domain name or a name."""
    folded = _fold(password)
    local, _, domain = email.lower().partition("@")
    pieces = [local, domain.split(".")[0], *re.split(r"[._\-+]", local), *names]
    return any(len(piece) >= 3 and _fold(piece) in folded for piece in pieces if piece)


def generate_password(floor: int = DEFAULT_FLOOR, length: int = 16) -> str:
    """A random password with the four classes, from the operating system's CSPRNG."""
    alphabet = string.ascii_letters + string.digits + GENERATED_SPECIALS
    length = max(length, math.ceil(floor / math.log2(99)) + 2)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            character_classes(candidate) == set(CLASS_SIZES)
            and not is_repetitive(candidate)
            and assess(candidate, floor).strong_enough
        ):
            return candidate


_SENTENCE_TOKEN = re.compile(r"\d+|[^\W\d_]+|[^\w\s]", re.UNICODE)


def password_from_sentence(sentence: str) -> str:
    """The CNIL "first letters" method: the first letter of each word, numbers kept whole,
    punctuation kept. "Un utilisateur de la CNIL a choisi 1 mot de passe fort !" gives
    "UudlCac1mdpf!". Apostrophes and hyphens split words ("l'école" gives "lé")."""
    parts = []
    for token in _SENTENCE_TOKEN.findall(sentence.strip()):
        if token[0].isdigit():
            parts.append(token)
        elif token[0].isalpha():
            parts.append(token[0])
        elif token not in "'’-":  # noqa: S105 - apostrophes and hyphens, not a secret
            parts.append(token)
    return "".join(parts)
