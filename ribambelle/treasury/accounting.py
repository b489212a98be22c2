"""The finance office's CSV of a period: every movement of money, one line each, with the
budget imputation of revenue, in French spreadsheet conventions (`;`, decimal comma,
dd/mm/yyyy, a byte order mark), cells typed by people neutralised.

Lines, in this order: invoices (one line per invoice and imputation), credit notes (shared
among the invoice's imputations in proportion), payments by channel, returned direct debits
(with the bank's reason code) and their fees, refunds of a household's credit; then the totals
per type, imputation and channel. Amounts are in a debit column (what the household owes:
invoices, returns, fees, refunds) or a credit column (what settles it: payments, credit
notes), as in the family account. Seven queries whatever the number of lines, each read in
chunks: the file is streamed, never held in memory."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby
from operator import itemgetter

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.billing import periods as billing_periods
from ribambelle.billing.models import ZERO, AccountMovement, BillingOffice, Payment
from ribambelle.core.spreadsheet import safe_cell
from ribambelle.debits.models import DebitReturn
from ribambelle.tenants.models import Municipality
from ribambelle.treasury.selectors import NO_IMPUTATION, imputations_of_municipality

CHUNK = 2000
CENT = Decimal("0.01")
# (office id, activity id) -> (nature, function)
Table = dict[tuple[int, int], tuple[str, str]]


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def filename(start: date, end: date) -> str:
    return f"comptabilite-{start:%Y%m%d}-{end:%Y%m%d}.csv"


def header() -> list[str]:
    return [
        _("Date"),
        _("Type"),
        _("Numéro ou référence"),
        _("Facture"),
        _("Référence foyer"),
        _("Foyer"),
        _("Régie"),
        _("Nature comptable"),
        _("Fonction"),
        _("Débit"),
        _("Crédit"),
        _("Moyen de paiement"),
        _("Motif"),
    ]


@dataclass(frozen=True)
class Line:
    """One movement of money as the CSV shows it."""

    on: date | None
    kind: str
    reference: str
    invoice: str
    household_id: int | None
    household: str
    office: str
    imputation: tuple[str, str]
    debit: Decimal
    credit: Decimal
    channel: str = ""
    reason: str = ""

    def cells(self) -> list[str]:
        return [
            _day(self.on),
            self.kind,
            safe_cell(self.reference),
            safe_cell(self.invoice),
            "" if self.household_id is None else f"{self.household_id:06d}",
            safe_cell(self.household),
            safe_cell(self.office),
            self.imputation[0],
            self.imputation[1],
            _amount(self.debit) if self.debit else "",
            _amount(self.credit) if self.credit else "",
            self.channel,
            safe_cell(self.reason),
        ]


@dataclass(frozen=True)
class Period:
    municipality: Municipality
    start: date
    end: date
    office: BillingOffice | None = None

    def scoped(self, found: QuerySet, path: str) -> QuerySet:
        """Only the chosen office's rows, `path` leading to the office's id."""
        return found if self.office is None else found.filter(**{path: self.office.pk})


def _split(
    total: Decimal, parts: list[tuple[tuple[str, str], Decimal]], base: Decimal
) -> list[tuple[tuple[str, str], Decimal]]:
    """`total` shared among `parts` in proportion of their amounts over `base`, to the cent; the
    last part takes what rounding left, so that the shares add up to `total`."""
    if base <= ZERO or len(parts) <= 1:
        return [(parts[0][0] if parts else NO_IMPUTATION, total)]
    shares, left = [], total
    for index, (imputation, amount) in enumerate(parts):
        if index == len(parts) - 1:
            share = left
        else:
            share = (total * amount / base).quantize(CENT, rounding=ROUND_HALF_UP)
        shares.append((imputation, share))
        left -= share
    return shares


def _by_imputation(
    lines: Iterable[tuple[int, int | None, Decimal | None]], table: Table, total: Decimal
) -> list[tuple[tuple[str, str], Decimal]]:
    """The (office, activity, amount) of one invoice's lines, summed per imputation of their
    activity; what the lines do not cover of `total` goes without imputation."""
    sums: dict[tuple[str, str], Decimal] = {}
    for office_id, activity_id, amount in lines:
        if amount is None:
            continue
        key = NO_IMPUTATION if activity_id is None else table.get((office_id, activity_id))
        key = key or NO_IMPUTATION
        sums[key] = sums.get(key, ZERO) + amount
    left = total - sum(sums.values(), ZERO)
    if left or not sums:
        sums[NO_IMPUTATION] = sums.get(NO_IMPUTATION, ZERO) + left
    return list(sums.items())


def _invoices(period: Period, table: Table) -> Iterator[Line]:
    """One query: each issued invoice with its lines summed per activity."""
    found = billing_periods.invoices_issued_between(period.municipality, period.start, period.end)
    found = (
        period.scoped(found, "office_id")
        .values(
            "pk",
            "number",
            "issued_on",
            "total",
            "household_id",
            "household_name",
            "office_id",
            "office__name",
            "lines__activity_id",
        )
        .annotate(line_amount=Sum("lines__amount"))
        .order_by("number", "pk", "lines__activity_id")
    )
    label = _("Facture")
    for _pk, group in groupby(found.iterator(chunk_size=CHUNK), key=itemgetter("pk")):
        rows = list(group)
        first = rows[0]
        lines = [(row["office_id"], row["lines__activity_id"], row["line_amount"]) for row in rows]
        for imputation, amount in _by_imputation(lines, table, first["total"]):
            yield Line(
                on=first["issued_on"],
                kind=label,
                reference=first["number"],
                invoice=first["number"],
                household_id=first["household_id"],
                household=first["household_name"],
                office=first["office__name"],
                imputation=imputation,
                debit=amount,
                credit=ZERO,
            )


def _credit_notes(period: Period, table: Table) -> Iterator[Line]:
    """One query: each credit note with its invoice's lines summed per activity, so that the
    note is shared among the invoice's imputations as the invoice was."""
    found = billing_periods.credit_notes_between(period.municipality, period.start, period.end)
    found = (
        period.scoped(found, "invoice__office_id")
        .values(
            "pk",
            "number",
            "created_at",
            "amount",
            "reason",
            "invoice__number",
            "invoice__total",
            "invoice__household_id",
            "invoice__household_name",
            "invoice__office_id",
            "invoice__office__name",
            "invoice__lines__activity_id",
        )
        .annotate(line_amount=Sum("invoice__lines__amount"))
        .order_by("number", "pk", "invoice__lines__activity_id")
    )
    label = _("Avoir")
    for _pk, group in groupby(found.iterator(chunk_size=CHUNK), key=itemgetter("pk")):
        rows = list(group)
        first = rows[0]
        lines = [
            (row["invoice__office_id"], row["invoice__lines__activity_id"], row["line_amount"])
            for row in rows
        ]
        parts = _by_imputation(lines, table, first["invoice__total"])
        for imputation, amount in _split(first["amount"], parts, first["invoice__total"]):
            yield Line(
                on=timezone.localtime(first["created_at"]).date(),
                kind=label,
                reference=first["number"],
                invoice=first["invoice__number"],
                household_id=first["invoice__household_id"],
                household=first["invoice__household_name"],
                office=first["invoice__office__name"],
                imputation=imputation,
                debit=ZERO,
                credit=amount,
                reason=first["reason"],
            )


