"""Messaging reads, always scoped to a municipality and, for families, to their household:
anything else answers 404 (DESIGN invariant 1)."""

from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from ribambelle.core.statements import Statement, prefetched
from ribambelle.families.models import Household
from ribambelle.messaging.models import Attachment, Conversation, Message
from ribambelle.tenants.models import Department, HouseholdKey, Municipality

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class UnreadCount(TypedDict):
    unread: int


UNREAD_FOR_FAMILY = Q(family_read_at__isnull=True) | Q(family_read_at__lt=F("last_message_at"))
UNREAD_FOR_STAFF = Q(staff_read_at__isnull=True) | Q(staff_read_at__lt=F("last_message_at"))


def departments_of(municipality: Municipality) -> QuerySet[Department]:
    return Department.objects.for_municipality(municipality).order_by("name")


def unread_by_department(
    municipality: Municipality,
) -> "list[WithAnnotations[Department, UnreadCount]]":
    """For the staff dashboard, in one query: the departments with conversations that have a
    message staff have not read (as the inbox's "Non lues" filter counts them), each with
    `unread`."""
    unread = Q(conversations__staff_read_at__isnull=True) | Q(
        conversations__staff_read_at__lt=F("conversations__last_message_at")
    )
    return list(
        departments_of(municipality)
        .annotate(unread=Count("conversations", filter=unread))
        .filter(unread__gt=0)
    )


def department_get(municipality: Municipality, pk: int) -> Department:
    return get_object_or_404(departments_of(municipality), pk=pk)


def conversations_of(household: Household | HouseholdKey) -> QuerySet[Conversation]:
    return Conversation.objects.for_household(household).select_related("department")


_unread = Statement(
    lambda municipality, household: (
        Conversation.objects.for_household(HouseholdKey(municipality, household))
        .filter(UNREAD_FOR_FAMILY)
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
)


def unread_count(household: Household) -> int:
    """Threads with a message the family has not seen yet (one query, for the home page, its
    SQL compiled once)."""
    counts = _unread(municipality=household.municipality_id, household=household.pk)
    return counts[0] if counts else 0


def _with_messages(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    return queryset.prefetch_related(
        Prefetch(
            "messages",
            queryset=Message.objects.select_related("author").prefetch_related("attachments"),
        )
    )


def _with_thread(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    return _with_messages(queryset.select_related("department", "household", "assigned_to"))


def _messages() -> QuerySet[Message]:
    return Message.objects.select_related("author")


_family_conversation = Statement(
    lambda municipality, household, pk: conversations_of(
        HouseholdKey(municipality, household)
    ).filter(pk=pk)
)
_messages_of = Statement(lambda conversation: _messages().filter(conversation_id=conversation))
_attachments_of = Statement(
    lambda conversation: Attachment.objects.filter(message__conversation_id=conversation)
)


def family_conversation_get(household: Household, pk: int) -> Conversation:
    """A thread of the household, with its department and messages (their authors and
    attachments), as _with_messages prefetches them: three statements compiled once. Neither
    its household (the one given) nor the agent following it (staff only) is read again."""
    found = _family_conversation(
        municipality=household.municipality_id, household=household.pk, pk=pk
    )
    if not found:
        raise Http404
    thread: Conversation = found[0]
    thread.household = household
    messages = _messages_of(conversation=thread.pk)
    attachments: dict[int, list[Attachment]] = {message.pk: [] for message in messages}
    for attachment in _attachments_of(conversation=thread.pk):
        # A reply committed since the messages were read is not shown, nor its attachments.
        if attachment.message_id in attachments:
            attachments[attachment.message_id].append(attachment)
    for message in messages:
        message.conversation = thread
        for attachment in attachments[message.pk]:
            attachment.message = message
        prefetched(message, attachments=(attachments[message.pk], Attachment.objects.all()))
    prefetched(thread, messages=(messages, _messages()))
    return thread


def staff_conversation_get(municipality: Municipality, pk: int) -> Conversation:
    return get_object_or_404(
        _with_thread(Conversation.objects.for_municipality(municipality)), pk=pk
    )


def staff_inbox(
    municipality: Municipality, *, department: Department | None, status: str
) -> QuerySet[Conversation]:
    queryset = Conversation.objects.for_municipality(municipality).select_related(
        "department", "household", "assigned_to"
    )
    if department is not None:
        queryset = queryset.filter(department=department)
    if status == "unread":
        queryset = queryset.filter(UNREAD_FOR_STAFF)
    elif status in Conversation.Status.values:
        queryset = queryset.filter(status=status)
    return queryset


def family_attachment_get(household: Household, pk: int) -> Attachment:
    return get_object_or_404(
        Attachment.objects.filter(
            message__conversation__municipality_id=household.municipality_id,
            message__conversation__household=household,
        ),
        pk=pk,
    )


def staff_attachment_get(municipality: Municipality, pk: int) -> Attachment:
    return get_object_or_404(
        Attachment.objects.filter(message__conversation__municipality=municipality), pk=pk
    )
