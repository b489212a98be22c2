import datetime
from decimal import Decimal

import pytest
from django.core import mail

from ribambelle.billing import services
from ribambelle.billing.models import BillingOffice, Invoice, InvoiceRun
from ribambelle.billing.tests.conftest import NOVEMBER
from ribambelle.bookings.models import Booking
from ribambelle.bookings.tests.factories import AttendanceFactory, BookingFactory
from ribambelle.core.crypto import secret_decrypt
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.models import Department

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
    run = services.invoice_run_compute(
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
    services.invoice_run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    invoice = Invoice.objects.get(run=run)
    assert invoice.total == Decimal("11.00")
    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
    invoice.refresh_from_db()
    assert invoice.number.startswith("F-2026-") and invoice.status == "issued"
    assert invoice.household_name == "Foyer Martin"
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    assert mail.outbox[0].subject == "Votre facture est disponible : novembre 2026"
    with pytest.raises(services.BillingError):
        services.invoice_run_compute(
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
    run = services.invoice_run_compute(
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
    run = services.invoice_run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    assert not Invoice.objects.filter(run=run).exists()


def test_credit_note_and_payment_keep_the_amount_due(
    municipality_a, office_a, canteen_tariff, canteen, household_a, child_a, agent_a
):
    from django.core.exceptions import ValidationError

    book(child_a, canteen, 2, 3)
    run = services.invoice_run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
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


# Every staff write leaves an audit entry by its actor.


def run_entries(run):
    return AuditEntry.objects.filter(target_type="billing.invoicerun", target_id=run.pk).order_by(
        "pk"
    )


def test_computing_recomputing_and_issuing_a_run_are_audited(
    municipality_a, office_a, canteen_tariff, canteen, household_a, child_a, agent_a, manager_a
):
    book(child_a, canteen, 2, 3)
    run = services.invoice_run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    [computed] = run_entries(run)
    assert computed.action == AuditEntry.Action.CREATE and computed.actor == agent_a
    assert computed.municipality == municipality_a
    assert computed.after == {
        "office": "Régie enfance",
        "month": "2026-11-01",
        "invoices": 1,
        "total": "9.00",
    }
    book(child_a, canteen, 5)
    services.invoice_run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=manager_a
    )
    recomputed = run_entries(run).last()
    assert recomputed.action == AuditEntry.Action.UPDATE and recomputed.actor == manager_a
    assert recomputed.after["total"] == "13.50"

    services.invoice_run_issue(municipality=municipality_a, run=run, actor=manager_a)
    issued = run_entries(run).last()
    invoice = Invoice.objects.get(run=run)
    assert issued.action == AuditEntry.Action.UPDATE and issued.actor == manager_a
    assert issued.before == {"status": "draft"}
    assert issued.after == {
        "status": "issued",
        "invoices": 1,
        "numbers": [invoice.number, invoice.number],
        "due_on": str(invoice.due_on),
    }
    assert run_entries(run).count() == 3


def test_a_refused_computation_leaves_no_entry(
    municipality_a, office_a, canteen_tariff, canteen, child_a, agent_a
):
    run = services.invoice_run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
    with pytest.raises(services.BillingError):
        services.invoice_run_compute(
            municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
        )
    with pytest.raises(services.BillingError):
        services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
    assert run_entries(run).count() == 2


def test_credit_notes_and_payments_are_audited_by_their_actor(
    municipality_a, office_a, canteen_tariff, canteen, household_a, child_a, agent_a
):
    book(child_a, canteen, 2, 3)
    run = services.invoice_run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
    invoice = Invoice.objects.get()
    note = services.credit_note_create(
        municipality=municipality_a,
        invoice=invoice,
        amount=Decimal("1.00"),
        reason="Repas non servi",
        actor=agent_a,
    )
    payment = services.payment_record(
        municipality=municipality_a,
        invoice=invoice,
        amount=Decimal("2.00"),
        method="cash",
        received_on=datetime.date(2026, 12, 5),
        reference="",
        actor=agent_a,
    )
    for target, values in (
        (note, {"invoice": invoice.number, "amount": "1.00", "reason": "Repas non servi"}),
        (payment, {"invoice": invoice.number, "amount": "2.00", "method": "cash"}),
    ):
        entry = AuditEntry.objects.get(target_type=target._meta.label_lower, target_id=target.pk)
        assert entry.actor == agent_a and entry.household_id == household_a.pk
        assert entry.action == AuditEntry.Action.CREATE and entry.after == values


def test_office_save_takes_checked_values_and_logs_only_changes(
    municipality_a, municipality_b, department_a, manager_a
):
    values = services.OfficeValues(
        name="Régie enfance",
        departments=[department_a],
        provider="payzen",
        provider_options={"vads_site_id": "12345678", "secret_test": "s3cret"},
    )
    office = services.billing_office_save(
        municipality=municipality_a, actor=manager_a, office=None, values=values
    )
    created = AuditEntry.objects.get(target_type="billing.billingoffice")
    assert created.action == AuditEntry.Action.CREATE and created.actor == manager_a
    assert created.after["departments"] == [department_a.pk]
    assert created.after["provider_options"]["secret_test"] == "***"
    assert office.provider_options["secret_test"] != "s3cret"  # encrypted at rest
    assert secret_decrypt(office.provider_options["secret_test"]) == "s3cret"

    services.billing_office_save(
        municipality=municipality_a, actor=manager_a, office=office, values=values
    )
    assert AuditEntry.objects.filter(target_type="billing.billingoffice").count() == 1
    changed = services.OfficeValues(name="Régie enfance", departments=[], due_days=30)
    services.billing_office_save(
        municipality=municipality_a, actor=manager_a, office=office, values=changed
    )
    update = AuditEntry.objects.filter(target_type="billing.billingoffice").latest("pk")
    assert update.action == AuditEntry.Action.UPDATE
    assert update.before["due_days"] == 15 and update.after["due_days"] == 30
    assert update.before["departments"] == [department_a.pk] and update.after["departments"] == []
    assert "name" not in update.after


def test_office_save_refuses_another_municipalitys_department_or_office(
    municipality_a, municipality_b, department_a, manager_a
):
    other = Department.objects.create(municipality=municipality_b, name="Cantine de B")
    with pytest.raises(services.BillingError):
        services.billing_office_save(
            municipality=municipality_a,
            actor=manager_a,
            office=None,
            values=services.OfficeValues(name="Régie", departments=[other]),
        )
    office_b = BillingOffice.objects.create(municipality=municipality_b, name="Régie de B")
    with pytest.raises(BillingOffice.DoesNotExist):
        services.billing_office_save(
            municipality=municipality_a,
            actor=manager_a,
            office=office_b,
            values=services.OfficeValues(name="Régie", departments=[department_a]),
        )
    assert not AuditEntry.objects.exists()
    assert BillingOffice.objects.get().name == "Régie de B"


def test_a_run_reads_and_writes_a_constant_number_of_queries(
    municipality_a, office_a, canteen_tariff, canteen, agent_a, django_assert_num_queries
):
    """Whatever the number of households (under a chunk): the run and its lock, the drafts
    replaced, the tariffs, the households, their days, the inserts and the audit entry."""
    from ribambelle.billing.tests.test_staff import add_household

    for index in range(2):
        add_household(municipality_a, f"Foyer {index}", canteen)
    with django_assert_num_queries(13):  # the run created in a savepoint
        run = services.invoice_run_compute(
            municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
        )
    for households in (range(2, 3), range(3, 8)):
        for index in households:
            add_household(municipality_a, f"Foyer {index}", canteen)
        # found, locked; its drafts deleted with their lines (and their reminders, none for a draft)
        with django_assert_num_queries(16):
            services.invoice_run_compute(
                municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
            )
    assert Invoice.objects.filter(run=run).count() == 8
    # 15: the issued invoices read back, their account movements inserted, and the households
    # holding a credit looked for; 16 with the RUN_ISSUED hook of debits (the office has no
    # direct debit settings: one query).
    with django_assert_num_queries(16):
        services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
