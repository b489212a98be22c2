"""The treasury settings of a billing office (managers only): the PES V2 codes and the
imputation table. Each page works for a manager, answers 404 to another municipality and 403
to other staff; bad input says why in French, keeps what was typed and saves nothing; every
change is audited."""

import pytest
from django.urls import reverse

from ribambelle.accounts.models import Role
from ribambelle.billing.tests.factories import BillingOfficeFactory
from ribambelle.bookings.tests.conftest import make_activity
from ribambelle.conftest import logged_in, make_user
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.tests.factories import DepartmentFactory
from ribambelle.treasury.models import Imputation, TreasurySettings
from ribambelle.treasury.tests.imputation_factories import (
    ImputationFactory,
    TreasurySettingsFactory,
)

pytestmark = pytest.mark.django_db

CODES = {
    "collectivity_code": "a1b",
    "budget_code": "01",
    "post_code": "069 0000",
    "nomenclature": "M57",
    "title_object": "  Restauration  scolaire ",
    "payfip": "on",
}


def url(name, office, slug="ville-a"):
    return reverse(
        f"treasury_settings:{name}", kwargs={"municipality_slug": slug, "office_pk": office.pk}
    )


@pytest.fixture
def office(municipality_a, department_a):
    return BillingOfficeFactory(
        municipality=municipality_a, departments=[department_a], siret="21690123100011"
    )


@pytest.fixture
def canteen(municipality_a, department_a):
    return make_activity(municipality_a, department_a, "Restauration scolaire")


@pytest.fixture
def manager_b_client(municipality_b):
    return logged_in(make_user(municipality_b, "chef@ville-b.fr", Role.MANAGER))


def grid_data(office, department, activity, **changes):
    data = {
        f"d{department.pk}_nature": "7067",
        f"d{department.pk}_function": "213",
        f"a{activity.pk}_nature": "",
        f"a{activity.pk}_function": "",
    }
    return {**data, **changes}


# The page and the codes


def test_the_page_shows_the_codes_and_the_table(manager_client, office, canteen, department_a):
    TreasurySettingsFactory(office=office, collectivity_code="9Z9")
    ImputationFactory(office=office, activity=canteen, nature="70688", function="")
    response = manager_client.get(url("office", office))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'value="9Z9"' in text and "21690123100011" in text
    assert "ancien fichier PES" in text  # where to find the codes
    assert f'name="d{department_a.pk}_nature"' in text
    assert f'name="a{canteen.pk}_nature" value="70688"' in text
    assert url("imputations", office) in text


@pytest.mark.parametrize("number", ["", "21690123100012"])
def test_a_missing_or_wrong_siret_is_pointed_out(manager_client, office, number):
    type(office).objects.filter(pk=office.pk).update(siret=number)
    text = manager_client.get(url("office", office)).content.decode()
    assert "le Trésor refuse les titres sans SIRET valable" in text
    assert ("n'est pas un SIRET valable" in text) == bool(number)


def test_the_office_page_links_to_it(manager_client, office):
    edit = reverse(
        "billing_staff:office_edit", kwargs={"municipality_slug": "ville-a", "pk": office.pk}
    )
    assert url("office", office) in manager_client.get(edit).content.decode()


def test_codes_are_saved_tidied_and_audited(manager_client, manager_a, office):
    response = manager_client.post(url("office", office), CODES)
    assert response.status_code == 302 and response["Location"] == url("office", office)
    found = TreasurySettings.objects.get(office=office)
    assert (found.collectivity_code, found.budget_code, found.post_code) == ("A1B", "01", "0690000")
    assert found.title_object == "Restauration scolaire" and found.payfip
    entry = AuditEntry.objects.get(target_type="treasury.treasurysettings")
    assert entry.actor == manager_a and entry.action == AuditEntry.Action.CREATE

    manager_client.post(url("office", office), {**CODES, "budget_code": "02"})
    found.refresh_from_db()
    assert found.budget_code == "02"
    change = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).get()
    assert change.before == {"budget_code": "01"} and change.after == {"budget_code": "02"}


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("collectivity_code", "12", "trois caractères"),
        ("collectivity_code", "1-2", "trois caractères"),
        ("budget_code", "123", "deux caractères"),
        ("post_code", "069000A", "sept chiffres"),
        ("post_code", "069000", "sept chiffres"),
        ("title_object", "", "Ce champ est obligatoire."),
        ("nomenclature", "M99", "nomenclature de la liste"),
    ],
)
def test_bad_codes_say_why_and_keep_what_was_typed(manager_client, office, field, typed, message):
    response = manager_client.post(url("office", office), {**CODES, field: typed})
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text and "Le formulaire contient des erreurs" in text
    assert 'value="  Restauration  scolaire "' in text or field == "title_object"
    if typed and field != "nomenclature":
        assert f'value="{typed}"' in text
    assert not TreasurySettings.objects.exists()


