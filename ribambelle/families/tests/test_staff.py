"""The staff side of family records: access to every staff page (works for staff, 404 for
another municipality's staff, 403 for parents, read-only staff never write), search, the
household page and in-place edits."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ribambelle.conftest import logged_in
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import (
    AuthorizedPerson,
    Child,
    ChildConsent,
    Consent,
    FamilySettings,
    Guardian,
    Household,
    PendingChange,
    Requirement,
)

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(name, kwargs={"municipality_slug": "ville-a", **kwargs})


def staff_url(name, **kwargs):
    return url(f"families_staff:{name}", **kwargs)


def read_pages(household, child):
    return [
        staff_url("search"),
        staff_url("household", pk=household.pk),
        staff_url("queue"),
        staff_url("show", target="child", pk=child.pk, category="child.medical"),
    ]


READ_PAGES_SHOW = ["alice@example.org", "07 98 76 54 32", "1 demande de modification", "Allergies"]


def test_pages_work_for_staff(agent_client, household_a, child_a, pending_phone):
    for page, text in zip(read_pages(household_a, child_a), READ_PAGES_SHOW, strict=True):
        response = agent_client.get(page, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, page
        assert text in response.content.decode(), page
    edit = staff_url("edit", target="child", pk=child_a.pk, category="child.school")
    response = agent_client.get(edit)
    assert response.status_code == 200
    assert 'value="École Jules-Ferry"' in response.content.decode()


def test_readonly_staff_see_but_never_write(
    readonly_client, household_a, child_a, pending_phone, pending_signup
):
    for page in read_pages(household_a, child_a):
        assert readonly_client.get(page, HTTP_HX_REQUEST="true").status_code == 200, page
    html = readonly_client.get(staff_url("household", pk=household_a.pk)).content.decode()
    assert "Modifier" not in html
    queue_html = readonly_client.get(staff_url("queue")).content.decode()
    assert "Accepter" not in queue_html
    edit = staff_url("edit", target="child", pk=child_a.pk, category="child.school")
    assert readonly_client.get(edit).status_code == 403
    posts = [
        (edit, {"school": "X", "school_class": "CM2"}),
        (staff_url("change_accept", pk=pending_phone.pk), {}),
        (staff_url("change_refuse", pk=pending_phone.pk), {"message": "Non"}),
        (staff_url("signup_accept", pk=pending_signup.pk), {}),
        (staff_url("signup_refuse", pk=pending_signup.pk), {"message": "Non"}),
        (staff_url("search"), {}),
    ]
    for page, data in posts:
        assert readonly_client.post(page, data).status_code == 403, page
    pending_phone.refresh_from_db()
    pending_signup.refresh_from_db()
    assert pending_phone.status == PendingChange.Status.PENDING
    assert pending_signup.status == Household.Status.PENDING


def test_other_municipality_gets_404(
    household_a, child_a, pending_phone, pending_signup, agent_b, manager_a
):
    client = logged_in(agent_b)
    pages = [
        *read_pages(household_a, child_a),
        staff_url("edit", target="child", pk=child_a.pk, category="child.school"),
        staff_url("audit"),
        staff_url("settings"),
    ]
    for page in pages:
        assert client.get(page).status_code == 404, page
    for name in ("change_accept", "change_refuse"):
        assert client.post(staff_url(name, pk=pending_phone.pk)).status_code == 404
    for name in ("signup_accept", "signup_refuse"):
        response = client.post(staff_url(name, pk=pending_signup.pk), {"message": "Non"})
        assert response.status_code == 404
    # Their own municipality's URL does not reach A's records either.
    own = reverse(
        "families_staff:signup_refuse",
        kwargs={"municipality_slug": "ville-b", "pk": pending_signup.pk},
    )
    assert client.post(own, {"message": "Non"}).status_code == 404
    pending_signup.refresh_from_db()
    assert pending_signup.status == Household.Status.PENDING


def test_staff_of_b_on_their_own_url_cannot_reach_a_household(household_a, child_a, agent_b):
    client = logged_in(agent_b)
    page = reverse(
        "families_staff:household", kwargs={"municipality_slug": "ville-b", "pk": household_a.pk}
    )
    assert client.get(page).status_code == 404
    show = reverse(
        "families_staff:show",
        kwargs={
            "municipality_slug": "ville-b",
            "target": "child",
            "pk": child_a.pk,
            "category": "child.medical",
        },
    )
    assert client.get(show, HTTP_HX_REQUEST="true").status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.READ_HEALTH).exists()


def test_parents_get_403(alice_client, household_a, child_a, pending_phone):
    pages = [
        *read_pages(household_a, child_a),
        staff_url("audit"),
        staff_url("settings"),
    ]
    for page in pages:
        assert alice_client.get(page).status_code == 403, page
    for name in ("change_accept", "change_refuse"):
        response = alice_client.post(staff_url(name, pk=pending_phone.pk), {"message": "x"})
        assert response.status_code == 403


def test_anonymous_goes_to_login(client, household_a):
    response = client.get(staff_url("household", pk=household_a.pk))
    assert response.status_code == 302 and "/connexion/" in response["Location"]


# Search


@pytest.mark.parametrize(
    "query", ["Martin", "foyer mart", "Léa", "léa martin", "Alice", "bob@example", "BOB@EXAMPLE"]
)
def test_search_finds_by_each_criterion(agent_client, household_a, child_a, dave, query):
    response = agent_client.get(staff_url("search"), {"q": query})
    assert list(response.context["households"]) == [household_a]


def test_search_finds_by_guardian_contact_email(agent_client, household_a):
    Guardian.objects.filter(household=household_a, user__email="alice@example.org").update(
        email="contact.perso@example.net", user=None
    )
    response = agent_client.get(staff_url("search"), {"q": "perso@example"})
    assert list(response.context["households"]) == [household_a]


def test_search_without_query_lists_recent_households_and_flags_signups(
    agent_client, household_a, dave, pending_signup, household_b
):
    response = agent_client.get(staff_url("search"))
    names = [household.name for household in response.context["households"]]
    assert names == ["Foyer Nouveau", "Foyer Petit", "Foyer Martin"]  # newest first, A only
    assert "inscription à valider" in response.content.decode()


def test_search_no_result(agent_client, household_a):
    response = agent_client.get(staff_url("search"), {"q": "zzz"})
    assert response.context["households"] == []
    assert "Aucun foyer ne correspond" in response.content.decode()


def test_search_is_paginated(agent_client, municipality_a):
    Household.objects.bulk_create(
        Household(municipality=municipality_a, name=f"Foyer {i:02}") for i in range(25)
    )
    first = agent_client.get(staff_url("search"), {"q": "Foyer"})
    assert len(first.context["households"]) == 20
    second = agent_client.get(staff_url("search"), {"q": "Foyer", "page": 2})
    assert len(second.context["households"]) == 5
    assert "q=Foyer" in first.content.decode()


def make_households(municipality, count: int, children: int = 2):
    for index in range(count):
        household = Household.objects.create(municipality=municipality, name=f"Foyer {index}")
        for guardian_index in range(2):
            Guardian.objects.create(
                municipality=municipality,
                household=household,
                first_name=f"Parent{guardian_index}",
                last_name=f"Nom{index}",
            )
        for child_index in range(children):
            Child.objects.create(
                municipality=municipality,
                household=household,
                first_name=f"Enfant{child_index}",
                last_name=f"Nom{index}",
                birth_date=datetime.date(2018, 1, 1 + child_index),
            )


def count_queries(client, page, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page, params or {}).status_code == 200
    return len(queries)


def test_search_query_count_is_constant(agent_client, municipality_a):
    make_households(municipality_a, 1)
    few = count_queries(agent_client, staff_url("search"))
    few_q = count_queries(agent_client, staff_url("search"), {"q": "Foyer"})
    make_households(municipality_a, 5)
    assert count_queries(agent_client, staff_url("search")) == few
    assert count_queries(agent_client, staff_url("search"), {"q": "Foyer"}) == few_q


# Household page


def full_child(household, index):
    child = Child.objects.create(
        municipality=household.municipality,
        household=household,
        first_name=f"Enfant{index}",
        last_name="Martin",
        birth_date=datetime.date(2016, 1, 1 + index),
        allergies="Arachide",
    )
    AuthorizedPerson.objects.create(
        municipality=household.municipality,
        child=child,
        first_name="Mamie",
        last_name="Martin",
        phone="06 00 00 00 00",
        relationship="grand-mère",
        emergency_contact=True,
    )
    for consent in Consent.objects.for_municipality(household.municipality):
        ChildConsent.objects.create(child=child, consent=consent, granted=True)
    return child


def test_household_page_shows_everything(
    agent_client, household_a, child_a, department_a, pending_phone
):
    consent = Consent.objects.create(municipality=household_a.municipality, label="Photos")
    ChildConsent.objects.create(child=child_a, consent=consent, granted=False)
    AuthorizedPerson.objects.create(
        municipality=household_a.municipality,
        child=child_a,
        first_name="Jean",
        last_name="Dupont",
        phone="06 55 44 33 22",
        relationship="oncle",
    )
    Requirement.objects.create(
        municipality=household_a.municipality, department=department_a, item="doctor"
    )
    Child.objects.filter(pk=child_a.pk).update(allergies="Kiwi", diet="no_meat")
    html = agent_client.get(staff_url("household", pk=household_a.pk)).content.decode()
    for expected in [
        "Foyer Martin",
        "1 rue des Écoles",
        "Quotient familial",
        "Alice Martin",
        "Bob Martin",
        "Coordonnées",
        "Léa Martin",
        "Née le 14 mars 2018",
        "Informations médicales",
        "Kiwi",
        "repas sans viande",
        "Photos",
        "Jean Dupont",
        "Dossier incomplet",  # no doctor
        "07 98 76 54 32",  # the pending request
    ]:
        assert expected in html, expected


def test_household_page_logs_health_reads(agent_client, agent_a, household_a, child_a):
    second = full_child(household_a, 1)
    agent_client.get(staff_url("household", pk=household_a.pk))
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.READ_HEALTH)
    assert {(e.target_id, e.actor_id, e.household_id) for e in entries} == {
        (child_a.pk, agent_a.pk, household_a.pk),
        (second.pk, agent_a.pk, household_a.pk),
    }
    assert all(e.target_type == "families.child" for e in entries)


def test_child_medical_section_logs_health_read(agent_client, agent_a, child_a):
    show = staff_url("show", target="child", pk=child_a.pk, category="child.medical")
    agent_client.get(show, HTTP_HX_REQUEST="true")
    edit = staff_url("edit", target="child", pk=child_a.pk, category="child.medical")
    agent_client.get(edit, HTTP_HX_REQUEST="true")
    assert (
        AuditEntry.objects.filter(
            action=AuditEntry.Action.READ_HEALTH, target_id=child_a.pk, actor=agent_a
        ).count()
        == 2
    )
    school = staff_url("show", target="child", pk=child_a.pk, category="child.school")
    agent_client.get(school, HTTP_HX_REQUEST="true")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.READ_HEALTH).count() == 2


def test_household_page_query_count_is_constant(agent_client, household_a, municipality_a):
    Consent.objects.create(municipality=municipality_a, label="Photos")
    full_child(household_a, 0)
    page = staff_url("household", pk=household_a.pk)
    count_queries(agent_client, page)  # the first page reads the configuration, then kept
    one = count_queries(agent_client, page)
    for index in range(1, 5):
        full_child(household_a, index)
    assert count_queries(agent_client, page) == one


def test_staff_edit_applies_at_once_and_is_audited(agent_client, agent_a, household_a, alice):
    FamilySettings.objects.create(
        municipality=household_a.municipality, validated_categories=["guardian.contact"]
    )
    guardian = household_a.guardians.get(user=alice)
    edit = staff_url("edit", target="guardian", pk=guardian.pk, category="guardian.contact")
    response = agent_client.post(
        edit,
        {
            "email": guardian.email,
            "mobile_phone": "06 01 02 03 04",
            "other_phone": "",
            "address": "",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Modification enregistrée" in html and "<html" not in html
    guardian.refresh_from_db()
    assert guardian.mobile_phone == "06 01 02 03 04"
    assert not PendingChange.objects.exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE, target_id=guardian.pk)
    assert entry.actor == agent_a
    assert entry.before == {"mobile_phone": "06 11 22 33 44"}
    assert entry.after == {"mobile_phone": "06 01 02 03 04"}


def test_staff_edit_without_javascript_and_errors_keep_input(agent_client, household_a):
    edit = staff_url("edit", target="household", pk=household_a.pk, category="household.quotient")
    response = agent_client.post(
        edit, {"quotient": "-3", "quotient_date": "2026-01-15", "quotient_source": "caf"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="-3"' in html and "Gestion" in html  # the staff shell, the input kept
    response = agent_client.post(
        edit, {"quotient": "612.50", "quotient_date": "2026-01-15", "quotient_source": "caf"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/familles/{household_a.pk}/#household-{household_a.pk}")
    household_a.refresh_from_db()
    assert str(household_a.quotient) == "612.50"
    assert household_a.quotient_source == "caf"


def test_parent_cannot_edit_the_quotient_through_the_portal(alice_client, household_a):
    page = url(
        "families:edit", target="household", pk=household_a.pk, category="household.quotient"
    )
    assert alice_client.get(page).status_code == 404


def test_staff_nav_has_families_and_requests(agent_client, municipality_a):
    html = agent_client.get(url("backoffice:home")).content.decode()
    assert staff_url("search") in html and staff_url("queue") in html


def test_managers_see_journal_and_settings_in_the_menu(manager_client, agent_client):
    manager = manager_client.get("/ville-a/gestion/").content.decode()
    agent = agent_client.get("/ville-a/gestion/").content.decode()
    assert "/ville-a/gestion/journal/" in manager and "/ville-a/gestion/journal/" not in agent
