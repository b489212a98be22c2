"""The family portal's lists of invoices, read at every visit of "Mes factures" and of the
portal home: each a statement compiled once (core.statements)."""

from typing import TYPE_CHECKING, TypedDict

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from ribambelle.billing.models import Invoice, Payment
from ribambelle.billing.reminders.models import ReminderSent
from ribambelle.billing.selectors import LIST_FIELDS, issued_invoices, unpaid_invoices
from ribambelle.core.statements import Statement
from ribambelle.families.models import Household
from ribambelle.tenants.models import HouseholdKey

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ListFlags(TypedDict):
    has_attempt: bool
    has_reminder: bool


def _invoices_for_list(municipality: int, household: int) -> QuerySet[Invoice]:
    pending = (Payment.Method.ONLINE, Payment.Status.PENDING)
    # Fixed SQL of table names; every value is a parameter.
    has_attempt = RawSQL(_HAS_ATTEMPT_SQL, pending, output_field=BooleanField())  # noqa: S611
    has_reminder = RawSQL(_HAS_REMINDER_SQL, (), output_field=BooleanField())  # noqa: S611
    return (
        issued_invoices(HouseholdKey(municipality, household))
        .only(*LIST_FIELDS)
        .annotate(has_attempt=has_attempt, has_reminder=has_reminder)
    )


_for_list = Statement(_invoices_for_list)


def invoices_for_list(household: Household) -> "list[WithAnnotations[Invoice, ListFlags]]":
    """With `has_attempt` (an online payment pending) and `has_reminder` (a reminder sent):
    what else the list must read, asked only when some invoice has one. Its SQL compiled
    once."""
    return _for_list(municipality=household.municipality_id, household=household.pk)


# Only the models' table names are formatted in; every value is a parameter.
_HAS_ATTEMPT_SQL = (
    f"EXISTS (SELECT 1 FROM {Payment._meta.db_table} p"  # noqa: S608
    f" WHERE p.invoice_id = {Invoice._meta.db_table}.id AND p.method = %s AND p.status = %s)"
)
_HAS_REMINDER_SQL = (
    f"EXISTS (SELECT 1 FROM {ReminderSent._meta.db_table} r"  # noqa: S608
    f" WHERE r.invoice_id = {Invoice._meta.db_table}.id)"
)


_unpaid = Statement(
    lambda municipality, household: unpaid_invoices(HouseholdKey(municipality, household))
)


def unpaid_invoices_listed(household: Household) -> list[Invoice]:
    """unpaid_invoices, its SQL compiled once (the portal home lists them on every visit)."""
    return _unpaid(municipality=household.municipality_id, household=household.pk)
