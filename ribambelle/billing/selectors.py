"""Reads of billing. A family sees only its own household's issued invoices; a draft,
another household's or another municipality's invoice answers 404. Staff reads are scoped to
their municipality, and every list reads a constant number of queries whatever its length:
totals come from aggregates, balances from one grouped query per page."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from ribambelle.billing import rules
from ribambelle.billing.models import (
    ZERO,
    BillingOffice,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    Payment,
    Tariff,
)
from ribambelle.bookings import selectors as booking_selectors
from ribambelle.bookings.models import Activity
from ribambelle.bookings.selectors import billable
from ribambelle.families.models import Household
from ribambelle.tenants.models import HouseholdKey, Municipality

if TYPE_CHECKING:
    pass

# Households read at once by an invoice run, so that memory stays bounded whatever their number.
HOUSEHOLDS_PER_CHUNK = 500

MONEY = DecimalField(max_digits=12, decimal_places=2)
# What is still due on an issued invoice (negative when overpaid).
DUE = ExpressionWrapper(F("total") - F("paid") - F("credited"), output_field=MONEY)
# Money received beyond the invoice: what the billing office owes the family.
OVERPAID = Q(paid__gt=F("total") - F("credited"))

LIST_FIELDS = (
    "pk",
    "status",
    "number",
    "period_start",
    "due_on",
    "total",
    "paid",
    "credited",
    *("collection", "collection_on", "collection_detail"),  # "sera prélevée le …"
    "office__provider",
    "office__provider_options",
)


# The family's invoices


def issued_invoices(household: Household | HouseholdKey) -> QuerySet[Invoice]:
    """Newest first: the latest issue date, then the highest number."""
    return (
        Invoice.objects.for_household(household)
        .filter(status=Invoice.Status.ISSUED)
        .select_related("office")
        .order_by("-issued_on", "-number")
    )


def unpaid_invoices(household: Household | HouseholdKey) -> QuerySet[Invoice]:
    """Issued invoices with something still due, the oldest due date first."""
    return (
        issued_invoices(household)
        .filter(total__gt=F("paid") + F("credited"))
        .order_by("due_on", "number")
        .only(*LIST_FIELDS)
    )


def family_invoice_get(household: Household, pk: int) -> Invoice:
    """One issued invoice of the household, with what its document shows, in three queries."""
    return get_object_or_404(
        issued_invoices(household)
        .select_related("municipality", "office")
        .prefetch_related(
            "lines",
            Prefetch("credit_notes", queryset=CreditNote.objects.order_by("created_at", "pk")),
        ),
        pk=pk,
    )


def family_invoice_document_get(household: Household, pk: int) -> Invoice:
    """One issued invoice of the household for its stored PDF (one query); what rendering it
    again would need (its lines) is read only then."""
    return get_object_or_404(issued_invoices(household).select_related("municipality"), pk=pk)


def family_credit_note_get(household: Household, invoice_pk: int, pk: int) -> CreditNote:
    """A credit note on one of the household's issued invoices, for its stored PDF."""
    return get_object_or_404(
        CreditNote.objects.select_related("invoice__municipality", "invoice__office").filter(
            invoice__in=issued_invoices(household).filter(pk=invoice_pk)
        ),
        pk=pk,
    )


def payable_invoice_get(household: Household, pk: int) -> Invoice:
    """An issued invoice of the household that the family asks to pay online."""
    return get_object_or_404(issued_invoices(household), pk=pk)


def _household_payments(household: Household) -> QuerySet[Payment]:
    # A payment belongs to the household through its invoice.
    return Payment.objects.for_municipality(household.municipality_id).filter(
        invoice__household_id=household.pk
    )


def household_payment_get(household: Household, reference: str) -> Payment:
    """One of the household's online payments, by the reference its address carries."""
    return get_object_or_404(
        _household_payments(household).select_related("invoice__office"),
        reference=reference,
        method=Payment.Method.ONLINE,
    )


def live_attempts(household: Household) -> dict[int, Payment]:
    """The household's pending online attempts by invoice (one at most per invoice), in one
    query, with what the provider needs to say whether it can reopen them."""
    attempts = _household_payments(household).filter(
        method=Payment.Method.ONLINE, status=Payment.Status.PENDING
    )
    return {
        payment.invoice_id: payment
        for payment in attempts.select_related("invoice__office__municipality")
    }


def live_attempt_of(invoice: Invoice) -> Payment | None:
    return (
        Payment.objects.filter(
            invoice=invoice, method=Payment.Method.ONLINE, status=Payment.Status.PENDING
        )
        .select_related("invoice__office__municipality")
        .first()
    )


# Billing offices and tariffs


def offices_of(municipality: Municipality) -> QuerySet[BillingOffice]:
    return (
        BillingOffice.objects.for_municipality(municipality)
        .prefetch_related("departments")
        .order_by("name")
    )


