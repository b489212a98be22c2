"""The family account (invariant 10): every write path of billing writes its movement in its
own transaction, the balance is the sum of the movements, money received beyond an invoice
becomes a credit that the next invoices use, and staff refund at most that credit."""

import datetime
import importlib
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ribambelle.billing import services
from ribambelle.billing.account import selectors as account_selectors
from ribambelle.billing.account.services import (
    account_refund_record,
    fee_charge,
    fee_payment_record,
    payment_return,
)
from ribambelle.billing.models import (
    ZERO,
    AccountMovement,
    CreditNote,
    Invoice,
    InvoiceRun,
    Payment,
)
from ribambelle.billing.payments.base import Result
from ribambelle.billing.payments.services import payment_confirm
from ribambelle.billing.tests.factories import (
    CreditMovementFactory,
    CreditNoteFactory,
    InvoiceFactory,
    InvoiceRunFactory,
    PaymentFactory,
)
from ribambelle.core.models import AuditEntry
from ribambelle.families.tests.factories import HouseholdFactory

Kind = AccountMovement.Kind
CENT = Decimal("0.01")
MONTHS = [datetime.date(2026 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 60)]
_transactions = itertools.count(1)


def issue(office, household, total: Decimal, month: datetime.date, actor=None) -> Invoice:
    """A draft invoice of `total` in its own run, issued through the service."""
    run = InvoiceRunFactory(office=office, month=month, status=InvoiceRun.Status.DRAFT)
    invoice = InvoiceFactory(
        office=office,
        run=run,
        household=household,
        status=Invoice.Status.DRAFT,
        number="",
        issued_on=None,
        due_on=None,
        period_start=month,
        total=total,
    )
    services.invoice_run_issue(municipality=office.municipality, run=run, actor=actor)
    invoice.refresh_from_db()
    return invoice


def confirm_online(invoice: Invoice, amount: Decimal) -> Payment:
    """An online attempt of `amount` (what was due when it started: a late confirmation may
    come after the invoice was paid otherwise) confirmed by the provider."""
    transaction_id = f"t{next(_transactions)}"
    payment = PaymentFactory(
        invoice=invoice, online=True, amount=amount, transaction_id=transaction_id
    )
    result = Result(
        provider="demo",
        reference=payment.reference,
        transaction_id=transaction_id,
        status=Payment.Status.PAID,
        amount_cents=int(amount * 100),
    )
    confirmed = payment_confirm(result=result)
    assert confirmed is not None
    return confirmed


def movements_of(household):
    return AccountMovement.objects.for_household(household)


def returned_credit(household) -> Decimal:
    """The credit withdrawn by returned payments (what they had left beyond their invoice)."""
    total = (movements_of(household).filter(kind=Kind.RETURN).aggregate(total=Sum("credit_cents")))[
        "total"
    ]
    return -Decimal(total or 0) / 100


