import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ribambelle.core.models import AuditEntry
from ribambelle.messaging import selectors, services
from ribambelle.messaging.models import Attachment, Conversation, Message
from ribambelle.messaging.tests.conftest import png_file

pytestmark = pytest.mark.django_db


def test_start_sanitizes_on_write(alice, household_a, department_a):
    conversation = services.conversation_start(
        actor=alice,
        household=household_a,
        department=department_a,
        subject="Sujet",
        body='<p onclick="x()">Bonjour <script>alert(1)</script><strong>Léa</strong></p>',
        is_html=True,
    )
    message = conversation.messages.get()
    assert message.body_html == "<p>Bonjour <strong>Léa</strong></p>"
    assert conversation.municipality_id == household_a.municipality_id
    assert not conversation.unread_for_family
    assert conversation.unread_for_staff


def test_plain_text_body(alice, household_a, department_a):
    conversation = services.conversation_start(
        actor=alice,
        household=household_a,
        department=department_a,
        subject="Sujet",
        body="<b>pas du HTML</b>\nligne",
        is_html=False,
    )
    assert conversation.messages.get().body_html == "<p>&lt;b&gt;pas du HTML&lt;/b&gt;<br>ligne</p>"


def test_blank_body_refused_and_nothing_written(alice, household_a, department_a):
    with pytest.raises(ValidationError):
        services.conversation_start(
            actor=alice,
            household=household_a,
            department=department_a,
            subject="Sujet",
            body="<script>x</script>",
            is_html=True,
        )
    assert not Conversation.objects.exists()


