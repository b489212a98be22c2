"""Billing fixtures: a billing office for the canteen of municipality A, with a tariff by
family quotient, and bookings of November 2026."""

import datetime
from decimal import Decimal

import pytest

from ribambelle.billing.models import BillingOffice, Tariff, TariffBracket
from ribambelle.bookings.tests.conftest import (  # noqa: F401 - shared fixtures
    activity_b,
    canteen,
    evening_care,
    frozen,
    make_activity,
)

NOVEMBER = datetime.date(2026, 11, 1)


@pytest.fixture
def office_a(municipality_a, department_a):
    office = BillingOffice.objects.create(
        municipality=municipality_a,
        name="Régie enfance",
        payment_instructions="Chèque à l'ordre du Trésor public.",
    )
    office.departments.add(department_a)
    return office


@pytest.fixture
def canteen_tariff(canteen):  # noqa: F811 - the shared fixture
    tariff = Tariff.objects.create(
        activity=canteen, default_price=Decimal("4.50"), surcharge_price=Decimal("6.00")
    )
    TariffBracket.objects.create(tariff=tariff, up_to=Decimal("500"), price=Decimal("1.20"))
    TariffBracket.objects.create(tariff=tariff, up_to=Decimal("900"), price=Decimal("2.50"))
    TariffBracket.objects.create(tariff=tariff, up_to=None, price=Decimal("3.80"))
    return tariff
