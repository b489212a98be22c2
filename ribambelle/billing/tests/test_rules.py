"""Tariffs by family quotient bracket and invoice lines, table-driven."""

import datetime
from decimal import Decimal

import pytest

from ribambelle.billing import rules

D = Decimal
CANTEEN = rules.TariffSpec(
    activity_id=1,
    label="Restauration scolaire",
    default_price=D("4.50"),
    brackets=((D("500"), D("1.20")), (D("900"), D("2.50")), (None, D("3.80"))),
    surcharge_price=D("6.00"),
)
CARE = rules.TariffSpec(
    activity_id=2,
    label="Garderie du soir",
    default_price=D("2.00"),
    brackets=((D("700"), D("1.00")),),
)


@pytest.mark.parametrize(
    ("tariff", "quotient", "price"),
    [
        (CANTEEN, None, "4.50"),
        (CANTEEN, D("0"), "1.20"),
        (CANTEEN, D("499.99"), "1.20"),
        (CANTEEN, D("500"), "2.50"),
        (CANTEEN, D("899.99"), "2.50"),
        (CANTEEN, D("900"), "3.80"),
        (CANTEEN, D("2500"), "3.80"),
        (CARE, D("650"), "1.00"),
        (CARE, D("700"), "2.00"),  # above the last bound: the default price
        (CARE, None, "2.00"),
    ],
    ids=lambda value: str(value) if not isinstance(value, rules.TariffSpec) else value.label,
)
def test_price_by_bracket(tariff, quotient, price):
    assert tariff.price(quotient) == D(price)


def day(n):
    return datetime.date(2026, 11, n)


def test_lines_group_by_child_activity_and_price():
    billables = [
        rules.Billable(7, "Léa Martin", 1, day(5)),
        rules.Billable(7, "Léa Martin", 1, day(2)),
        rules.Billable(7, "Léa Martin", 1, day(6), surcharge=True),
        rules.Billable(8, "Hugo Martin", 1, day(2)),
        rules.Billable(7, "Léa Martin", 2, day(2), surcharge=True),  # no surcharge price
        rules.Billable(7, "Léa Martin", 3, day(2)),  # no tariff: not billed
    ]
    lines = rules.invoice_lines(billables, {1: CANTEEN, 2: CARE}, D("650"))
    summary = [
        (line.child_name, line.label, line.surcharge, line.dates, line.unit_price, line.amount)
        for line in lines
    ]
    assert summary == [
        ("Hugo Martin", "Restauration scolaire", False, [day(2)], D("2.50"), D("2.50")),
        ("Léa Martin", "Garderie du soir", False, [day(2)], D("1.00"), D("1.00")),
        ("Léa Martin", "Restauration scolaire", False, [day(2), day(5)], D("2.50"), D("5.00")),
        ("Léa Martin", "Restauration scolaire", True, [day(6)], D("6.00"), D("6.00")),
    ]
    assert rules.total_of(lines) == D("14.50")


def test_amounts_are_rounded_to_the_cent():
    tariff = rules.TariffSpec(1, "Repas", D("1.005"))
    [line] = rules.invoice_lines([rules.Billable(1, "A", 1, day(2))], {1: tariff}, None)
    assert line.amount == D("1.01")


@pytest.mark.parametrize(
    ("prefix", "year", "sequence", "number"),
    [("F", 2026, 1, "F-2026-000001"), ("AV", 2027, 123456, "AV-2027-123456")],
)
def test_number_format(prefix, year, sequence, number):
    assert rules.format_number(prefix, year, sequence) == number


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (datetime.date(2026, 11, 23), datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)),
        (datetime.date(2026, 12, 1), datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)),
        (datetime.date(2028, 2, 10), datetime.date(2028, 2, 1), datetime.date(2028, 2, 29)),
        (datetime.date(2027, 2, 28), datetime.date(2027, 2, 1), datetime.date(2027, 2, 28)),
    ],
)
def test_month_bounds(day, first, last):
    assert rules.month_bounds(day) == (first, last)


@pytest.mark.parametrize(
    ("street", "postal_code", "city", "expected"),
    [
        ("1 rue des Écoles", "69001", "Lyon", "1 rue des Écoles\n69001 Lyon"),
        ("", "69001", "Lyon", "69001 Lyon"),
        ("1 rue des Écoles", "", "", "1 rue des Écoles"),
        ("", "", "Lyon", "Lyon"),
        ("", "", "", ""),
    ],
)
def test_postal_address(street, postal_code, city, expected):
    assert rules.postal_address(street, postal_code, city) == expected
