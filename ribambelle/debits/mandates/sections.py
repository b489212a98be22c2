"""What direct debit adds to billing's pages (billing.hooks, registered in DebitsConfig.ready):
on "Mes factures", each office that collects by direct debit with the household's mandate or
the offer to sign one; on the staff page of a household, its mandates of every version."""

from typing import Any

from ribambelle.debits.mandates import selectors
from ribambelle.families.models import Household


def invoice_page_section(household: Household) -> dict[str, Any] | None:
    creditors = selectors.family_creditors(household.municipality_id)
    if not creditors:
        return None
    in_force = selectors.mandates_in_force(household)
    rows = [(creditor, in_force.get(creditor.office_id)) for creditor in creditors]
    return {"template": "debits/mandates/_family_section.html", "rows": rows}


def staff_household_section(household: Household) -> dict[str, Any] | None:
    creditors = list(selectors.creditors_of(household.municipality_id))
    mandates = list(selectors.household_mandates(household))
    if not creditors and not mandates:
        return None
    return {
        "template": "debits/mandates/_staff_section.html",
        "household": household,
        "mandates": mandates,
        "can_record": bool(creditors),
    }
