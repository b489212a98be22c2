"""Extension points of billing for the apps above it (debits, treasury), which billing must not
import (core/tests/test_architecture.py). Those apps append their functions here in their
AppConfig.ready(); billing calls whatever is registered, in order.

- RUN_ISSUED: `f(run, invoice_ids)`, called inside the transaction that issues a run, after the
  invoices are numbered and posted to the accounts and before their documents and e-mails are
  scheduled (on commit): a direct debit scheduled here is printed on the PDF and the e-mail.
- INVOICE_PAGE_SECTIONS: `f(household) -> dict | None`, for "Mes factures": each returns a
  section to show (a dict with the "template" to include and its context) or None.
- STAFF_HOUSEHOLD_SECTIONS: the same for the staff page of a household's invoices and account.
"""

from collections.abc import Callable
from typing import Any

RUN_ISSUED: list[Callable[[Any, list[int]], None]] = []
INVOICE_PAGE_SECTIONS: list[Callable[[Any], dict[str, Any] | None]] = []
STAFF_HOUSEHOLD_SECTIONS: list[Callable[[Any], dict[str, Any] | None]] = []


def run_issued(run: Any, invoice_ids: list[int]) -> None:
    for hook in RUN_ISSUED:
        hook(run, invoice_ids)


def sections(hooks: list[Callable[[Any], dict[str, Any] | None]], household: Any) -> list[dict]:
    """The sections the registered apps add for `household`, in the order they registered."""
    return [section for hook in hooks if (section := hook(household)) is not None]
