import datetime
import io
import os
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from ribambelle.accounts.models import Role, User
from ribambelle.conftest import logged_in, make_user
from ribambelle.core.models import AuditEntry
from ribambelle.families import imports
from ribambelle.families.models import Child, Guardian, Household

SAMPLE = Path(__file__).resolve().parents[3] / "docs" / "import-familles-exemple.csv"
HEADER = (
    "reference_foyer;nom_foyer;adresse;code_postal;commune;quotient;"
    "resp1_civilite;resp1_nom;resp1_prenom;resp1_email;resp1_portable;"
    "resp2_civilite;resp2_nom;resp2_prenom;resp2_email;resp2_portable;"
    "enfant_nom;enfant_prenom;enfant_sexe;enfant_naissance;enfant_ecole;enfant_classe"
)
VALID = "\n".join(
    [
        HEADER,
        "F1;Foyer Roux;1 rue Haute;69001;Lyon;650,50;Mme;Roux;Anne;anne@example.org;"
        "06 11 11 11 11;M;Roux;Paul;paul@example.org;;Roux;Léo;M;01/02/2016;Jaurès;CM1",
        "F1;Foyer Roux;1 rue Haute;69001;Lyon;650,50;Mme;Roux;Anne;anne@example.org;"
        "06 11 11 11 11;M;Roux;Paul;paul@example.org;;Roux;Mia;F;03/04/2019;Jaurès;GS",
        "F2;Foyer Blanc;2 rue Basse;69002;Lyon;1200.00;M;Blanc;Marc;marc@example.org;;"
        ";;;;;Blanc;Zoé;F;05/06/2017;Ferry;CE2",
        "F3;Foyer Vert;;;;;Mme;Vert;Lina;;;;;;;;;;;;;",
    ]
)


def url(name, municipality, **kwargs):
    return reverse(
        f"families_staff:{name}", kwargs={"municipality_slug": municipality.slug, **kwargs}
    )


def upload(client, municipality, content, name="familles.csv"):
    if isinstance(content, str):
        content = content.encode()
    response = client.post(
        url("import_upload", municipality),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )
    return response


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return re.search(r"/apercu/([0-9a-f]+)/", response.url).group(1)


def preview_and_confirm(client, municipality, content):
    token = token_of(upload(client, municipality, content))
    preview = client.get(url("import_preview", municipality, token=token))
    confirm = client.post(url("import_confirm", municipality, token=token))
    return preview, confirm


# --- Parsing (pure) ---------------------------------------------------------------------------


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
    assert imports.header_key(title) == key


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
    parsed = imports.parse_file(f"{HEADER}\n\n{cells}\n".encode())
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
    errors = [str(error) for error in imports.parse_file(content.encode()).errors]
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
    parsed = imports.parse_file(content.encode())
    assert parsed.errors == []
    (household,) = parsed.households
    assert household.values == {"name": "Foyer Roux", "address": "1 rue Haute"}
    (guardian,) = household.guardians
    assert guardian.values["email"] == "anne@example.org"
    assert guardian.values["civility"] == "mme"
    (child,) = household.children
    assert child.values["school"] == "Ferry"


def test_file_level_errors():
    assert str(imports.parse_file(b"").errors[0]) == "Le fichier est vide."
    assert "reference_foyer" in str(imports.parse_file(b"nom;prenom\nA;B\n").errors[0])
    assert "pas un fichier CSV" in str(imports.parse_file(b"\x00\x01binary").errors[0])
    too_many = HEADER + "\n" + "F1;;;;;;;Roux;Anne;;;;;;;;;;;;;\n" * (imports.MAX_LINES + 1)
    assert "plus de 20" in str(imports.parse_file(too_many.encode()).errors[0])
    shifted = imports.parse_file(f"{HEADER}\nF1;;;;;;;Roux;Anne;;;;;;;;;;;;;;;x\n".encode())
    assert "vérifiez le séparateur" in str(shifted.errors[0])


def test_unknown_columns_are_ignored_with_a_warning():
    parsed = imports.parse_file(b"reference_foyer,resp1_nom,resp1_prenom,Remarque\nF1,Roux,A,x\n")
    assert parsed.errors == []
    assert "Remarque" in str(parsed.warnings[0])