def _payments(period: Period) -> Iterator[Line]:
    """Money received by every channel, by the day it was received (online: the day it was
    made). A direct debit later returned was received all the same: its return is a line of
    its own."""
    start, end = period.start, period.end
    found = (
        Payment.objects.for_municipality(period.municipality)
        .filter(status__in=[Payment.Status.PAID, Payment.Status.RETURNED])
        .filter(
            Q(received_on__gte=start, received_on__lte=end)
            | Q(received_on__isnull=True, created_at__date__gte=start, created_at__date__lte=end)
        )
    )
    found = (
        period.scoped(found, "invoice__office_id")
        .annotate(day=Coalesce("received_on", TruncDate("created_at")))
        .values(
            "method",
            "amount",
            "day",
            "reference",
            "transaction_id",
            "invoice__number",
            "invoice__household_id",
            "invoice__household_name",
            "invoice__office__name",
        )
        .order_by("day", "pk")
    )
    label, channels = _("Paiement"), dict(Payment.Method.choices)
    for row in found.iterator(chunk_size=CHUNK):
        yield Line(
            on=row["day"],
            kind=label,
            reference=row["reference"] or row["transaction_id"],
            invoice=row["invoice__number"],
            household_id=row["invoice__household_id"],
            household=row["invoice__household_name"],
            office=row["invoice__office__name"],
            imputation=NO_IMPUTATION,
            debit=ZERO,
            credit=row["amount"],
            channel=str(channels.get(row["method"], row["method"])),
        )


