"""The families' pages: each works for the household, answers 404 to another household or
municipality and 403 to staff; in-place edits are applied or held for validation, and audited."""

import pytest
from django.urls import reverse

from ribambelle.conftest import logged_in
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import (
    AuthorizedPerson,
    ChildConsent,
    Consent,
    FamilySettings,
    PendingChange,
    Requirement,
)
from ribambelle.families.tests.factories import AuthorizedPersonFactory

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(name, kwargs={"municipality_slug": "ville-a", **kwargs})


def edit_url(target, pk, category):
    return url("families:edit", target=target, pk=pk, category=category)


def page_urls(household, child):
    guardian = household.guardians.first()
    return [
        url("families:household"),
        url("families:children"),
        url("families:child", pk=child.pk),
        edit_url("child", child.pk, "child.medical"),
        edit_url("guardian", guardian.pk, "guardian.contact"),
        edit_url("household", household.pk, "household.address"),
        url("families:person_add", child_pk=child.pk),
    ]


def test_pages_work_for_the_household(alice_client, household_a, child_a):
    shows = [
        "Foyer Martin",
        "Léa Martin",
        "Née le 14 mars 2018",
        "Informations médicales",
        'value="06 11 22 33 44"',
        'value="1 rue des Écoles"',
        "Personne autorisée à venir chercher Léa Martin",
    ]
    for page, text in zip(page_urls(household_a, child_a), shows, strict=True):
        response = alice_client.get(page)
        assert response.status_code == 200, page
        assert text in response.content.decode(), page


def test_other_household_gets_404(household_a, child_a, dave):
    client = logged_in(dave)
    for page in page_urls(household_a, child_a)[2:]:
        assert client.get(page).status_code == 404, page
        assert client.post(page, {"allergies": "x"}).status_code == 404, page


def test_other_municipality_gets_404(household_a, child_a, household_b, charlie):
    client = logged_in(charlie)
    for page in page_urls(household_a, child_a):
        assert client.get(page).status_code == 404, page


def test_staff_get_403(agent_client, household_a, child_a):
    for page in page_urls(household_a, child_a):
        assert agent_client.get(page).status_code == 403, page


def test_parent_without_household_gets_404_on_records_but_home_works(alice_client, municipality_a):
    assert alice_client.get(url("families:household")).status_code == 404
    home = alice_client.get(url("portal:home"))
    assert home.status_code == 200
    assert "Bonjour Alice" in home.content.decode()


def test_child_page_recalls_birth(alice_client, child_a):
    html = alice_client.get(url("families:child", pk=child_a.pk)).content.decode()
    assert "Née le 14 mars 2018" in html and "à Lyon" in html


