import datetime
from decimal import Decimal

import pytest
from django.core import mail

from ribambelle.billing import services
from ribambelle.billing.models import Invoice, InvoiceRun
from ribambelle.billing.tests.conftest import NOVEMBER
from ribambelle.bookings.models import Booking

pytestmark = pytest.mark.django_db


def book(child, activity, *days, late=False):
    for day in days:
        Booking.objects.create(
            municipality=activity.municipality,
            child=child,
            activity=activity,
            date=datetime.date(2026, 11, day),
            late=late,
        )


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
    Booking.objects.create(
        municipality=municipality_a,
        child=child_a,
        activity=canteen,
        date=datetime.date(2026, 12, 1),
    )
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
    assert "Votre facture de novembre est disponible" in mail.outbox[0].subject
    with pytest.raises(services.BillingError):
        services.run_compute(
            municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
        )
    assert InvoiceRun.objects.get().status == "issued"
