"""The staff side of family records: search, household page, in-place edits, the queue of
requests and sign-ups, the audit log and the settings. Each page works for staff, answers 404
to another municipality's staff and 403 to parents; read-only staff never write."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ribambelle.conftest import logged_in, make_user
from ribambelle.core.models import AuditEntry
from ribambelle.families.categories import CATEGORIES
from ribambelle.families.models import (
    Child,
    ChildConsent,
    Consent,
    FamilySettings,
    Guardian,
    Household,
    PendingChange,
    Requirement,
)
from ribambelle.families.services.records import record_update
from ribambelle.families.tests.factories import (
    AuthorizedPersonFactory,
    ChildFactory,
    GuardianFactory,
    HouseholdFactory,
)
from ribambelle.tenants.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(name, kwargs={"municipality_slug": "ville-a", **kwargs})


def staff_url(name, **kwargs):
    return url(f"families_staff:{name}", **kwargs)


@pytest.fixture
def pending_phone(alice, household_a):
    """Alice asked to change her mobile phone in a category under validation."""
    FamilySettings.objects.create(
        municipality=household_a.municipality, validated_categories=["guardian.contact"]
    )
    guardian = household_a.guardians.get(user=alice)
    values = {
        "email": guardian.email,
        "mobile_phone": "07 98 76 54 32",
        "other_phone": "",
        "address": "",
    }
    outcome = record_update(
        actor=alice, target=guardian, category=CATEGORIES["guardian.contact"], values=values
    )
    assert not outcome.applied
    return outcome.pending


@pytest.fixture
def pending_signup(municipality_a):
    household = HouseholdFactory(
        municipality=municipality_a, name="Foyer Nouveau", status=Household.Status.PENDING
    )
    user = make_user(municipality_a, "nina@example.org", password=None, first_name="Nina")
    GuardianFactory(household=household, user=user, last_name="Nouveau", email=user.email)
    ChildFactory(
        household=household,
        first_name="Noé",
        last_name="Nouveau",
        birth_date=datetime.date(2019, 6, 1),
    )
    return household


def read_pages(household, child):
    return [
        staff_url("search"),
        staff_url("household", pk=household.pk),
        staff_url("queue"),
        staff_url("show", target="child", pk=child.pk, category="child.medical"),
    ]


# What each of read_pages shows of the Martin household and its pending phone change.
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
    for page, text in zip(read_pages(household_a, child_a), READ_PAGES_SHOW, strict=True):
        response = readonly_client.get(page, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, page
        assert text in response.content.decode(), page
    html = readonly_client.get(staff_url("household", pk=household_a.pk)).content.decode()
    assert "Modifier" not in html
    queue_html = readonly_client.get(staff_url("queue")).content.decode()
    assert "Accepter" not in queue_html
    edit = staff_url("edit", target="child", pk=child_a.pk, category="child.school")
    assert readonly_client.get(edit).status_code == 403
    posts = [
        (edit, {"school": "X", "school_class": "CM2"}),
        (staff_url("change_decide", pk=pending_phone.pk), {"decision": "accept"}),
        (staff_url("signup_decide", pk=pending_signup.pk), {"decision": "accept"}),
        (staff_url("search"), {}),
    ]
    for page, data in posts:
        assert readonly_client.post(page, data).status_code == 403, page
    pending_phone.refresh_from_db()
    pending_signup.refresh_from_db()
    assert pending_phone.status == PendingChange.Status.PENDING
    assert pending_signup.status == Household.Status.PENDING


def test_other_municipality_gets_404(household_a, child_a, pending_phone, agent_b, manager_a):
    client = logged_in(agent_b)
    pages = [
        *read_pages(household_a, child_a),
        staff_url("edit", target="child", pk=child_a.pk, category="child.school"),
        staff_url("audit"),
        staff_url("settings"),
    ]
    for page in pages:
        assert client.get(page).status_code == 404, page
    assert client.post(staff_url("change_decide", pk=pending_phone.pk)).status_code == 404


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
    response = alice_client.post(
        staff_url("change_decide", pk=pending_phone.pk), {"decision": "accept"}
    )
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
        household = HouseholdFactory(municipality=municipality, name=f"Foyer {index}")
        for guardian_index in range(2):
            GuardianFactory(
                household=household, first_name=f"Parent{guardian_index}", last_name=f"Nom{index}"
            )
        for child_index in range(children):
            ChildFactory(
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
    child = ChildFactory(
        household=household,
        first_name=f"Enfant{index}",
        last_name="Martin",
        birth_date=datetime.date(2016, 1, 1 + index),
        allergies="Arachide",
    )
    AuthorizedPersonFactory(
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
    AuthorizedPersonFactory(
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


# Queue


def test_queue_shows_before_and_after(agent_client, pending_phone, pending_signup):
    response = agent_client.get(staff_url("queue"))
    html = response.content.decode()
    assert "Foyer Martin" in html and "Coordonnées" in html
    assert "Téléphone portable" in html
    assert "06 11 22 33 44" in html and "07 98 76 54 32" in html
    assert "Foyer Nouveau" in html and "Noé Nouveau" in html


def test_queue_displays_choice_labels(agent_client, alice, child_a):
    FamilySettings.objects.create(
        municipality=child_a.municipality, validated_categories=["child.medical"]
    )
    values = {
        "allergies": "",
        "diet": "no_meat",
        "has_pai": True,
        "doctor_name": "",
        "doctor_phone": "",
        "vaccinations_up_to_date": None,
    }
    record_update(actor=alice, target=child_a, category=CATEGORIES["child.medical"], values=values)
    html = agent_client.get(staff_url("queue")).content.decode()
    assert "repas sans viande" in html and "repas standard" in html
    assert "oui" in html and "Léa Martin" in html


def test_queue_is_oldest_first(agent_client, alice, child_a, pending_phone):
    FamilySettings.objects.filter(municipality=child_a.municipality).update(
        validated_categories=["guardian.contact", "child.school"]
    )
    record_update(
        actor=alice,
        target=child_a,
        category=CATEGORIES["child.school"],
        values={"school": "École Pasteur", "school_class": "CE1"},
    )
    items = agent_client.get(staff_url("queue")).context["items"]
    assert [item["change"].category for item in items] == ["guardian.contact", "child.school"]


def test_accept_applies_the_change_and_emails_the_family(
    agent_client, agent_a, pending_phone, alice, household_a
):
    response = agent_client.post(
        staff_url("change_decide", pk=pending_phone.pk),
        {"decision": "accept", "message": "Merci !"},
    )
    assert response.status_code == 302
    guardian = household_a.guardians.get(user=alice)
    assert guardian.mobile_phone == "07 98 76 54 32"
    pending_phone.refresh_from_db()
    assert pending_phone.status == PendingChange.Status.ACCEPTED
    assert pending_phone.decided_by == agent_a
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ACCEPT, actor=agent_a).exists()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
    ]
    message = mail.outbox[0]
    assert message.subject == "Votre demande de modification a été acceptée"
    assert "Merci !" in message.body and "Coordonnées" in message.body
    assert "Ville A" in message.from_email
    assert message.alternatives[0][1] == "text/html"


def test_refuse_changes_nothing_and_emails_the_message(
    agent_client, agent_a, pending_phone, alice, household_a
):
    response = agent_client.post(
        staff_url("change_decide", pk=pending_phone.pk),
        {"decision": "refuse", "message": "Ce numéro n'est pas valide."},
    )
    assert response.status_code == 302
    guardian = household_a.guardians.get(user=alice)
    assert guardian.mobile_phone == "06 11 22 33 44"
    pending_phone.refresh_from_db()
    assert pending_phone.status == PendingChange.Status.REFUSED
    assert pending_phone.message == "Ce numéro n'est pas valide."
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REFUSE, actor=agent_a).exists()
    assert len(mail.outbox) == 2
    assert mail.outbox[0].subject == "Votre demande de modification a été refusée"
    assert "Ce numéro n'est pas valide." in mail.outbox[0].body


def test_refuse_without_message_keeps_the_request_and_says_why(agent_client, pending_phone):
    response = agent_client.post(
        staff_url("change_decide", pk=pending_phone.pk), {"decision": "refuse", "message": " "}
    )
    assert response.status_code == 400
    assert "Expliquez à la famille" in response.content.decode()
    pending_phone.refresh_from_db()
    assert pending_phone.status == PendingChange.Status.PENDING
    assert mail.outbox == []


def test_deciding_twice_does_nothing_more(agent_client, pending_phone):
    page = staff_url("change_decide", pk=pending_phone.pk)
    agent_client.post(page, {"decision": "accept"})
    mail.outbox.clear()
    response = agent_client.post(page, {"decision": "refuse", "message": "Non"}, follow=True)
    assert "déjà été traitée" in response.content.decode()
    pending_phone.refresh_from_db()
    assert pending_phone.status == PendingChange.Status.ACCEPTED
    assert mail.outbox == []


def test_accept_signup_opens_the_household_and_sends_first_connection(
    agent_client, agent_a, pending_signup
):
    response = agent_client.post(
        staff_url("signup_decide", pk=pending_signup.pk), {"decision": "accept"}
    )
    assert response.status_code == 302
    pending_signup.refresh_from_db()
    assert pending_signup.status == Household.Status.ACTIVE
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.ACCEPT, target_id=pending_signup.pk, actor=agent_a
    ).exists()
    assert [message.to for message in mail.outbox] == [["nina@example.org"]]
    assert "mot de passe" in mail.outbox[0].subject


def test_refuse_signup_emails_the_message(agent_client, agent_a, pending_signup):
    response = agent_client.post(
        staff_url("signup_decide", pk=pending_signup.pk),
        {"decision": "refuse", "message": "Vous n'habitez pas la commune."},
    )
    assert response.status_code == 302
    pending_signup.refresh_from_db()
    assert pending_signup.status == Household.Status.REFUSED
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.REFUSE, target_id=pending_signup.pk, actor=agent_a
    ).exists()
    assert [message.to for message in mail.outbox] == [["nina@example.org"]]
    assert "refusée" in mail.outbox[0].subject
    assert "Vous n'habitez pas la commune." in mail.outbox[0].body


def test_signup_decision_on_an_active_household_does_nothing(agent_client, household_a):
    response = agent_client.post(
        staff_url("signup_decide", pk=household_a.pk),
        {"decision": "refuse", "message": "Non"},
        follow=True,
    )
    assert "déjà été traitée" in response.content.decode()
    household_a.refresh_from_db()
    assert household_a.status == Household.Status.ACTIVE


# Audit log


def test_audit_log_for_managers_only(
    manager_client, agent_client, readonly_client, pending_phone, household_a, dave
):
    page = staff_url("audit")
    assert agent_client.get(page).status_code == 403
    assert readonly_client.get(page).status_code == 403
    response = manager_client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Demande de modification" in html and "Alice Martin" in html
    assert "Téléphone portable" in html and "07 98 76 54 32" in html


def test_audit_log_filters_by_household_newest_first(
    manager_client, agent_client, household_a, child_a, dave
):
    other = Household.objects.get(name="Foyer Petit")
    agent_client.get(staff_url("household", pk=household_a.pk))
    full_child(household_a, 1)
    agent_client.get(staff_url("household", pk=household_a.pk))
    agent_client.get(staff_url("household", pk=other.pk))
    response = manager_client.get(staff_url("audit"), {"foyer": household_a.pk})
    entries = [row["entry"] for row in response.context["rows"]]
    assert len(entries) == 3
    assert {entry.household_id for entry in entries} == {household_a.pk}
    assert entries == sorted(entries, key=lambda entry: (entry.created_at, entry.pk), reverse=True)
    everything = manager_client.get(staff_url("audit")).context["rows"]
    assert len(everything) == 4
    # Household names already read "Foyer Martin": never "Foyer Foyer Martin".
    for page in (response, manager_client.get(staff_url("audit"))):
        html = " ".join(page.content.decode().split())
        assert "Foyer Martin" in html and "foyer foyer" not in html.lower()


def test_audit_log_of_another_municipality_household_is_404(manager_client, household_b):
    assert manager_client.get(staff_url("audit"), {"foyer": household_b.pk}).status_code == 404


def test_household_page_links_to_its_log_for_managers(manager_client, agent_client, household_a):
    link = f"{staff_url('audit')}?foyer={household_a.pk}"
    assert link in manager_client.get(staff_url("household", pk=household_a.pk)).content.decode()
    assert link not in agent_client.get(staff_url("household", pk=household_a.pk)).content.decode()


# Settings


def test_settings_for_managers_only(manager_client, agent_client, readonly_client):
    page = staff_url("settings")
    response = manager_client.get(page)
    assert response.status_code == 200
    assert "Réglages des dossiers familles" in response.content.decode()
    assert agent_client.get(page).status_code == 403
    assert readonly_client.get(page).status_code == 403
    assert agent_client.post(page, {"signup_enabled": "on"}).status_code == 403


def test_validated_category_makes_a_parent_edit_pending(
    manager_client, alice_client, alice, household_a
):
    response = manager_client.post(
        staff_url("settings"),
        {"signup_enabled": "on", "validated_categories": ["guardian.contact"]},
    )
    assert response.status_code == 302
    settings = FamilySettings.objects.get(municipality=household_a.municipality)
    assert settings.validated_categories == ["guardian.contact"] and settings.signup_enabled
    guardian = household_a.guardians.get(user=alice)
    alice_client.post(
        url("families:edit", target="guardian", pk=guardian.pk, category="guardian.contact"),
        {
            "email": guardian.email,
            "mobile_phone": "07 00 00 00 00",
            "other_phone": "",
            "address": "",
        },
    )
    guardian.refresh_from_db()
    assert guardian.mobile_phone == "06 11 22 33 44"
    assert PendingChange.objects.get().after == {"mobile_phone": "07 00 00 00 00"}


def test_signup_can_be_turned_off(manager_client, municipality_a):
    manager_client.post(staff_url("settings"), {"validated_categories": []})
    assert not FamilySettings.objects.get(municipality=municipality_a).signup_enabled


def test_unknown_category_is_refused(manager_client, municipality_a):
    response = manager_client.post(staff_url("settings"), {"validated_categories": ["nope"]})
    assert response.status_code == 400
    assert not FamilySettings.objects.filter(validated_categories=["nope"]).exists()


def test_consents_add_edit_reorder_delete(manager_client, municipality_a):
    for label in ["Photos", "Sortie seul", "Transport"]:
        response = manager_client.post(staff_url("consent_add"), {"label": label})
        assert response.status_code == 302
    consents = list(Consent.objects.for_municipality(municipality_a))
    assert [c.label for c in consents] == ["Photos", "Sortie seul", "Transport"]
    photos, alone, transport = consents
    manager_client.post(staff_url("consent_move", pk=transport.pk), {"direction": "up"})
    labels = [c.label for c in Consent.objects.for_municipality(municipality_a)]
    assert labels == ["Photos", "Transport", "Sortie seul"]
    manager_client.post(staff_url("consent_move", pk=photos.pk), {"direction": "up"})  # no-op
    assert [c.label for c in Consent.objects.for_municipality(municipality_a)] == labels
    response = manager_client.post(
        staff_url("consent_edit", pk=alone.pk), {"label": "Sortie seul après 17 h"}
    )
    assert response.status_code == 302
    alone.refresh_from_db()
    assert alone.label == "Sortie seul après 17 h"
    manager_client.post(staff_url("consent_delete", pk=photos.pk))
    assert [c.label for c in Consent.objects.for_municipality(municipality_a)] == [
        "Transport",
        "Sortie seul après 17 h",
    ]
    response = manager_client.post(staff_url("consent_add"), {"label": ""})
    assert response.status_code == 400


def test_consent_of_another_municipality_is_404(manager_client, municipality_b):
    other = Consent.objects.create(municipality=municipality_b, label="Photos")
    assert manager_client.get(staff_url("consent_edit", pk=other.pk)).status_code == 404
    assert manager_client.post(staff_url("consent_delete", pk=other.pk)).status_code == 404
    assert Consent.objects.filter(pk=other.pk).exists()


def test_requirements(manager_client, municipality_a, department_a):
    consent = Consent.objects.create(municipality=municipality_a, label="Photos")
    page = staff_url("requirement_add")
    response = manager_client.post(
        page, {"department": department_a.pk, "item": "insurance_certificate"}
    )
    assert response.status_code == 302
    response = manager_client.post(page, {"department": department_a.pk, "item": "consent"})
    assert response.status_code == 400
    assert "Choisissez l&#x27;autorisation" in response.content.decode()
    manager_client.post(
        page, {"department": department_a.pk, "item": "consent", "consent": consent.pk}
    )
    manager_client.post(page, {"department": department_a.pk, "item": "insurance_certificate"})
    requirements = Requirement.objects.for_municipality(municipality_a)
    assert {(r.item, r.consent_id) for r in requirements} == {
        ("insurance_certificate", None),
        ("consent", consent.pk),
    }
    manager_client.post(staff_url("requirement_delete", pk=requirements.get(item="consent").pk))
    assert Requirement.objects.for_municipality(municipality_a).count() == 1


def test_requirement_for_another_municipality_department_is_refused(
    manager_client, municipality_a, municipality_b
):

    other = DepartmentFactory(municipality=municipality_b, name="Cantine B")
    response = manager_client.post(
        staff_url("requirement_add"), {"department": other.pk, "item": "doctor"}
    )
    assert response.status_code == 400
    assert not Requirement.objects.exists()


def test_staff_nav_has_families_and_requests(agent_client, municipality_a):
    html = agent_client.get(url("backoffice:home")).content.decode()
    assert staff_url("search") in html and staff_url("queue") in html


def test_refused_signup_accounts_are_deactivated(manager_a, municipality_a):
    from ribambelle.accounts.models import Role
    from ribambelle.families.models import Household
    from ribambelle.families.services.staff import signup_refuse

    household = HouseholdFactory(
        municipality=municipality_a, name="Foyer Nguyen", status=Household.Status.PENDING
    )
    user = make_user(municipality_a, "nguyen@example.org", Role.PARENT, password=None)
    GuardianFactory(household=household, user=user, first_name="An", last_name="Nguyen")
    signup_refuse(actor=manager_a, household=household, message="Hors commune")
    user.refresh_from_db()
    assert not user.is_active


def test_managers_see_journal_and_settings_in_the_menu(manager_client, agent_client):
    manager = manager_client.get("/ville-a/gestion/").content.decode()
    agent = agent_client.get("/ville-a/gestion/").content.decode()
    assert "/ville-a/gestion/journal/" in manager and "/ville-a/gestion/journal/" not in agent