def test_in_place_edit_with_htmx(alice_client, alice, household_a):
    guardian = household_a.guardians.get(user=alice)
    target = edit_url("guardian", guardian.pk, "guardian.contact")
    form = alice_client.get(target, HTTP_HX_REQUEST="true").content.decode()
    assert "<form" in form and "<html" not in form
    response = alice_client.post(
        target,
        {"email": "alice@example.org", "mobile_phone": "07 98 76 54 32"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "Modification enregistrée" in html and "07 98 76 54 32" in html
    guardian.refresh_from_db()
    assert guardian.mobile_phone == "07 98 76 54 32"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE)
    assert entry.actor == alice and entry.household_id == household_a.pk
    assert entry.before == {"mobile_phone": "06 11 22 33 44"}
    assert entry.after == {"mobile_phone": "07 98 76 54 32"}


def test_edit_without_javascript(alice_client, child_a):
    target = edit_url("child", child_a.pk, "child.medical")
    response = alice_client.post(
        target,
        {
            "allergies": "Arachide",
            "diet": "no_meat",
            "has_pai": "false",
            "vaccinations_up_to_date": "true",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/enfants/{child_a.pk}/#child-{child_a.pk}")
    child_a.refresh_from_db()
    assert (child_a.allergies, child_a.diet, child_a.vaccinations_up_to_date) == (
        "Arachide",
        "no_meat",
        True,
    )


def test_bad_input_keeps_what_was_typed_and_changes_nothing(alice_client, alice, household_a):
    guardian = household_a.guardians.get(user=alice)
    target = edit_url("guardian", guardian.pk, "guardian.contact")
    for headers, status in (({}, 400), ({"HTTP_HX_REQUEST": "true"}, 200)):
        response = alice_client.post(
            target, {"email": "pas-un-email", "mobile_phone": "abc"}, **headers
        )
        assert response.status_code == status
        html = response.content.decode()
        assert 'value="pas-un-email"' in html and 'value="abc"' in html
        assert "Saisissez un numéro de téléphone" in html
    guardian.refresh_from_db()
    assert guardian.mobile_phone == "06 11 22 33 44"
    assert not AuditEntry.objects.exists()


def test_category_must_belong_to_the_target(alice_client, child_a, household_a):
    assert alice_client.get(edit_url("child", child_a.pk, "guardian.contact")).status_code == 404
    assert alice_client.get(edit_url("child", child_a.pk, "nope")).status_code == 404
    other = household_a.pk + 1000
    assert alice_client.get(edit_url("household", other, "household.address")).status_code == 404


def test_change_under_validation_waits_for_staff(alice_client, child_a, municipality_a, agent_a):
    FamilySettings.objects.create(
        municipality=municipality_a, validated_categories=["child.medical"]
    )
    target = edit_url("child", child_a.pk, "child.medical")
    response = alice_client.post(
        target,
        {"allergies": "Kiwi", "diet": "standard", "has_pai": "false"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "validation par la mairie" in html and "en attente de validation" in html
    child_a.refresh_from_db()
    assert child_a.allergies == ""
    change = PendingChange.objects.get()
    assert change.after == {"allergies": "Kiwi"}
    page = alice_client.get(url("families:child", pk=child_a.pk)).content.decode()
    assert "en attente" in page and "Kiwi" in page
    # A second request replaces the first.
    alice_client.post(target, {"allergies": "Kiwi, lait", "diet": "standard", "has_pai": "false"})
    assert PendingChange.objects.get().after == {"allergies": "Kiwi, lait"}
    from ribambelle.families.services.staff import change_accept

    change_accept(actor=agent_a, change=PendingChange.objects.get(), message="")
    child_a.refresh_from_db()
    assert child_a.allergies == "Kiwi, lait"
    page = alice_client.get(url("families:child", pk=child_a.pk)).content.decode()
    assert "en attente de validation" not in page
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["submit", "submit", "accept"]


def test_staff_edit_is_never_held(child_a, municipality_a, agent_a):
    from ribambelle.families.categories import CATEGORIES
    from ribambelle.families.services.records import record_update

    FamilySettings.objects.create(
        municipality=municipality_a, validated_categories=["child.medical"]
    )
    outcome = record_update(
        actor=agent_a,
        target=child_a,
        category=CATEGORIES["child.medical"],
        values={"allergies": "x"},
    )
    assert outcome.applied


def test_consents(alice_client, child_a, municipality_a):
    photos = Consent.objects.create(municipality=municipality_a, label="Photos")
    alone = Consent.objects.create(municipality=municipality_a, label="Sortie seul")
    response = alice_client.post(
        url("families:consents", pk=child_a.pk), {f"consent_{photos.pk}": "false"}
    )
    assert response.status_code == 302
    answers = {a.consent_id: a.granted for a in ChildConsent.objects.filter(child=child_a)}
    assert answers == {photos.pk: False}
    alice_client.post(
        url("families:consents", pk=child_a.pk),
        {f"consent_{photos.pk}": "true", f"consent_{alone.pk}": "false"},
    )
    answers = {a.consent_id: a.granted for a in ChildConsent.objects.filter(child=child_a)}
    assert answers == {photos.pk: True, alone.pk: False}
    assert AuditEntry.objects.filter(target_id=child_a.pk).count() == 2


def test_consent_of_other_municipality_is_ignored(alice_client, child_a, municipality_b):
    foreign = Consent.objects.create(municipality=municipality_b, label="B")
    alice_client.post(url("families:consents", pk=child_a.pk), {f"consent_{foreign.pk}": "true"})
    assert not ChildConsent.objects.exists()


def test_authorized_people(alice_client, child_a):
    add = url("families:person_add", child_pk=child_a.pk)
    refused = alice_client.post(
        add,
        {
            "first_name": "Jo",
            "last_name": "Roux",
            "phone": "06 00 00 00 00",
            "relationship": "Oncle",
        },
    )
    assert refused.status_code == 400
    assert "Cochez au moins une case" in refused.content.decode()
    response = alice_client.post(
        add,
        {
            "first_name": "Jo",
            "last_name": "Roux",
            "phone": "06 00 00 00 00",
            "relationship": "Oncle",
            "emergency_contact": "on",
        },
    )
    assert response.status_code == 302
    person = AuthorizedPerson.objects.get()
    assert person.emergency_contact and person.municipality == child_a.municipality
    alice_client.post(url("families:person_delete", child_pk=child_a.pk, pk=person.pk))
    assert not AuthorizedPerson.objects.exists()
    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("pk")) == [
        "create",
        "delete",
    ]


def test_person_of_other_household_is_404(household_a, child_a, dave):
    person = AuthorizedPersonFactory(child=child_a)
    client = logged_in(dave)
    dave_child = dave.guardian.household.children.get()
    for pk_child in (child_a.pk, dave_child.pk):
        assert (
            client.get(url("families:person_edit", child_pk=pk_child, pk=person.pk)).status_code
            == 404
        )
        assert (
            client.post(url("families:person_delete", child_pk=pk_child, pk=person.pk)).status_code
            == 404
        )
    assert AuthorizedPerson.objects.exists()


def test_completeness_on_child_page_and_home(alice_client, child_a, municipality_a, department_a):
    Requirement.objects.create(
        municipality=municipality_a, department=department_a, item="emergency_contact"
    )
    Requirement.objects.create(municipality=municipality_a, department=department_a, item="doctor")
    page = alice_client.get(url("families:child", pk=child_a.pk)).content.decode()
    assert "Dossier incomplet" in page
    assert "Contact en cas d&#x27;urgence" in page and "Médecin traitant" in page
    home = alice_client.get(url("portal:home")).content.decode()
    assert "Contact en cas d&#x27;urgence" in home
    child_a.doctor_name = "Dr Roux"
    child_a.save()
    AuthorizedPersonFactory(child=child_a, emergency_contact=True)
    page = alice_client.get(url("families:child", pk=child_a.pk)).content.decode()
    assert "Dossier complet" in page and "Dossier incomplet" not in page


def test_missing_items_link_to_where_they_are_completed(
    alice_client, child_a, municipality_a, department_a
):
    for item in ("insurance_certificate", "emergency_contact", "doctor"):
        Requirement.objects.create(municipality=municipality_a, department=department_a, item=item)
    page = alice_client.get(url("families:child", pk=child_a.pk)).content.decode()
    assert f'href="/ville-a/enfants/{child_a.pk}/documents/ajouter/?type=insurance"' in page
    assert f'href="/ville-a/enfants/{child_a.pk}/personnes/ajouter/"' in page
    assert f'href="/ville-a/enfants/{child_a.pk}/#child-{child_a.pk}-child-medical"' in page
    home = alice_client.get(url("portal:home")).content.decode()
    assert f'href="/ville-a/enfants/{child_a.pk}/documents/ajouter/?type=insurance"' in home


def test_values_are_shown_in_french(alice_client, child_a, municipality_a):
    FamilySettings.objects.create(
        municipality=municipality_a, validated_categories=["child.insurance"]
    )
    alice_client.post(
        edit_url("child", child_a.pk, "child.insurance"),
        {"insurer": "MAIF", "insurance_policy": "1", "insurance_valid_until": "2027-08-31"},
    )
    page = alice_client.get(url("families:child", pk=child_a.pk)).content.decode()
    assert "14/03/2018" in page and "2018-03-14" not in page
    assert "demandé : 31/08/2027" in page
    assert "Fille" in page
