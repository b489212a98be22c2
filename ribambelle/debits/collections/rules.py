"""Pure rules of the collections (no ORM): the collection date a pre-notification announces
and the sequence type of a debit under the SEPA Core rulebook, as the French banks read it.
Table-tested in debits/tests/test_collection_rules.py; docs/decisions/0016-direct-debit.md."""

from dataclasses import dataclass
from datetime import date, timedelta

# Pre-notification: the family is told at least 14 calendar days before the debit (SDD Core
# rulebook default, unless the mandate agreed a shorter delay, which ours never does).
NOTICE_DAYS = 14

FIRST = "FRST"
RECURRING = "RCUR"

# The amendment indicator of a new version of a mandate whose account moved to another bank:
# "SMNDA" (same mandate, new debtor agent) in the original debtor agent.
SAME_MANDATE_NEW_AGENT = "SMNDA"


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar, the anonymous algorithm of Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def target_holidays(year: int) -> frozenset[date]:
    """The days TARGET2 is closed, when no SEPA debit settles: 1 January, Good Friday, Easter
    Monday, 1 May, 25 and 26 December."""
    sunday = easter(year)
    return frozenset(
        {
            date(year, 1, 1),
            sunday - timedelta(days=2),
            sunday + timedelta(days=1),
            date(year, 5, 1),
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in target_holidays(day.year)


def next_business_day(day: date) -> date:
    """`day` itself when the banks settle on it, else the next day they do."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def collection_date(issued_on: date, collection_day: int) -> date:
    """The office's next collection day (1..28 of a month) at least NOTICE_DAYS after the
    issue, moved to the next business day when the banks are closed that day."""
    earliest = issued_on + timedelta(days=NOTICE_DAYS)
    candidate = earliest.replace(day=collection_day)
    if candidate < earliest:
        year, month = divmod(earliest.year * 12 + earliest.month, 12)  # the next month
        candidate = date(year, month + 1, collection_day)
    return next_business_day(candidate)


@dataclass(frozen=True)
class MandateFacts:
    """What the sequence type depends on, read from a mandate and its previous version."""

    collected_before: bool  # the RUM was collected before (this version or a previous one)
    amended: bool = False  # a new version (new account) never collected yet
    new_bank: bool = False  # ... whose account is at another bank than the previous one


@dataclass(frozen=True)
class Sequence:
    type: str  # FRST or RCUR
    amendment: str = ""  # "" or SMNDA


def sequence_type(facts: MandateFacts) -> Sequence:
    """The sequence type of the next debit on a mandate.

    Since November 2016 the rulebook no longer requires FRST for a first debit (RCUR may be
    used throughout). French banks still take FRST and several of their pain.008.001.02
    guides still ask for it on the first collection of a mandate, so FRST is used where the
    old rule asked for it (never wrong, never rejected): the first collection of a RUM, and the
    first collection of an amended mandate whose account moved to another bank (with SMNDA).
    Every other debit is RCUR. FNAL is never used (a last collection is not known in advance;
    the mandate simply ends) and OOFF neither (our mandates are recurrent)."""
    if facts.amended and facts.new_bank:
        return Sequence(FIRST, SAME_MANDATE_NEW_AGENT)
    if not facts.collected_before:
        return Sequence(FIRST)
    return Sequence(RECURRING)


def same_bank(old_iban: str, old_bic: str, new_iban: str, new_bic: str) -> bool:
    """Whether two accounts are at the same bank: the BICs' institution and country (their 6
    first characters: bank and country; branches differ) when both are known, else the IBANs'
    country and bank code (the 5 digits of a French "code banque" after the check digits)."""
    if old_bic and new_bic:
        return old_bic[:6].upper() == new_bic[:6].upper()
    return old_iban[:2] == new_iban[:2] and old_iban[4:9] == new_iban[4:9]
