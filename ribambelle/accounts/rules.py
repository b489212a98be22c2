"""Password rules after the CNIL recommendation (délibération n° 2022-100).

The CNIL measures a password by its entropy: length x log2(size of the alphabet made of the
character classes it uses). It counts 26 lower-case letters, 26 upper-case letters, 10 digits
and at least 37 special characters, and states its results to the whole bit: its first example,
12 characters of the four classes (12 x log2(99) = 79.55), is presented as reaching 80 bits. We
compare the same way, so that each of the CNIL's examples passes and nothing weaker does.
"""

from __future__ import annotations

import ipaddress
import math
import re
import secrets
import string
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

CLASS_SIZES = {"lower": 26, "upper": 26, "digit": 10, "special": 37}
ALL_CLASSES = frozenset(CLASS_SIZES)
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


def length_needed(floor: int, classes: Iterable[str]) -> int:
    """The fewest characters of these classes that reach the floor, rounded as `assess` does:
    12 with the four classes at 80 bits, 17 with lower-case letters only."""
    alphabet = sum(CLASS_SIZES[name] for name in set(classes) or {"lower"})
    floor = max(LOWEST_FLOOR, floor)
    length = 1
    while round(length * math.log2(alphabet)) < floor:
        length += 1
    return length


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


def strip_decorations(password: str) -> str:
    """The password without the digits and punctuation around it: "Azerty123!" gives
    "Azerty", "P@ssw0rd2024!" gives "P@ssw0rd"."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password)


def common_stem(password: str) -> str:
    """The password without its decorations, folded, to be looked up in the lists of common
    passwords: "Azerty123!" gives "azerty"."""
    return fold(strip_decorations(password))


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if char.isalnum())


def derived_from_personal_data(password: str, email: str, names: tuple[str, ...] = ()) -> bool:
    """True when the password contains the e-mail's local part, its domain name or a name."""
    folded = fold(password)
    local, _, domain = email.lower().partition("@")
    pieces = [local, domain.split(".")[0], *re.split(r"[._\-+]", local), *names]
    return any(len(piece) >= 3 and fold(piece) in folded for piece in pieces if piece)


class PasswordMethod:
    """The three ways to choose a password offered to users; each gets its own hints."""

    OWN = "own"
    GENERATED = "generated"
    SENTENCE = "sentence"
    ALL = (OWN, GENERATED, SENTENCE)


class Flaw(StrEnum):
    """Why a password is refused. WEAK is the CNIL rule; the others are what its formula, which
    counts the alphabet and the length, cannot see."""

    WEAK = "weak"
    REPETITIVE = "repetitive"
    COMMON = "common"
    PERSONAL = "personal"
    REPEATED_BLOCK = "repeated_block"
    SEQUENCE = "sequence"
    SERVICE_NAME = "service_name"
    YEAR = "year"


# Patterns that password-spraying lists try first (docs/decisions/0008-password-patterns.md).
# Each detector gives the spans of the password that follow a pattern; a password whose
# remaining characters no longer reach the floor is refused, with the patterns found as reason.

# Characters read as letters ("P@ssw0rd" is "password"), as in zxcvbn's l33t table.
L33T = {
    "4": "a",
    "@": "a",
    "8": "b",
    "(": "c",
    "3": "e",
    "€": "e",
    "6": "g",
    "9": "g",
    "1": "il",
    "!": "i",
    "|": "il",
    "0": "o",
    "$": "s",
    "5": "s",
    "7": "tl",
    "+": "t",
    "2": "z",
}

# Rows of unshifted keys, top to bottom, each row sitting half a key to the right of the one
# above: key (row, column) touches (row - 1, column) and (row - 1, column + 1) above it and
# (row + 1, column - 1) and (row + 1, column) below it. The digit row also lists the characters
# typed without Shift on a French keyboard.
KEYBOARDS = {
    "azerty": (("1234567890", "&é\"'(-è_çà"), ("azertyuiop",), ("qsdfghjklm",), ("wxcvbn,;:!",)),
    "qwerty": (
        ("1234567890-=", "!@#$%^&*()_+"),
        ("qwertyuiop[]",),
        ("asdfghjkl;'",),
        ("zxcvbnm,./",),
    ),
}
# Straight lines on the keyboard: along a row, or down and up its two diagonals ("1qaz").
KEYBOARD_DIRECTIONS = {(0, 1), (0, -1), (1, 0), (-1, 0), (1, -1), (-1, 1)}
KEYBOARD_WALK_MIN = 4
LETTER_SEQUENCE_MIN = 4  # "abcd"; three letters in a row happen in words ("défaut")
DIGIT_SEQUENCE_MIN = 3  # "123"
REPEAT_MIN = 3  # a piece of 3 characters or more typed again
REPEAT_SIGNIFICANT = 4  # copies totalling fewer characters are left to the entropy rule
ANALYSED_LENGTH = 128  # longer passwords are judged on their beginning (the search is cubic)
# Words of municipality names that say nothing of which municipality it is.
GENERIC_PLACE_WORDS = frozenset(
    {"ville", "commune", "mairie", "saint", "sainte", "communaute", "agglomeration", "metropole"}
)
SERVICE_WORDS = ("ribambelle", "portailfamille")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _key_positions(rows: Sequence[Sequence[str]]) -> dict[str, tuple[int, int]]:
    positions: dict[str, tuple[int, int]] = {}
    for row, variants in enumerate(rows):
        for keys in variants:
            for column, key in enumerate(keys):
                positions.setdefault(key, (row, column))
    return positions