def office_get(municipality: Municipality, pk: int) -> BillingOffice:
    return get_object_or_404(BillingOffice.objects.for_municipality(municipality), pk=pk)


def has_offices(municipality: Municipality) -> bool:
    return BillingOffice.objects.for_municipality(municipality).exists()


def office_snapshot(
    office: BillingOffice, department_ids: Iterable[int] | None = None
) -> dict[str, Any]:
    """What the audit log keeps of an office; its departments are read unless they are given.
    Secrets are logged as set ("***"), never their value."""
    if department_ids is None:
        department_ids = office.departments.values_list("pk", flat=True) if office.pk else []
    return {
        "name": office.name,
        "siret": office.siret,
        "departments": sorted(department_ids),
        "due_days": office.due_days,
        "payment_instructions": office.payment_instructions,
        "provider": office.provider,
        "provider_options": {
            key: ("***" if key.startswith("secret") and value else value)
            for key, value in sorted((office.provider_options or {}).items())
        },
    }


def activities_with_tariffs(municipality: Municipality) -> QuerySet[Activity]:
    """The municipality's activities with their tariff and its brackets, in three queries."""
    return (
        booking_selectors.activities_of(municipality)
        .select_related("tariff")
        .prefetch_related("tariff__brackets")
    )


def tariff_of(activity: Activity) -> Tariff:
    """The activity's tariff; a new, unsaved one when it has none yet."""
    return Tariff.objects.filter(activity=activity).first() or Tariff(activity=activity)


def tariff_brackets(tariff: Tariff) -> list[tuple[Decimal | None, Decimal]]:
    """(upper bound, price) in increasing bounds, the unbounded one last."""
    if tariff.pk is None:
        return []
    return [(bracket.up_to, bracket.price) for bracket in tariff.brackets.all()]


def tariff_snapshot(tariff: Tariff) -> dict[str, Any]:
    """What the audit log keeps of a tariff."""
    return {
        "basis": tariff.basis,
        "default_price": tariff.default_price,
        "surcharge_price": tariff.surcharge_price,
        "brackets": [list(bracket) for bracket in tariff_brackets(tariff)],
    }


# What an invoice run prices


def tariff_specs(office: BillingOffice) -> tuple[dict[int, rules.TariffSpec], dict[int, str]]:
    """The office's activities that have a tariff: their specs and what each bills on. One
    query: a row per bracket, or a single row without bracket for a tariff that has none."""
    rows = (
        Tariff.objects.filter(activity__department__billing_offices=office)
        .order_by("activity_id", F("brackets__up_to").asc(nulls_last=True))
        .values_list(
            "activity_id",
            "activity__name",
            "basis",
            "default_price",
            "surcharge_price",
            "brackets__up_to",
            "brackets__price",
        )
    )
    found: dict[int, tuple[str, str, Decimal, Decimal | None]] = {}
    brackets: dict[int, list[tuple[Decimal | None, Decimal]]] = defaultdict(list)
    for activity_id, name, basis, default, surcharge, up_to, price in rows:
        found[activity_id] = (name, basis, default, surcharge)
        if price is not None:
            brackets[activity_id].append((up_to, price))
    specs = {
        activity_id: rules.TariffSpec(
            activity_id=activity_id,
            label=name,
            default_price=default,
            brackets=tuple(brackets[activity_id]),
            surcharge_price=surcharge,
        )
        for activity_id, (name, _basis, default, surcharge) in found.items()
    }
    return specs, {activity_id: values[1] for activity_id, values in found.items()}


def household_chunks(municipality: Municipality) -> Iterator[list[Household]]:
    """The households an invoice run bills (refused sign-ups are not), by chunks."""
    size = HOUSEHOLDS_PER_CHUNK
    last = 0
    while True:
        chunk = list(
            Household.objects.for_municipality(municipality)
            .filter(pk__gt=last)
            .filter(status__in=Household.NOT_REFUSED)
            .order_by("pk")
            .only("pk", "name", "quotient")[:size]
        )
        if chunk:
            yield chunk
        if len(chunk) < size:
            return
        last = chunk[-1].pk


def billables(
    *,
    municipality: Municipality,
    households: Iterable[Household],
    basis: dict[int, str],
    start: date,
    end: date,
) -> dict[int, list[rules.Billable]]:
    """Household id -> its billable days, asked of bookings (two queries at most): bookings
    for activities billed on bookings, present days for those billed on attendance."""
    found: dict[int, list[rules.Billable]] = defaultdict(list)
    for row in billable.billable_days(
        municipality=municipality,
        household_ids=[household.pk for household in households],
        start=start,
        end=end,
        booked_activity_ids=[a for a, b in basis.items() if b == Tariff.Basis.BOOKINGS],
        attended_activity_ids=[a for a, b in basis.items() if b == Tariff.Basis.ATTENDANCE],
    ):
        found[row.household_id].append(
            rules.Billable(row.child_id, row.child_name, row.activity_id, row.day, row.unplanned)
        )
    return found


