"""Mes factures: the list (order, statuses, constant queries), the invoice page and its PDF
(content, inline or attachment, nosniff), the home page's block, and who gets 404 or 403."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from ribambelle.billing import services
from ribambelle.billing.models import Invoice
from ribambelle.billing.pdf import compact_dates
from ribambelle.billing.tests.conftest import NOVEMBER
from ribambelle.billing.tests.factories import InvoiceFactory, InvoiceLineFactory
from ribambelle.billing.tests.test_services import book
from ribambelle.bookings.rules import PARIS
from ribambelle.conftest import logged_in
from ribambelle.families.models import Household

pytestmark = pytest.mark.django_db

ISSUE_DAY = datetime.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)


def url(name, slug="ville-a", **kwargs):
    return reverse(f"billing:{name}", kwargs={"municipality_slug": slug, **kwargs})


def text_of(response) -> str:
    """The page's text with its non-breaking spaces as plain ones."""
    text = response.content.decode().replace("&nbsp;", " ")
    return text.replace("\xa0", " ").replace("\u202f", " ")


def make_invoice(household, office, month, total, *, number, paid="0", credited="0", due_on=None):
    """An issued invoice written directly, for the list's cases."""
    invoice = InvoiceFactory(
        office=office,
        household=household,
        number=number,
        period_start=month,
        period_end=month.replace(day=28),
        issued_on=month.replace(day=28),
        due_on=due_on or month.replace(day=28) + datetime.timedelta(days=15),
        total=Decimal(total),
        paid=Decimal(paid),
        credited=Decimal(credited),
        household_address="1 rue des Écoles",
    )
    InvoiceLineFactory(
        invoice=invoice,
        dates=[month.replace(day=2).isoformat()],
        quantity=1,
        unit_price=Decimal(total),
    )
    return invoice


@pytest.fixture
def issued(municipality_a, office_a, canteen_tariff, canteen, household_a, child_a, agent_a):
    """November 2026 billed through the services and issued on 2 December: F-2026-000001,
    13,50 € (three days at 2,50 €, one late booking at the 6,00 € surcharge)."""
    household_a.quotient = Decimal("650")
    household_a.postal_code = "69001"
    household_a.city = "Lyon"
    household_a.save()
    book(child_a, canteen, 2, 3, 5)
    book(child_a, canteen, 6, late=True)
    with time_machine.travel(ISSUE_DAY, tick=False):
        run = services.invoice_run_compute(
            municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
        )
        services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
    return Invoice.objects.get(run=run)


def test_list_shows_issued_invoices_newest_first(alice_client, issued, office_a, household_a):
    older = make_invoice(
        household_a, office_a, datetime.date(2026, 10, 1), "20.00", number="F-2026-000000"
    )
    response = alice_client.get(url("invoices"))
    assert response.status_code == 200
    text = text_of(response)
    assert text.index(issued.number) < text.index(older.number)
    assert "Novembre 2026" in text and "Octobre 2026" in text
    assert "13,50 €" in text and "17/12/2026" in text
    assert "Ouvrir la facture F-2026-000001 (PDF, nouvel onglet)" in text
    assert f'href="{url("invoice_pdf", pk=issued.pk)}" target="_blank"' in text
    assert f"{url('invoice_pdf', pk=issued.pk)}?telecharger=1" in text


def test_list_says_when_there_is_none(alice_client, household_a):
    response = alice_client.get(url("invoices"))
    assert "Aucune facture pour le moment." in text_of(response)


def test_list_shows_each_status(alice_client, office_a, household_a):
    today = datetime.date.today()
    cases = [
        ("F-2026-000001", "10.00", "0", today + datetime.timedelta(days=5), "À payer"),
        ("F-2026-000002", "10.00", "4.00", today + datetime.timedelta(days=5), "Partiellement"),
        ("F-2026-000003", "10.00", "10.00", today - datetime.timedelta(days=5), "Payée"),
        ("F-2026-000004", "10.00", "0", today - datetime.timedelta(days=5), "En retard"),
    ]
    for month, (number, total, paid, due_on, _label) in enumerate(cases, start=1):
        make_invoice(
            household_a,
            office_a,
            datetime.date(2026, month, 1),
            total,
            number=number,
            paid=paid,
            due_on=due_on,
        )
    text = text_of(alice_client.get(url("invoices")))
    for number, _total, _paid, _due_on, label in cases:
        row = text[text.index(number) :].split("</tr>", 1)[0]
        assert label in row, number
    assert "6,00 €" in text  # what is left on the partly paid one


def test_drafts_and_other_households_are_not_listed(
    alice_client, issued, office_a, household_a, dave
):
    draft = make_invoice(
        household_a, office_a, datetime.date(2026, 10, 1), "20.00", number="F-2026-000099"
    )
    Invoice.objects.filter(pk=draft.pk).update(status=Invoice.Status.DRAFT, number="")
    other = Household.objects.get(name="Foyer Petit")
    make_invoice(other, office_a, datetime.date(2026, 9, 1), "30.00", number="F-2026-000098")
    text = text_of(alice_client.get(url("invoices")))
    assert issued.number in text
    assert "F-2026-000099" not in text and "F-2026-000098" not in text and "20,00" not in text


def test_list_query_count_is_constant(alice_client, office_a, household_a):
    make_invoice(household_a, office_a, datetime.date(2026, 1, 1), "10.00", number="F-2026-1")
    with CaptureQueriesContext(connection) as few:
        alice_client.get(url("invoices"))
    for month in range(2, 8):
        make_invoice(
            household_a, office_a, datetime.date(2026, month, 1), "10.00", number=f"F-2026-{month}"
        )
    with CaptureQueriesContext(connection) as many:
        response = alice_client.get(url("invoices"))
    assert text_of(response).count("Ouvrir la facture") == 7
    assert len(many) == len(few)