def _returns(period: Period) -> Iterator[Line]:
    """Debits the household's bank returned, and what each return costs the household."""
    returns = DebitReturn.objects.for_municipality(period.municipality).filter(
        returned_on__gte=period.start, returned_on__lte=period.end
    )
    found = (
        period.scoped(returns, "debit__invoice__office_id")
        .values(
            "reason_code",
            "returned_on",
            "fee",
            "debit__amount_cents",
            "debit__end_to_end_id",
            "debit__invoice__number",
            "debit__invoice__household_id",
            "debit__invoice__household_name",
            "debit__invoice__office__name",
        )
        .order_by("returned_on", "pk")
    )
    returned, fee, channel = _("Prélèvement rejeté"), _("Frais de rejet"), str(_("prélèvement"))
    for row in found.iterator(chunk_size=CHUNK):
        common = {
            "on": row["returned_on"],
            "reference": row["debit__end_to_end_id"],
            "invoice": row["debit__invoice__number"],
            "household_id": row["debit__invoice__household_id"],
            "household": row["debit__invoice__household_name"],
            "office": row["debit__invoice__office__name"],
            "imputation": NO_IMPUTATION,
            "credit": ZERO,
            "channel": channel,
            "reason": row["reason_code"],
        }
        amount = (Decimal(row["debit__amount_cents"]) / 100).quantize(CENT)
        yield Line(kind=returned, debit=amount, **common)
        if row["fee"]:
            yield Line(kind=fee, debit=row["fee"], **common)


def _household_movements(period: Period) -> Iterator[Line]:
    """Money that moves on a household's account rather than on an invoice: credit given back
    (a refund, a debit) and return fees paid at the office (a FEE movement that credits the
    account). It belongs to the household, not to an office: listed when the export covers
    every office."""
    if period.office is not None:
        return
    Kind = AccountMovement.Kind
    found = (
        AccountMovement.objects.for_municipality(period.municipality)
        .filter(Q(kind=Kind.REFUND) | Q(kind=Kind.FEE, amount_cents__gt=0))
        .filter(on__gte=period.start, on__lte=period.end)
        .values("on", "kind", "amount_cents", "method", "label", "household_id", "household__name")
        .order_by("on", "pk")
    )
    labels: dict[str, str] = {Kind.REFUND: _("Remboursement"), Kind.FEE: _("Frais de rejet réglés")}
    channels = dict(Payment.Method.choices)
    for row in found.iterator(chunk_size=CHUNK):
        amount = (Decimal(abs(row["amount_cents"])) / 100).quantize(CENT)
        refund = row["kind"] == Kind.REFUND
        yield Line(
            on=row["on"],
            kind=labels[row["kind"]],
            reference=row["label"],
            invoice="",
            household_id=row["household_id"],
            household=row["household__name"],
            office="",
            imputation=NO_IMPUTATION,
            debit=amount if refund else ZERO,
            credit=ZERO if refund else amount,
            channel=str(channels.get(row["method"], row["method"])),
        )


def accounting_lines(period: Period) -> Iterator[Line]:
    table = imputations_of_municipality(period.municipality)
    yield from _invoices(period, table)
    yield from _credit_notes(period, table)
    yield from _payments(period)
    yield from _returns(period)
    yield from _household_movements(period)


def accounting_rows(period: Period) -> Iterator[list[str]]:
    """The header, the lines, a blank row, then the totals: per type and imputation or channel,
    per type when it has several, and for the whole file."""
    yield header()
    totals: dict[tuple[str, str, str, str], list[Decimal]] = {}
    for line in accounting_lines(period):
        yield line.cells()
        key = (line.kind, *line.imputation, line.channel)
        found = totals.setdefault(key, [ZERO, ZERO])
        found[0] += line.debit
        found[1] += line.credit
    yield []
    yield from _totals(totals)


def _totals(totals: dict[tuple[str, str, str, str], list[Decimal]]) -> Iterator[list[str]]:
    grand = [ZERO, ZERO]
    for kind, group in groupby(totals.items(), key=lambda item: item[0][0]):
        items = list(group)
        kind_total = [ZERO, ZERO]
        for (_kind, nature, function, channel), (debit, credit) in items:
            yield _total_row(_("Total"), kind, nature, function, debit, credit, channel)
            kind_total[0] += debit
            kind_total[1] += credit
        if len(items) > 1:
            yield _total_row(_("Total"), kind, "", "", kind_total[0], kind_total[1], "")
        grand[0] += kind_total[0]
        grand[1] += kind_total[1]
    yield _total_row(_("Total général"), "", "", "", grand[0], grand[1], "")


def _total_row(
    title: str, kind: str, nature: str, function: str, debit: Decimal, credit: Decimal, channel: str
) -> list[str]:
    return [
        title,
        kind,
        "",
        "",
        "",
        "",
        "",
        nature,
        function,
        _amount(debit),
        _amount(credit),
        channel,
        "",
    ]
