import datetime
from decimal import Decimal

import pytest
from django.core import mail

from ribambelle.billing import services
from ribambelle.billing.models import Invoice, InvoiceRun
from ribambelle.billing.tests.conftest import NOVEMBER
from ribambelle.bookings.models import Booking
from ribambelle.bookings.tests.factories import AttendanceFactory, BookingFactory

pytestmark = pytest.mark.django_db


def book(child, activity, *days, late=False):
    for day in days:
        BookingFactory(child=child, activity=activity, date=datetime.date(2026, 11, day), late=late)


def test_run_bills_bookings_at_the_households_bracket_then_issues(
    municipality_a,
    office_a,
    canteen_tariff,
    canteen,
    household_a,
    child_a,
    agent_a,
    alice,
    django_capture_on_commit_callbacks,
):
    household_a.quotient = Decimal("650")
    household_a.save()
    book(child_a, canteen, 2, 3, 5)
    book(child_a, canteen, 6, late=True)
    BookingFactory(child=child_a, activity=canteen, date=datetime.date(2026, 12, 1))
    run = services.run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    invoice = Invoice.objects.get(run=run)
    lines = list(invoice.lines.values_list("kind", "quantity", "unit_price", "amount"))
    assert lines == [
        ("normal", 3, Decimal("2.50"), Decimal("7.50")),
        ("surcharge", 1, Decimal("6.00"), Decimal("6.00")),
    ]
    assert invoice.total == Decimal("13.50") and invoice.number == ""
    # Recomputing replaces the drafts.
    Booking.objects.filter(date=datetime.date(2026, 11, 5)).delete()
    services.run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    invoice = Invoice.objects.get(run=run)
    assert invoice.total == Decimal("11.00")
    with django_capture_on_commit_callbacks(execute=True):
        services.run_issue(municipality=municipality_a, run=run, actor=agent_a)
    invoice.refresh_from_db()
    assert invoice.number.startswith("F-2026-") and invoice.status == "issued"
    assert invoice.household_name == "Foyer Martin"
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    assert mail.outbox[0].subject == "Votre facture est disponible : novembre 2026"
    with pytest.raises(services.BillingError):
        services.run_compute(
            municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
        )
    assert InvoiceRun.objects.get().status == "issued"


def test_attendance_basis_bills_present_days_and_surcharges_unbooked_ones(
    municipality_a, office_a, canteen_tariff, canteen, household_a, child_a, agent_a
):

    canteen_tariff.basis = "attendance"
    canteen_tariff.save()
    book(child_a, canteen, 2, 3)  # booked: billed only when present
    for day, status, was_booked in (
        (2, "present", True),
        (3, "absent", True),
        (5, "present", False),
    ):
        AttendanceFactory(
            child=child_a,
            activity=canteen,
            date=datetime.date(2026, 11, day),
            status=status,
            was_booked=was_booked,
        )
    run = services.run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    lines = list(
        Invoice.objects.get(run=run).lines.values_list("kind", "dates", "unit_price", "amount")
    )
    # Quotient unknown: the default price; the unbooked presence at the higher price.
    assert lines == [
        ("normal", ["2026-11-02"], Decimal("4.50"), Decimal("4.50")),
        ("surcharge", ["2026-11-05"], Decimal("6.00"), Decimal("6.00")),
    ]


def test_households_with_nothing_to_bill_get_no_invoice(
    municipality_a, office_a, canteen_tariff, household_a, child_a, agent_a, dave
):
    run = services.run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    assert not Invoice.objects.filter(run=run).exists()


def test_credit_note_and_payment_keep_the_amount_due(
    municipality_a, office_a, canteen_tariff, canteen, household_a, child_a, agent_a
):
    from django.core.exceptions import ValidationError

    book(child_a, canteen, 2, 3)
    run = services.run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    services.run_issue(municipality=municipality_a, run=run, actor=agent_a)
    invoice = Invoice.objects.get()
    assert invoice.total == Decimal("9.00")
    note = services.credit_note_create(
        municipality=municipality_a,
        invoice=invoice,
        amount=Decimal("4.50"),
        reason="Repas non servi (grève)",
        actor=agent_a,
    )
    assert note.number.startswith("AV-")
    with pytest.raises(ValidationError, match="4,50"):
        services.payment_record(
            municipality=municipality_a,
            invoice=invoice,
            amount=Decimal("5.00"),
            method="cheque",
            received_on=datetime.date(2026, 12, 5),
            reference="",
            actor=agent_a,
        )
    services.payment_record(
        municipality=municipality_a,
        invoice=invoice,
        amount=Decimal("4.50"),
        method="cheque",
        received_on=datetime.date(2026, 12, 5),
        reference="n° 42",
        actor=agent_a,
    )
    invoice.refresh_from_db()
    assert invoice.due == 0 and invoice.total == Decimal("9.00")
