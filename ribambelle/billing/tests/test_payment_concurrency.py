"""Online payment under concurrent requests (PostgreSQL, where transactions run in parallel):
two starts at once leave one live attempt, and two confirmations at once both count, the
second flagged as an overpayment, because the invoice row is locked first."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

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
