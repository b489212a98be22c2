"""Online payment under concurrent requests (PostgreSQL, where transactions run in parallel):
two starts at once leave one live attempt, and two confirmations at once both count, the
second flagged as an overpayment, because the invoice row is locked first; one notification
received twice at once pays once; overlapping reconciliations ask about each payment once."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from ribambelle.billing.models import BillingOffice, Payment
from ribambelle.billing.payments import services
from ribambelle.billing.payments.base import Result
from ribambelle.billing.tests.test_payments import issued_invoice, use_provider

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="parallel transactions need PostgreSQL"
    ),
]

TOTAL = Decimal("34.60")


def in_parallel(*calls) -> tuple[list, list]:
    """Run the calls at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.fixture
def invoice(office_a, household_a):
    use_provider(office_a, BillingOffice.Provider.DEMO, demo_enabled=True)
    return issued_invoice(office_a, household_a, total=TOTAL)


@pytest.mark.parametrize("left_attempt", [False, True])
def test_starts_at_the_same_moment_leave_one_live_attempt(invoice, alice, left_attempt):
    if left_attempt:
        services.payment_start(invoice=invoice, actor=alice)
    results, errors = in_parallel(
        *[lambda: services.payment_start(invoice=invoice, actor=alice)] * 4
    )
    # Each start either closed the attempt it found (the demo bank says it was left) and
    # opened its own, or met one opened meanwhile: never two live, never a database error.
    assert results and all(type(error) is services.AttemptInProgress for error in errors), errors
    [live] = Payment.objects.filter(invoice=invoice, status=Payment.Status.PENDING)
    assert live in [checkout.payment for checkout in results]


def test_two_confirmations_at_once_both_count_and_one_is_flagged(invoice, alice):
    left = services.payment_start(invoice=invoice, actor=alice).payment
    services.payment_abandon(payment=left)
    paid = services.payment_start(invoice=invoice, actor=alice).payment

    def confirm(payment):
        return lambda: services.payment_confirm(
            result=Result(
                provider="demo",
                reference=payment.reference,
                transaction_id=payment.transaction_id,
                status=Payment.Status.PAID,
                amount_cents=3460,
            )
        )

    results, errors = in_parallel(confirm(left), confirm(paid))
    assert errors == [] and len(results) == 2
    invoice.refresh_from_db()
    assert invoice.paid == TOTAL * 2 and invoice.overpaid == TOTAL
    excesses = sorted(Payment.objects.filter(invoice=invoice).values_list("excess", flat=True))
    assert excesses == [Decimal("0.00"), TOTAL]


def test_a_start_racing_a_confirmation_never_charges_a_settled_invoice(invoice, alice):
    """The invoice lock orders them: either the start sees the invoice paid and refuses, or
    the new attempt exists before the confirmation and its own confirmation would be flagged."""
    left = services.payment_start(invoice=invoice, actor=alice).payment
    result = Result(
        provider="demo",
        reference=left.reference,
        transaction_id=left.transaction_id,
        status=Payment.Status.PAID,
        amount_cents=3460,
    )
    _results, errors = in_parallel(
        lambda: services.payment_confirm(result=result),
        lambda: services.payment_start(invoice=invoice, actor=alice),
    )
    assert all(isinstance(error, ValidationError) for error in errors), errors
    invoice.refresh_from_db()
    assert invoice.paid == TOTAL
    assert Payment.objects.filter(invoice=invoice, status=Payment.Status.PENDING).count() <= 1


def test_two_notifications_for_the_same_attempt_at_once_pay_once(
    office_a, household_a, alice, django_capture_on_commit_callbacks
):
    """Payzen sends its notification again while the first is still being applied: a real
    signed IPN read by eopayment, twice in parallel, makes one paid payment."""
    from urllib.parse import urlencode

    from ribambelle.billing.payments.base import NotificationMessage
    from ribambelle.billing.tests.test_payments import PAYZEN_SECRET, payzen_ipn
    from ribambelle.core.models import AuditEntry

    use_provider(
        office_a,
        BillingOffice.Provider.PAYZEN,
        vads_site_id="12345678",
        vads_ctx_mode="TEST",
        secret_test=PAYZEN_SECRET,
        signature_algo="hmac_sha256",
        demo_enabled=True,  # a test municipality: the only kind with a test mode
    )
    invoice = issued_invoice(office_a, household_a, total=TOTAL)
    payment = services.payment_start(invoice=invoice, actor=alice).payment
    body = urlencode(payzen_ipn(payment, amount="3460")).encode()
    message = NotificationMessage(method="POST", body=body)

    def receive():
        return services.notification_receive(
            municipality=invoice.municipality, provider_name="payzen", message=message
        )

    results, errors = in_parallel(receive, receive)
    assert errors == [] and len(results) == 2
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.excess == 0
    assert invoice.paid == TOTAL and invoice.overpaid == 0
    assert Payment.objects.filter(invoice=invoice).count() == 1
    paid_entries = AuditEntry.objects.filter(
        target_type="billing.payment", target_id=payment.pk, after__status="paid"
    )
    assert paid_entries.count() == 1


def left_attempts(office, count):
    from ribambelle.billing.tests.factories import PaymentFactory
    from ribambelle.families.tests.factories import HouseholdFactory

    payments = []
    for index in range(count):
        household = HouseholdFactory(municipality=office.municipality, name=f"Foyer {index}")
        invoice = issued_invoice(office, household, number=f"F-2026-1{index:04d}", total=TOTAL)
        payment = PaymentFactory(invoice=invoice, online=True)
        Payment.objects.filter(pk=payment.pk).update(
            transaction_id=payment.reference,
            created_at=timezone.now() - timedelta(minutes=30),
        )
        payments.append(payment)
    return payments


def test_a_reconciliation_does_nothing_while_another_holds_the_lock(invoice, office_a):
    from ribambelle.billing.payments import reconcile

    left_attempts(office_a, 2)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [reconcile.LOCK_KEY])
        assert reconcile.payments_reconcile()["locked"] == 1
        assert Payment.objects.filter(status=Payment.Status.PENDING).count() == 2
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [reconcile.LOCK_KEY])
        assert reconcile.payments_reconcile()["checked"] == 2
    finally:
        other.close()


def test_two_reconciliations_at_once_ask_about_each_payment_once(invoice, office_a):
    from unittest import mock

    from ribambelle.billing.payments import reconcile
    from ribambelle.billing.payments.demo import DemoProvider

    payments = left_attempts(office_a, 4)
    asked = []
    original = DemoProvider.status

    def status(provider, payment):
        asked.append(payment.pk)
        return original(provider, payment)

    with mock.patch.object(DemoProvider, "status", autospec=True, side_effect=status):
        results, errors = in_parallel(reconcile.payments_reconcile, reconcile.payments_reconcile)
    assert errors == []
    assert sorted(asked) == sorted(payment.pk for payment in payments)
    assert sum(result["checked"] for result in results) == 4