def check_account(household) -> None:
    """What never changes whatever happened: the balance is the sum of the movements and
    equals the money received and credited minus the invoices and refunds, computed from
    the billing tables; the credit is never negative and is what the invoices received
    beyond their amounts, less what was used and refunded: no cent lost or counted twice."""
    summary = account_selectors.account_summary(household)
    sums = movements_of(household).aggregate(amount=Sum("amount_cents"), credit=Sum("credit_cents"))
    assert summary.balance == Decimal(sums["amount"] or 0) / 100
    assert summary.credit == Decimal(sums["credit"] or 0) / 100
    invoices = list(Invoice.objects.for_household(household).filter(status="issued"))
    received = (
        Payment.objects.filter(invoice__household=household, status=Payment.Status.PAID).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    credited = (
        CreditNote.objects.filter(invoice__household=household).aggregate(total=Sum("amount"))[
            "total"
        ]
        or ZERO
    )
    refunded = (
        -Decimal(
            movements_of(household)
            .filter(kind=Kind.REFUND)
            .aggregate(total=Sum("amount_cents"))["total"]
            or 0
        )
        / 100
    )
    # Fees charged less fees paid: what the household owes outside its invoices.
    fees = (
        -Decimal(
            movements_of(household)
            .filter(kind=Kind.FEE)
            .aggregate(total=Sum("amount_cents"))["total"]
            or 0
        )
        / 100
    )
    billed = sum((invoice.total for invoice in invoices), ZERO)
    assert summary.balance == received + credited - billed - refunded - fees
    due = sum((invoice.due for invoice in invoices), ZERO)
    assert summary.balance == summary.credit - due
    if not movements_of(household).filter(kind__in=[Kind.FEE, Kind.RETURN]).exists():
        assert summary.credit >= ZERO
    else:
        # A fee not paid yet, or credit a returned payment had given and the family spent,
        # is a debt: a negative credit, never hidden.
        assert summary.credit >= -fees - returned_credit(household)
    applied = (
        -Decimal(
            movements_of(household)
            .filter(kind=Kind.CREDIT_APPLIED)
            .aggregate(total=Sum("credit_cents"))["total"]
            or 0
        )
        / 100
    )
    assert sum((invoice.paid for invoice in invoices), ZERO) == received + applied
    overpaid = sum((i.overpaid for i in invoices), ZERO)
    assert summary.credit == overpaid - applied - refunded - fees
    if summary.credit > ZERO:
        # ... except those collected otherwise (a direct debit, a title at the treasury).
        payable = sum((invoice.due for invoice in invoices if not invoice.collection), ZERO)
        assert payable == ZERO, "a credit is used on every unpaid invoice"


amounts = st.integers(min_value=1, max_value=20000).map(lambda c: Decimal(c) / 100)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), amounts),
        st.tuples(st.just("cheque"), st.integers(0, 30), st.floats(0.01, 1)),
        st.tuples(st.just("online"), st.integers(0, 30), amounts),
        st.tuples(st.just("credit_note"), st.integers(0, 30), st.floats(0.01, 1)),
        st.tuples(st.just("refund"), amounts),
        st.tuples(st.just("debit"), st.integers(0, 30), st.floats(0.01, 1)),
        st.tuples(st.just("return"), st.integers(0, 30)),
        st.tuples(st.just("fee"), st.integers(1, 1500).map(lambda c: Decimal(c) / 100)),
        st.tuples(st.just("fee_paid"), amounts),
    ),
    max_size=16,
)


def share(amount: Decimal, fraction: float) -> Decimal:
    return max((amount * Decimal(str(fraction))).quantize(CENT), CENT)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_the_balance_is_the_sum_of_movements_and_never_loses_a_cent(sequence, office_a, agent_a):
    with transaction.atomic():
        household = HouseholdFactory(municipality=office_a.municipality)
        invoices: list[Invoice] = []
        months = iter(MONTHS)
        for step in sequence:
            kind = step[0]
            aimed = invoices and kind in ("cheque", "online", "credit_note", "debit")
            target = invoices[step[1] % len(invoices)] if aimed else None
            if target is not None:
                target.refresh_from_db()
            if kind == "invoice":
                invoices.append(issue(office_a, household, step[1], next(months), agent_a))
            elif kind == "cheque" and target is not None and target.due > ZERO:
                services.payment_record(
                    municipality=office_a.municipality,
                    invoice=target,
                    amount=share(target.due, step[2]),
                    method=Payment.Method.CHEQUE,
                    received_on=datetime.date(2026, 12, 5),
                    reference="",
                    actor=agent_a,
                )
            elif kind == "online" and target is not None:
                confirm_online(target, step[2])
            elif kind == "credit_note" and target is not None:
                room = target.total - target.credited
                if room > ZERO:
                    services.credit_note_create(
                        municipality=office_a.municipality,
                        invoice=target,
                        amount=share(room, step[2]),
                        reason="Correction",
                        actor=agent_a,
                    )
            elif kind == "debit" and target is not None and target.due > ZERO:
                # As the debits app records a debit sent to the bank.
                services.payment_record(
                    municipality=office_a.municipality,
                    invoice=target,
                    amount=share(target.due, step[2]),
                    method=Payment.Method.DEBIT,
                    received_on=datetime.date(2026, 12, 10),
                    reference="",
                    actor=None,
                )
            elif kind == "return":
                debits = list(
                    Payment.objects.filter(
                        invoice__household=household, method=Payment.Method.DEBIT
                    ).order_by("pk")
                )
                if debits:
                    payment = debits[step[1] % len(debits)]
                    was_returned = payment.status == Payment.Status.RETURNED
                    count = movements_of(household).count()
                    movement = payment_return(
                        payment=payment,
                        returned_on=datetime.date(2026, 12, 15),
                        label="AM04",
                        actor=agent_a,
                    )
                    assert movement.kind == Kind.RETURN
                    if was_returned:
                        assert movements_of(household).count() == count
            elif kind == "fee":
                fee_charge(
                    municipality=office_a.municipality,
                    household=household,
                    amount=step[1],
                    charged_on=datetime.date(2026, 12, 15),
                    label="AM04",
                    invoice=None,
                    actor=agent_a,
                )
            elif kind == "fee_paid":
                owed = -min(account_selectors.account_summary(household).credit, ZERO)
                try:
                    fee_payment_record(
                        municipality=office_a.municipality,
                        household=household,
                        amount=step[1],
                        method=Payment.Method.CHEQUE,
                        received_on=datetime.date(2026, 12, 16),
                        reference="",
                        actor=agent_a,
                    )
                except ValidationError:
                    assert step[1] > owed
                else:
                    assert step[1] <= owed
            elif kind == "refund":
                credit = account_selectors.account_summary(household).credit
                try:
                    account_refund_record(
                        municipality=office_a.municipality,
                        household=household,
                        amount=step[1],
                        method=Payment.Method.TRANSFER,
                        refunded_on=datetime.date(2026, 12, 20),
                        reference="",
                        actor=agent_a,
                    )
                except ValidationError:
                    assert step[1] > credit
                    assert account_selectors.account_summary(household).credit == credit
                else:
                    assert step[1] <= credit
            check_account(household)
        transaction.set_rollback(True)


