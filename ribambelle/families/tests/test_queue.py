"""The staff queue: families' requests and sign-ups, each accepted or refused from its own URL."""

import pytest
from django.core import mail
from django.urls import reverse

from ribambelle.accounts.models import Role
from ribambelle.conftest import make_user
from ribambelle.core.models import AuditEntry
from ribambelle.families.categories import CATEGORIES
from ribambelle.families.models import (
    FamilySettings,
    Guardian,
    Household,
    PendingChange,
)
from ribambelle.families.services.records import record_update

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(name, kwargs={"municipality_slug": "ville-a", **kwargs})


def staff_url(name, **kwargs):
    return url(f"families_staff:{name}", **kwargs)


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
        staff_url("change_accept", pk=pending_phone.pk), {"message": "Merci !"}
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
        staff_url("change_refuse", pk=pending_phone.pk),
        {"message": "Ce numéro n'est pas valide."},
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
    response = agent_client.post(staff_url("change_refuse", pk=pending_phone.pk), {"message": " "})
    assert response.status_code == 400
    assert "Expliquez à la famille" in response.content.decode()
    pending_phone.refresh_from_db()
    assert pending_phone.status == PendingChange.Status.PENDING
    assert mail.outbox == []


def test_deciding_twice_does_nothing_more(agent_client, pending_phone):
    agent_client.post(staff_url("change_accept", pk=pending_phone.pk))
    mail.outbox.clear()
    page = staff_url("change_refuse", pk=pending_phone.pk)
    response = agent_client.post(page, {"message": "Non"}, follow=True)
    assert "déjà été traitée" in response.content.decode()
    pending_phone.refresh_from_db()
    assert pending_phone.status == PendingChange.Status.ACCEPTED
    assert mail.outbox == []


def test_accept_signup_opens_the_household_and_sends_first_connection(
    agent_client, agent_a, pending_signup
):
    response = agent_client.post(staff_url("signup_accept", pk=pending_signup.pk))
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
        staff_url("signup_refuse", pk=pending_signup.pk),
        {"message": "Vous n'habitez pas la commune."},
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
        staff_url("signup_refuse", pk=household_a.pk),
        {"message": "Non"},
        follow=True,
    )
    assert "déjà été traitée" in response.content.decode()
    household_a.refresh_from_db()
    assert household_a.status == Household.Status.ACTIVE


def test_refused_signup_accounts_are_deactivated(manager_a, municipality_a):
    from ribambelle.families.models import Household
    from ribambelle.families.services.staff import signup_refuse

    household = Household.objects.create(
        municipality=municipality_a, name="Foyer Nguyen", status=Household.Status.PENDING
    )
    user = make_user(municipality_a, "nguyen@example.org", Role.PARENT, password=None)
    Guardian.objects.create(
        municipality=municipality_a,
        household=household,
        user=user,
        first_name="An",
        last_name="Nguyen",
    )
    signup_refuse(actor=manager_a, household=household, message="Hors commune")
    user.refresh_from_db()
    assert not user.is_active


def test_each_decision_button_posts_to_its_own_url(agent_client, pending_phone, pending_signup):
    html = agent_client.get(staff_url("queue")).content.decode()
    for name, pk in (("change", pending_phone.pk), ("signup", pending_signup.pk)):
        assert f'formaction="{staff_url(f"{name}_accept", pk=pk)}"' in html
        assert f'formaction="{staff_url(f"{name}_refuse", pk=pk)}"' in html
    # Accepting needs no message; a message posted to the refusal is never an acceptance.
    response = agent_client.post(staff_url("change_refuse", pk=pending_phone.pk))
    assert response.status_code == 400
    pending_phone.refresh_from_db()
    assert pending_phone.status == PendingChange.Status.PENDING
    assert agent_client.get(staff_url("change_accept", pk=pending_phone.pk)).status_code == 405
