"""Conversations of the bench municipality at scale: one household in two writes to a
department, with the department's answer and a follow-up (2,500 threads, 7,500 messages for
5,000 households), written in bulk."""

from datetime import timedelta

from django.utils import timezone

from ribambelle.families.models import Household
from ribambelle.messaging.models import Conversation, Message
from ribambelle.tenants.models import Department, Municipality


def seed_bench_conversations(municipality: Municipality) -> int:
    if Conversation.objects.filter(municipality=municipality).exists():
        return 0
    departments = list(Department.objects.filter(municipality=municipality))
    households = list(
        Household.objects.filter(municipality=municipality).values_list("pk", flat=True)
    )[::2]
    now = timezone.now()
    conversations = Conversation.objects.bulk_create(
        [
            Conversation(
                municipality=municipality,
                household_id=household_id,
                department=departments[rank % len(departments)],
                subject=f"Question {rank + 1}",
                status=Conversation.Status.OPEN if rank % 3 else Conversation.Status.CLOSED,
                last_message_at=now - timedelta(hours=rank),
                family_read_at=now - timedelta(hours=rank + 1),
                staff_read_at=now - timedelta(hours=rank),
            )
            for rank, household_id in enumerate(households)
        ],
        batch_size=2000,
    )
    Message.objects.bulk_create(
        [
            Message(
                conversation=conversation,
                from_staff=from_staff,
                body_html=body,
            )
            for conversation in conversations
            for from_staff, body in (
                (False, "<p>Bonjour, une question sur la réservation de jeudi.</p>"),
                (True, "<p>Bonjour, c'est noté : <strong>réservation modifiée</strong>.</p>"),
                (False, "<p>Merci beaucoup !</p>"),
            )
        ],
        batch_size=5000,
    )
    return len(conversations)


def parent_conversation() -> dict:
    from ribambelle.core.bench import PERSONAS, TENANT

    conversation = (
        Conversation.objects.filter(
            municipality__slug=TENANT["municipality_slug"],
            household__guardians__user__email=PERSONAS["parent"],
        )
        .order_by("pk")
        .first()
    )
    assert conversation is not None, "make bench creates the parent's conversations first"
    return {**TENANT, "pk": conversation.pk}


def delete_bench_conversations(municipality: Municipality) -> None:
    Message.objects.filter(conversation__municipality=municipality).delete()
    Conversation.objects.filter(municipality=municipality).delete()