def test_sample_file_has_no_error():
    parsed = imports.parse_file(SAMPLE.read_bytes())
    assert parsed.errors == []
    assert len(parsed.households) == 3


# --- Preview, confirm -------------------------------------------------------------------------


def test_valid_file_preview_then_confirm(manager_client, manager_a, municipality_a):
    token = token_of(upload(manager_client, municipality_a, VALID))
    response = manager_client.get(url("import_preview", municipality_a, token=token))
    assert response.status_code == 200
    plan = response.context["plan"]
    assert plan.errors == []
    assert vars(plan.households) == {"created": 3, "updated": 0, "unchanged": 0}
    assert vars(plan.guardians) == {"created": 4, "updated": 0, "unchanged": 0}
    assert vars(plan.children) == {"created": 3, "updated": 0, "unchanged": 0}
    assert plan.accounts == 3
    assert "Confirmer l'import" in response.content.decode()
    assert not Household.objects.exists()
    assert not User.objects.filter(role=Role.PARENT).exists()

    response = manager_client.post(url("import_confirm", municipality_a, token=token))
    assert response.status_code == 302
    assert response.url == url("import_result", municipality_a)

    roux = Household.objects.get(municipality=municipality_a, external_ref="F1")
    assert roux.name == "Foyer Roux"
    assert roux.quotient == Decimal("650.50")
    assert roux.quotient_source == Household.QuotientSource.STAFF
    assert [g.first_name for g in roux.guardians.all()] == ["Anne", "Paul"]
    assert roux.paying_guardian.first_name == "Anne"
    assert [c.first_name for c in roux.children.all()] == ["Léo", "Mia"]
    anne = roux.guardians.get(first_name="Anne")
    assert anne.civility == "mme"
    assert anne.mobile_phone == "06 11 11 11 11"
    assert anne.user.email == "anne@example.org"
    assert anne.user.role == Role.PARENT
    assert anne.user.municipality == municipality_a
    assert not anne.user.has_usable_password()
    assert Household.objects.get(external_ref="F2").quotient == Decimal("1200.00")
    vert = Guardian.objects.get(last_name="Vert")
    assert vert.user is None
    assert Child.objects.get(first_name="Léo").birth_date == datetime.date(2016, 2, 1)
    assert Child.objects.get(first_name="Léo").sex == "m"
    entries = AuditEntry.objects.filter(municipality=municipality_a, action="import")
    assert entries.count() == 3 + 4 + 3
    assert all(entry.actor == manager_a for entry in entries)
    assert entries.filter(target_type="families.child", household_id=roux.pk).count() == 2

    response = manager_client.get(url("import_result", municipality_a))
    assert response.status_code == 200
    assert response.context["summary"]["households"]["created"] == 3
    assert response.context["to_invite"] == 3
    assert "Envoyer les invitations" in response.content.decode()
    # The file is gone from the storage and cannot be confirmed twice.
    again = manager_client.post(url("import_confirm", municipality_a, token=token))
    assert again.status_code == 302
    assert again.url == url("import_upload", municipality_a)
    assert Household.objects.count() == 3


def test_file_with_errors_writes_nothing_even_when_confirm_is_forced(
    manager_client, municipality_a
):
    content = "\n".join(
        [
            HEADER,
            "F1;Foyer Roux;;;;;;Roux;Anne;anne@example.org;;;;;;;Roux;Léo;M;01/02/2016;;",
            "F2;Foyer Blanc;;;;;;Blanc;Marc;marc@;;;;;;;Blanc;Zoé;F;31/02/2018;;",
            "",
            ";Foyer Sans;;;;;;Sans;Ref;;;;;;;;;;;;;",
        ]
    )
    token = token_of(upload(manager_client, municipality_a, content))
    response = manager_client.get(url("import_preview", municipality_a, token=token))
    body = response.content.decode()
    assert [str(error) for error in response.context["plan"].errors] == [
        "Ligne 3 : date de naissance « 31/02/2018 » invalide (JJ/MM/AAAA attendu)",
        "Ligne 3 : e-mail du responsable 1 « marc@ » invalide",
        "Ligne 5 : référence du foyer (reference_foyer) manquante",
    ]
    assert "Ligne 3 : date de naissance « 31/02/2018 » invalide" in body
    assert "Confirmer l'import" not in body

    response = manager_client.post(url("import_confirm", municipality_a, token=token))
    assert response.status_code == 302
    assert not Household.objects.exists()
    assert not Guardian.objects.exists()
    assert not User.objects.filter(role=Role.PARENT).exists()
    assert not AuditEntry.objects.exists()


