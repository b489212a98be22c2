"""Messaging writes. Bodies are sanitized here, on write (DESIGN invariant 7); attachments are
checked by content like every upload and stored privately under a random name (invariant 6)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.core.files import document_content_type, store_private_file
from ribambelle.families.models import Household
from ribambelle.messaging import rules
from ribambelle.messaging.models import Attachment, Conversation, Message
from ribambelle.tenants.models import Department

MAX_ATTACHMENTS = 5


def _checked_files(files) -> list[tuple]:
    files = list(files or [])
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(
            _("Joignez au plus %(count)d fichiers.") % {"count": MAX_ATTACHMENTS},
            code="too_many",
        )
    return [(file, document_content_type(file)) for file in files]


def _body(body: str, is_html: bool) -> str:
    cleaned = rules.body_html(body, is_html=is_html)
    if rules.is_blank(cleaned):
        raise ValidationError(_("Écrivez votre message."), code="blank")
    return cleaned


def _add_message(*, actor, conversation, body_html: str, from_staff: bool, files) -> Message:
    message = Message.objects.create(
        conversation=conversation, author=actor, from_staff=from_staff, body_html=body_html
    )
    stored = []
    try:
        for file, content_type in files:
            attachment = Attachment(
                message=message,
                original_name=(getattr(file, "name", "") or "document")[:255],
                content_type=content_type,
                size=file.size,
            )
            store_private_file(attachment.file, file, content_type)
            stored.append(attachment.file)
            attachment.save()
    except BaseException:
        for field in stored:
            field.storage.delete(field.name)
        raise
    transaction.on_commit(lambda: _notify(message.pk, from_staff))
    return message


def _notify(message_id: int, from_staff: bool) -> None:
    from ribambelle.messaging import tasks

    if from_staff:
        tasks.notify_family.enqueue(message_id)
    else:
        tasks.notify_staff.enqueue(message_id)


@transaction.atomic
def conversation_start(
    *,
    actor,
    household: Household,
    department: Department,
    subject: str,
    body: str,
    is_html: bool,
    files=(),
) -> Conversation:
    """A new thread from a family to a department; ValidationError (in French) on an empty
    body or a refused attachment, before anything is written."""
    if department.municipality_id != household.municipality_id:
        raise ValueError("The department is not of the household's municipality.")
    cleaned = _body(body, is_html)
    checked = _checked_files(files)
    now = timezone.now()
    conversation = Conversation.objects.create(
        municipality_id=household.municipality_id,
        household=household,
        department=department,
        subject=subject.strip(),
        last_message_at=now,
        family_read_at=now,
    )
    _add_message(
        actor=actor, conversation=conversation, body_html=cleaned, from_staff=False, files=checked
    )
    return conversation


@transaction.atomic
def message_post(
    *, actor, conversation: Conversation, body: str, is_html: bool, from_staff: bool, files=()
) -> Message:
    """A message in an existing thread. A family writing again reopens a closed thread."""
    cleaned = _body(body, is_html)
    checked = _checked_files(files)
    message = _add_message(
        actor=actor,
        conversation=conversation,
        body_html=cleaned,
        from_staff=from_staff,
        files=checked,
    )
    conversation.last_message_at = message.created_at
    fields = ["last_message_at"]
    if from_staff:
        conversation.staff_read_at = message.created_at
        fields.append("staff_read_at")
    else:
        conversation.family_read_at = message.created_at
        conversation.status = Conversation.Status.OPEN
        fields += ["family_read_at", "status"]
    conversation.save(update_fields=fields)
    return message


def conversation_mark_read(*, conversation: Conversation, by_staff: bool) -> None:
    field = "staff_read_at" if by_staff else "family_read_at"
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(**{field: now})
    setattr(conversation, field, now)


@transaction.atomic
def conversation_assign(*, conversation: Conversation, agent) -> None:
    if agent is not None and (
        agent.municipality_id != conversation.municipality_id or not agent.is_municipal_staff
    ):
        raise ValueError("The agent is not staff of the conversation's municipality.")
    conversation.assigned_to = agent
    conversation.save(update_fields=["assigned_to"])


@transaction.atomic
def conversation_set_status(*, conversation: Conversation, status: str) -> None:
    conversation.status = Conversation.Status(status)
    conversation.save(update_fields=["status"])
