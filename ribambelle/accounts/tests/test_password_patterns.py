"""What password-spraying lists try first, refused although the CNIL entropy rule passes them;
and hints worded for the method the user chose (own password, generated, from a sentence)."""

import pytest

from ribambelle.accounts import rules
from ribambelle.accounts.models import Role, User
from ribambelle.accounts.rules import Flaw, PasswordMethod
from ribambelle.accounts.validators import hints, password_flaws, password_problems
from ribambelle.tenants.models import Municipality

OWN, GENERATED, SENTENCE = PasswordMethod.OWN, PasswordMethod.GENERATED, PasswordMethod.SENTENCE


def villeneuve_parent(floor: int = 80) -> User:
    municipality = Municipality(
        slug="villeneuve",
        name="Ville de Villeneuve-sur-Lot",
        city="Villeneuve-sur-Lot",
        password_min_entropy=floor,
    )
    return User(
        municipality=municipality,
        email="alice.martin@exemple.org",
        first_name="Alice",
        last_name="Martin",
        role=Role.PARENT,
    )


@pytest.mark.parametrize(
    ("password", "flaws"),
    [
        # A short block repeated, a common password typed twice.
        ("Soleil2024!Soleil2024!", {Flaw.REPEATED_BLOCK, Flaw.YEAR}),
        ("Xk9#mP2$Xk9#mP2$", {Flaw.REPEATED_BLOCK}),
        ("Bonjour2024Bonjour2024", {Flaw.REPEATED_BLOCK, Flaw.YEAR}),
        ("Chocolat!Chocolat!", {Flaw.REPEATED_BLOCK}),
        ("Motdepasse!MOTDEPASSE!", {Flaw.REPEATED_BLOCK}),
        # The service's and the municipality's names, then a year and a symbol.
        ("Ribambelle2026!", {Flaw.SERVICE_NAME, Flaw.YEAR}),
        ("R1b@mb3ll3-2026#", {Flaw.SERVICE_NAME, Flaw.YEAR}),
        ("Villeneuve2026!", {Flaw.SERVICE_NAME, Flaw.YEAR}),
        ("VILLENEUVESURLOT47!", {Flaw.SERVICE_NAME}),
        ("Villeneuve-47300!", {Flaw.SERVICE_NAME}),
        ("PortailFamille2026?", {Flaw.SERVICE_NAME, Flaw.YEAR}),
        ("MonFils2014!", {Flaw.YEAR}),
        # Sequences and keyboard walks, French and English keyboards.
        ("azertyuiop123!", {Flaw.COMMON}),  # in the French list already
        ("Qwerty123456!", {Flaw.COMMON}),
        ("qsdfghjklm12!", {Flaw.SEQUENCE}),
        ("Qsdfgh;Wxcvb7", {Flaw.SEQUENCE}),
        ("1qaz2wsx3edc4rfv!", {Flaw.SEQUENCE}),
        ("Poiuyt%Lkjhg5", {Flaw.SEQUENCE}),
        ("Mnopqr#87654!", {Flaw.SEQUENCE}),
        ("Hgfedcba-2468", {Flaw.SEQUENCE}),
        ("Zyxwvuts!2468q", {Flaw.SEQUENCE}),
        # l33t spellings of common passwords.
        ("P@ssw0rd2024!!", {Flaw.COMMON}),
        ("Pr1nt3mps-2026", {Flaw.COMMON}),
        # Accepted: random, long enough without their pattern, or a passphrase.
        ("Kp4#vZ9!mQ2w", set()),
        ("Correct-Horse-Battery-42", set()),
        ("Correct-Horse-Battery-2024", set()),
        ("Kp4#vZ9!mQ2w-Villeneuve", set()),
        ("Tb8$qsdf!Lm3#Wz", set()),  # a 4-key line in a strong password
        ("MfLae7al3m,qb!", set()),  # the first letters of a sentence
        ("le chat de ma voisine dort sous la table", set()),
        ("à villeneuve le marché du samedi est plein de couleurs", set()),
    ],
)
def test_spraying_patterns_table(password, flaws):
    user = villeneuve_parent()
    assert rules.assess(password, 80).strong_enough or flaws == set()
    assert set(password_flaws(password, user)) == flaws


