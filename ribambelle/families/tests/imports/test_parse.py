"""Reading and checking the file (imports/parse.py and cells.py), pure except the last two."""

import pytest

from ribambelle.families.imports.cells import header_key
from ribambelle.families.imports.parse import MAX_LINES, parse_file
from ribambelle.families.models import Child, Guardian, Household
from ribambelle.families.tests.imports.steps import HEADER, SAMPLE, preview_and_confirm


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("reference_foyer", "reference_foyer"),
        ("Référence foyer", "reference_foyer"),
        (" RESP1_Prénom ", "resp1_prenom"),
        ("resp2_e-mail", "resp2_email"),
        ("Enfant naissance", "enfant_naissance"),
        ("Code postal", "code_postal"),
    ],
)
def test_header_key_ignores_case_accents_and_spacing(title, key):
    assert header_key(title) == key


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("F1;;;;;;;Roux;Anne;;;;;;;;Roux;Léo;M;31/02/2018;;", "« 31/02/2018 » invalide"),
        (";;;;;;;Roux;Anne;;;;;;;;;;;;;", "référence du foyer"),
        ("F1;;;;;;;Roux;;;;;;;;;;;;;;", "prénom du responsable 1 : valeur manquante"),
        ("F1;;;;;;;Roux;Anne;anne@;;;;;;;;;;;;", "e-mail du responsable 1 « anne@ » invalide"),
        ("F1;;;;;abc;;Roux;Anne;;;;;;;;;;;;;", "quotient familial « abc » invalide"),
        ("F1;;;;;;Dr;Roux;Anne;;;;;;;;;;;;;", "civilité du responsable 1 « Dr »"),
        ("F1;;;;;;;Roux;Anne;;xx;;;;;;;;;;;", "téléphone portable du responsable 1"),
        ("F1;;;;;;;Roux;Anne;;;;;;;;Roux;Léo;X;01/02/2016;;", "sexe de l'enfant « X »"),
        ("F1;;;;;;;Roux;Anne;;;;;;;;Roux;;M;01/02/2016;;", "prénom de l'enfant : valeur manquante"),
        ("F1;;;;;;;Roux;Anne;;;;;;;;Roux;Léo;M;01/02/2999;;", "dans le futur"),
        ("F1;" + "x" * 151 + ";;;;;;Roux;Anne;;;;;;;;;;;;;", "nom du foyer : texte trop long"),
    ],
)
def test_line_errors_name_the_line(cells, message):
    parsed = parse_file(f"{HEADER}\n\n{cells}\n".encode())
    assert len(parsed.errors) == 1, parsed.errors
    text = str(parsed.errors[0])
    assert text.startswith("Ligne 3 : "), text
    assert message in text


def test_inconsistent_household_and_guardian_between_lines():
    content = "\n".join(
        [
            HEADER,
            "F1;Foyer Roux;1 rue Haute;;;;;Roux;Anne;anne@example.org;06 11 11 11 11;;;;;;;;;;;",
            "F1;Foyer Roux;9 rue Basse;;;;;Roux;Anne;anne@example.org;06 22 22 22 22;;;;;;;;;;;",
            "F1;;;;;;;Roux;Paul;;;;;;;;;;;;;",
            "F1;;;;;;;Roux;Jean;;;;;;;;;;;;;",
        ]
    )
    errors = [str(error) for error in parse_file(content.encode()).errors]
    assert errors == [
        "Ligne 3 : adresse : « 9 rue Basse » diffère de la ligne 2 (« 1 rue Haute ») pour F1",
        "Ligne 3 : téléphone portable : « 06 22 22 22 22 » diffère de la ligne 2 "
        "(« 06 11 11 11 11 ») pour le responsable « Anne Roux »",
        "Ligne 5 : plus de deux responsables légaux pour le foyer F1 (Jean Roux en plus)",
    ]


def test_blank_cells_add_nothing_and_repeated_lines_merge():
    content = "\n".join(
        [
            HEADER,
            "F1;Foyer Roux;;;;;;Roux;Anne;;;;;;;;Roux;Léo;M;01/02/2016;;",
            "F1;;1 rue Haute;;;;Mme;ROUX;anne;anne@example.org;;;;;;;Roux;Léo;;01/02/2016;Ferry;",
        ]
    )
    parsed = parse_file(content.encode())
    assert parsed.errors == []
    (household,) = parsed.households
    assert household.values == {"name": "Foyer Roux", "address": "1 rue Haute"}
    (guardian,) = household.guardians
    assert guardian.values["email"] == "anne@example.org"
    assert guardian.values["civility"] == "mme"
    (child,) = household.children
    assert child.values["school"] == "Ferry"


def test_file_level_errors():
    assert str(parse_file(b"").errors[0]) == "Le fichier est vide."
    assert "reference_foyer" in str(parse_file(b"nom;prenom\nA;B\n").errors[0])
    assert "pas un fichier CSV" in str(parse_file(b"\x00\x01binary").errors[0])
    too_many = HEADER + "\n" + "F1;;;;;;;Roux;Anne;;;;;;;;;;;;;\n" * (MAX_LINES + 1)
    assert "plus de 20" in str(parse_file(too_many.encode()).errors[0])
    shifted = parse_file(f"{HEADER}\nF1;;;;;;;Roux;Anne;;;;;;;;;;;;;;;x\n".encode())
    assert "vérifiez le séparateur" in str(shifted.errors[0])


def test_unknown_columns_are_ignored_with_a_warning():
    parsed = parse_file(b"reference_foyer,resp1_nom,resp1_prenom,Remarque\nF1,Roux,A,x\n")
    assert parsed.errors == []
    assert "Remarque" in str(parsed.warnings[0])


def test_sample_file_has_no_error():
    parsed = parse_file(SAMPLE.read_bytes())
    assert parsed.errors == []
    assert len(parsed.households) == 3


def test_windows_1252_and_semicolons(manager_client, municipality_a):
    content = (
        "Référence foyer;Nom foyer;Resp1 nom;Resp1 prénom;Enfant nom;Enfant prénom;"
        "Enfant naissance\r\nF1;Foyer Lefèvre;Lefèvre;Hélène;Lefèvre;Anaïs;09/10/2018\r\n"
    ).encode("cp1252")
    preview_and_confirm(manager_client, municipality_a, content)
    assert Household.objects.get().name == "Foyer Lefèvre"
    assert Child.objects.get().first_name == "Anaïs"
    assert Guardian.objects.get().first_name == "Hélène"


def test_utf8_bom_and_commas(manager_client, municipality_a):
    content = (
        "\ufeffreference_foyer,resp1_nom,resp1_prenom,enfant_nom,enfant_prenom,enfant_naissance\n"
        'F1,Müller,"Jean, Pierre",Müller,Chloé,01/01/2015\n'
    ).encode()
    preview_and_confirm(manager_client, municipality_a, content)
    guardian = Guardian.objects.get()
    assert guardian.first_name == "Jean, Pierre"
    assert Household.objects.get().name == "Foyer Müller"
    assert Child.objects.get().first_name == "Chloé"