def test_reimport_creates_nothing_and_says_unchanged(manager_client, municipality_a):
    preview_and_confirm(manager_client, municipality_a, VALID)
    counts = (Household.objects.count(), Guardian.objects.count(), Child.objects.count())
    users = User.objects.count()
    audit = AuditEntry.objects.count()

    preview, confirm = preview_and_confirm(manager_client, municipality_a, VALID)
    plan = preview.context["plan"]
    assert vars(plan.households) == {"created": 0, "updated": 0, "unchanged": 3}
    assert vars(plan.guardians) == {"created": 0, "updated": 0, "unchanged": 4}
    assert vars(plan.children) == {"created": 0, "updated": 0, "unchanged": 3}
    assert plan.accounts == 0
    assert confirm.status_code == 302
    assert (Household.objects.count(), Guardian.objects.count(), Child.objects.count()) == counts
    assert User.objects.count() == users
    assert AuditEntry.objects.count() == audit
    summary = manager_client.get(url("import_result", municipality_a)).context["summary"]
    assert summary["households"] == {"created": 0, "updated": 0, "unchanged": 3}


def test_reimport_updates_changed_values_and_audits_them(manager_client, municipality_a):
    preview_and_confirm(manager_client, municipality_a, VALID)
    changed = VALID.replace("650,50", "700").replace("06 11 11 11 11", "06 99 99 99 99")
    changed = changed.replace("Jaurès;GS", "Jaurès;CP")
    changed = changed.replace("Vert;Lina;;", "Vert;Lina;lina@example.org;")
    changed += "\nF2;;;;;;;;;;;;;;;;Blanc;Noé;M;07/07/2020;Ferry;PS"
    preview, _confirm = preview_and_confirm(manager_client, municipality_a, changed)
    plan = preview.context["plan"]
    assert plan.errors == []
    assert vars(plan.households) == {"created": 0, "updated": 1, "unchanged": 2}
    assert vars(plan.guardians) == {"created": 0, "updated": 2, "unchanged": 2}
    assert vars(plan.children) == {"created": 1, "updated": 1, "unchanged": 2}
    assert plan.accounts == 1

    roux = Household.objects.get(external_ref="F1")
    assert roux.quotient == Decimal("700.00")
    anne = Guardian.objects.get(first_name="Anne")
    assert anne.mobile_phone == "06 99 99 99 99"
    assert Child.objects.get(first_name="Mia").school_class == "CP"
    lina = Guardian.objects.get(first_name="Lina")
    assert lina.email == "lina@example.org"
    assert lina.user.email == "lina@example.org"
    assert Child.objects.filter(household__external_ref="F2").count() == 2

    entry = AuditEntry.objects.get(
        target_type="families.guardian", target_id=anne.pk, before__mobile_phone="06 11 11 11 11"
    )
    assert entry.after == {"mobile_phone": "06 99 99 99 99"}
    household_entry = AuditEntry.objects.filter(
        target_type="families.household", target_id=roux.pk
    ).latest("pk")
    assert household_entry.before["quotient"] == "650.50"
    assert household_entry.after["quotient"] == "700.00"


def test_blank_cells_do_not_erase_values_entered_since(manager_client, municipality_a):
    preview_and_confirm(manager_client, municipality_a, VALID)
    without_phone = VALID.replace("06 11 11 11 11", "")
    preview, _confirm = preview_and_confirm(manager_client, municipality_a, without_phone)
    assert preview.context["plan"].guardians.updated == 0
    assert Guardian.objects.get(first_name="Anne").mobile_phone == "06 11 11 11 11"