# Each write path writes its movements, in its own transaction


def _write_invoice(office, household, agent):
    issue(office, household, Decimal("30.00"), MONTHS[0], agent)


def billed(office, household, total=Decimal("30.00"), month=MONTHS[0]) -> Invoice:
    return issue(office, household, total, month)


def _write_cheque(office, household, agent):
    invoice = billed(office, household)
    services.payment_record(
        municipality=office.municipality,
        invoice=invoice,
        amount=Decimal("10.00"),
        method=Payment.Method.CESU,
        received_on=datetime.date(2026, 12, 5),
        reference="CESU 42",
        actor=agent,
    )


def _write_online(office, household, agent):
    confirm_online(billed(office, household), Decimal("30.00"))


def _write_overpayment(office, household, agent):
    confirm_online(billed(office, household), Decimal("36.50"))


def _write_credit_note(office, household, agent):
    invoice = billed(office, household)
    services.credit_note_create(
        municipality=office.municipality,
        invoice=invoice,
        amount=Decimal("4.00"),
        reason="Repas non servi",
        actor=agent,
    )


def _write_credit_note_on_paid(office, household, agent):
    invoice = billed(office, household)
    confirm_online(invoice, Decimal("30.00"))
    invoice.refresh_from_db()
    services.credit_note_create(
        municipality=office.municipality,
        invoice=invoice,
        amount=Decimal("4.00"),
        reason="Repas non servi",
        actor=agent,
    )


def _write_refund(office, household, agent):
    confirm_online(billed(office, household), Decimal("40.00"))
    account_refund_record(
        municipality=office.municipality,
        household=household,
        amount=Decimal("6.00"),
        method=Payment.Method.CHEQUE,
        refunded_on=datetime.date(2026, 12, 20),
        reference="Chèque 77",
        actor=agent,
    )


def _write_debit_return(office, household, agent):
    invoice = billed(office, household)
    payment = services.payment_record(
        municipality=office.municipality,
        invoice=invoice,
        amount=Decimal("30.00"),
        method=Payment.Method.DEBIT,
        received_on=datetime.date(2026, 12, 10),
        reference="",
        actor=None,
    )
    for _twice in range(2):
        payment_return(
            payment=payment, returned_on=datetime.date(2026, 12, 15), label="AM04", actor=agent
        )
    fee_charge(
        municipality=office.municipality,
        household=household,
        amount=Decimal("5.00"),
        charged_on=datetime.date(2026, 12, 15),
        label="AM04",
        invoice=invoice,
        actor=agent,
    )
    fee_payment_record(
        municipality=office.municipality,
        household=household,
        amount=Decimal("5.00"),
        method=Payment.Method.CASH,
        received_on=datetime.date(2026, 12, 16),
        reference="",
        actor=agent,
    )


