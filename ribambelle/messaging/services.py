"""Messaging writes. Bodies are sanitized here, on write (DESIGN invariant 7); attachments are
checked by content like every upload and stored privately under a random name (invariant 6)."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.core.audit import audit_record
from ribambelle.core.files import document_content_type, store_private_file
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Household
from ribambelle.messaging import rules
from ribambelle.messaging.models import Attachment, Conversation, Message
from ribambelle.tenants.models import Department

MAX_ATTACHMENTS = 5


# Uploaded files as the views receive them (request.FILES).
Files = Iterable["UploadedFile[bytes]"]
CheckedFiles = list[tuple["UploadedFile[bytes]", str]]


def _checked_files(files: Files) -> CheckedFiles:
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


def _add_message(
    *,
    actor: User,
    conversation: Conversation,
    body_html: str,
    from_staff: bool,
    files: CheckedFiles,
) -> Message:
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
                size=file.size or 0,
            )
            store_private_file(attachment.file, file, content_type)
            stored.append(attachment.file)
            attachment.save()
    except BaseException:
        for field in stored:
            if field.name:
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
    actor: User,
    household: Household,
    department: Department,
    subject: str,
    body: str,
    is_html: bool,
    files: Files = (),
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
    *,
    actor: User,
    conversation: Conversation,
    body: str,
    is_html: bool,
    from_staff: bool,
    files: Files = (),
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
    """The thread seen by the family (or the staff) up to its last message as it was loaded,
    as posting a message marks it: a reply that came after (not on the page just drawn) stays
    unread. Never moved back, and nothing is written when it was already read (the
    conversation as loaded): opening a read thread stays a read-only GET."""
    unread = conversation.unread_for_staff if by_staff else conversation.unread_for_family
    if not unread:
        return
    field = "staff_read_at" if by_staff else "family_read_at"
    seen = conversation.last_message_at
    earlier = Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": seen})
    Conversation.objects.filter(earlier, pk=conversation.pk).update(**{field: seen})
    setattr(conversation, field, seen)


def _audit(
    *, actor: User, conversation: Conversation, before: dict[str, str], after: dict[str, str]
) -> None:
    audit_record(
        municipality=conversation.municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=conversation,
        household_id=conversation.household_id,
        before=before,
        after=after,
    )


def _agent_name(agent: User | None) -> str:
    return str(agent) if agent is not None else ""


@transaction.atomic
def conversation_assign(*, actor: User, conversation: Conversation, agent: User | None) -> None:
    """Who of the staff follows the thread (None: nobody); the change is audited."""
    if agent is not None and (
        agent.municipality_id != conversation.municipality_id or not agent.is_municipal_staff
    ):
        raise ValueError("The agent is not staff of the conversation's municipality.")
    if conversation.assigned_to_id == (agent.pk if agent else None):
        return
    before = {"assigned_to": _agent_name(conversation.assigned_to)}
    conversation.assigned_to = agent
    conversation.save(update_fields=["assigned_to"])
    _audit(
        actor=actor,
        conversation=conversation,
        before=before,
        after={"assigned_to": _agent_name(agent)},
    )


def _status_set(*, actor: User, conversation: Conversation, status: str) -> None:
    if conversation.status == status:
        return
    before = {"status": conversation.status}
    conversation.status = status
    conversation.save(update_fields=["status"])
    _audit(actor=actor, conversation=conversation, before=before, after={"status": status})


@transaction.atomic
def conversation_close(*, actor: User, conversation: Conversation) -> None:
    """Staff close a thread they consider answered; a family writing again reopens it."""
    _status_set(actor=actor, conversation=conversation, status=Conversation.Status.CLOSED)


@transaction.atomic
def conversation_reopen(*, actor: User, conversation: Conversation) -> None:
    _status_set(actor=actor, conversation=conversation, status=Conversation.Status.OPEN)
