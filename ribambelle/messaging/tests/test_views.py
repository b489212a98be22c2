import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from ribambelle.accounts.models import Role
from ribambelle.conftest import logged_in, make_user
from ribambelle.core.models import AuditEntry
from ribambelle.messaging import selectors, services
from ribambelle.messaging.models import Attachment, Conversation
from ribambelle.messaging.tests.conftest import png_file
from ribambelle.tenants.shortcuts import tenant_reverse
from ribambelle.tenants.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

INDEX = "/ville-a/messagerie/"
INBOX = "/ville-a/gestion/messagerie/"


def thread_url(conversation):
    return f"/ville-a/messagerie/{conversation.pk}/"


def staff_thread_url(conversation, action=""):
    return f"/ville-a/gestion/messagerie/{conversation.pk}/{action}"


def with_attachment(conversation, actor):
    services.message_post(
        actor=actor,
        conversation=conversation,
        body="Pièce jointe",
        is_html=False,
        from_staff=actor.is_municipal_staff,
        files=[png_file("certificat.png")],
    )
    return Attachment.objects.get(message__conversation=conversation)


# Portal index


def test_index_shows_contact_departments_and_unread(
    alice_client, municipality_a, department_a, conversation_a, agent_a
):
    municipality_a.address = "1 place de la Mairie"
    municipality_a.postal_code = "69000"
    municipality_a.city = "Lyon"
    municipality_a.phone = "04 00 00 00 00"
    municipality_a.save()
    services.message_post(
        actor=agent_a, conversation=conversation_a, body="Réponse", is_html=False, from_staff=True
    )
    response = alice_client.get(INDEX)
    html = response.content.decode()
    assert response.status_code == 200
    for text in ["1 place de la Mairie", "69000 Lyon", "04 00 00 00 00", "Mes conversations"]:
        assert text in html
    assert f"/ville-a/messagerie/ecrire/{department_a.pk}/" in html
    assert "Repas sans porc" in html
    assert "Non lu" in html


def test_index_query_count_is_constant(alice, alice_client, household_a, department_a):
    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            assert alice_client.get(INDEX).status_code == 200
        return len(context.captured_queries)

    services.conversation_start(
        actor=alice,
        household=household_a,
        department=department_a,
        subject="1",
        body="x",
        is_html=False,
    )
    first = queries()
    for index in range(5):
        department = DepartmentFactory(
            municipality=department_a.municipality, name=f"Service {index}"
        )
        services.conversation_start(
            actor=alice,
            household=household_a,
            department=department,
            subject=f"s{index}",
            body="x",
            is_html=False,
        )
    assert queries() == first


def test_index_wrong_role_403(agent_client, department_a):
    assert agent_client.get(INDEX).status_code == 403


def test_index_other_municipality_404(charlie, household_b):
    assert logged_in(charlie).get(INDEX).status_code == 404


# New message


