"""Pure billing rules: the unit price for a family quotient, invoice lines from the billable
days, a month's bounds, numbers and SIRET. No ORM, table-driven tests."""

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


BRACKET = "bracket"
DEFAULT = "default"
SURCHARGE = "surcharge"


@dataclass(frozen=True)
class Pricing:
    """What set a line's unit price, printed on the invoice: a bracket of family quotient (from
    `floor` included to `ceiling` excluded, None for no bound), the default price (quotient
    unknown or above every bracket) or the surcharge."""

    price: Decimal
    source: str
    floor: Decimal | None = None
    ceiling: Decimal | None = None


@dataclass(frozen=True)
class TariffSpec:
    activity_id: int
    label: str
    default_price: Decimal
    # (upper bound, exclusive; None for the last bracket, price), in increasing bounds.
    brackets: tuple[tuple[Decimal | None, Decimal], ...] = ()
    surcharge_price: Decimal | None = None

    def pricing(self, quotient: Decimal | None) -> Pricing:
        """The bracket the quotient falls in; the default price when it is unknown or when no
        bracket covers it."""
        if quotient is None:
            return Pricing(self.default_price, DEFAULT)
        floor = None
        for up_to, price in self.brackets:
            if up_to is None or quotient < up_to:
                return Pricing(price, BRACKET, floor, up_to)
            floor = up_to
        return Pricing(self.default_price, DEFAULT)

    def price(self, quotient: Decimal | None) -> Decimal:
        return self.pricing(quotient).price


@dataclass(frozen=True)
class Billable:
    """One billable day of one child for one activity."""

    child_id: int
    child_name: str
    activity_id: int
    day: date
    surcharge: bool = False


@dataclass
class Line:
    child_id: int
    child_name: str
    activity_id: int
    label: str
    surcharge: bool
    unit_price: Decimal
    dates: list[date] = field(default_factory=list)
    pricing: Pricing | None = None

    @property
    def quantity(self) -> int:
        return len(self.dates)

    @property
    def amount(self) -> Decimal:
        return round_money(self.unit_price * self.quantity)


def invoice_lines(
    billables: list[Billable], tariffs: dict[int, TariffSpec], quotient: Decimal | None
) -> list[Line]:
    """One line per child, activity and price (normal or surcharge), dates in order. Days of an
    activity without a tariff are not billed."""
    grouped: dict[tuple[str, int, str, int, bool], Line] = {}
    for item in billables:
        tariff = tariffs.get(item.activity_id)
        if tariff is None:
            continue
        if item.surcharge and tariff.surcharge_price is not None:
            surcharge, pricing = True, Pricing(tariff.surcharge_price, SURCHARGE)
        else:
            surcharge, pricing = False, tariff.pricing(quotient)
        key = (item.child_name, item.child_id, tariff.label, item.activity_id, surcharge)
        line = grouped.get(key)
        if line is None:
            line = grouped[key] = Line(
                item.child_id,
                item.child_name,
                item.activity_id,
                tariff.label,
                surcharge,
                pricing.price,
                pricing=pricing,
            )
        line.dates.append(item.day)
    lines = [grouped[key] for key in sorted(grouped)]
    for line in lines:
        line.dates.sort()
    return lines


def total_of(lines: list[Line]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0.00"))


def siret_is_valid(siret: str) -> bool:
    """14 digits whose Luhn sum is a multiple of 10; La Poste's establishments (SIREN
    356 000 000) use a sum of digits that is a multiple of 5 instead."""
    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret.startswith("356000000"):
        return sum(int(digit) for digit in siret) % 5 == 0
    total = 0
    for index, digit in enumerate(reversed(siret)):
        value = int(digit) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def format_siret(siret: str) -> str:
    """ "213 800 000 00012": SIREN in threes, then the establishment's five digits."""
    if len(siret) != 14:
        return siret
    return f"{siret[0:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"


def format_number(prefix: str, year: int, sequence: int) -> str:
    """F-2026-000042: the year resets the sequence; the zero padding sorts as text."""
    return f"{prefix}-{year}-{sequence:06d}"


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last days of the month `month` falls in."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def postal_address(street: str, postal_code: str, city: str) -> str:
    """The lines printed under the household's name on an invoice, without empty lines."""
    return "\n".join(part for part in (street, f"{postal_code} {city}".strip()) if part)