def _write_return_of_an_overpayment(office, household, agent):
    """A debit of 30,00 € on an invoice a credit note had reduced to 26,00 €: the 4,00 € of
    credit it left is withdrawn with it."""
    invoice = billed(office, household)
    payment = services.payment_record(
        municipality=office.municipality,
        invoice=invoice,
        amount=Decimal("30.00"),
        method=Payment.Method.DEBIT,
        received_on=datetime.date(2026, 12, 10),
        reference="",
        actor=None,
    )
    invoice.refresh_from_db()
    services.credit_note_create(
        municipality=office.municipality,
        invoice=invoice,
        amount=Decimal("4.00"),
        reason="Repas non servi",
        actor=agent,
    )
    payment_return(
        payment=payment, returned_on=datetime.date(2026, 12, 15), label="AM04", actor=agent
    )


INVOICED = (Kind.INVOICE, "", -3000, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (_write_invoice, [INVOICED]),
        (_write_cheque, [INVOICED, (Kind.PAYMENT, "cesu", 1000, 0)]),
        (_write_online, [INVOICED, (Kind.PAYMENT, "online", 3000, 0)]),
        (
            _write_overpayment,
            [INVOICED, (Kind.PAYMENT, "online", 3650, 0), (Kind.EXCESS, "", 0, 650)],
        ),
        (_write_credit_note, [INVOICED, (Kind.CREDIT_NOTE, "", 400, 0)]),
        (
            _write_credit_note_on_paid,
            [
                INVOICED,
                (Kind.PAYMENT, "online", 3000, 0),
                (Kind.CREDIT_NOTE, "", 400, 0),
                (Kind.EXCESS, "", 0, 400),
            ],
        ),
        (
            _write_refund,
            [
                INVOICED,
                (Kind.PAYMENT, "online", 4000, 0),
                (Kind.EXCESS, "", 0, 1000),
                (Kind.REFUND, "cheque", -600, -600),
            ],
        ),
        (
            _write_debit_return,
            [
                INVOICED,
                (Kind.PAYMENT, "debit", 3000, 0),
                (Kind.RETURN, "debit", -3000, 0),
                (Kind.FEE, "", -500, -500),
                (Kind.FEE, "cash", 500, 500),
            ],
        ),
        (
            _write_return_of_an_overpayment,
            [
                INVOICED,
                (Kind.PAYMENT, "debit", 3000, 0),
                (Kind.CREDIT_NOTE, "", 400, 0),
                (Kind.EXCESS, "", 0, 400),
                (Kind.RETURN, "debit", -3000, -400),
            ],
        ),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_each_write_path_writes_its_movements(write, expected, office_a, agent_a):
    household = HouseholdFactory(municipality=office_a.municipality)
    write(office_a, household, agent_a)
    found = list(
        movements_of(household)
        .order_by("pk")
        .values_list("kind", "method", "amount_cents", "credit_cents")
    )
    assert found == expected
    check_account(household)


@pytest.mark.django_db(transaction=True)
def test_a_write_that_fails_leaves_no_movement(office_a, agent_a):
    household = HouseholdFactory(municipality=office_a.municipality)
    invoice = billed(office_a, household)
    with pytest.raises(ValidationError):
        services.payment_record(
            municipality=office_a.municipality,
            invoice=invoice,
            amount=Decimal("31.00"),
            method=Payment.Method.CHEQUE,
            received_on=datetime.date(2026, 12, 5),
            reference="",
            actor=agent_a,
        )
    assert list(movements_of(household).values_list("kind", flat=True)) == [Kind.INVOICE]


# The overpayment ends as a credit, used by the next invoices


@pytest.mark.django_db
def test_a_late_confirmation_becomes_a_credit_used_by_the_next_invoice(office_a, agent_a):
    household = HouseholdFactory(municipality=office_a.municipality)
    invoice = billed(office_a, household, Decimal("13.50"))
    services.payment_record(
        municipality=office_a.municipality,
        invoice=invoice,
        amount=Decimal("13.50"),
        method=Payment.Method.CHEQUE,
        received_on=datetime.date(2026, 12, 5),
        reference="",
        actor=agent_a,
    )
    # The family had also paid online; the bank's answer comes after the cheque.
    confirm_online(invoice, Decimal("13.50"))
    assert account_selectors.account_summary(household).credit == Decimal("13.50")
    december = issue(office_a, household, Decimal("20.00"), datetime.date(2026, 12, 1))
    assert december.paid == Decimal("13.50")
    assert december.due == Decimal("6.50")
    summary = account_selectors.account_summary(household)
    assert (summary.credit, summary.balance) == (ZERO, Decimal("-6.50"))
    applied = movements_of(household).get(kind=Kind.CREDIT_APPLIED)
    assert (applied.invoice, applied.credit_cents) == (december, -1350)
    check_account(household)


@pytest.mark.django_db
def test_a_credit_pays_the_oldest_unpaid_invoices_first(office_a):
    household = HouseholdFactory(municipality=office_a.municipality)
    older = billed(office_a, household, Decimal("13.50"), MONTHS[0])
    newer = billed(office_a, household, Decimal("13.50"), MONTHS[1])
    paid = billed(office_a, household, Decimal("13.50"), MONTHS[2])
    Invoice.objects.filter(pk=older.pk).update(due_on=datetime.date(2026, 1, 1))
    confirm_online(paid, Decimal("30.00"))  # 16,50 € beyond its 13,50 €
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.due, newer.due) == (ZERO, Decimal("10.50"))
    assert account_selectors.account_summary(household).credit == ZERO
    check_account(household)


