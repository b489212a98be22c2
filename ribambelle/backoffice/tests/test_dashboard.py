"""The staff dashboard says what waits, each a count linking to its filtered list: record
changes and sign-ups to validate, unread conversations per department, unpaid invoices past
their due date and overpaid invoices. Its number of queries does not grow with the data."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ribambelle.billing.models import BillingOffice, InvoiceRun, Payment
from ribambelle.billing.tests.factories import InvoiceFactory, PaymentFactory
from ribambelle.families.models import Household, PendingChange
from ribambelle.families.tests.factories import HouseholdFactory, PendingChangeFactory
from ribambelle.messaging.tests.factories import ConversationFactory
from ribambelle.tenants.models import Department
from ribambelle.tenants.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def home(slug="ville-a"):
    return reverse("backoffice:home", args=[slug])


def waiting_of(response) -> str:
    """The "À traiter" block, with the counts after their labels."""
    text = response.content.decode()
    start = text.index('id="waiting-title"')
    return text[start : text.index("</section>", start)]


def entry(label, count) -> str:
    return (
        f'<span class="waiting__label">{label}</span> <span class="waiting__count">{count}</span>'
    )


def waiting_data(municipality, department, size: int, offset: int = 0):
    """`size` of each thing that waits (and as many that do not) in the municipality."""
    other_department = Department.objects.get_or_create(
        municipality=municipality, name="Accueil de loisirs"
    )[0]
    office = BillingOffice.objects.get_or_create(municipality=municipality, name="Régie")[0]
    runs = {
        kind: InvoiceRun.objects.get_or_create(
            municipality=municipality, office=office, month=datetime.date(2026, month, 1)
        )[0]
        for kind, month in (("L", 6), ("T", 7), ("P", 8), ("O", 9))
    }
    now = timezone.now()
    for index in range(offset, offset + size):
        household = HouseholdFactory(municipality=municipality, name=f"Foyer {index}")
        HouseholdFactory(
            municipality=municipality, name=f"Nouveau {index}", status=Household.Status.PENDING
        )
        PendingChangeFactory(household=household, category="address", after={"city": "Lyon"})
        PendingChangeFactory(
            household=household, category="phones", status=PendingChange.Status.ACCEPTED
        )
        for where, read in ((department, None), (other_department, None), (department, now)):
            ConversationFactory(
                household=household,
                department=where,
                last_message_at=now - datetime.timedelta(minutes=1),
                staff_read_at=read,
            )
        for number, due_on, paid in (
            ("L", TODAY - datetime.timedelta(days=3), "0"),  # late
            ("T", TODAY + datetime.timedelta(days=3), "0"),  # not due yet
            ("P", TODAY - datetime.timedelta(days=3), "10.00"),  # paid
            ("O", TODAY - datetime.timedelta(days=3), "20.00"),  # overpaid
        ):
            invoice = InvoiceFactory(
                office=office,
                run=runs[number],
                household=household,
                number=f"F-{number}-{index}",
                period_start=datetime.date(2026, 10, 1),
                period_end=datetime.date(2026, 10, 31),
                due_on=due_on,
                total=Decimal("10.00"),
                paid=Decimal(paid),
            )
            if number == "L":
                # An online payment with no answer for two hours: listed.
                stuck = PaymentFactory(invoice=invoice, online=True)
                Payment.objects.filter(pk=stuck.pk).update(
                    created_at=now - datetime.timedelta(hours=2)
                )
            if number == "T":
                PaymentFactory(invoice=invoice, online=True)  # a recent one: not yet


def test_the_dashboard_counts_what_waits_with_links(
    agent_client, municipality_a, municipality_b, department_a
):
    waiting_data(municipality_a, department_a, 2)
    department_b = DepartmentFactory(municipality=municipality_b, name="Cantine")
    waiting_data(municipality_b, department_b, 3, offset=10)  # another municipality's
    text = waiting_of(agent_client.get(home()))
    queue = reverse("families_staff:queue", args=["ville-a"])
    inbox = reverse("messaging_staff:inbox", args=["ville-a"])
    other = Department.objects.get(municipality=municipality_a, name="Accueil de loisirs")
    expected = [
        (queue, entry("Demandes de modification de dossier", 2)),
        (f"{queue}#inscriptions", entry("Inscriptions à valider", 2)),
        (f"{inbox}?etat=unread", entry("Conversations non lues", 4)),
        (f"{inbox}?service={department_a.pk}&amp;etat=unread", entry(department_a.name, 2)),
        (f"{inbox}?service={other.pk}&amp;etat=unread", entry("Accueil de loisirs", 2)),
        (
            reverse("billing_staff:unpaid", args=["ville-a"]) + "?retard=1",
            entry("Factures impayées après leur échéance", 2),
        ),
        (
            reverse("billing_staff:overpaid", args=["ville-a"]),
            entry("Trop-perçus à rembourser", 2),
        ),
        (
            reverse("billing_staff:stuck_payments", args=["ville-a"]),
            entry("Paiements en ligne en attente", 2),
        ),
    ]
    assert text.count("<a ") == len(expected)
    for link, words in expected:
        assert f'<a href="{link}">{words}</a>' in text, words


def test_the_dashboard_says_when_nothing_waits(agent_client, municipality_a):
    text = waiting_of(agent_client.get(home()))
    assert entry("Demandes de modification de dossier", 0) in text
    assert entry("Conversations non lues", 0) in text
    assert entry("Trop-perçus à rembourser", 0) in text
    assert "waiting__details" not in text


def test_the_dashboard_reads_a_constant_number_of_queries(
    agent_client, municipality_a, department_a, django_assert_max_num_queries
):
    waiting_data(municipality_a, department_a, 1)
    with django_assert_max_num_queries(15) as small:
        assert agent_client.get(home()).status_code == 200
    waiting_data(municipality_a, department_a, 12, offset=1)
    with django_assert_max_num_queries(len(small.captured_queries)):
        text = waiting_of(agent_client.get(home()))
    assert entry("Inscriptions à valider", 13) in text


def test_the_unpaid_list_filters_the_late_ones(agent_client, municipality_a, department_a):
    waiting_data(municipality_a, department_a, 1)
    unpaid = reverse("billing_staff:unpaid", args=["ville-a"])
    text = agent_client.get(unpaid).content.decode()
    assert "F-L-0" in text and "F-T-0" in text
    text = agent_client.get(unpaid, {"retard": "1"}).content.decode()
    assert "F-L-0" in text and "F-T-0" not in text