def test_bad_attachment_refused_and_nothing_written(alice, household_a, department_a):
    fake = SimpleUploadedFile("attestation.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(ValidationError):
        services.conversation_start(
            actor=alice,
            household=household_a,
            department=department_a,
            subject="Sujet",
            body="Bonjour",
            is_html=False,
            files=[fake],
        )
    assert not Conversation.objects.exists()
    assert not Attachment.objects.exists()


def test_attachment_stored_under_random_name(alice, household_a, department_a):
    conversation = services.conversation_start(
        actor=alice,
        household=household_a,
        department=department_a,
        subject="Sujet",
        body="Bonjour",
        is_html=False,
        files=[png_file("../../certificat médical.png")],
    )
    attachment = Attachment.objects.get(message__conversation=conversation)
    assert attachment.content_type == "image/png"
    assert "certificat" not in attachment.file.name
    assert attachment.file.name.endswith(".png")


def test_too_many_attachments(conversation_a, agent_a):
    with pytest.raises(ValidationError):
        services.message_post(
            actor=agent_a,
            conversation=conversation_a,
            body="x",
            is_html=False,
            from_staff=True,
            files=[png_file() for _ in range(services.MAX_ATTACHMENTS + 1)],
        )
    assert conversation_a.messages.count() == 1


def test_staff_reply_makes_it_unread_for_family(conversation_a, agent_a, household_a):
    assert selectors.unread_count(household_a) == 0
    services.message_post(
        actor=agent_a, conversation=conversation_a, body="Réponse", is_html=False, from_staff=True
    )
    conversation_a.refresh_from_db()
    assert conversation_a.unread_for_family
    assert not conversation_a.unread_for_staff
    assert selectors.unread_count(household_a) == 1
    services.conversation_mark_read(conversation=conversation_a, by_staff=False)
    assert selectors.unread_count(household_a) == 0


def test_mark_read_writes_only_when_unread(
    conversation_a, agent_a, household_a, django_assert_num_queries
):
    conversation_a.refresh_from_db()
    assert not conversation_a.unread_for_family
    with django_assert_num_queries(0):
        services.conversation_mark_read(conversation=conversation_a, by_staff=False)
    services.message_post(
        actor=agent_a, conversation=conversation_a, body="Réponse", is_html=False, from_staff=True
    )
    conversation_a.refresh_from_db()
    with django_assert_num_queries(1):
        services.conversation_mark_read(conversation=conversation_a, by_staff=False)
    assert not conversation_a.unread_for_family
    assert selectors.unread_count(household_a) == 0
    assert not conversation_a.unread_for_staff
    with django_assert_num_queries(0):
        services.conversation_mark_read(conversation=conversation_a, by_staff=True)


def test_unread_count_is_one_query(conversation_a, household_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.unread_count(household_a)


def test_family_message_reopens(conversation_a, alice, agent_a):
    services.conversation_close(actor=agent_a, conversation=conversation_a)
    services.message_post(
        actor=alice, conversation=conversation_a, body="Encore", is_html=False, from_staff=False
    )
    conversation_a.refresh_from_db()
    assert conversation_a.status == Conversation.Status.OPEN


def test_assign_only_staff_of_municipality(conversation_a, agent_a, agent_b, alice):
    services.conversation_assign(actor=agent_a, conversation=conversation_a, agent=agent_a)
    assert Conversation.objects.get().assigned_to == agent_a
    for wrong in (agent_b, alice):
        with pytest.raises(ValueError):
            services.conversation_assign(actor=agent_a, conversation=conversation_a, agent=wrong)


def test_assigning_closing_and_reopening_are_audited(conversation_a, agent_a, manager_a):
    services.conversation_assign(actor=manager_a, conversation=conversation_a, agent=agent_a)
    services.conversation_assign(actor=manager_a, conversation=conversation_a, agent=agent_a)
    services.conversation_close(actor=agent_a, conversation=conversation_a)
    services.conversation_close(actor=agent_a, conversation=conversation_a)
    services.conversation_reopen(actor=agent_a, conversation=conversation_a)
    services.conversation_assign(actor=agent_a, conversation=conversation_a, agent=None)
    entries = AuditEntry.objects.filter(target_type="messaging.conversation").order_by("pk")
    assert [(e.actor, e.action, e.before, e.after) for e in entries] == [
        (manager_a, "update", {"assigned_to": ""}, {"assigned_to": str(agent_a)}),
        (agent_a, "update", {"status": "open"}, {"status": "closed"}),
        (agent_a, "update", {"status": "closed"}, {"status": "open"}),
        (agent_a, "update", {"assigned_to": str(agent_a)}, {"assigned_to": ""}),
    ]
    assert {(e.municipality_id, e.household_id, e.target_id) for e in entries} == {
        (conversation_a.municipality_id, conversation_a.household_id, conversation_a.pk)
    }


@pytest.mark.django_db(transaction=True)
def test_notifications_without_message_text(alice, household_a, department_a, agent_a, manager_a):
    secret = "allergie sévère aux arachides"
    conversation = services.conversation_start(
        actor=alice,
        household=household_a,
        department=department_a,
        subject="Santé",
        body=f"<p>{secret}</p>",
        is_html=True,
    )
    # No department address: the municipality's active managers and agents.
    assert sorted(email.to[0] for email in mail.outbox) == ["agent@ville-a.fr", "chef@ville-a.fr"]
    staff_email = mail.outbox[0]
    assert f"/ville-a/gestion/messagerie/{conversation.pk}/" in staff_email.body
    mail.outbox.clear()

    services.message_post(
        actor=agent_a,
        conversation=conversation,
        body=f"Bien noté pour l'{secret}",
        is_html=False,
        from_staff=True,
    )
    assert sorted(email.to[0] for email in mail.outbox) == ["alice@example.org", "bob@example.org"]
    family_email = mail.outbox[0]
    assert f"/ville-a/messagerie/{conversation.pk}/" in family_email.body
    for email in [staff_email, family_email]:
        html = email.alternatives[0][0] if hasattr(email.alternatives[0], "__getitem__") else ""
        for text in (email.subject, email.body, html):
            assert "arachides" not in text
            assert "Santé" not in text


@pytest.mark.django_db(transaction=True)
def test_department_address_preferred(alice, household_a, department_a, agent_a):
    department_a.email = "cantine@ville-a.fr"
    department_a.save()
    services.conversation_start(
        actor=alice,
        household=household_a,
        department=department_a,
        subject="Sujet",
        body="Bonjour",
        is_html=False,
    )
    assert [email.to for email in mail.outbox] == [["cantine@ville-a.fr"]]
    assert Message.objects.count() == 1
