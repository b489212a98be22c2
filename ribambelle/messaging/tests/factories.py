"""Conversations between a household and a department, and their messages. Written as rows,
without notification or sanitizing: tests of those go through the services."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ribambelle.families.tests.factories import HouseholdFactory
from ribambelle.messaging.models import Conversation, Message
from ribambelle.tenants.tests.factories import DepartmentFactory


class ConversationFactory(DjangoModelFactory):
    class Meta:
        model = Conversation

    household = factory.SubFactory(HouseholdFactory)
    municipality = factory.SelfAttribute("household.municipality")
    department = factory.SubFactory(
        DepartmentFactory, municipality=factory.SelfAttribute("..municipality")
    )
    subject = "Question"
    last_message_at = factory.LazyFunction(timezone.now)


class MessageFactory(DjangoModelFactory):
    """A family's message; `from_staff=True` and a staff `author` for a reply."""

    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    author = None
    from_staff = False
    body_html = "<p>Bonjour</p>"
