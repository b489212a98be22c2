"""Fixtures of the mandate tests: the canteen's billing office of municipality A collecting
by direct debit, the same for municipality B, and a mandate of each municipality."""

import pytest

from ribambelle.billing.tests.conftest import office_a  # noqa: F401 - shared fixture
from ribambelle.billing.tests.factories import BillingOfficeFactory
from ribambelle.debits.tests.mandates.factories import CreditorFactory, MandateFactory


@pytest.fixture
def creditor_a(office_a):  # noqa: F811 - the shared fixture
    return CreditorFactory(office=office_a, name="Régie enfance de Ville A")


@pytest.fixture
def creditor_b(municipality_b):
    return CreditorFactory(office=BillingOfficeFactory(municipality=municipality_b))


@pytest.fixture
def mandate_a(creditor_a, household_a, alice):
    return MandateFactory(office=creditor_a.office, household=household_a, signed_by=alice)


@pytest.fixture
def mandate_b(creditor_b, household_b):
    return MandateFactory(office=creditor_b.office, household=household_b)
