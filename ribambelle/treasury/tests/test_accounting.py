"""The accounting export of a period: one line per movement of money, invoices split per
imputation, credit notes shared in proportion, payments by channel, a returned direct debit and
its fee, a refund; the totals at the end; constant queries whatever the number of lines; the
view's access rules."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ribambelle.billing.models import AccountMovement, CreditNote, Payment
from ribambelle.billing.tests.factories import (
    BillingOfficeFactory,
    CreditNoteFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    PaymentFactory,
)
from ribambelle.bookings.rules import PARIS
from ribambelle.bookings.tests.conftest import make_activity
from ribambelle.conftest import logged_in
from ribambelle.debits.models import Debit, DebitReturn, Mandate
from ribambelle.families.tests.factories import HouseholdFactory
from ribambelle.tenants.tests.factories import DepartmentFactory
from ribambelle.testing.spreadsheet import assert_neutralised, csv_rows
from ribambelle.treasury.tests.imputation_factories import ImputationFactory

pytestmark = pytest.mark.django_db

DECEMBER = {"du": "2026-12-01", "au": "2026-12-31"}
(DATE, TYPE, REFERENCE, INVOICE, HOUSEHOLD_REF, HOUSEHOLD, OFFICE, NATURE, FUNCTION) = range(9)
DEBIT, CREDIT, CHANNEL, REASON = 9, 10, 11, 12


def url(slug="ville-a", name="export"):
    return reverse(f"treasury_accounting:{name}", kwargs={"municipality_slug": slug})


@pytest.fixture(autouse=True)
def in_december():
    with time_machine.travel(datetime.datetime(2026, 12, 10, 12, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def office(municipality_a, department_a):
    return BillingOfficeFactory(
        municipality=municipality_a, name="Régie enfance", departments=[department_a]
    )


@pytest.fixture
def activities(municipality_a, department_a, office):
    """The canteen takes its department's imputation, the snack has its own, Wednesdays (a
    department without imputation) have none."""
    leisure = DepartmentFactory(municipality=municipality_a, name="Centre de loisirs")
    office.departments.add(leisure)
    canteen = make_activity(municipality_a, department_a, "Restauration scolaire")
    snack = make_activity(municipality_a, department_a, "Goûter")
    wednesday = make_activity(municipality_a, leisure, "Mercredi")
    ImputationFactory(office=office, department=department_a, nature="7067", function="213")
    ImputationFactory(office=office, activity=snack, nature="70688", function="")
    return canteen, snack, wednesday


def invoice_with_lines(office, household, activities, number):
    canteen, snack, wednesday = activities
    invoice = InvoiceFactory(
        office=office, household=household, number=number, total=Decimal("20.00")
    )
    for activity, amount in [
        (canteen, "7.50"),
        (canteen, "2.50"),
        (snack, "2.00"),
        (wednesday, "8.00"),
    ]:
        InvoiceLineFactory(
            invoice=invoice, activity=activity, quantity=1, unit_price=Decimal(amount)
        )
    return invoice


def returned_debit(invoice, amount, reason="AM04", fee="3.50"):
    """A direct debit of `invoice`, received on 10 December and returned on the 15th."""
    payment = PaymentFactory(
        invoice=invoice,
        method=Payment.Method.DEBIT,
        status=Payment.Status.RETURNED,
        amount=Decimal(amount),
        received_on=datetime.date(2026, 12, 10),
        reference="",
    )
    mandate = Mandate.objects.create(
        municipality=invoice.municipality,
        office=invoice.office,
        household=invoice.household,
        reference=f"RUM-{invoice.number}",
        origin=Mandate.Origin.PAPER,
        debtor_name="Martin",
        iban="chiffré",
        iban_last4="1234",
        iban_country="FR",
        signed_on=datetime.date(2026, 9, 1),
        signed_at="Lyon",
    )
    debit = Debit.objects.create(
        municipality=invoice.municipality,
        invoice=invoice,
        mandate=mandate,
        status=Debit.Status.RETURNED,
        collection_on=datetime.date(2026, 12, 10),
        amount_cents=int(Decimal(amount) * 100),
        end_to_end_id=f"E2E-{invoice.number}",
        payment=payment,
    )
    DebitReturn.objects.create(
        municipality=invoice.municipality,
        debit=debit,
        reason_code=reason,
        returned_on=datetime.date(2026, 12, 15),
        fee=Decimal(fee),
    )


def refund(household, amount="1.50", reference="VIR-1"):
    cents = int(Decimal(amount) * 100)
    AccountMovement.objects.create(
        municipality=household.municipality,
        household=household,
        kind=AccountMovement.Kind.REFUND,
        method=Payment.Method.TRANSFER,
        on=datetime.date(2026, 12, 20),
        amount_cents=-cents,
        credit_cents=-cents,
        label=reference,
    )


@pytest.fixture
def december(municipality_a, office, activities, household_a):
    """A month of the office: two invoices, a credit note, payments by every channel, a debit
    returned with its fee, a refund; and what must stay out of it."""
    first = invoice_with_lines(office, household_a, activities, "T-2026-000010")
    petit = HouseholdFactory(municipality=municipality_a, name="Foyer Petit")
    second = InvoiceFactory(office=office, household=petit, number="T-2026-000011")
    CreditNoteFactory(invoice=first, number="AV-2026-000001", amount=Decimal("5.00"))
    for method, amount in [
        ("cheque", "3.00"),
        ("cash", "2.00"),
        ("cesu", "1.00"),
        ("transfer", "4.00"),
    ]:
        PaymentFactory(invoice=first, method=method, amount=Decimal(amount), reference=method)
    PaymentFactory(
        invoice=first,
        amount=Decimal("5.00"),
        method=Payment.Method.ONLINE,
        received_on=None,
        provider="demo",
        transaction_id="T-42",
    )
    returned_debit(second, "5.00")
    refund(household_a)
    # Out of the period or of the municipality, or not money received.
    InvoiceFactory(
        office=office,
        household=petit,
        period_start=datetime.date(2026, 10, 1),
        issued_on=datetime.date(2026, 11, 2),
    )
    PaymentFactory(invoice=second, amount=Decimal("9.00"), status=Payment.Status.REFUSED)
    PaymentFactory(invoice=second, received_on=datetime.date(2027, 1, 2))
    InvoiceFactory(office__municipality__slug="ailleurs", number="T-2026-000012")
    return first, second


def export(client, **params):
    response = client.get(url(), {**DECEMBER, **params})
    assert response.status_code == 200
    assert response.streaming
    return response, csv_rows(b"".join(response.streaming_content))


def test_every_movement_of_the_period_with_its_imputation(agent_client, december):
    response, rows = export(agent_client)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="comptabilite-20261201-20261231.csv"' in response["Content-Disposition"]
    assert rows[0] == [
        "Date",
        "Type",
        "Numéro ou référence",
        "Facture",
        "Référence foyer",
        "Foyer",
        "Régie",
        "Nature comptable",
        "Fonction",
        "Débit",
        "Crédit",
        "Moyen de paiement",
        "Motif",
    ]
    first, _second = december
    lines = rows[1 : rows.index([])]
    short = [
        (
            row[TYPE],
            row[REFERENCE],
            row[NATURE],
            row[FUNCTION],
            row[DEBIT],
            row[CREDIT],
            row[CHANNEL],
        )
        for row in lines
    ]
    assert short == [
        ("Facture", "T-2026-000010", "7067", "213", "10,00", "", ""),
        ("Facture", "T-2026-000010", "70688", "", "2,00", "", ""),
        ("Facture", "T-2026-000010", "", "", "8,00", "", ""),
        ("Facture", "T-2026-000011", "", "", "13,50", "", ""),
        # 5,00 € shared as the invoice's 20,00 €: 10,00, 2,00 and 8,00.
        ("Avoir", "AV-2026-000001", "7067", "213", "", "2,50", ""),
        ("Avoir", "AV-2026-000001", "70688", "", "", "0,50", ""),
        ("Avoir", "AV-2026-000001", "", "", "", "2,00", ""),
        ("Paiement", "cheque", "", "", "", "3,00", "chèque"),
        ("Paiement", "cash", "", "", "", "2,00", "espèces"),
        ("Paiement", "cesu", "", "", "", "1,00", "CESU"),
        ("Paiement", "transfer", "", "", "", "4,00", "virement"),
        ("Paiement", "T-42", "", "", "", "5,00", "paiement en ligne"),
        ("Paiement", "", "", "", "", "5,00", "prélèvement"),
        ("Prélèvement rejeté", "E2E-T-2026-000011", "", "", "5,00", "", "prélèvement"),
        ("Frais de rejet", "E2E-T-2026-000011", "", "", "3,50", "", "prélèvement"),
        ("Remboursement", "VIR-1", "", "", "1,50", "", "virement"),
    ]
    invoice_row, return_row, refund_row = lines[0], lines[14], lines[-1]
    assert invoice_row[DATE] == "01/12/2026" and invoice_row[INVOICE] == "T-2026-000010"
    assert invoice_row[HOUSEHOLD_REF] == f"{first.household_id:06d}"
    assert invoice_row[HOUSEHOLD] == "Foyer Martin" and invoice_row[OFFICE] == "Régie enfance"
    assert lines[4][REASON] == "Repas non servi" and lines[4][INVOICE] == "T-2026-000010"
    assert return_row[DATE] == "15/12/2026" and return_row[REASON] == "AM04"
    assert return_row[INVOICE] == "T-2026-000011" and return_row[HOUSEHOLD] == "Foyer Petit"
    assert refund_row[DATE] == "20/12/2026" and refund_row[HOUSEHOLD] == "Foyer Martin"
    assert lines[11][DATE] == "10/12/2026"  # online: the day it was made

    totals = rows[rows.index([]) + 1 :]
    summary = {
        (row[TYPE], row[NATURE], row[FUNCTION], row[CHANNEL]): (row[DEBIT], row[CREDIT])
        for row in totals
    }
    assert summary[("Facture", "7067", "213", "")] == ("10,00", "0,00")
    assert summary[("Facture", "", "", "")] == ("33,50", "0,00")  # the type's total
    assert summary[("Avoir", "", "", "")] == ("0,00", "5,00")
    assert summary[("Paiement", "", "", "prélèvement")] == ("0,00", "5,00")
    assert summary[("Paiement", "", "", "")] == ("0,00", "20,00")
    assert summary[("Prélèvement rejeté", "", "", "prélèvement")] == ("5,00", "0,00")
    assert summary[("Frais de rejet", "", "", "prélèvement")] == ("3,50", "0,00")
    assert summary[("Remboursement", "", "", "virement")] == ("1,50", "0,00")
    assert totals[-1][DATE] == "Total général"
    assert (totals[-1][DEBIT], totals[-1][CREDIT]) == ("43,50", "25,00")


def test_the_sums_match_the_records(agent_client, december):
    _response, rows = export(agent_client)
    lines = rows[1 : rows.index([])]

    def total(kind, column):
        return sum(
            (
                Decimal(row[column].replace(",", "."))
                for row in lines
                if row[TYPE] == kind and row[column]
            ),
            Decimal(0),
        )

    assert total("Facture", DEBIT) == sum(invoice.total for invoice in december)
    assert total("Avoir", CREDIT) == sum(note.amount for note in CreditNote.objects.all())
    received = Payment.objects.filter(status__in=["paid", "returned"]).exclude(
        received_on=datetime.date(2027, 1, 2)
    )
    assert total("Paiement", CREDIT) == sum(payment.amount for payment in received)


def test_one_office_only(agent_client, municipality_a, december, office):
    other = BillingOfficeFactory(municipality=municipality_a, name="Régie sports")
    InvoiceFactory(office=other, number="T-2026-000099")
    _response, rows = export(agent_client, regie=other.pk)
    lines = rows[1 : rows.index([])]
    assert [(row[TYPE], row[REFERENCE]) for row in lines] == [("Facture", "T-2026-000099")]
    _response, rows = export(agent_client)
    assert "T-2026-000099" in {row[REFERENCE] for row in rows if row}


def test_cells_typed_by_people_are_not_formulas(agent_client, december):
    first, _second = december
    first.__class__.objects.filter(pk=first.pk).update(household_name="=HYPERLINK(1)")
    CreditNote.objects.update(reason="+33 motif")
    _response, rows = export(agent_client)
    assert_neutralised(rows[1][HOUSEHOLD], "=HYPERLINK(1)")
    notes = [row for row in rows if row and row[TYPE] == "Avoir"]
    assert_neutralised(notes[0][REASON], "+33 motif")


def test_empty_dates_mean_this_month_and_bad_ones_are_explained(agent_client, december):
    response = agent_client.get(url(), {"du": "", "au": ""})
    assert response.status_code == 200
    assert "T-2026-000010" in b"".join(response.streaming_content).decode("utf-8-sig")
    response = agent_client.get(url(), {"du": "2026-12-31", "au": "2026-12-01"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "La fin de la période est avant son début." in text
    assert 'value="2026-12-31"' in text
    response = agent_client.get(url(), {**DECEMBER, "regie": "999999"})
    assert response.status_code == 400
    assert "Cette régie n&#x27;existe pas." in response.content.decode()


def consumed_queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        export(client)
    return len(context.captured_queries)


def add_month_of(office, activities, household, index):
    invoice = invoice_with_lines(office, household, activities, f"T-2026-{100 + index:06d}")
    CreditNoteFactory(invoice=invoice, amount=Decimal("1.00"))
    PaymentFactory(invoice=invoice, amount=Decimal("2.00"))
    returned_debit(invoice, "3.00")
    refund(household)


def test_constant_queries_as_lines_grow(
    agent_client, django_assert_num_queries, municipality_a, office, activities
):
    households = [HouseholdFactory(municipality=municipality_a) for _index in range(6)]
    add_month_of(office, activities, households[0], 0)
    before = consumed_queries(agent_client)
    for index, household in enumerate(households[1:], start=1):
        add_month_of(office, activities, household, index)
    with django_assert_num_queries(before):
        _response, rows = export(agent_client)
    # The request's own (its session with the user and municipality), two for the table of
    # imputations, one per kind of movement.
    assert before == 8
    assert len([row for row in rows if row and row[TYPE] == "Facture"]) > 3 * 6


# Access: every member of staff who sees billing (as the former export); no one else.


@pytest.mark.parametrize("role_client", ["manager_client", "agent_client", "readonly_client"])
def test_staff_get_the_page_and_the_file(request, role_client, december):
    client = request.getfixturevalue(role_client)
    page = client.get(url(name="page"))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'value="2026-12-01"' in text and "Régie enfance" in text and url() in text
    export(client)


def test_another_municipality_answers_404(agent_b, december):
    client = logged_in(agent_b)
    assert client.get(url(name="page")).status_code == 404
    assert client.get(url(), DECEMBER).status_code == 404


def test_parents_are_refused(alice_client, december):
    assert alice_client.get(url(name="page")).status_code == 403
    assert alice_client.get(url(), DECEMBER).status_code == 403


def test_the_billing_page_links_to_it(agent_client, office):
    page = agent_client.get(reverse("billing_staff:runs", kwargs={"municipality_slug": "ville-a"}))
    text = page.content.decode()
    assert url() in text and url(name="page") in text


def test_return_fees_paid_at_the_office_are_money_received(agent_client, december, household_a):
    AccountMovement.objects.create(
        municipality=household_a.municipality,
        household=household_a,
        kind=AccountMovement.Kind.FEE,
        method=Payment.Method.CASH,
        on=datetime.date(2026, 12, 18),
        amount_cents=350,
        credit_cents=350,
        label="Reçu 12",
    )
    _response, rows = export(agent_client)
    paid = [row for row in rows if row and row[1] == "Frais de rejet réglés"]
    assert paid[0][2] == "Reçu 12"
    assert (paid[0][9], paid[0][10], paid[0][11]) == ("", "3,50", "espèces")
