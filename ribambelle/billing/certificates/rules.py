"""Pure rules of the tax certificates: which child counts, and how the money a household paid
in a calendar year is attributed to the eligible childcare of each child.

Age (article 200 quater B du code général des impôts; BOFiP BOI-IR-RICI-300, § 30,
https://bofip.impots.gouv.fr/bofip/865-PGP): the expenses count for "enfants âgés de moins de
six ans au 1er janvier de l'année d'imposition", the year of the income declared. The tax
administration reads this by year of birth: for the expenses of 2025, the children born in
2019 or after ("âgé de moins de 6 ans au 1er janvier 2023 (enfant né en 2017 ou après)" in
its guidance for the 2023 income). So a child counts for year Y when born on or after
1 January of Y - N (N = 6 by default, a setting of the municipality); a child born on
31 December of Y - N - 1 does not.

Allocation, in cents (what the certificate states is money actually paid, never invoiced):
- Money received on an invoice in the year: each payment with status "paid" whose
  `received_on` falls in the year, less its excess (the part beyond what the invoice asked
  for becomes the household's credit, not a payment of this invoice); and the credit the
  household held that was spent on the invoice in the year (a CREDIT_APPLIED movement).
  Returned direct debits (status "returned"), refused or pending payments never count.
- Taken back in the year: the part of a credit note created in the year that went beyond what
  the invoice still asked for (the EXCESS movement of that note), i.e. money already paid
  that the family got back as credit. The part of a note that only reduced what was left to
  pay reduced the payments themselves and is not deducted twice.
- Refunds: a refund only ever gives back the household's credit (account_refund_record), and
  credit is not counted until it is spent on an invoice; money refunded is thus never on a
  certificate, and no refund is deducted a second time.
- The net amount of an invoice (received minus taken back) is shared between its lines pro
  rata of their amounts: a child's share is the sum of that child's lines of eligible
  activities over the invoice's total, rounded towards zero (the certificate never states a
  cent more than was paid). Lines of other activities or of children over the age keep
  their share out of the certificate.
- Per child, the shares of every invoice are added; a negative total (money taken back in
  the year for payments of an earlier year) is stated as zero.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Line:
    child_id: int | None
    activity_id: int | None
    cents: int


@dataclass(frozen=True)
class InvoiceFacts:
    pk: int
    total_cents: int
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Received:
    """Money received on an invoice: a payment (with its excess) or credit spent on it."""

    invoice_id: int
    on: date
    cents: int
    excess_cents: int = 0
    paid: bool = True  # False: a payment refused, abandoned, pending or returned


@dataclass(frozen=True)
class TakenBack:
    """Money already paid on an invoice that a credit note turned into credit."""

    invoice_id: int
    on: date
    cents: int


def child_counts(birth_date: date, year: int, age_limit: int) -> bool:
    """Under `age_limit` on 1 January of `year`, as the tax administration counts it (see the
    module's docstring): born on or after 1 January of `year - age_limit`."""
    return birth_date >= date(year - age_limit, 1, 1)


def _in_year(day: date, year: int) -> bool:
    return day.year == year


def _share(net: int, part: int, total: int) -> int:
    """`net * part / total`, rounded towards zero."""
    if total <= 0 or part <= 0:
        return 0
    value = abs(net) * part // total
    return value if net >= 0 else -value


def paid_per_child(
    *,
    year: int,
    invoices: Iterable[InvoiceFacts],
    received: Iterable[Received],
    taken_back: Iterable[TakenBack],
    eligible_activities: set[int],
    eligible_children: set[int],
) -> dict[int, int]:
    """Cents paid in `year` for the eligible childcare of each eligible child (only children
    with a non-zero amount)."""
    net: dict[int, int] = {}
    for item in received:
        if item.paid and _in_year(item.on, year):
            net[item.invoice_id] = net.get(item.invoice_id, 0) + item.cents - item.excess_cents
    for back in taken_back:
        if _in_year(back.on, year):
            net[back.invoice_id] = net.get(back.invoice_id, 0) - back.cents
    per_child: dict[int, int] = {}
    for invoice in invoices:
        amount = net.get(invoice.pk, 0)
        if amount == 0:
            continue
        parts: dict[int, int] = {}
        for line in invoice.lines:
            if (
                line.child_id in eligible_children
                and line.activity_id in eligible_activities
                and line.child_id is not None
            ):
                parts[line.child_id] = parts.get(line.child_id, 0) + line.cents
        for child_id, part in parts.items():
            per_child[child_id] = per_child.get(child_id, 0) + _share(
                amount, part, invoice.total_cents
            )
    return {child_id: cents for child_id, cents in per_child.items() if cents > 0}
