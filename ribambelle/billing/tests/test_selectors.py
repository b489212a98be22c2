"""Billing reads: what an invoice run prices, the staff lists' balances and totals, and the
scoping of every read to its municipality and household."""

import datetime
from decimal import Decimal

import pytest
from django.http import Http404

from ribambelle.billing import rules, selectors, services
from ribambelle.billing.models import BillingOffice, Invoice, InvoiceRun, Payment, Tariff
from ribambelle.billing.tests.conftest import NOVEMBER
from ribambelle.billing.tests.test_services import book
from ribambelle.bookings.models import Attendance
from ribambelle.bookings.tests.conftest import make_activity
from ribambelle.families.models import Household
from ribambelle.tenants.models import Department

pytestmark = pytest.mark.django_db


def issued_invoice(office, household, number="F-2026-000001", total="13.50", month=NOVEMBER):
    run, _created = InvoiceRun.objects.get_or_create(
        municipality=office.municipality, office=office, month=month, defaults={"status": "issued"}
    )
    return Invoice.objects.create(
        municipality=office.municipality,
        office=office,
        run=run,
        household=household,
        status=Invoice.Status.ISSUED,
        number=number,
        period_start=month,
        period_end=month.replace(day=28),
        issued_on=month.replace(day=28),
        due_on=month.replace(day=28) + datetime.timedelta(days=15),
        total=Decimal(total),
        household_name=household.name,
    )


def households(municipality, count, **extra):
    return [
        Household.objects.create(municipality=municipality, name=f"Foyer {index}", **extra)
        for index in range(count)
    ]


# What an invoice run prices


