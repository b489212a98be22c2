"""The demo's documents and conversations: present, visible to the right families, idempotent."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from ribambelle.bookings.rules import PARIS
from ribambelle.documents import selectors
from ribambelle.documents.models import Document
from ribambelle.families.models import Household
from ribambelle.messaging.models import Conversation, Message

pytestmark = pytest.mark.django_db


def test_seed_demo_documents_and_conversations_twice():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)):
        call_command("seed_demo", stdout=io.StringIO())
        counts = (Document.objects.count(), Conversation.objects.count(), Message.objects.count())
        call_command("seed_demo", stdout=io.StringIO())
        assert (
            Document.objects.count(),
            Conversation.objects.count(),
            Message.objects.count(),
        ) == counts
        assert counts == (4, 2, 3)
        martin = Household.objects.get(external_ref="DEMO-MARTIN")
        titles = set(selectors.visible_to(martin).values_list("title", flat=True))
    assert "Règlement intérieur des accueils périscolaires" in titles
    assert "Menus de novembre 2026" in titles
    assert "Sortie au musée – École Jules-Ferry" in titles
    answered = Conversation.objects.get(household=martin)
    assert answered.messages.filter(from_staff=True).exists()


def test_demo_menus_of_a_month_starting_with_a_vowel_are_elided():
    with time_machine.travel(datetime.datetime(2026, 10, 5, 9, 0, tzinfo=PARIS)):
        call_command("seed_demo", stdout=io.StringIO())
    assert Document.objects.filter(title="Menus d'octobre 2026").exists()
