"""Treasury settings of a billing office and revenue imputations, as the settings page leaves
them. (Named apart from the PES export's factories, written on another branch.)"""

import factory
from factory.django import DjangoModelFactory

from ribambelle.billing.tests.factories import BillingOfficeFactory
from ribambelle.treasury.models import Imputation, TreasurySettings


class TreasurySettingsFactory(DjangoModelFactory):
    class Meta:
        model = TreasurySettings

    office = factory.SubFactory(BillingOfficeFactory)
    municipality = factory.SelfAttribute("office.municipality")
    collectivity_code = "123"
    budget_code = "01"
    post_code = "0690000"
    nomenclature = "M57"
    title_object = "Restauration scolaire et accueil périscolaire"


class ImputationFactory(DjangoModelFactory):
    """`ImputationFactory(office=office, department=department)` or `activity=activity`."""

    class Meta:
        model = Imputation

    office = factory.SubFactory(BillingOfficeFactory)
    municipality = factory.SelfAttribute("office.municipality")
    nature = "7067"
    function = "213"
