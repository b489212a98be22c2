"""Rows of the debits app as the mandate and batch flows leave them, built directly for the
tests of returns and refunds: a creditor, an active mandate, a batch and a debit SENT whose
billing payment (method "debit") paid its invoice through billing's services."""

import datetime
import itertools
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from ribambelle.billing import services as billing_services
from ribambelle.billing.models import BillingOffice, Invoice, Payment
from ribambelle.billing.tests.factories import BillingOfficeFactory
from ribambelle.billing.tests.test_account import issue
from ribambelle.core.crypto import secret_encrypt
from ribambelle.debits.models import Creditor, Debit, DebitBatch, Mandate
from ribambelle.families.models import Household
from ribambelle.families.tests.factories import HouseholdFactory

DEBTOR_IBAN = "FR7630006000011234567890189"
_months = itertools.count(0)


def _issued(office: BillingOffice, household: Household, total: Decimal) -> Invoice:
    """An invoice issued through billing in a month of its own. A debit the collections flow
    may have scheduled for it on issue is dropped: the tests place their own."""
    n = next(_months)
    invoice = issue(office, household, total, datetime.date(2030 + n // 12, n % 12 + 1, 1))
    Debit.objects.filter(invoice=invoice).delete()
    return invoice


class ReturnsCreditorFactory(DjangoModelFactory):
    class Meta:
        model = Creditor

    office = factory.SubFactory(BillingOfficeFactory)
    municipality = factory.SelfAttribute("office.municipality")
    name = "Régie enfance"
    ics = "FR72ZZZ123456"
    iban = factory.LazyFunction(lambda: secret_encrypt("FR7630001007941234567890185"))
    iban_last4 = "0185"
    bic = "BDFEFRPPCCT"
    collection_day = 10
    return_fee = Decimal("5.00")
    returns_before_suspension = 2


class ReturnsMandateFactory(DjangoModelFactory):
    class Meta:
        model = Mandate

    office = factory.SubFactory(BillingOfficeFactory)
    municipality = factory.SelfAttribute("office.municipality")
    household = factory.SubFactory(
        HouseholdFactory, municipality=factory.SelfAttribute("..municipality")
    )
    reference = factory.Sequence(lambda n: f"RUM-RET-{n:06d}")
    status = Mandate.Status.ACTIVE
    origin = Mandate.Origin.PAPER
    debtor_name = "Martin Claire"
    iban = factory.LazyFunction(lambda: secret_encrypt(DEBTOR_IBAN))
    iban_last4 = "0189"
    iban_country = "FR"
    signed_on = datetime.date(2026, 10, 1)
    signed_at = "Ville A"


def returns_batch(office: BillingOffice, collection_on: datetime.date) -> DebitBatch:
    batch, _created = DebitBatch.objects.get_or_create(
        office=office,
        collection_on=collection_on,
        defaults={
            "municipality": office.municipality,
            "message_id": f"RET-{office.pk}-{collection_on:%Y%m%d}",
            "scheme": DebitBatch.Scheme.PAIN_008_001_02,
        },
    )
    return batch


def sent_debit(
    office: BillingOffice,
    household: Household,
    *,
    mandate: Mandate | None = None,
    total: Decimal = Decimal("30.00"),
    end_to_end_id: str | None = None,
    collection_on: datetime.date = datetime.date(2026, 12, 10),
) -> Debit:
    """An invoice issued, put in a batch and sent: the debit's payment paid it."""
    invoice = _issued(office, household, total)
    if mandate is None:
        mandate = Mandate.objects.filter(
            office=office, household=household, status="active"
        ).first() or ReturnsMandateFactory(office=office, household=household)
    end_to_end_id = end_to_end_id or f"E2E-{invoice.number}"
    payment = billing_services.payment_record(
        municipality=office.municipality,
        invoice=invoice,
        amount=invoice.due,
        method=Payment.Method.DEBIT,
        received_on=collection_on,
        reference=end_to_end_id,
        actor=None,
    )
    Invoice.objects.filter(pk=invoice.pk).update(
        collection=Invoice.Collection.DEBIT_SENT,
        collection_on=collection_on,
        collection_detail=mandate.masked_iban,
    )
    batch = returns_batch(office, collection_on)
    debit = Debit.objects.create(
        municipality=office.municipality,
        invoice=invoice,
        mandate=mandate,
        batch=batch,
        status=Debit.Status.SENT,
        collection_on=collection_on,
        amount_cents=int(payment.amount * 100),
        sequence=Debit.Sequence.RECURRING,
        end_to_end_id=end_to_end_id,
        payment=payment,
    )
    mandate.last_collected_on = collection_on
    mandate.save(update_fields=["last_collected_on"])
    return debit


def scheduled_debit(office: BillingOffice, mandate: Mandate) -> Debit:
    """The next invoice of the mandate's household, scheduled for collection."""
    invoice = _issued(office, mandate.household, Decimal("12.00"))
    collection_on = datetime.date(2027, 1, 10)
    Invoice.objects.filter(pk=invoice.pk).update(
        collection=Invoice.Collection.DEBIT,
        collection_on=collection_on,
        collection_detail=mandate.masked_iban,
    )
    return Debit.objects.create(
        municipality=office.municipality,
        invoice=invoice,
        mandate=mandate,
        status=Debit.Status.SCHEDULED,
        collection_on=collection_on,
        amount_cents=1200,
    )