_KEY_POSITIONS = [_key_positions(rows) for rows in KEYBOARDS.values()]


def _letter(char: str) -> str:
    """Lower case, accent removed: "É" gives "e"."""
    return unicodedata.normalize("NFKD", char)[:1].lower()


def _reads_as(char: str, letter: str) -> bool:
    return _letter(char) == letter or letter in L33T.get(char, "")


def place_words(*names: str) -> tuple[str, ...]:
    """The words by which a municipality could be guessed, folded: each word of 4 letters or
    more of its name, slug and city that is not generic, and each of these whole. "Ville de
    Saint-Martin-sur-Mer" gives "martin" and "villedesaintmartinsurmer"..."""
    words: set[str] = set()
    for name in names:
        pieces = [fold(piece) for piece in re.split(r"[\W_]+", name or "")]
        words.update(p for p in pieces if len(p) >= 4 and p not in GENERIC_PLACE_WORDS)
        whole = "".join(pieces)
        if len(whole) >= 4 and whole not in GENERIC_PLACE_WORDS:
            words.add(whole)
    return tuple(sorted(words))


def word_spans(password: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where the password spells one of the words, whatever the case, accents and l33t."""
    spans = []
    for word in words:
        size = len(word)
        for start in range(len(password) - size + 1):
            if all(_reads_as(password[start + i], word[i]) for i in range(size)):
                spans.append((start, start + size))
    return spans


def year_spans(password: str) -> list[tuple[int, int]]:
    return [match.span() for match in _YEAR.finditer(password)]


def _runs[T, S](
    items: list[T], step_of: Callable[[T, T], S | None], minimum: Callable[[int], int]
) -> list[tuple[int, int]]:
    """Spans where `step_of(previous, next)` stays the same (and is not None) from one item to
    the next, at least `minimum(start)` items long."""
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(items) - 1:
        step = step_of(items[start], items[start + 1])
        if step is None:
            start += 1
            continue
        end = start + 2
        while end < len(items) and step_of(items[end - 1], items[end]) == step:
            end += 1
        if end - start >= minimum(start):
            spans.append((start, end))
        start = end - 1
    return spans


def sequence_spans(password: str) -> list[tuple[int, int]]:
    """Runs of the alphabet or of digits, up or down: "abcd", "1234", "9876"."""
    letters = [_letter(char) for char in password]

    def step_of(a: str, b: str) -> int | None:
        same_kind = (a in string.ascii_lowercase and b in string.ascii_lowercase) or (
            a in string.digits and b in string.digits
        )
        difference = ord(b) - ord(a)
        return difference if same_kind and difference in (1, -1) else None

    return _runs(
        letters,
        step_of,
        lambda start: DIGIT_SEQUENCE_MIN if letters[start].isdigit() else LETTER_SEQUENCE_MIN,
    )


def keyboard_spans(password: str) -> list[tuple[int, int]]:
    """Straight lines of neighbouring keys on a French (AZERTY) or English (QWERTY) keyboard:
    "azerty", "qsdfgh", "wxcvbn", "qwerty", "1qaz", "poiu"."""
    keys = [char.lower() for char in password]
    spans = []
    for positions in _KEY_POSITIONS:

        def step_of(
            a: str, b: str, positions: dict[str, tuple[int, int]] = positions
        ) -> tuple[int, int] | None:
            if a not in positions or b not in positions:
                return None
            (row_a, col_a), (row_b, col_b) = positions[a], positions[b]
            step = (row_b - row_a, col_b - col_a)
            return step if step in KEYBOARD_DIRECTIONS else None

        spans += _runs(keys, step_of, lambda start: KEYBOARD_WALK_MIN)
    return spans


def without_repeats(password: str) -> str:
    """The password with every later copy of a piece of REPEAT_MIN characters or more removed,
    case aside: "Soleil2024!Soleil2024!" gives "Soleil2024!"."""
    text = password
    while True:
        folded = text.lower()
        found = None
        for size in range(len(folded) // 2, REPEAT_MIN - 1, -1):
            for start in range(len(folded) - 2 * size + 1):
                if folded.find(folded[start : start + size], start + size) >= 0:
                    found = (start, size)
                    break
            if found:
                break
        if found is None:
            return text
        start, size = found
        piece = folded[start : start + size]
        parts, position = [text[: start + size]], start + size
        while (copy := folded.find(piece, position)) >= 0:
            parts.append(text[position:copy])
            position = copy + size
        parts.append(text[position:])
        text = "".join(parts)


def _one_character_each(password: str, spans: Iterable[tuple[int, int]]) -> str:
    """The password with each pattern counted as a single character (its first one), as if it
    were one random choice among others."""
    starts: set[int] = set()
    covered: set[int] = set()
    for start, end in spans:
        covered.update(range(start + 1, end))
        starts.add(start)
    return "".join(
        char for index, char in enumerate(password) if index in starts or index not in covered
    )


def spraying_patterns(
    password: str,
    floor: int = DEFAULT_FLOOR,
    *,
    context_words: Iterable[str] = (),
    is_common: Callable[[str], bool] = lambda _password: False,
) -> list[Flaw]:
    """The patterns that make a password one of the first an attacker tries, although its
    CNIL entropy reaches the floor: a piece typed twice, keyboard lines and sequences, the
    service's or the municipality's name, a year. A repetition counts when the password
    without its copies falls below the floor or is a common password; the other patterns
    when the password, each of them counted as one character, falls below the floor:
    "Villeneuve2026!" is then three characters, "Correct-Horse-Battery-2024" still 23."""
    if not password or assess(password, floor).is_passphrase:
        return []
    password = password[:ANALYSED_LENGTH]
    flaws = []
    single = without_repeats(password)
    if len(password) - len(single) >= REPEAT_SIGNIFICANT and (
        not assess(single, floor).strong_enough or is_common(single)
    ):
        flaws.append(Flaw.REPEATED_BLOCK)
    found = {
        Flaw.SEQUENCE: sequence_spans(single) + keyboard_spans(single),
        Flaw.SERVICE_NAME: word_spans(single, (*SERVICE_WORDS, *context_words)),
        Flaw.YEAR: year_spans(single),
    }
    spans = [span for kind_spans in found.values() for span in kind_spans]
    if spans and not assess(_one_character_each(single, spans), floor).strong_enough:
        flaws += [flaw for flaw, kind_spans in found.items() if kind_spans]
    return flaws


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
            and not spraying_patterns(candidate, floor)
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


# Signed-in devices: a short, stable name for a browser (no version, so that an update keeps it)
# and the network it connected from, never its address.

BROWSER_MARKERS = (  # first match wins: most browsers also claim to be Chrome or Safari
    (("Edg/", "EdgA/", "EdgiOS/"), "Edge"),
    (("OPR/", "Opera"), "Opera"),
    (("SamsungBrowser/",), "Samsung Internet"),
    (("Firefox/", "FxiOS/"), "Firefox"),
    (("CriOS/", "Chrome/", "Chromium/"), "Chrome"),
    (("Safari/",), "Safari"),
)
SYSTEM_MARKERS = (
    (("iPhone",), "iPhone"),
    (("iPad",), "iPad"),
    (("Android",), "Android"),
    (("CrOS",), "ChromeOS"),
    (("Windows",), "Windows"),
    (("Macintosh", "Mac OS X"), "macOS"),
    (("Linux",), "Linux"),
)


@dataclass(frozen=True)
class Device:
    browser: str | None
    system: str | None


def _first_marker(user_agent: str, table: tuple[tuple[tuple[str, ...], str], ...]) -> str | None:
    return next((name for markers, name in table if any(m in user_agent for m in markers)), None)


def device_of(user_agent: str) -> Device:
    return Device(
        _first_marker(user_agent, BROWSER_MARKERS), _first_marker(user_agent, SYSTEM_MARKERS)
    )


def network_of(address: str | None) -> str:
    """The /24 (IPv4) or /48 (IPv6) network of an address; "" for anything else."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
