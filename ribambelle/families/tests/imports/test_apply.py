"""The confirmation: the plan built again and written in one transaction (imports/apply.py)."""

import datetime
import time
from decimal import Decimal

from ribambelle.accounts.models import Role, User
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child, Guardian, Household
from ribambelle.families.tests.imports.steps import (
    HEADER,
    VALID,
    preview_and_confirm,
    token_of,
    upload,
    url,
)


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