def test_new_message_without_js_posts_plain_text(alice_client, household_a, department_a):
    url = f"/ville-a/messagerie/ecrire/{department_a.pk}/"
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(
        url,
        {"subject": "Menu", "body": "<b>Bonjour</b>\nMerci", "files": [png_file()]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Votre message a été envoyé" in response.content.decode()
    conversation = Conversation.objects.get()
    assert conversation.household == household_a
    message = conversation.messages.get()
    assert message.body_html == "<p>&lt;b&gt;Bonjour&lt;/b&gt;<br>Merci</p>"
    assert message.attachments.count() == 1


def test_new_message_rich_html_is_sanitized(alice_client, household_a, department_a):
    alice_client.post(
        f"/ville-a/messagerie/ecrire/{department_a.pk}/",
        {
            "subject": "Menu",
            "body": "<b>Gras</b><ul><li>un</li></ul><img src=x onerror=alert(1)>",
            "body_format": "html",
        },
    )
    assert Conversation.objects.get().messages.get().body_html == "<b>Gras</b><ul><li>un</li></ul>"


def test_new_message_bad_attachment_keeps_input(alice_client, household_a, department_a):
    fake = SimpleUploadedFile("virus.pdf", b"MZ not a pdf at all", "application/pdf")
    response = alice_client.post(
        f"/ville-a/messagerie/ecrire/{department_a.pk}/",
        {"subject": "Mon sujet", "body": "Mon texte", "files": [fake]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "n&#x27;est pas un PDF" in html or "n'est pas un PDF" in html
    assert "Mon sujet" in html and "Mon texte" in html
    assert not Conversation.objects.exists()


def test_new_message_other_municipality_department_404(alice_client, household_a, municipality_b):
    other = DepartmentFactory(municipality=municipality_b, name="Autre")
    assert alice_client.get(f"/ville-a/messagerie/ecrire/{other.pk}/").status_code == 404


def test_new_message_wrong_role_403(agent_client, department_a):
    assert agent_client.get(f"/ville-a/messagerie/ecrire/{department_a.pk}/").status_code == 403


# Thread


def test_thread_shows_all_and_marks_read(alice_client, conversation_a, agent_a):
    services.message_post(
        actor=agent_a,
        conversation=conversation_a,
        body="<p>Réponse <em>du service</em></p>",
        is_html=True,
        from_staff=True,
    )
    response = alice_client.get(thread_url(conversation_a))
    html = response.content.decode()
    assert "<strong>Léa</strong>" in html
    assert "Réponse <em>du service</em>" in html
    conversation_a.refresh_from_db()
    assert not conversation_a.unread_for_family


def test_thread_reply(alice_client, conversation_a):
    response = alice_client.post(thread_url(conversation_a), {"body": "Merci"})
    assert response.status_code == 302
    assert conversation_a.messages.count() == 2


def test_thread_shared_by_household(bob, conversation_a):
    response = logged_in(bob).get(thread_url(conversation_a))
    assert response.status_code == 200
    assert "ne mange pas de porc" in response.content.decode()


def test_thread_other_household_and_municipality_404(dave, charlie, household_b, conversation_a):
    assert logged_in(dave).get(thread_url(conversation_a)).status_code == 404
    assert logged_in(charlie).get(thread_url(conversation_a)).status_code == 404
    assert logged_in(charlie).get(f"/ville-b/messagerie/{conversation_a.pk}/").status_code == 404


def test_thread_of_other_municipality_404(alice_client, conversation_b):
    assert alice_client.get(thread_url(conversation_b)).status_code == 404


def test_thread_wrong_role_403(agent_client, conversation_a):
    assert agent_client.get(thread_url(conversation_a)).status_code == 403


# Attachments


def test_attachment_download(alice_client, agent_client, conversation_a, agent_a):
    attachment = with_attachment(conversation_a, agent_a)
    for client, url in [
        (alice_client, f"/ville-a/messagerie/piece-jointe/{attachment.pk}/"),
        (agent_client, f"/ville-a/gestion/messagerie/piece-jointe/{attachment.pk}/"),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith('attachment; filename="certificat.png"')


def test_attachment_isolation_404(dave, charlie, household_b, conversation_a, alice):
    attachment = with_attachment(conversation_a, alice)
    assert (
        logged_in(dave).get(f"/ville-a/messagerie/piece-jointe/{attachment.pk}/").status_code == 404
    )
    assert (
        logged_in(charlie).get(f"/ville-b/messagerie/piece-jointe/{attachment.pk}/").status_code
        == 404
    )
    agent_b = make_user(household_b.municipality, "agent2@ville-b.fr", Role.AGENT)
    assert (
        logged_in(agent_b)
        .get(f"/ville-b/gestion/messagerie/piece-jointe/{attachment.pk}/")
        .status_code
        == 404
    )


def test_attachment_wrong_role_403(alice_client, agent_client, conversation_a, alice):
    attachment = with_attachment(conversation_a, alice)
    assert agent_client.get(f"/ville-a/messagerie/piece-jointe/{attachment.pk}/").status_code == 403
    assert (
        alice_client.get(f"/ville-a/gestion/messagerie/piece-jointe/{attachment.pk}/").status_code
        == 403
    )


# Staff inbox


def test_inbox_filters(agent_client, conversation_a, department_a, agent_a):
    response = agent_client.get(INBOX)
    assert response.status_code == 200
    assert "Repas sans porc" in response.content.decode()
    assert "Non lu" in response.content.decode()
    assert "Repas sans porc" in agent_client.get(f"{INBOX}?etat=unread").content.decode()
    assert "Repas sans porc" in agent_client.get(f"{INBOX}?etat=open").content.decode()
    assert "Repas sans porc" not in agent_client.get(f"{INBOX}?etat=closed").content.decode()
    other = DepartmentFactory(municipality=department_a.municipality, name="Périscolaire")
    assert "Repas sans porc" not in agent_client.get(f"{INBOX}?service={other.pk}").content.decode()
    assert (
        "Repas sans porc" in agent_client.get(f"{INBOX}?service={department_a.pk}").content.decode()
    )


def test_inbox_query_count_is_constant(agent_client, alice, household_a, department_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert agent_client.get(INBOX).status_code == 200
        return len(context.captured_queries)

    services.conversation_start(
        actor=alice,
        household=household_a,
        department=department_a,
        subject="1",
        body="x",
        is_html=False,
    )
    first = queries()
    for index in range(5):
        services.conversation_start(
            actor=alice,
            household=household_a,
            department=department_a,
            subject=f"s{index}",
            body="x",
            is_html=False,
        )
    assert queries() == first


def test_inbox_other_municipality_hidden(agent_client, conversation_b):
    assert "Question" not in agent_client.get(INBOX).content.decode()


def test_inbox_wrong_role_403_and_tenant_404(alice_client, charlie, household_b, agent_b):
    assert alice_client.get(INBOX).status_code == 403
    assert logged_in(agent_b).get(INBOX).status_code == 404


# Staff thread


def test_staff_thread_reply_assign_close(agent_client, agent_a, conversation_a, household_a):
    url = staff_thread_url(conversation_a)
    response = agent_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        tenant_reverse(household_a.municipality, "families_staff:household", pk=household_a.pk)
        in html
    )
    conversation_a.refresh_from_db()
    assert not conversation_a.unread_for_staff

    for action in ("repondre/", "attribuer/", "clore/"):
        assert f'action="{staff_thread_url(conversation_a, action)}"' in html

    response = agent_client.post(
        staff_thread_url(conversation_a, "repondre/"), {"body": "Bien reçu"}
    )
    assert response.status_code == 302 and response.url == url
    assert conversation_a.messages.filter(from_staff=True).count() == 1
    response = agent_client.post(
        staff_thread_url(conversation_a, "attribuer/"), {"assigned_to": agent_a.pk}
    )
    assert response.status_code == 302
    assert agent_client.post(staff_thread_url(conversation_a, "clore/")).status_code == 302
    conversation_a.refresh_from_db()
    assert conversation_a.assigned_to == agent_a
    assert conversation_a.status == "closed"
    html = agent_client.get(url).content.decode()
    assert f'action="{staff_thread_url(conversation_a, "rouvrir/")}"' in html
    assert agent_client.post(staff_thread_url(conversation_a, "rouvrir/")).status_code == 302
    conversation_a.refresh_from_db()
    assert conversation_a.status == "open"
    assert (
        AuditEntry.objects.filter(
            target_type="messaging.conversation", actor=agent_a, household_id=household_a.pk
        ).count()
        == 3
    )
    # The thread's own URL only shows it.
    assert agent_client.post(url, {"body": "x"}).status_code == 405


def test_staff_reply_errors_keep_the_page_and_what_was_typed(agent_client, conversation_a):
    response = agent_client.post(
        staff_thread_url(conversation_a, "repondre/"),
        {"body": "Bonjour", "files": SimpleUploadedFile("virus.exe", b"MZ\x90\x00" * 10)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bonjour" in html and "Repas sans porc" in html
    assert conversation_a.messages.count() == 1


def test_staff_assign_refuses_other_municipality(agent_client, agent_b, conversation_a):
    response = agent_client.post(
        staff_thread_url(conversation_a, "attribuer/"), {"assigned_to": agent_b.pk}
    )
    assert response.status_code == 400
    conversation_a.refresh_from_db()
    assert conversation_a.assigned_to is None


def test_staff_thread_other_municipality_404(agent_client, conversation_b, agent_b, conversation_a):
    assert agent_client.get(staff_thread_url(conversation_b)).status_code == 404
    for action in ("repondre/", "attribuer/", "clore/", "rouvrir/"):
        response = agent_client.post(staff_thread_url(conversation_b, action), {"body": "x"})
        assert response.status_code == 404
        other = f"/ville-b/gestion/messagerie/{conversation_a.pk}/{action}"
        assert logged_in(agent_b).post(other, {"body": "x"}).status_code == 404
    assert (
        logged_in(agent_b).get(f"/ville-b/gestion/messagerie/{conversation_a.pk}/").status_code
        == 404
    )


def test_staff_thread_wrong_role_403(alice_client, municipality_a, conversation_a):
    assert alice_client.get(staff_thread_url(conversation_a)).status_code == 403
    reader = logged_in(make_user(municipality_a, "lecture@ville-a.fr", Role.READ_ONLY))
    thread = reader.get(staff_thread_url(conversation_a))
    assert thread.status_code == 200
    assert "ne mange pas de porc" in thread.content.decode()
    for action, data in (
        ("repondre/", {"body": "x"}),
        ("attribuer/", {"assigned_to": ""}),
        ("clore/", {}),
        ("rouvrir/", {}),
    ):
        assert reader.post(staff_thread_url(conversation_a, action), data).status_code == 403
        assert alice_client.post(staff_thread_url(conversation_a, action), data).status_code == 403
    assert conversation_a.messages.count() == 1
    conversation_a.refresh_from_db()
    assert conversation_a.status == "open"


@pytest.mark.django_db(transaction=True)
def test_staff_reply_emails_family_without_text(agent_client, conversation_a):
    mail.outbox.clear()
    agent_client.post(staff_thread_url(conversation_a, "repondre/"), {"body": "Secret santé"})
    assert sorted(email.to[0] for email in mail.outbox) == ["alice@example.org", "bob@example.org"]
    assert all("Secret" not in email.body for email in mail.outbox)


def test_thread_reads_messages_authors_and_attachments_in_three_queries(
    household_a, conversation_a, agent_a, django_assert_num_queries
):
    """As the prefetch it replaces: messages in order with their authors, each with its
    attachments, and nothing read again while the page draws them."""
    first = with_attachment(conversation_a, agent_a)
    services.message_post(
        actor=agent_a,
        conversation=conversation_a,
        body="Sans pièce",
        is_html=False,
        from_staff=True,
    )
    with django_assert_num_queries(3):
        thread = selectors.family_conversation_get(household_a, conversation_a.pk)
        seen = [
            (
                message.body_html,
                message.author and message.author.email,
                list(message.attachments.all()),
            )
            for message in thread.messages.all()
        ]
    bodies = [body for body, _author, _files in seen]
    assert bodies[1:] == ["<p>Pièce jointe</p>", "<p>Sans pièce</p>"]
    assert seen[1][1] == agent_a.email
    assert seen[1][2] == [first]
    assert seen[2][2] == []
    assert thread.household is household_a


def test_a_reply_sent_while_the_thread_is_read_is_left_for_the_next_visit(
    household_a, conversation_a, agent_a, monkeypatch
):
    """A reply with a file committed between the thread's messages and their attachments: the
    page shows the thread as its messages were read."""
    read_messages = selectors._messages_of

    def then_a_reply(**values):
        found = read_messages(**values)
        with_attachment(conversation_a, agent_a)
        return found

    monkeypatch.setattr(selectors, "_messages_of", then_a_reply)
    thread = selectors.family_conversation_get(household_a, conversation_a.pk)
    assert [list(message.attachments.all()) for message in thread.messages.all()] == [[]]
    assert conversation_a.messages.count() == 2


def test_a_reply_left_out_of_the_page_stays_unread(
    alice_client, conversation_a, agent_a, monkeypatch
):
    """Opening the thread marks it read up to its last message as loaded, not up to now: a
    reply that came while the page was drawn, and is not on it, is still new next time."""
    services.message_post(
        actor=agent_a,
        conversation=conversation_a,
        body="Réponse visible",
        is_html=False,
        from_staff=True,
    )
    read_messages = selectors._messages_of

    def then_a_reply(**values):
        found = read_messages(**values)
        services.message_post(
            actor=agent_a,
            conversation=Conversation.objects.get(pk=conversation_a.pk),
            body="Réponse cachée",
            is_html=False,
            from_staff=True,
            files=[png_file("planning.png")],
        )
        return found

    monkeypatch.setattr(selectors, "_messages_of", then_a_reply)
    html = alice_client.get(thread_url(conversation_a)).content.decode()
    assert "Réponse visible" in html and "Réponse cachée" not in html
    conversation_a.refresh_from_db()
    assert conversation_a.unread_for_family
    monkeypatch.undo()
    html = alice_client.get(thread_url(conversation_a)).content.decode()
    assert "Réponse cachée" in html
    conversation_a.refresh_from_db()
    assert not conversation_a.unread_for_family