@pytest.mark.parametrize(("count", "queries"), [(0, 1), (3, 2), (4, 3), (5, 3)])
def test_household_chunks_stop_at_a_short_chunk(
    municipality_a, municipality_b, monkeypatch, django_assert_num_queries, count, queries
):
    monkeypatch.setattr(selectors, "HOUSEHOLDS_PER_CHUNK", 2)
    made = households(municipality_a, count)
    households(municipality_a, 1, status=Household.Status.REFUSED)
    households(municipality_b, 2)
    with django_assert_num_queries(queries):
        chunks = list(selectors.household_chunks(municipality_a))
    assert [len(chunk) for chunk in chunks] == [2] * (count // 2) + [1] * (count % 2)
    assert [household.pk for chunk in chunks for household in chunk] == [h.pk for h in made]


def test_tariff_specs_are_the_offices_priced_activities_in_one_query(
    municipality_a, office_a, canteen_tariff, canteen, evening_care, django_assert_num_queries
):
    Tariff.objects.create(activity=evening_care, default_price=Decimal("2.00"))  # other office
    unpriced = make_activity(municipality_a, canteen.department, "Goûter")
    flat = make_activity(municipality_a, canteen.department, "Étude")
    Tariff.objects.create(activity=flat, basis="attendance", default_price=Decimal("1.50"))
    with django_assert_num_queries(1):
        specs, basis = selectors.tariff_specs(office_a)
    assert sorted(specs) == [canteen.pk, flat.pk] and unpriced.pk not in basis
    assert basis == {canteen.pk: Tariff.Basis.BOOKINGS, flat.pk: Tariff.Basis.ATTENDANCE}
    assert specs[flat.pk] == rules.TariffSpec(flat.pk, "Étude", Decimal("1.50"))
    assert specs[canteen.pk] == rules.TariffSpec(
        activity_id=canteen.pk,
        label="Restauration scolaire",
        default_price=Decimal("4.50"),
        brackets=(
            (Decimal("500.00"), Decimal("1.20")),
            (Decimal("900.00"), Decimal("2.50")),
            (None, Decimal("3.80")),
        ),
        surcharge_price=Decimal("6.00"),
    )


def test_billables_by_household_with_their_surcharge(
    municipality_a, canteen, evening_care, household_a, child_a, dave
):
    book(child_a, canteen, 2)
    book(child_a, canteen, 3, late=True)
    Attendance.objects.create(
        municipality=municipality_a,
        child=child_a,
        activity=evening_care,
        date=datetime.date(2026, 11, 4),
        status=Attendance.Status.PRESENT,
        was_booked=False,
    )
    petit = Household.objects.get(name="Foyer Petit")
    found = selectors.billables(
        municipality=municipality_a,
        households=[household_a, petit],
        basis={canteen.pk: Tariff.Basis.BOOKINGS, evening_care.pk: Tariff.Basis.ATTENDANCE},
        start=NOVEMBER,
        end=datetime.date(2026, 11, 30),
    )
    assert dict(found) == {
        household_a.pk: [
            rules.Billable(child_a.pk, "Léa Martin", canteen.pk, datetime.date(2026, 11, 2)),
            rules.Billable(child_a.pk, "Léa Martin", canteen.pk, datetime.date(2026, 11, 3), True),
            rules.Billable(
                child_a.pk, "Léa Martin", evening_care.pk, datetime.date(2026, 11, 4), True
            ),
        ]
    }


# Staff lists


@pytest.fixture
def two_invoices(office_a, household_a, dave):
    """Foyer Martin owes 10 + 4 €, Foyer Petit paid more than asked."""
    martin = issued_invoice(office_a, household_a, "F-2026-000001", "10.00")
    issued_invoice(office_a, household_a, "F-2026-000002", "4.00", datetime.date(2026, 12, 1))
    petit = Household.objects.get(name="Foyer Petit")
    overpaid = issued_invoice(office_a, petit, "F-2026-000003", "3.00")
    Invoice.objects.filter(pk=overpaid.pk).update(paid=Decimal("5.00"))
    return martin, overpaid


def test_household_balances_in_one_query(
    municipality_a, two_invoices, household_a, django_assert_num_queries
):
    _martin, overpaid = two_invoices
    with django_assert_num_queries(1):
        balances = selectors.household_balances(
            municipality_a, [household_a.pk, overpaid.household_id]
        )
    assert balances == {household_a.pk: Decimal("14.00"), overpaid.household_id: Decimal("-2.00")}
    assert selectors.household_balance(household_a) == Decimal("14.00")
    # An overpayment is listed apart: the balance never goes below zero.
    assert selectors.household_balance(overpaid.household) == Decimal("0.00")


def test_unpaid_and_overpaid_lists(municipality_a, municipality_b, two_invoices):
    martin, overpaid = two_invoices
    Invoice.objects.filter(pk=martin.pk).update(due_on=datetime.date(2026, 11, 1))
    unpaid = selectors.unpaid_of(municipality_a)
    assert [invoice.number for invoice in unpaid] == ["F-2026-000001", "F-2026-000002"]
    assert unpaid[0].left == Decimal("10.00")
    late = selectors.unpaid_of(municipality_a, due_before=datetime.date(2026, 11, 2))
    assert [invoice.number for invoice in late] == ["F-2026-000001"]
    assert list(selectors.overpaid_invoices(municipality_a)) == [overpaid]
    assert not selectors.unpaid_of(municipality_b).exists()
    assert not selectors.overpaid_invoices(municipality_b).exists()


def test_runs_with_their_count_and_amount(
    municipality_a, municipality_b, office_a, canteen_tariff, canteen, child_a, agent_a
):
    book(child_a, canteen, 2, 3)
    run = services.invoice_run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    [found] = selectors.runs_of(municipality_a)
    assert found == run and found.invoice_count == 1 and found.amount == Decimal("9.00")
    assert selectors.run_totals(run) == {
        "count": 1,
        "total": Decimal("9.00"),
        "paid": Decimal("0.00"),
        "credited": Decimal("0.00"),
    }
    assert not selectors.runs_of(municipality_b).exists()
    with pytest.raises(Http404):
        selectors.run_get(municipality_b, run.pk)


def test_staff_reads_answer_404_for_another_municipality(
    municipality_b, office_a, household_a, two_invoices
):
    martin, _overpaid = two_invoices
    with pytest.raises(Http404):
        selectors.staff_invoice_get(municipality_b, martin.pk)
    with pytest.raises(Http404):
        selectors.office_get(municipality_b, office_a.pk)
    assert not selectors.has_offices(municipality_b)


def test_office_snapshot_hides_secrets(office_a, department_a, django_assert_num_queries):
    office_a.provider = BillingOffice.Provider.PAYZEN
    office_a.provider_options = {"vads_site_id": "12345678", "secret_test": "s3cret"}
    with django_assert_num_queries(1):
        read = selectors.office_snapshot(office_a)
    with django_assert_num_queries(0):
        given = selectors.office_snapshot(office_a, [department_a.pk])
    assert read == given
    assert read["departments"] == [department_a.pk]
    assert read["provider_options"] == {"secret_test": "***", "vads_site_id": "12345678"}


def test_tariff_of_an_activity_without_one(canteen, canteen_tariff, evening_care):
    assert selectors.tariff_of(canteen) == canteen_tariff
    new = selectors.tariff_of(evening_care)
    assert new.pk is None and new.activity == evening_care
    assert selectors.tariff_brackets(new) == []
    assert selectors.tariff_brackets(canteen_tariff)[-1] == (None, Decimal("3.80"))


# The family's reads


def test_a_household_reads_only_its_own_payments(office_a, household_a, dave, household_b):
    invoice = issued_invoice(office_a, household_a)
    Payment.objects.create(
        municipality=invoice.municipality,
        invoice=invoice,
        method=Payment.Method.ONLINE,
        status=Payment.Status.PENDING,
        amount=invoice.total,
        reference="abc",
        provider="demo",
    )
    assert selectors.household_payment_get(household_a, "abc").invoice == invoice
    assert list(selectors.live_attempts(household_a)) == [invoice.pk]
    petit = Household.objects.get(name="Foyer Petit")
    for other in (petit, household_b):
        with pytest.raises(Http404):
            selectors.household_payment_get(other, "abc")
        assert selectors.live_attempts(other) == {}
    with pytest.raises(Http404):
        selectors.payable_invoice_get(petit, invoice.pk)
    assert selectors.payable_invoice_get(household_a, invoice.pk) == invoice


def test_a_draft_is_not_the_familys(office_a, household_a, two_invoices):
    martin, _overpaid = two_invoices
    Invoice.objects.filter(pk=martin.pk).update(status=Invoice.Status.DRAFT)
    with pytest.raises(Http404):
        selectors.family_invoice_get(household_a, martin.pk)
    assert martin not in selectors.unpaid_invoices(household_a)
    assert martin in selectors.household_invoices(household_a)


def test_department_of_another_office_is_not_priced(municipality_a, office_a, canteen_tariff):
    other = Department.objects.create(municipality=municipality_a, name="Périscolaire")
    office_b = BillingOffice.objects.create(municipality=municipality_a, name="Régie 2")
    office_b.departments.add(other)
    assert selectors.tariff_specs(office_b) == ({}, {})
