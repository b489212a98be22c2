"""Reads of the family account: its balance and credit, always summed from the movements
(invariant 10), and its history, newest first."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from ribambelle.billing.models import AccountMovement
from ribambelle.core.statements import Statement
from ribambelle.families.models import Household
from ribambelle.tenants.models import HouseholdKey

CENT = Decimal("0.01")

MOVEMENT_FIELDS = (
    *("pk", "kind", "method", "on", "amount_cents", "credit_cents", "label"),
    *("invoice__number", "credit_note__number"),
)


@dataclass(frozen=True)
class AccountSummary:
    """`balance`: positive, the office owes the family; negative, the family owes. `credit`:
    what the family holds for its next invoices, or to be refunded."""

    balance: Decimal
    credit: Decimal

    @property
    def owed(self) -> Decimal:
        return max(-self.balance, Decimal("0.00"))

    @property
    def fees_owed(self) -> Decimal:
        """What the family owes outside its invoices (return fees): a negative credit."""
        return max(-self.credit, Decimal("0.00"))


def account_summary(household: Household) -> AccountSummary:
    sums = AccountMovement.objects.for_household(household).aggregate(
        balance=Sum("amount_cents"), credit=Sum("credit_cents")
    )
    return AccountSummary(balance=euros(sums["balance"]), credit=euros(sums["credit"]))


_overview = Statement(
    lambda municipality, household: (
        AccountMovement.objects.for_household(HouseholdKey(municipality, household))
        .order_by()
        .values("household_id")
        .annotate(
            balance_cents=Sum("amount_cents"),
            credit_total_cents=Sum("credit_cents"),
            movements=Count("pk"),
        )
        .values_list("balance_cents", "credit_total_cents", "movements")
    )
)


def account_overview(household: Household) -> tuple[AccountSummary, int]:
    """The summary and the number of movements (what the history's pages need), in one query
    compiled once."""
    found = _overview(municipality=household.municipality_id, household=household.pk)
    balance, credit, count = found[0] if found else (0, 0, 0)
    return AccountSummary(balance=euros(balance), credit=euros(credit)), count


def euros(amount_cents: int | None) -> Decimal:
    return (Decimal(amount_cents or 0) / 100).quantize(CENT)


def account_movements(household: Household) -> QuerySet[AccountMovement]:
    """With only what the history says of each movement (presenters.movement_rows)."""
    return (
        AccountMovement.objects.for_household(household)
        .select_related("invoice", "credit_note")
        .only(*MOVEMENT_FIELDS)
        .order_by("-on", "-pk")
    )


def invoice_credit_uses(invoice_id: int, municipality_id: int) -> QuerySet[AccountMovement]:
    """The family's credit spent on an invoice: part of what it shows as paid."""
    return AccountMovement.objects.filter(
        municipality_id=municipality_id,
        invoice_id=invoice_id,
        kind=AccountMovement.Kind.CREDIT_APPLIED,
    ).order_by("on", "pk")
