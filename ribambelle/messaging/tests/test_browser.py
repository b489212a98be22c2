"""The acceptance scenario in Chromium: a parent writes to "Restauration scolaire" with bold
text and a list through the editor, staff reply from the inbox, the parent sees the reply and
the unread marker; e-mails go to both sides. axe-core finds no violation on these pages."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from ribambelle.conftest import PASSWORD
from ribambelle.messaging.models import Conversation
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_parent_writes_staff_replies(
    new_context, live_server, alice, household_a, department_a, agent_a
):
    page = new_context().new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Messagerie"
    ).click()
    expect(page.get_by_role("heading", name="Mes conversations")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Écrire au service Restauration scolaire").click()
    page.get_by_label("Objet").fill("Menu de la semaine")
    editor = page.get_by_role("textbox", name="Message")
    expect(page.get_by_role("toolbar", name="Mise en forme du message")).to_be_visible()
    assert_no_axe_violations(page)
    editor.click()
    page.get_by_role("button", name="Gras").click()
    page.keyboard.type("Important")
    page.get_by_role("button", name="Gras").click()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Liste à puces").click()
    page.keyboard.type("sans porc")
    page.keyboard.press("Enter")
    page.keyboard.type("sans arachides")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_role("status")).to_contain_text("Votre message a été envoyé")
    expect(page.locator(".thread__body :is(strong, b)")).to_have_text("Important")
    expect(page.locator(".thread__body ul li")).to_have_count(2)
    assert_no_axe_violations(page)

    conversation = Conversation.objects.get()
    body = conversation.messages.get().body_html
    assert "<strong>Important</strong>" in body or "<b>Important</b>" in body
    assert "<li>sans porc</li>" in body
    assert [email.to for email in mail.outbox] == [["agent@ville-a.fr"]]
    mail.outbox.clear()

    staff = new_context().new_page()
    log_in(staff, live_server.url, agent_a.email, PASSWORD)
    staff.goto(f"{live_server.url}/ville-a/gestion/messagerie/")
    expect(staff.get_by_text("Non lu", exact=True)).to_be_visible()
    assert_no_axe_violations(staff)
    staff.get_by_role("link", name="Menu de la semaine").click()
    expect(staff.locator(".thread__body :is(strong, b)")).to_have_text("Important")
    expect(staff.get_by_role("link", name="Fiche : Foyer Martin")).to_be_visible()
    assert_no_axe_violations(staff)
    staff.get_by_role("textbox", name="Message").click()
    staff.keyboard.type("Bien noté, merci.")
    staff.get_by_role("button", name="Envoyer la réponse").click()
    expect(staff.get_by_role("status")).to_contain_text("Votre réponse a été envoyée")
    assert sorted(email.to[0] for email in mail.outbox) == ["alice@example.org", "bob@example.org"]
    staff.get_by_label("Suivie par").select_option(label=str(agent_a))
    staff.get_by_role("button", name="Attribuer").click()
    expect(staff.get_by_role("status")).to_contain_text("L'attribution est enregistrée.")
    staff.get_by_role("button", name="Clore la conversation").click()
    expect(staff.get_by_role("status")).to_contain_text("La conversation est close.")
    expect(staff.get_by_role("button", name="Rouvrir la conversation")).to_be_visible()
    assert_no_axe_violations(staff)
    thread = Conversation.objects.get()
    assert (thread.assigned_to, thread.status) == (agent_a, Conversation.Status.CLOSED)

    page.goto(f"{live_server.url}/ville-a/messagerie/")
    expect(page.get_by_text("Non lu", exact=True)).to_be_visible()
    page.get_by_role("link", name="Menu de la semaine").click()
    expect(page.get_by_text("Bien noté, merci.")).to_be_visible()
    page.goto(f"{live_server.url}/ville-a/messagerie/")
    expect(page.get_by_text("Non lu", exact=True)).to_have_count(0)


def test_without_javascript_the_textarea_posts(
    new_context, live_server, alice, household_a, department_a
):
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/messagerie/ecrire/{department_a.pk}/")
    page.get_by_label("Objet").fill("Sans script")
    page.get_by_label("Message").fill("Ligne 1\nLigne 2")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_role("status")).to_contain_text("Votre message a été envoyé")
    assert Conversation.objects.get().messages.get().body_html == "<p>Ligne 1<br>Ligne 2</p>"
