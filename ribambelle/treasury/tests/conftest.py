"""A billing office of municipality A set up for the treasury, and three issued invoices of
its canteen (one with a part paid) in the November 2026 run."""

from decimal import Decimal

import pytest

from ribambelle.billing.tests.conftest import canteen, office_a  # noqa: F401 - shared fixtures
from ribambelle.billing.tests.factories import InvoiceFactory
from ribambelle.families.tests.factories import HouseholdFactory
from ribambelle.treasury.tests.factories import (
    ImputationFactory,
    TreasurySettingsFactory,
    invoice_with_pdf,
)


@pytest.fixture
def treasury_office(office_a, department_a):  # noqa: F811 - the shared fixture
    office_a.siret = "21690123400019"
    office_a.save(update_fields=["siret"])
    TreasurySettingsFactory(office=office_a)
    ImputationFactory(office=office_a, department=department_a)
    return office_a


@pytest.fixture
def run_invoices(treasury_office, canteen, household_a):  # noqa: F811
    others = [
        HouseholdFactory(
            municipality=treasury_office.municipality,
            name=name,
            address="3 rue Œrsted",
            postal_code="69001",
            city="Lyon",
        )
        for name in ("Foyer SSchmidt", "Foyer Zoé")
    ]
    invoices = []
    for household, amounts in zip(
        [household_a, *others], [("13.50",), ("4.60", "9.20"), ("21.00",)], strict=True
    ):
        total = sum(Decimal(amount) for amount in amounts)
        invoice = InvoiceFactory(
            office=treasury_office,
            household=household,
            total=total,
            household_address="1 rue des Écoles\n69001 Lyon",
        )
        invoice_with_pdf(
            invoice,
            lines=[(canteen, f"Repas {index}", amount) for index, amount in enumerate(amounts)],
        )
        invoices.append(invoice)
    invoices[1].paid = Decimal("5.00")
    invoices[1].save(update_fields=["paid"])
    return invoices
