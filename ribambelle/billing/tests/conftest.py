"""Billing fixtures: a billing office for the canteen of municipality A, with a tariff by
family quotient, and bookings of November 2026."""

import datetime
from decimal import Decimal

import pytest

from ribambelle.billing.tests.factories import BillingOfficeFactory, TariffFactory
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
    return BillingOfficeFactory(
        municipality=municipality_a,
        name="Régie enfance",
        payment_instructions="Chèque à l'ordre du Trésor public.",
        departments=[department_a],
    )


@pytest.fixture
def canteen_tariff(canteen):  # noqa: F811 - the shared fixture
    return TariffFactory(
        activity=canteen,
        default_price=Decimal("4.50"),
        surcharge_price=Decimal("6.00"),
        brackets=[
            (Decimal("500"), Decimal("1.20")),
            (Decimal("900"), Decimal("2.50")),
            (None, Decimal("3.80")),
        ],
    )