def test_codes_of_another_municipality_answer_404(manager_b_client, office):
    assert manager_b_client.get(url("office", office, slug="ville-b")).status_code == 404
    assert manager_client_post_404(manager_b_client, office)
    assert not TreasurySettings.objects.exists()


def manager_client_post_404(client, office) -> bool:
    return client.post(url("office", office, slug="ville-b"), CODES).status_code == 404


@pytest.mark.parametrize("role_client", ["agent_client", "readonly_client", "alice_client"])
def test_codes_are_for_managers_only(request, role_client, office):
    client = request.getfixturevalue(role_client)
    assert client.get(url("office", office)).status_code == 403
    assert client.post(url("office", office), CODES).status_code == 403
    assert not TreasurySettings.objects.exists()


# The imputation table


def test_the_table_is_saved_in_one_post_and_audited(
    manager_client, manager_a, municipality_a, office, department_a, canteen
):
    other_department = DepartmentFactory(municipality=municipality_a, name="Centre de loisirs")
    office.departments.add(other_department)
    wednesday = make_activity(municipality_a, other_department, "Mercredi")
    ImputationFactory(office=office, activity=canteen, nature="70688", function="")
    data = grid_data(
        office,
        department_a,
        canteen,
        **{
            f"d{other_department.pk}_nature": " 7066 ",
            f"d{other_department.pk}_function": "421",
            f"a{wednesday.pk}_nature": "7062",
            f"a{wednesday.pk}_function": "",
        },
    )
    response = manager_client.post(url("imputations", office), data)
    assert response.status_code == 302
    assert response["Location"] == url("office", office) + "#imputations"
    saved = {
        (item.department_id, item.activity_id): (item.nature, item.function)
        for item in Imputation.objects.all()
    }
    assert saved == {
        (department_a.pk, None): ("7067", "213"),
        (other_department.pk, None): ("7066", "421"),
        (None, wednesday.pk): ("7062", ""),
    }  # the canteen's own imputation, emptied, is gone: it takes its department's
    entries = AuditEntry.objects.filter(target_type="treasury.imputation", actor=manager_a)
    assert sorted(entries.values_list("action", flat=True)) == [
        "create",
        "create",
        "create",
        "delete",
    ]
    deleted = entries.get(action="delete")
    assert deleted.before == {
        "activity": canteen.pk,
        "department": None,
        "nature": "70688",
        "function": "",
    }

    # The same table again changes nothing and logs nothing.
    manager_client.post(url("imputations", office), data)
    assert entries.count() == 4


@pytest.mark.parametrize(
    ("nature", "function", "message"),
    [
        ("70A", "213", "La nature comptable s&#x27;écrit en chiffres"),
        ("70", "213", "La nature comptable s&#x27;écrit en chiffres"),
        ("7067", "21 3x", "La fonction s&#x27;écrit en chiffres"),
        ("", "213", "Indiquez la nature comptable qui va avec cette fonction."),
    ],
)
def test_a_bad_row_says_why_and_keeps_the_table(
    manager_client, office, department_a, canteen, nature, function, message
):
    data = grid_data(
        office,
        department_a,
        canteen,
        **{f"a{canteen.pk}_nature": nature, f"a{canteen.pk}_function": function},
    )
    response = manager_client.post(url("imputations", office), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text
    assert f'name="a{canteen.pk}_function" value="{function}"' in text
    assert f'name="d{department_a.pk}_nature" value="7067"' in text
    assert not Imputation.objects.exists()


def test_rows_of_other_offices_are_ignored(
    manager_client, municipality_a, office, department_a, canteen
):
    stranger = DepartmentFactory(municipality=municipality_a, name="Sports")
    data = grid_data(office, department_a, canteen, **{f"d{stranger.pk}_nature": "7067"})
    assert manager_client.post(url("imputations", office), data).status_code == 302
    assert list(Imputation.objects.values_list("department_id", flat=True)) == [department_a.pk]


def test_the_table_of_another_municipality_answers_404(
    manager_b_client, office, department_a, canteen
):
    data = grid_data(office, department_a, canteen)
    assert (
        manager_b_client.post(url("imputations", office, slug="ville-b"), data).status_code == 404
    )
    assert not Imputation.objects.exists()


@pytest.mark.parametrize("role_client", ["agent_client", "readonly_client", "alice_client"])
def test_the_table_is_for_managers_only(request, role_client, office, department_a, canteen):
    client = request.getfixturevalue(role_client)
    data = grid_data(office, department_a, canteen)
    assert client.post(url("imputations", office), data).status_code == 403
    assert not Imputation.objects.exists()