# Monthly runs


def runs_of(municipality: Municipality) -> QuerySet[InvoiceRun]:
    """Each run with its number of invoices and their total (`invoice_count`, `amount`)."""
    return (
        InvoiceRun.objects.for_municipality(municipality)
        .select_related("office")
        .annotate(invoice_count=Count("invoices"), amount=Sum("invoices__total"))
        .order_by("-month", "office__name")
    )


def run_get(municipality: Municipality, pk: int) -> InvoiceRun:
    return get_object_or_404(
        InvoiceRun.objects.for_municipality(municipality).select_related("office"), pk=pk
    )


def run_invoices(run: InvoiceRun) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(run=run)
        .select_related("household")
        .order_by("household__name", "pk")
    )


def run_totals(run: InvoiceRun) -> dict[str, Any]:
    """count, total, paid and credited over the run's invoices, in one query."""
    return Invoice.objects.filter(run=run).aggregate(
        count=Count("pk"),
        total=Coalesce(Sum("total"), Value(ZERO), output_field=MONEY),
        paid=Coalesce(Sum("paid"), Value(ZERO), output_field=MONEY),
        credited=Coalesce(Sum("credited"), Value(ZERO), output_field=MONEY),
    )


def run_invoice_count(run: InvoiceRun) -> int:
    return Invoice.objects.filter(run=run).count()


# One invoice, as the staff see it


def staff_invoice_get(municipality: Municipality, pk: int) -> Invoice:
    return get_object_or_404(
        Invoice.objects.for_municipality(municipality).select_related("household", "office", "run"),
        pk=pk,
    )


def invoice_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(invoice=invoice).order_by("pk")


def invoice_payments(invoice: Invoice) -> QuerySet[Payment]:
    return Payment.objects.filter(invoice=invoice).order_by("received_on", "pk")


def invoice_credit_notes(invoice: Invoice) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(invoice=invoice).order_by("pk")


# Unpaid, overpaid, a household's invoices


def unpaid_of(municipality: Municipality, *, due_before: date | None = None) -> QuerySet[Invoice]:
    """Issued invoices with something left to pay (`left`), the oldest due date first; only
    those due before `due_before` when it is given."""
    found = (
        Invoice.objects.for_municipality(municipality)
        .filter(status=Invoice.Status.ISSUED)
        .annotate(left=DUE)
        .filter(left__gt=0)
        .select_related("household")
        .order_by("due_on", "number")
    )
    return found.filter(due_on__lt=due_before) if due_before is not None else found


def household_balances(
    municipality: Municipality, household_ids: Iterable[int]
) -> dict[int, Decimal]:
    """Household id -> what its issued invoices still ask for, in one query."""
    rows = (
        Invoice.objects.for_municipality(municipality)
        .filter(status=Invoice.Status.ISSUED, household_id__in=list(household_ids))
        .values("household_id")
        .annotate(balance=Sum(DUE))
        .values_list("household_id", "balance")
    )
    return dict(rows)


def overpaid_invoices(municipality: Municipality) -> QuerySet[Invoice]:
    """Issued invoices that received more than they asked for, the oldest first, each with the
    payments it received (which ones went beyond: Payment.excess)."""
    return (
        Invoice.objects.for_municipality(municipality)
        .filter(OVERPAID, status=Invoice.Status.ISSUED)
        .select_related("household")
        .prefetch_related(
            Prefetch(
                "payments",
                queryset=Payment.objects.filter(status=Payment.Status.PAID).order_by(
                    "created_at", "pk"
                ),
                to_attr="paid_payments",
            )
        )
        .order_by("issued_on", "number")
    )


def household_invoices(household: Household) -> QuerySet[Invoice]:
    """Drafts and issued invoices of the household, the latest period first."""
    return Invoice.objects.for_household(household).order_by("-period_start", "-pk")


def household_balance(household: Household) -> Decimal:
    """What the household still owes on its issued invoices; never below zero (an overpayment
    is listed apart)."""
    balance: Decimal = (
        Invoice.objects.for_household(household)
        .filter(status=Invoice.Status.ISSUED)
        .aggregate(balance=Coalesce(Sum(DUE), Value(ZERO), output_field=MONEY))["balance"]
    )
    return max(balance, ZERO)


def waiting_counts(municipality: Municipality, today: date) -> dict[str, int]:
    """For the staff dashboard, in one query: unpaid invoices past their due date, and
    overpaid invoices."""
    return Invoice.objects.for_municipality(municipality).aggregate(
        late=Count(
            "pk",
            filter=Q(status=Invoice.Status.ISSUED, due_on__lt=today)
            & Q(paid__lt=F("total") - F("credited")),
        ),
        overpaid=Count("pk", filter=Q(OVERPAID, status=Invoice.Status.ISSUED)),
    )
