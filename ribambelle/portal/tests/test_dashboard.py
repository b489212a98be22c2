"""The home page: each block only where its feature has data (documents, unpaid invoices,
unread messages, today's bookings, the news), in a constant number of queries."""

import datetime
import html
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ribambelle.billing.models import BillingOffice, Invoice
from ribambelle.billing.tests.factories import InvoiceFactory
from ribambelle.bookings.models import Booking
from ribambelle.bookings.tests.conftest import canteen, frozen  # noqa: F401 - fixtures
from ribambelle.documents.models import Category
from ribambelle.documents.tests.factories import DocumentFactory
from ribambelle.families.tests.factories import ChildFactory
from ribambelle.messaging.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

HOME = "/ville-a/"


def count(client):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(HOME)
    assert page.status_code == 200
    return len(queries), page.content.decode()


def fill(municipality, household, child, department, activity, n):
    category, _created = Category.objects.get_or_create(municipality=municipality, name="Menus")
    office, _created = BillingOffice.objects.get_or_create(municipality=municipality, name="Régie")
    first = Invoice.objects.count()
    for index in range(first, first + n):
        DocumentFactory(
            category=category, title=f"Menu {index}", published_on=datetime.date(2026, 11, 1)
        )
        month = datetime.date(2026, 1 + index, 1)
        InvoiceFactory(
            office=office,
            household=household,
            number=f"F-2026-{index:06d}",
            period_start=month,
            period_end=month,
            issued_on=month,
            due_on=month,
            total=Decimal("10.00"),
        )
        conversation = ConversationFactory(
            household=household,
            department=department,
            subject=f"Question {index}",
            last_message_at=datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC),
        )
        MessageFactory(conversation=conversation, body_html="<p>Réponse</p>", from_staff=True)
    Booking.objects.get_or_create(
        municipality=municipality, child=child, activity=activity, date=datetime.date(2026, 11, 23)
    )


def test_blocks_appear_with_their_data_and_queries_stay_constant(
    frozen,  # noqa: F811
    alice_client,
    household_a,
    child_a,
    department_a,
    canteen,  # noqa: F811
):
    _empty, page = count(alice_client)
    for title in ("Derniers documents", "Factures à payer", "Messagerie</h2>", "Aujourd'hui"):
        assert title not in page
    fill(household_a.municipality, household_a, child_a, department_a, canteen, 1)
    one, page = count(alice_client)
    for title in ("Derniers documents", "Factures à payer", "Messagerie</h2>", "Aujourd'hui"):
        assert title in page
    fill(household_a.municipality, household_a, child_a, department_a, canteen, 5)
    many, _page = count(alice_client)
    assert one == many


def test_home_needs_at_most_ten_queries_whatever_the_household_holds(
    frozen,  # noqa: F811
    alice_client,
    household_a,
    child_a,
    department_a,
    canteen,  # noqa: F811
):
    """Children, what their records lack, what they do today, unpaid invoices, unread
    conversations, the latest documents: ten queries with one of each or with many. The first
    page reads the municipality's configuration (what records must hold, the departments), kept
    after it."""
    fill(household_a.municipality, household_a, child_a, department_a, canteen, 1)
    first, page = count(alice_client)
    assert first <= 10
    small, page = count(alice_client)
    assert small == first - 2  # the requirements and the departments, kept
    assert "Restauration scolaire" in page
    for index in range(3):
        child = ChildFactory(
            household=household_a, first_name=f"Enfant{index}", birth_date=datetime.date(2018, 1, 1)
        )
        fill(household_a.municipality, household_a, child, department_a, canteen, 2)
    large, page = count(alice_client)
    assert large == small
    assert page.count("Restauration scolaire") >= 4


def test_welcome_elides_the_municipality_name(alice_client, household_a, municipality_a):
    municipality_a.name = "Issy-les-Moulineaux"
    municipality_a.save()
    page = html.unescape(alice_client.get("/ville-a/").content.decode())
    assert "Bienvenue sur le portail famille d'Issy-les-Moulineaux." in page
