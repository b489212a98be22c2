"""Factories of creditor settings and mandates (issue 13, mandates part)."""

import datetime
import itertools

import factory
from factory.django import DjangoModelFactory

from ribambelle.billing.models import Invoice
from ribambelle.billing.tests.factories import BillingOfficeFactory, InvoiceFactory
from ribambelle.core.crypto import secret_encrypt
from ribambelle.debits.mandates.services import MandateValues
from ribambelle.debits.models import Creditor, Debit, Mandate
from ribambelle.families.tests.factories import HouseholdFactory

CREDITOR_IBAN = "FR7630001007941234567890185"
DEBTOR_IBAN = "FR1420041010050500013M02606"
OTHER_IBAN = "DE89370400440532013000"
ICS = "FR72ZZZ123456"


class CreditorFactory(DjangoModelFactory):
    class Meta:
        model = Creditor

    office = factory.SubFactory(BillingOfficeFactory)
    municipality = factory.SelfAttribute("office.municipality")
    name = "Régie enfance"
    ics = ICS
    iban = factory.LazyFunction(lambda: secret_encrypt(CREDITOR_IBAN))
    iban_last4 = CREDITOR_IBAN[-4:]
    bic = "AGRIFRPP"
    collection_day = 10


class MandateFactory(DjangoModelFactory):
    """An active online mandate of a household for an office (both of one municipality)."""

    class Meta:
        model = Mandate

    office = factory.SubFactory(BillingOfficeFactory)
    municipality = factory.SelfAttribute("office.municipality")
    household = factory.SubFactory(
        HouseholdFactory, municipality=factory.SelfAttribute("..municipality")
    )
    reference = factory.Sequence(lambda n: f"RBL-TEST-{n + 1:06d}")
    origin = Mandate.Origin.ONLINE
    debtor_name = "Alice Martin"
    iban = factory.LazyFunction(lambda: secret_encrypt(DEBTOR_IBAN))
    iban_last4 = DEBTOR_IBAN[-4:]
    iban_country = "FR"
    signed_on = datetime.date(2026, 10, 1)
    signed_at = "Lyon"


def account_values(**changes) -> MandateValues:
    values = {"debtor_name": "Alice Martin", "iban": DEBTOR_IBAN, "bic": "", "signed_at": "Lyon"}
    values.update(changes)
    return MandateValues(**values)


MONTHS = itertools.cycle(range(1, 13))


def scheduled_debit(mandate, *, status=Debit.Status.SCHEDULED, batch=None) -> Debit:
    """An invoice of the mandate's household (of a month of 2026 that has none yet), to be
    collected on 10 January 2027."""
    on = datetime.date(2027, 1, 10)
    month = datetime.date(2026, next(MONTHS), 1)
    invoice = InvoiceFactory(
        period_start=month,
        period_end=month + datetime.timedelta(days=27),
        office=mandate.office,
        household=mandate.household,
        collection=Invoice.Collection.DEBIT,
        collection_on=on,
        collection_detail=mandate.masked_iban,
    )
    return Debit.objects.create(
        municipality_id=mandate.municipality_id,
        invoice=invoice,
        mandate=mandate,
        batch=batch,
        status=status,
        collection_on=on,
        amount_cents=1350,
    )