def test_invoice_page_shows_the_document(alice_client, issued):
    response = alice_client.get(url("invoice", pk=issued.pk))
    assert response.status_code == 200
    text = text_of(response)
    assert "Facture F-2026-000001" in text
    assert "Novembre 2026".lower() in text.lower()
    assert "Foyer Martin" in text and "1 rue des Écoles" in text and "69001 Lyon" in text
    assert "Léa Martin" in text and "2, 3, 5 nov." in text and "6 nov." in text
    assert "tarif majoré" in text
    assert "2,50 €" in text and "7,50 €" in text and "6,00 €" in text and "13,50 €" in text
    assert "Chèque à l&#x27;ordre du Trésor public." in text
    assert "17/12/2026" in text


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def test_pdf_holds_the_number_lines_and_total(alice_client, issued, municipality_a):
    municipality_a.address = "Place de la Mairie"
    municipality_a.save()
    response = alice_client.get(url("invoice_pdf", pk=issued.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "inline; filename=\"facture-F-2026-000001.pdf\"; filename*=UTF-8''facture-F-2026-000001.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    content = response.getvalue()
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert "F-2026-000001" in text
    assert "Place de la Mairie" in text and "Foyer Martin" in text
    assert "Léa Martin" in text and "2, 3, 5 nov." in text and "tarif majoré" in text
    assert "7,50 €" in text and "13,50 €" in text
    assert "Trésor public" in text


def test_pdf_embeds_the_logo_without_fetching(alice_client, issued, municipality_a):
    from django.core.files.base import ContentFile

    from ribambelle.billing.pdf import logo_data_uri

    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
        b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    municipality_a.logo.save("logo.png", ContentFile(png))
    assert logo_data_uri(municipality_a).startswith("data:image/png;base64,")
    page = alice_client.get(url("invoice", pk=issued.pk))
    assert 'src="data:image/png;base64,' in page.content.decode()
    response = alice_client.get(url("invoice_pdf", pk=issued.pk))
    assert response.status_code == 200
    assert PdfReader(io.BytesIO(response.getvalue())).pages[0].images


def test_pdf_download_is_an_attachment(alice_client, issued):
    response = alice_client.get(url("invoice_pdf", pk=issued.pk) + "?telecharger=1")
    assert response["Content-Disposition"].startswith(
        'attachment; filename="facture-F-2026-000001.pdf";'
    )
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["invoice", "invoice_pdf"])
def test_another_household_gets_404(name, issued, dave):
    assert logged_in(dave).get(url(name, pk=issued.pk)).status_code == 404


@pytest.mark.parametrize("name", ["invoice", "invoice_pdf"])
def test_another_municipality_gets_404(name, issued, charlie, household_b):
    client = logged_in(charlie)
    assert client.get(url(name, pk=issued.pk)).status_code == 404
    assert client.get(url(name, slug="ville-b", pk=issued.pk)).status_code == 404


@pytest.mark.parametrize("name", ["invoice", "invoice_pdf"])
def test_a_draft_gets_404(name, alice_client, issued):
    Invoice.objects.filter(pk=issued.pk).update(status=Invoice.Status.DRAFT)
    assert alice_client.get(url(name, pk=issued.pk)).status_code == 404


@pytest.mark.parametrize("name", ["invoices", "invoice", "invoice_pdf"])
def test_staff_gets_403(name, agent_client, issued):
    kwargs = {} if name == "invoices" else {"pk": issued.pk}
    assert agent_client.get(url(name, **kwargs)).status_code == 403


def test_menu_has_mes_factures(alice_client, household_a):
    response = alice_client.get(url("invoices"))
    assert f'href="{url("invoices")}" aria-current="page">Mes factures</a>' in text_of(response)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([(11, 2), (11, 3), (11, 5), (11, 6)], "2, 3, 5, 6 nov."),
        ([(11, 30), (12, 1), (12, 2)], "30 nov., 1, 2 déc."),
        ([(2, 1)], "1 févr."),
        ([], ""),
    ],
)
def test_compact_dates(days, expected):
    assert compact_dates([datetime.date(2026, m, d) for m, d in days]) == expected


def home(client):
    return client.get(reverse("portal:home", kwargs={"municipality_slug": "ville-a"}))


def test_home_lists_invoices_to_pay(alice_client, issued, office_a, household_a):
    make_invoice(
        household_a,
        office_a,
        datetime.date(2026, 10, 1),
        "20.00",
        number="F-2026-000000",
        paid="20.00",
    )
    text = text_of(home(alice_client))
    assert "Factures à payer" in text
    assert "F-2026-000001 : 13,50 € à payer avant le 17/12/2026" in text
    assert "F-2026-000000" not in text  # paid
    assert f'href="{url("invoices")}"' in text


def test_home_has_no_block_when_all_is_paid(alice_client, issued):
    Invoice.objects.filter(pk=issued.pk).update(paid=issued.total)
    assert "Factures à payer" not in text_of(home(alice_client))


def test_home_query_count_is_constant(alice_client, office_a, household_a):
    make_invoice(household_a, office_a, datetime.date(2026, 1, 1), "10.00", number="F-2026-1")
    home(alice_client)  # the first page reads the municipality's configuration, then kept
    with CaptureQueriesContext(connection) as few:
        home(alice_client)
    for month in range(2, 6):
        make_invoice(
            household_a, office_a, datetime.date(2026, month, 1), "10.00", number=f"F-2026-{month}"
        )
    with CaptureQueriesContext(connection) as many:
        text = text_of(home(alice_client))
    assert text.count("à payer avant le") == 5
    assert len(many) == len(few)
