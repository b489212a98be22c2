"""French elision and agreement for words inserted into sentences.

A message such as « Réservations de %(name)s » reads « Réservations de Inès » once the name is
in: French writes « d'Inès », « d'octobre », « l'école », « qu'Hugo ». The word before the
inserted one changes with the sound the inserted one starts with, which only the inserted value
tells. So translatable messages keep the small word as a placeholder of its own
(« Réservations %(de)s%(name)s », with de=elide("de", name)), which an English translation
simply leaves out.

The sound is read from the spelling: a vowel, accented or not; a « y » before a consonant
(Yves, Yvonne, but not Yasmine or Yann); an « h » only when it is mute, which spelling cannot
tell (« d'Hugo », « d'Hélène » but « de Hollande »), hence a list of the mute ones that names,
months and school or service names use. A word outside it keeps the full form: « de Haddad »
reads right, « d'Haddad » would not for everyone. Digits never elide (« de 8 ans »).
"""

import unicodedata
from datetime import date

from django.utils.dates import MONTHS

# The words that elide, and their elided form.
ELIDED = {
    "de": "d'",
    "le": "l'",
    "la": "l'",
    "que": "qu'",
    "jusque": "jusqu'",
    "lorsque": "lorsqu'",
    "puisque": "puisqu'",
    "ne": "n'",
    "je": "j'",
    "me": "m'",
    "te": "t'",
    "se": "s'",
}

# First words (lower case, accents removed) whose h is mute: first names, then nouns that
# service, school and place names start with. An h not listed here is taken as aspirated.
MUTE_H = frozenset(
    {
        # first names
        "hadrien",
        "hannah",
        "harold",
        "hector",
        "helena",
        "helene",
        "helie",
        "helio",
        "heloise",
        "henri",
        "henriette",
        "henry",
        "herminie",
        "hermine",
        "herve",
        "hilaire",
        "hildegarde",
        "hippolyte",
        "honore",
        "honorine",
        "horace",
        "hortense",
        "hubert",
        "hugo",
        "hugues",
        "hugolin",
        # nouns
        "habitant",
        "habitants",
        "habitat",
        "harmonie",
        "hebergement",
        "heritage",
        "heure",
        "heures",
        "hippodrome",
        "histoire",
        "hiver",
        "homme",
        "hommes",
        "honneur",
        "hopital",
        "horaire",
        "horaires",
        "horizon",
        "hospice",
        "hotel",
        "huitieme",
        "humanite",
        "hygiene",
    }
)

# Words that start with a vowel letter but are said as if they started with a consonant.
NO_ELISION = frozenset({"onze", "onzieme", "oui", "ouistiti", "uhlan", "ululement", "yacht"})

VOWELS = frozenset("aeiou")


def _plain(text: str) -> str:
    """Lower case, without accents or ligature marks: "Élodie" -> "elodie", "Œuvre" -> "oeuvre"."""
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def _first_word(text: str) -> str:
    word = []
    for char in _plain(text.lstrip()):
        if not char.isalpha():
            break
        word.append(char)
    return "".join(word)


def starts_with_vowel_sound(text: str) -> bool:
    """Whether the word that `text` starts with takes an elided article or preposition."""
    word = _first_word(str(text))
    if not word or word in NO_ELISION:
        return False
    first = word[0]
    if first in VOWELS:
        return True
    if first == "y":
        return len(word) > 1 and word[1] not in VOWELS and word[1] != "y"
    if first == "h":
        return word in MUTE_H
    return False


def elide(word: str, following: object) -> str:
    """The small word to write before `following`, with what separates them: "d'" before
    "Inès", "de " before "Hollande". Keeps the capital of a sentence start ("De" -> "D'")."""
    elided = ELIDED.get(word.lower())
    if elided is None or not starts_with_vowel_sound(str(following)):
        return f"{word} "
    if word[:1].isupper():
        return elided[0].upper() + elided[1:]
    return elided


def with_elision(word: str, following: object) -> str:
    """The small word and what follows it, for text that no translation sees (demo data, file
    names): "d'Inès", "de Hollande"."""
    return f"{elide(word, following)}{following}"


def month_year(day: date) -> str:
    """ "novembre 2026" (in the active language): the month in words, never "11/2026"."""
    return f"{MONTHS[day.month]} {day.year}"


def without_repeated_noun(noun: str, name: str) -> str:
    """The name to write after `noun` without saying it twice: « l'école » + "École
    Jules-Ferry" -> "Jules-Ferry", while "Groupe scolaire Pasteur" stays whole."""
    words = name.split(maxsplit=1)
    if len(words) == 2 and _plain(words[0]) == _plain(noun):
        return words[1]
    return name
