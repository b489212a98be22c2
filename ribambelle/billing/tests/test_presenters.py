"""What billing pages say: an invoice's status for the family, a tariff in words."""

import datetime
from decimal import Decimal

import pytest

from ribambelle.billing.models import Invoice, Tariff
from ribambelle.billing.presenters import (
    DEBIT,
    LATE,
    PAID,
    PARTIAL,
    STATUS_LABELS,
    TO_PAY,
    invoice_status,
    tariff_text,
)


@pytest.mark.parametrize(
    ("paid", "credited", "due_on", "expected"),
    [
        ("0", "0", datetime.date(2026, 12, 17), TO_PAY),
        ("5.00", "0", datetime.date(2026, 12, 17), PARTIAL),
        ("0", "5.00", datetime.date(2026, 12, 17), PARTIAL),
        ("10.00", "0", datetime.date(2026, 12, 17), PAID),
        ("5.00", "5.00", datetime.date(2026, 11, 1), PAID),
        ("0", "0", datetime.date(2026, 12, 9), LATE),
        ("5.00", "0", datetime.date(2026, 12, 9), LATE),
        ("0", "0", None, TO_PAY),
    ],
)
def test_invoice_status(paid, credited, due_on, expected):
    invoice = Invoice(
        total=Decimal("10.00"), paid=Decimal(paid), credited=Decimal(credited), due_on=due_on
    )
    assert invoice_status(invoice, datetime.date(2026, 12, 10)) == expected


@pytest.mark.parametrize(
    ("collection", "paid", "expected"),
    [
        ("debit", "0", DEBIT),
        ("debit_sent", "0", DEBIT),
        ("debit_sent", "10.00", PAID),
        ("treasury", "0", LATE),
        ("", "0", LATE),
    ],
)
def test_an_invoice_to_be_debited_is_never_late(collection, paid, expected):
    """Its debit date may follow its due date: the family has nothing to do."""
    invoice = Invoice(
        total=Decimal("10.00"),
        paid=Decimal(paid),
        credited=Decimal("0"),
        due_on=datetime.date(2026, 11, 16),
        collection=collection,
    )
    assert invoice_status(invoice, datetime.date(2026, 12, 1)) == expected


def test_every_status_has_a_label_and_a_symbol():
    """Never by colour alone: each status is said in words and shown by its own symbol."""
    symbols = [icon for _label, icon in STATUS_LABELS.values()]
    assert len(set(symbols)) == len(symbols) == 5
    assert all(str(label) for label, _icon in STATUS_LABELS.values())


def test_no_tariff():
    assert tariff_text(None) == ["Pas de tarif : cette activité n'est pas facturée."]


@pytest.mark.django_db
def test_tariff_in_words(canteen_tariff):
    assert tariff_text(canteen_tariff) == [
        "Facturé sur les réservations (annulées à temps : non facturées).",
        "QF < 500 : 1,20 €",
        "QF < 900 : 2,50 €",
        "QF au-delà : 3,80 €",
        "Prix par défaut (quotient inconnu) : 4,50 €",
        "Prix majoré : 6,00 €",
    ]


@pytest.mark.django_db
def test_tariff_without_surcharge_on_attendance(canteen):
    tariff = Tariff.objects.create(
        activity=canteen, basis=Tariff.Basis.ATTENDANCE, default_price=Decimal("1234.5")
    )
    assert tariff_text(tariff) == [
        "Facturé sur les présences pointées.",
        "Prix par défaut (quotient inconnu) : 1234,50 €",
    ]
