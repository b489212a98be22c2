"""Table tests of the collection rules: the announced date and the sequence types."""

from datetime import date

import pytest

from ribambelle.debits.collections import rules
from ribambelle.debits.collections.rules import MandateFacts, Sequence


@pytest.mark.parametrize(
    ("issued_on", "day", "expected", "why"),
    [
        (date(2026, 11, 1), 20, date(2026, 11, 20), "19 days ahead, a Friday"),
        (date(2026, 11, 5), 19, date(2026, 11, 19), "exactly 14 days ahead"),
        (date(2026, 11, 6), 19, date(2026, 12, 21), "13 days: next month, Saturday -> Monday"),
        (date(2026, 11, 23), 10, date(2026, 12, 10), "the next month's day"),
        (date(2026, 12, 1), 10, date(2027, 1, 11), "over the year end, Sunday -> Monday"),
        (date(2026, 12, 1), 25, date(2026, 12, 28), "Christmas, 26 December, a weekend"),
        (date(2026, 12, 10), 1, date(2027, 1, 4), "New Year's Day (Friday), a weekend"),
        (date(2027, 3, 1), 26, date(2027, 3, 30), "Good Friday, a weekend, Easter Monday"),
        (date(2027, 4, 10), 1, date(2027, 5, 3), "1 May (Saturday), Sunday"),
        (date(2026, 2, 10), 28, date(2026, 3, 2), "28 February 2026 is a Saturday"),
    ],
)
def test_collection_date(issued_on, day, expected, why):
    found = rules.collection_date(issued_on, day)
    assert found == expected, why
    assert (found - issued_on).days >= rules.NOTICE_DAYS
    assert rules.is_business_day(found)


@pytest.mark.parametrize(
    ("year", "sunday"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter(year, sunday):
    assert rules.easter(year) == sunday


def test_target_holidays_2026():
    assert rules.target_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 12, 25),
        date(2026, 12, 26),
    }


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (MandateFacts(collected_before=False), Sequence("FRST")),
        (MandateFacts(collected_before=True), Sequence("RCUR")),
        # A new version of the mandate, account at the same bank: the sequence goes on.
        (MandateFacts(collected_before=True, amended=True), Sequence("RCUR")),
        (MandateFacts(collected_before=False, amended=True), Sequence("FRST")),
        # ... at another bank: first debit again, with SMNDA.
        (
            MandateFacts(collected_before=True, amended=True, new_bank=True),
            Sequence("FRST", "SMNDA"),
        ),
        (
            MandateFacts(collected_before=False, amended=True, new_bank=True),
            Sequence("FRST", "SMNDA"),
        ),
    ],
)
def test_sequence_type(facts, expected):
    assert rules.sequence_type(facts) == expected


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        (
            ("FR7630004000031234567890143", "BNPAFRPP"),
            ("FR7630004000039876543210987", "BNPAFRPPXXX"),
            True,
        ),
        (
            ("FR7630004000031234567890143", "BNPAFRPP"),
            ("FR1420041010050500013M02606", "PSSTFRPP"),
            False,
        ),
        (("FR7630004000031234567890143", ""), ("FR7630004000039876543210987", ""), True),
        (("FR7630004000031234567890143", ""), ("FR1420041010050500013M02606", ""), False),
        (("FR7630004000031234567890143", ""), ("DE89370400440532013000", ""), False),
    ],
)
def test_same_bank(old, new, same):
    assert rules.same_bank(old[0], old[1], new[0], new[1]) is same