def test_email_of_another_households_guardian_is_refused(
    manager_client, municipality_a, household_a, agent_a
):
    content = "\n".join(
        [
            HEADER,
            "F1;;;;;;;Roux;Anne;alice@example.org;;;;;;;;;;;;",
            "F2;;;;;;;Blanc;Marc;AGENT@ville-a.fr;;;;;;;;;;;;",
            "F3;;;;;;;Vert;Lina;marc@example.org;;;;;;;;;;;;",
            "F4;;;;;;;Noir;Jo;marc@example.org;;;;;;;;;;;;",
        ]
    )
    token = token_of(upload(manager_client, municipality_a, content))
    plan = manager_client.get(url("import_preview", municipality_a, token=token)).context["plan"]
    assert [str(error) for error in plan.errors] == [
        "Ligne 2 : l'e-mail « alice@example.org » est déjà celui d'un responsable d'un autre foyer",
        "Ligne 3 : l'e-mail « agent@ville-a.fr » est celui d'un compte du personnel",
        "Ligne 5 : l'e-mail « marc@example.org » est aussi celui d'un responsable du foyer F3 "
        "(ligne 4)",
    ]


def test_email_used_in_another_municipality_is_fine(
    manager_client, municipality_a, household_b, charlie
):
    content = f"{HEADER}\nF1;;;;;;;Durand;Charlie;charlie@example.org;;;;;;;;;;;;\n"
    preview_and_confirm(manager_client, municipality_a, content)
    guardian = Guardian.objects.get(municipality=municipality_a)
    assert guardian.user.municipality == municipality_a
    assert guardian.user != charlie


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


def test_tampered_or_foreign_file_is_not_imported(manager_client, manager_a, municipality_a):
    token = token_of(upload(manager_client, municipality_a, VALID))
    name = f"family-imports/{municipality_a.pk}/{manager_a.pk}-{token}.csv"
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.delete(name)
    default_storage.save(name, ContentFile(VALID.replace("Roux", "Pirate").encode()))
    response = manager_client.post(url("import_confirm", municipality_a, token=token))
    assert response.url == url("import_upload", municipality_a)
    assert not Household.objects.exists()
    # Another manager's session does not know the token.
    other = logged_in(make_user(municipality_a, "chef2@ville-a.fr", Role.MANAGER))
    token = token_of(upload(manager_client, municipality_a, VALID))
    response = other.post(url("import_confirm", municipality_a, token=token))
    assert response.url == url("import_upload", municipality_a)
    assert not Household.objects.exists()


def test_upload_limits(manager_client, municipality_a, monkeypatch):
    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    response = upload(manager_client, municipality_a, VALID)
    assert response.status_code == 400
    assert "Le fichier dépasse 5 Mo" in response.content.decode()
    response = upload(manager_client, municipality_a, b"")
    assert response.status_code == 400


# --- Invitations ------------------------------------------------------------------------------


def test_invitations_are_sent_once(manager_client, municipality_a):
    preview_and_confirm(manager_client, municipality_a, VALID)
    anne = User.objects.get(email="anne@example.org")
    anne.set_password("Correct-Horse-Battery-42")
    anne.save()
    mail.outbox.clear()

    response = manager_client.post(url("import_invitations", municipality_a), follow=True)
    assert "2 invitations envoyées." in response.content.decode()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "marc@example.org",
        "paul@example.org",
    ]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.INVITE).count() == 2

    mail.outbox.clear()
    response = manager_client.post(url("import_invitations", municipality_a), follow=True)
    assert "Aucune invitation à envoyer." in response.content.decode()
    assert mail.outbox == []

    with time_machine.travel(datetime.datetime.now() + datetime.timedelta(hours=25)):
        assert imports.invitation_candidates(municipality_a).count() == 2


def test_invitations_skip_accounts_already_used_and_other_households(
    manager_client, municipality_a, household_a
):
    preview_and_confirm(manager_client, municipality_a, VALID)
    User.objects.filter(email="paul@example.org").update(
        last_login=datetime.datetime.now(datetime.UTC)
    )
    assert {g.user.email for g in imports.invitation_candidates(municipality_a)} == {
        "anne@example.org",
        "marc@example.org",
    }


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["import_upload", "import_result", "import_invitations"])
def test_access(name, manager_client, agent_client, alice_client, municipality_a, agent_b):
    assert manager_client.get(url(name, municipality_a)).status_code in {200, 302}
    assert agent_client.get(url(name, municipality_a)).status_code == 403
    assert alice_client.get(url(name, municipality_a)).status_code == 403
    assert logged_in(agent_b).get(url(name, municipality_a)).status_code == 404
    readonly = make_user(municipality_a, "lecture@ville-a.fr", Role.READ_ONLY)
    assert logged_in(readonly).get(url(name, municipality_a)).status_code == 403


