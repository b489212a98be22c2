"""The preview: the file compared with the database (imports/plan.py), nothing written."""

from ribambelle.accounts.models import User
from ribambelle.families.imports.plan import import_plan
from ribambelle.families.models import Child, Guardian, Household
from ribambelle.families.tests.imports.steps import (
    HEADER,
    VALID,
    preview_and_confirm,
    token_of,
    upload,
    url,
)


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


def test_plan_writes_nothing_and_matches_records_by_reference_and_name(
    manager_client, municipality_a, django_assert_max_num_queries
):
    preview_and_confirm(manager_client, municipality_a, VALID)
    counts = (Household.objects.count(), Guardian.objects.count(), Child.objects.count())
    # Capitals and missing accents do not make another person or another child.
    shouted = VALID.replace("Roux;Anne", "ROUX;ANNE").replace("Roux;Léo", "ROUX;Leo")
    with django_assert_max_num_queries(8):
        plan = import_plan(municipality_a, shouted.encode())
    assert plan.ok
    assert vars(plan.households) == {"created": 0, "updated": 0, "unchanged": 3}
    assert vars(plan.guardians) == {"created": 0, "updated": 0, "unchanged": 4}
    assert vars(plan.children) == {"created": 0, "updated": 0, "unchanged": 3}
    assert (Household.objects.count(), Guardian.objects.count(), Child.objects.count()) == counts


def test_plan_keeps_the_login_of_an_account_already_used(manager_client, municipality_a):
    preview_and_confirm(manager_client, municipality_a, VALID)
    anne = User.objects.get(email="anne@example.org")
    anne.set_password("Correct-Horse-Battery-42")
    anne.save()
    plan = import_plan(municipality_a, VALID.replace("anne@example.org", "anne@new.org").encode())
    assert plan.ok
    (warning,) = plan.warnings
    assert "l'e-mail d'Anne Roux n'est pas modifié" in str(warning)
    anne_op = next(g for op in plan.ops for g in op.guardians if g.data.email == "anne@new.org")
    assert "email" not in anne_op.changes
    assert anne_op.user_email is None
