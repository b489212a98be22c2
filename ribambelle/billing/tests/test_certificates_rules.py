"""Table tests of the tax certificates' rules: the age on 1 January, eligible activities,
payments of the year, partial payments, credit notes, refunds, returned debits."""

from datetime import date

import pytest

from ribambelle.billing.certificates.rules import (
    InvoiceFacts,
    Line,
    Received,
    TakenBack,
    child_counts,
    paid_per_child,
)


@pytest.mark.parametrize(
    ("birth_date", "year", "limit", "counts"),
    [
        (date(2019, 1, 1), 2025, 6, True),  # born in 2019: counts for 2025
        (date(2018, 12, 31), 2025, 6, False),  # born in 2018: six on 1 January 2025
        (date(2019, 12, 31), 2025, 6, True),
        (date(2025, 6, 1), 2025, 6, True),  # born during the year
        (date(2020, 1, 1), 2026, 6, True),
        (date(2019, 12, 31), 2026, 6, False),
        (date(2022, 1, 1), 2025, 3, True),  # another limit
        (date(2021, 12, 31), 2025, 3, False),
    ],
)
def test_age_on_1_january(birth_date, year, limit, counts):
    assert child_counts(birth_date, year, limit) is counts


CARE, LEISURE, CANTEEN = 1, 2, 3
HUGO, LEA = 10, 11  # Hugo is under six, Léa is not
# An invoice of 100 €: Hugo's evening care 40 €, Hugo's canteen 20 €, Léa's evening care 40 €.
INVOICE = InvoiceFacts(
    pk=100,
    total_cents=10000,
    lines=(Line(HUGO, CARE, 4000), Line(HUGO, CANTEEN, 2000), Line(LEA, CARE, 4000)),
)
# Hugo at the leisure centre: 30 € on its own invoice.
LEISURE_INVOICE = InvoiceFacts(pk=101, total_cents=3000, lines=(Line(HUGO, LEISURE, 3000),))
IN_2025 = date(2025, 6, 10)


@pytest.mark.parametrize(
    ("received", "taken_back", "expected"),
    [
        pytest.param([Received(100, IN_2025, 10000)], [], {HUGO: 4000}, id="paid in full"),
        pytest.param([], [], {}, id="nothing paid"),
        pytest.param([Received(100, date(2024, 12, 31), 10000)], [], {}, id="paid the year before"),
        pytest.param([Received(100, date(2026, 1, 2), 10000)], [], {}, id="paid the year after"),
        pytest.param(
            [Received(100, IN_2025, 5000)], [], {HUGO: 2000}, id="half paid: half of the share"
        ),
        pytest.param(
            [Received(100, date(2024, 12, 20), 5000), Received(100, date(2025, 1, 5), 5000)],
            [],
            {HUGO: 2000},
            id="paid across two years: the part of the year",
        ),
        pytest.param(
            [Received(100, IN_2025, 3333)], [], {HUGO: 1333}, id="rounded down, never more"
        ),
        pytest.param(
            [Received(100, IN_2025, 10000, paid=False)], [], {}, id="returned direct debit"
        ),
        pytest.param(
            [Received(100, IN_2025, 10000), Received(100, date(2025, 7, 1), 10000, paid=False)],
            [],
            {HUGO: 4000},
            id="a refused card payment besides a cheque",
        ),
        pytest.param(
            [Received(100, IN_2025, 12000, excess_cents=2000)],
            [],
            {HUGO: 4000},
            id="overpaid then refunded: the excess never counts",
        ),
        pytest.param(
            [Received(100, IN_2025, 10000)],
            [TakenBack(100, date(2025, 9, 1), 5000)],
            {HUGO: 2000},
            id="credit note on a paid invoice, same year",
        ),
        pytest.param(
            [Received(100, date(2024, 12, 1), 10000)],
            [TakenBack(100, date(2025, 2, 1), 5000)],
            {},
            id="credit note for an earlier year's payment: never negative",
        ),
        pytest.param(
            [Received(100, IN_2025, 10000)],
            [TakenBack(100, date(2026, 1, 10), 5000)],
            {HUGO: 4000},
            id="credit note the year after",
        ),
        pytest.param(
            [Received(100, IN_2025, 8000)],
            [],
            {HUGO: 3200},
            id="credit note before payment: only what was paid",
        ),
        pytest.param(
            [Received(100, IN_2025, 10000), Received(101, IN_2025, 3000)],
            [],
            {HUGO: 7000},
            id="two eligible activities add up",
        ),
        pytest.param(
            [Received(101, IN_2025, 1500)],
            [],
            {HUGO: 1500},
            id="credit spent on an invoice counts as paid",
        ),
    ],
)
def test_paid_per_child(received, taken_back, expected):
    found = paid_per_child(
        year=2025,
        invoices=[INVOICE, LEISURE_INVOICE],
        received=received,
        taken_back=taken_back,
        eligible_activities={CARE, LEISURE},
        eligible_children={HUGO},
    )
    assert found == expected


@pytest.mark.parametrize(
    ("activities", "children", "expected"),
    [
        ({CARE}, {HUGO}, {HUGO: 4000}),
        ({CARE, CANTEEN}, {HUGO}, {HUGO: 6000}),  # a municipality that counts meals
        ({CANTEEN}, {HUGO}, {HUGO: 2000}),
        (set(), {HUGO}, {}),
        ({CARE}, {HUGO, LEA}, {HUGO: 4000, LEA: 4000}),
        ({CARE}, set(), {}),
    ],
)
def test_eligible_activities_and_children(activities, children, expected):
    found = paid_per_child(
        year=2025,
        invoices=[INVOICE],
        received=[Received(100, IN_2025, 10000)],
        taken_back=[],
        eligible_activities=activities,
        eligible_children=children,
    )
    assert found == expected


def test_lines_without_child_or_activity_never_count():
    invoice = InvoiceFacts(
        pk=1, total_cents=2000, lines=(Line(None, CARE, 1000), Line(HUGO, None, 1000))
    )
    found = paid_per_child(
        year=2025,
        invoices=[invoice],
        received=[Received(1, IN_2025, 2000)],
        taken_back=[],
        eligible_activities={CARE},
        eligible_children={HUGO},
    )
    assert found == {}