def test_access_to_preview_and_confirm(
    manager_client, agent_client, municipality_a, municipality_b
):
    token = token_of(upload(manager_client, municipality_a, VALID))
    manager_b = logged_in(make_user(municipality_b, "chef@ville-b.fr", Role.MANAGER))
    for client, status in ((agent_client, 403), (manager_b, 404)):
        assert client.get(url("import_preview", municipality_a, token=token)).status_code == status
        assert client.post(url("import_confirm", municipality_a, token=token)).status_code == status
        assert client.post(url("import_invitations", municipality_a)).status_code == status
        response = client.post(
            url("import_upload", municipality_a),
            {"file": SimpleUploadedFile("f.csv", VALID.encode())},
        )
        assert response.status_code == status
    assert manager_client.get(url("import_confirm", municipality_a, token=token)).status_code == 405
    assert not Household.objects.exists()


# --- Performance ------------------------------------------------------------------------------


def test_two_thousand_lines_import_quickly(manager_client, municipality_a):
    lines = [HEADER]
    for number in range(1000):
        for child in range(2):
            lines.append(
                f"R{number};Foyer {number};{number} rue Longue;69000;Lyon;{number},5;"
                f"Mme;Nom{number};Mère;mere{number}@example.org;06 00 00 00 00;"
                f"M;Nom{number};Père;pere{number}@example.org;;"
                f"Nom{number};Enfant{child};F;01/0{child + 1}/2017;École;CE1"
            )
    content = "\n".join(lines)
    started = time.perf_counter()
    preview, _confirm = preview_and_confirm(manager_client, municipality_a, content)
    first = time.perf_counter() - started
    assert preview.context["plan"].errors == []
    assert Child.objects.count() == 2000
    assert Guardian.objects.count() == 2000
    assert User.objects.filter(role=Role.PARENT).count() == 2000
    started = time.perf_counter()
    preview, _confirm = preview_and_confirm(manager_client, municipality_a, content)
    second = time.perf_counter() - started
    assert preview.context["plan"].children.unchanged == 2000
    print(f"2,000 lines: first import {first:.2f} s, re-import {second:.2f} s")
    assert first < 20
    assert second < 20


def test_managers_find_the_import_from_the_families_page(manager_client, agent_client):
    page = manager_client.get("/ville-a/gestion/familles/").content.decode()
    assert "/ville-a/gestion/familles/import/" in page
    assert "/ville-a/gestion/familles/invitations/" in page
    assert (
        "/ville-a/gestion/familles/import/"
        not in agent_client.get("/ville-a/gestion/familles/").content.decode()
    )


# --- Files: checked before they are stored, deleted when refused or abandoned ----------------