def test_each_refusal_says_why_in_french():
    user = villeneuve_parent()
    problems = password_problems("Villeneuve2026!", user, OWN)
    assert problems == [
        "Ce mot de passe reprend le nom du portail ou de la commune : c'est ce qu'un attaquant "
        "essaie en premier.",
        "Ce mot de passe repose sur une année : c'est ce qu'un attaquant essaie en premier, et "
        "sans elle il est trop court.",
    ]
    (repeated,) = password_problems("Xk9#mP2$Xk9#mP2$", user, OWN)
    assert "répète un même morceau" in repeated
    (walk,) = password_problems("qsdfghjklm12!", user, OWN)
    assert "touches voisines du clavier" in walk


def test_lower_floor_still_refuses_patterns():
    user = villeneuve_parent(floor=50)
    assert password_flaws("Soleil2024!Soleil2024!", user) == [Flaw.REPEATED_BLOCK]
    assert password_flaws("Ribambelle2026!", user) == [Flaw.SERVICE_NAME, Flaw.YEAR]
    assert password_flaws("Xk9#mP2$Xk9#mP2$", user) == []  # 8 random characters reach 50


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Soleil2024!Soleil2024!", "Soleil2024!"),
        ("azertyazerty", "azerty"),
        ("abc-ABC-abc", "abc-"),
        ("Kp4#vZ9!mQ2w", "Kp4#vZ9!mQ2w"),
        ("aabbaabb", "aabb"),
    ],
)
def test_without_repeats(text, expected):
    assert rules.without_repeats(text) == expected


def test_place_words_skip_generic_words():
    assert rules.place_words("Ville de Saint-Martin", "saint-martin", "Saint-Martin") == (
        "martin",
        "saintmartin",
        "villedesaintmartin",
    )


@pytest.mark.parametrize(
    ("floor", "classes", "needed"),
    [
        (80, rules.ALL_CLASSES, 12),
        (80, {"lower", "upper", "digit"}, 14),
        (80, {"lower", "upper"}, 14),
        (80, {"lower"}, 17),
        (50, rules.ALL_CLASSES, 8),
        (50, {"lower"}, 11),
    ],
)
def test_length_needed_matches_assess(floor, classes, needed):
    assert rules.length_needed(floor, classes) == needed


TEN_WORDS = "Le matin je bois un grand café avec du lait"


@pytest.mark.parametrize(
    ("method", "text", "present", "absent"),
    [
        # Own password: the CNIL's advice, including the 7-word passphrase.
        (OWN, "Azerty123!", ["force 66 bits sur 80", "phrase d'au moins 7 mots"], []),
        # From a sentence: the 10-word sentence gives 10 letters; a passphrase cannot help.
        (
            SENTENCE,
            TEN_WORDS,
            [
                "trop court : 10 caractères, un par mot, nombre ou ponctuation de la phrase ; "
                "il en faut au moins 14. Allongez la phrase.",
                "Avec une majuscule, un nombre écrit en chiffres et une ponctuation dans la "
                "phrase, 12 suffisent.",
            ],
            ["7 mots", "Allongez-le", "Ce mot de passe"],
        ),
        (
            SENTENCE,
            "Le matin, je bois 1 café !",
            ["trop court : 8 caractères", "il en faut au moins 12"],
            ["suffisent", "7 mots"],
        ),
        (
            SENTENCE,
            "Mon ami Rémi travaille ici nuit et jour depuis 12 ans, quel courage !",
            ["reprend votre adresse e-mail ou votre nom : changez quelques mots de la phrase"],
            ["7 mots"],
        ),
        # Generated: nothing to lengthen or to mix, draw another one.
        (GENERATED, "abc", ["Ce mot de passe généré ne convient pas : générez-en un autre."], []),
        (GENERATED, "Ribambelle2026!", ["générez-en un autre"], ["commune", "7 mots"]),
    ],
)
def test_hints_per_method(method, text, present, absent):
    user = villeneuve_parent()
    password = rules.password_from_sentence(text) if method == SENTENCE else text
    problems = password_problems(password, user, method)
    joined = " ".join(problems)
    assert problems
    for piece in present:
        assert piece in joined
    for piece in absent:
        assert piece not in joined
    if method == GENERATED:
        assert len(problems) == 1


def test_every_flaw_has_a_hint_for_every_method():
    for method in PasswordMethod.ALL:
        for flaw in Flaw:
            (first, *_rest) = hints([flaw], "Ab1!", 80, method)
            assert first


@pytest.mark.parametrize("floor", [50, 80])
def test_generated_passwords_pass_every_check(floor):
    from ribambelle.accounts.validators import generate_acceptable_password

    user = villeneuve_parent(floor)
    for _ in range(30):
        password = generate_acceptable_password(user)
        assert password_flaws(password, user) == []