@pytest.mark.django_db
@pytest.mark.parametrize("collection", ["debit", "debit_sent", "treasury"])
def test_a_credit_leaves_invoices_collected_otherwise_as_they_are(collection, office_a):
    """A debit goes to the bank for the amount announced to the family, a title is the
    treasury's: the credit waits on the account (for the next invoices, or a refund)."""
    household = HouseholdFactory(municipality=office_a.municipality)
    collected = billed(office_a, household, Decimal("13.50"), MONTHS[0])
    paid = billed(office_a, household, Decimal("13.50"), MONTHS[1])
    Invoice.objects.filter(pk=collected.pk).update(collection=collection)
    confirm_online(paid, Decimal("20.00"))
    collected.refresh_from_db()
    assert collected.due == Decimal("13.50")
    assert account_selectors.account_summary(household).credit == Decimal("6.50")
    check_account(household)


@pytest.mark.django_db
def test_a_credit_stays_in_its_household_and_municipality(office_a, municipality_b):
    household = HouseholdFactory(municipality=office_a.municipality)
    other = HouseholdFactory(municipality=office_a.municipality)
    CreditMovementFactory(household=household)
    CreditMovementFactory(household__municipality=municipality_b)
    invoice = issue(office_a, other, Decimal("9.00"), MONTHS[3])
    assert invoice.due == Decimal("9.00")
    assert account_selectors.account_summary(other).credit == ZERO
    assert account_selectors.account_summary(household).credit == Decimal("12.50")


# Refunds


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [Decimal("12.51"), ZERO, Decimal("-1.00")])
def test_a_refund_beyond_the_credit_is_refused_and_changes_nothing(amount, office_a, agent_a):
    household = CreditMovementFactory(household__municipality=office_a.municipality).household
    with pytest.raises(ValidationError, match="crédit du foyer \\(12,50 €\\)"):
        account_refund_record(
            municipality=office_a.municipality,
            household=household,
            amount=amount,
            method=Payment.Method.TRANSFER,
            refunded_on=datetime.date(2026, 12, 20),
            reference="",
            actor=agent_a,
        )
    assert movements_of(household).count() == 1
    assert not AuditEntry.objects.filter(household_id=household.pk).exists()


@pytest.mark.django_db
def test_a_refund_is_audited_and_empties_the_credit(office_a, agent_a):
    household = CreditMovementFactory(household__municipality=office_a.municipality).household
    refund = account_refund_record(
        municipality=office_a.municipality,
        household=household,
        amount=Decimal("12.50"),
        method=Payment.Method.TRANSFER,
        refunded_on=datetime.date(2026, 12, 20),
        reference="Virement 2026-12",
        actor=agent_a,
    )
    assert account_selectors.account_summary(household).credit == ZERO
    entry = AuditEntry.objects.get(household_id=household.pk)
    assert (entry.actor, entry.target_id) == (agent_a, refund.pk)