PE_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
REFUSED_FILES = [
    ("programme.csv", PE_PROGRAM, "est un programme"),
    ("programme.csv", b"\x7fELF\x02\x01\x01" + b"\x00" * 32, "est un programme"),
    ("script.csv", b"#!/bin/sh\nrm -rf /\n", "est un programme"),
    ("page.csv", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "page web"),
    ("page.csv", b"\xef\xbb\xbf  <html><body>x</body></html>", "page web"),
    (
        "image.csv",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="1"/></svg>',
        "page web",
    ),
    ("donnees.csv", b'<?xml version="1.0"?><familles/>', "page web"),
    (
        "familles.csv",
        HEADER.encode() + b"\n<script>alert(1)</script>;<svg onload=alert(1)>\n",
        "page web",
    ),
    ("familles.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 32, "est un classeur"),
    ("familles.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "est un classeur"),
    ("familles.pdf", b"%PDF-1.7\n%%EOF\n", "est un PDF"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "est une image"),
    ("photo.csv", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "est une image"),
    ("archive.csv", b"\x1f\x8b\x08\x00" + b"\x00" * 32, "archive compressée"),
    ("unicode.csv", "\ufeff".encode("utf-16-le") + HEADER.encode("utf-16-le"), "UTF-16"),
    ("binaire.csv", bytes(range(256)) * 4, "pas un fichier texte"),
    ("familles.csv", b"nom;prenom\nRoux;Anne\n", "reference_foyer"),
    ("familles.csv", HEADER.encode() + b"\n", "aucune ligne"),
]


def stored_files(settings) -> list[str]:
    root = settings.STORAGES["default"]["OPTIONS"]["location"]
    return sorted(str(path.relative_to(root)) for path in Path(root).rglob("*") if path.is_file())


@pytest.mark.parametrize(("name", "content", "message"), REFUSED_FILES)
def test_refused_file_is_never_stored(
    manager_client, municipality_a, settings, name, content, message
):
    response = upload(manager_client, municipality_a, content, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored_files(settings) == []
    assert "families_import" not in manager_client.session


def test_a_refused_file_keeps_the_previous_pending_one(manager_client, municipality_a, settings):
    token = token_of(upload(manager_client, municipality_a, VALID))
    assert upload(manager_client, municipality_a, PE_PROGRAM).status_code == 400
    assert len(stored_files(settings)) == 1
    preview = manager_client.get(url("import_preview", municipality_a, token=token))
    assert preview.status_code == 200 and preview.context["plan"].ok


def test_confirmed_and_replaced_files_are_deleted_at_once(manager_client, municipality_a, settings):
    upload(manager_client, municipality_a, VALID)
    token = token_of(upload(manager_client, municipality_a, VALID))
    (only,) = stored_files(settings)
    assert token in only
    manager_client.post(url("import_confirm", municipality_a, token=token))
    assert stored_files(settings) == []


def _age(settings, hours: float) -> None:
    """Make every stored import file `hours` old (the storage's modification time)."""
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    stamp = time.time() - hours * 3600
    for path in root.rglob("*.csv"):
        os.utime(path, (stamp, stamp))


def test_abandoned_files_are_purged_after_24_hours(
    manager_client, municipality_a, municipality_b, settings
):
    token = token_of(upload(manager_client, municipality_a, VALID))
    manager_b = logged_in(make_user(municipality_b, "chef@ville-b.fr", Role.MANAGER))
    token_of(upload(manager_b, municipality_b, VALID))
    _age(settings, 23.5)
    other = logged_in(make_user(municipality_a, "chef2@ville-a.fr", Role.MANAGER))
    recent = token_of(upload(other, municipality_a, VALID))
    assert len(stored_files(settings)) == 3
    assert imports.import_files_purge() == 0  # 23.5 h: still waiting for a confirmation

    _age(settings, 25)
    recent_name = imports.file_name(municipality_a.pk, other.session["_auth_user_id"], recent)
    os.utime(Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / recent_name)
    out = io.StringIO()
    call_command("purge_import_files", stdout=out)
    assert "deleted: 2" in out.getvalue()
    assert stored_files(settings) == [recent_name]
    # The abandoned preview says the file is gone; the recent one still works.
    response = manager_client.get(url("import_preview", municipality_a, token=token))
    assert response.status_code == 302 and response.url == url("import_upload", municipality_a)
    assert other.get(url("import_preview", municipality_a, token=recent)).status_code == 200
    assert other.post(url("import_confirm", municipality_a, token=recent)).status_code == 302
    assert Household.objects.filter(municipality=municipality_a).count() == 3
    assert stored_files(settings) == []


def test_an_upload_purges_its_municipality_abandoned_files(
    manager_client, municipality_a, municipality_b, settings
):
    upload(manager_client, municipality_a, VALID)
    manager_b = logged_in(make_user(municipality_b, "chef@ville-b.fr", Role.MANAGER))
    upload(manager_b, municipality_b, VALID)
    _age(settings, 25)
    other = logged_in(make_user(municipality_a, "chef2@ville-a.fr", Role.MANAGER))
    token = token_of(upload(other, municipality_a, VALID))
    files = stored_files(settings)
    assert len(files) == 2
    assert any(token in name for name in files)
    assert any(name.startswith(f"family-imports/{municipality_b.pk}/") for name in files)


def test_purge_without_any_import_folder():
    assert imports.import_files_purge() == 0
