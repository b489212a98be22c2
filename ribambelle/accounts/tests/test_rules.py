import pytest

from ribambelle.accounts import rules


@pytest.mark.parametrize(
    ("password", "floor", "passes"),
    [
        # The CNIL's own examples (délibération 2022-100).
        ("Kp4#vZ9!mQ2w", 80, True),  # 12 characters, four classes
        ("Kp4vZ9mQ2wLr7T", 80, True),  # 14 characters, no special character
        ("le chat de ma voisine dort sous la table", 80, True),  # 7-word passphrase
        ("UudlCac1mdpf!", 80, True),  # the "first letters" example
        # Too weak.
        ("Azerty123!", 80, False),
        ("Kp4#vZ9!mQ2", 80, False),  # 11 characters, four classes
        ("Kp4vZ9mQ2wLr7", 80, False),  # 13 characters, three classes
        ("abcdefghijklmnop", 80, False),  # 16 lower-case letters: 75 bits
        ("un deux trois quatre", 80, True),  # 20 chars, lower + space: 120 bits
        ("", 80, False),
        # CNIL case 2: 50 bits when logins are throttled.
        ("Azerty123!", 50, True),
        ("Ab1!xyz", 50, False),  # 7 characters: 46 bits
        ("Ab1!xyz", 30, False),  # the floor never goes below 50
    ],
)
def test_cnil_entropy_table(password, floor, passes):
    assert rules.assess(password, floor).strong_enough is passes


def test_entropy_uses_cnil_alphabet_sizes():
    assert rules.entropy_bits("aaaa") == pytest.approx(4 * 4.7004, abs=1e-3)
    assert rules.assess("Kp4#vZ9!mQ2w").bits == 80


@pytest.mark.parametrize(
    ("password", "repetitive"),
    [("Aaaaaaaaaaaa1!", True), ("abababababab", True), ("Kp4#vZ9!mQ2w", False)],
)
def test_repetitive(password, repetitive):
    assert rules.is_repetitive(password) is repetitive


@pytest.mark.parametrize(
    ("password", "derived"),
    [
        ("Alice.Martin2024!", True),
        ("xx-alicemartin-99", True),
        ("Exemple-Org-77!!", True),
        ("Kp4#vZ9!mQ2w", False),
    ],
)
def test_derived_from_email(password, derived):
    assert rules.derived_from_personal_data(password, "alice.martin@exemple.org") is derived


@pytest.mark.parametrize(
    ("sentence", "password"),
    [
        ("Un utilisateur de la CNIL a choisi 1 mot de passe fort !", "UudlCac1mdpf!"),
        ("Mon fils Léo a eu 7 ans le 3 mars, quel bonheur !", "MfLae7al3m,qb!"),
        ("J'ai 2 chats et 12 poissons.", "Ja2ce12p."),
        ("  ", ""),
    ],
)
def test_password_from_sentence(sentence, password):
    assert rules.password_from_sentence(sentence) == password


@pytest.mark.parametrize("floor", [50, 80])
def test_generated_passwords_comply(floor):
    seen = set()
    for _ in range(50):
        password = rules.generate_password(floor)
        assert rules.assess(password, floor).strong_enough
        assert rules.character_classes(password) == {"lower", "upper", "digit", "special"}
        seen.add(password)
    assert len(seen) == 50


@pytest.mark.parametrize(
    ("password", "common"),
    [
        ("Azerty123!", True),
        ("!!Motdepasse2024", True),
        ("password12345", True),
        ("Soleil-Marin-Vert-42", False),
        ("Kp4#vZ9!mQ2w", False),
    ],
)
def test_common_passwords_with_decorations(password, common):
    from ribambelle.accounts.validators import is_common

    assert is_common(password) is common
