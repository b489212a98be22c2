"""Factories of the debits app: a creditor for a billing office and an active mandate of a
household (FR•• •••• 0143). Other helpers add theirs below."""

import datetime

import factory
from factory.django import DjangoModelFactory

from ribambelle.billing.tests.factories import BillingOfficeFactory
from ribambelle.core.crypto import secret_encrypt
from ribambelle.debits.models import Creditor, Mandate
from ribambelle.families.tests.factories import HouseholdFactory

CREDITOR_IBAN = "FR1420041010050500013M02606"
DEBTOR_IBAN = "FR7630004000031234567890143"
DEBTOR_BIC = "BNPAFRPP"


class CreditorFactory(DjangoModelFactory):
    class Meta:
        model = Creditor

    office = factory.SubFactory(BillingOfficeFactory)
    municipality = factory.SelfAttribute("office.municipality")
    name = "Régie enfance"
    ics = "FR72ZZZ123456"
    iban = factory.LazyFunction(lambda: secret_encrypt(CREDITOR_IBAN))
    iban_last4 = CREDITOR_IBAN[-4:]
    bic = "PSSTFRPP"
    collection_day = 10


class MandateFactory(DjangoModelFactory):
    """An active online mandate, signed on 1 October 2026. `iban=` takes a clear IBAN."""

    class Meta:
        model = Mandate

    class Params:
        clear_iban = DEBTOR_IBAN

    office = factory.SubFactory(BillingOfficeFactory)
    municipality = factory.SelfAttribute("office.municipality")
    household = factory.SubFactory(
        HouseholdFactory, municipality=factory.SelfAttribute("..municipality")
    )
    reference = factory.Sequence(lambda n: f"RBL-TEST-{n + 1:06d}")
    status = Mandate.Status.ACTIVE
    origin = Mandate.Origin.ONLINE
    debtor_name = factory.LazyAttribute(lambda o: o.household.name)
    iban = factory.LazyAttribute(lambda o: secret_encrypt(o.clear_iban))
    iban_last4 = factory.LazyAttribute(lambda o: o.clear_iban[-4:])
    iban_country = factory.LazyAttribute(lambda o: o.clear_iban[:2])
    bic = DEBTOR_BIC
    signed_on = datetime.date(2026, 10, 1)
    signed_at = "Ville A"