@pytest.mark.django_db
def test_a_refund_for_another_municipality_is_refused(office_a, municipality_b, agent_a):
    household = CreditMovementFactory(household__municipality=municipality_b).household
    with pytest.raises(ValidationError):
        account_refund_record(
            municipality=office_a.municipality,
            household=household,
            amount=Decimal("1.00"),
            method=Payment.Method.TRANSFER,
            refunded_on=datetime.date(2026, 12, 20),
            reference="",
            actor=agent_a,
        )


# The data migration: accounts for what existed before them


@pytest.mark.django_db
def test_the_backfill_gives_existing_households_their_movements(office_a):
    from django.apps import apps

    backfill = importlib.import_module(
        "ribambelle.billing.migrations.0009_account_movements_backfill"
    ).backfill
    household = HouseholdFactory(municipality=office_a.municipality)
    unpaid = InvoiceFactory(
        office=office_a, household=household, total=Decimal("30.00"), period_start=MONTHS[0]
    )
    overpaid = InvoiceFactory(
        office=office_a,
        household=household,
        total=Decimal("10.00"),
        paid=Decimal("15.00"),
        period_start=MONTHS[1],
    )
    PaymentFactory(invoice=overpaid, amount=Decimal("15.00"), method=Payment.Method.TRANSFER)
    PaymentFactory(invoice=overpaid, online=True, amount=Decimal("10.00"))  # still pending
    corrected = InvoiceFactory(
        office=office_a,
        household=household,
        total=Decimal("8.00"),
        credited=Decimal("2.00"),
        period_start=MONTHS[2],
    )
    CreditNoteFactory(invoice=corrected, amount=Decimal("2.00"))
    InvoiceFactory(
        office=office_a,
        household=household,
        status=Invoice.Status.DRAFT,
        number="",
        period_start=MONTHS[3],
    )
    backfill(apps, None)
    found = sorted(
        movements_of(household).values_list("kind", "invoice_id", "amount_cents", "credit_cents")
    )
    assert found == sorted(
        [
            (Kind.INVOICE, unpaid.pk, -3000, 0),
            (Kind.INVOICE, overpaid.pk, -1000, 0),
            (Kind.EXCESS, overpaid.pk, 0, 500),
            (Kind.PAYMENT, overpaid.pk, 1500, 0),
            (Kind.INVOICE, corrected.pk, -800, 0),
            (Kind.CREDIT_NOTE, corrected.pk, 200, 0),
        ]
    )
    summary = account_selectors.account_summary(household)
    assert (summary.balance, summary.credit) == (Decimal("-31.00"), Decimal("5.00"))


@pytest.mark.django_db
def test_an_invoice_or_a_payment_is_never_counted_twice(office_a, agent_a):
    from django.db import IntegrityError

    from ribambelle.billing.account.services import account_invoices_post, account_payment_post

    household = HouseholdFactory(municipality=office_a.municipality)
    invoice = billed(office_a, household)
    with pytest.raises(IntegrityError), transaction.atomic():
        account_invoices_post(invoices=[invoice], actor=agent_a)
    payment = confirm_online(invoice, Decimal("30.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        account_payment_post(payment=payment, invoice=invoice, excess=ZERO, actor=agent_a)
    check_account(household)


# What the history says of returns and fees


@pytest.mark.parametrize(
    ("kind", "method", "amount_cents", "label", "expected"),
    [
        (
            Kind.RETURN,
            "debit",
            -3000,
            "AM04 : provision insuffisante",
            "Prélèvement rejeté, facture F-1 — AM04 : provision insuffisante",
        ),
        (Kind.RETURN, "cheque", -3000, "", "Paiement rejeté (chèque), facture F-1"),
        (Kind.FEE, "", -500, "AM04", "Frais de rejet de prélèvement, facture F-1"),
        (Kind.FEE, "cash", 500, "Reçu 12", "Frais de rejet réglés (espèces) — Reçu 12"),
    ],
)
def test_returns_and_fees_read_in_french(kind, method, amount_cents, label, expected):
    from ribambelle.billing.account.presenters import movement_label

    invoice = Invoice(number="F-1") if kind == Kind.RETURN or amount_cents < 0 else None
    movement = AccountMovement(
        kind=kind, method=method, amount_cents=amount_cents, label=label, invoice=invoice
    )
    assert movement_label(movement) == expected
