"""Billing of the bench municipality: one billing office for every department, a tariff by
family quotient for each activity, and the previous month invoiced and issued, so that the
families' invoices pages have something to show and the invoice run something to compute."""

import time
from dataclasses import dataclass
from datetime import date, timedelta

from ribambelle.billing import services
from ribambelle.billing.models import (
    AccountMovement,
    BillingOffice,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    NumberSequence,
    Payment,
    Tariff,
)
from ribambelle.demo.billing import ensure_billing
from ribambelle.tenants.models import Municipality


@dataclass
class BillingSeedReport:
    invoices: int = 0
    seconds: float = 0.0


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def seed_bench_billing(municipality: Municipality, today: date) -> BillingSeedReport:
    """The previous month computed and issued (numbers, e-mails queued as in production)."""
    started = time.perf_counter()
    office = ensure_billing(municipality)
    run = services.invoice_run_compute(
        municipality=municipality, office=office, month=previous_month(today), actor=None
    )
    services.invoice_run_issue(municipality=municipality, run=run, actor=None)
    return BillingSeedReport(invoices=run.invoices.count(), seconds=time.perf_counter() - started)


def delete_bench_billing(municipality: Municipality) -> None:
    """Everything billing wrote for the bench, before its households go (they are protected)."""
    AccountMovement.objects.filter(municipality=municipality).delete()
    Payment.objects.filter(municipality=municipality).delete()
    CreditNote.objects.filter(municipality=municipality).delete()
    InvoiceLine.objects.filter(invoice__municipality=municipality).delete()
    Invoice.objects.filter(municipality=municipality).delete()
    InvoiceRun.objects.filter(municipality=municipality).delete()
    NumberSequence.objects.filter(municipality=municipality).delete()
    Tariff.objects.filter(activity__municipality=municipality).delete()
    BillingOffice.objects.filter(municipality=municipality).delete()


# What the billing pages of `manage.py bench` (ribambelle/demo/bench/pages.py) need.


def parent_latest_invoice() -> dict:
    from ribambelle.demo.bench.pages import PERSONAS, TENANT

    invoice = Invoice.objects.filter(
        municipality__slug=TENANT["municipality_slug"],
        household__guardians__user__email=PERSONAS["parent"],
        status=Invoice.Status.ISSUED,
    ).latest("issued_on", "number")
    return {**TENANT, "pk": invoice.pk}


def current_month_draft_run() -> dict:
    """The current month's draft run of the bench municipality (the "invoice run" page computes
    it; computed here if there is none): the run the bench issues, then rolls back."""
    from ribambelle.demo.bench.pages import TENANT

    office = BillingOffice.objects.get(municipality__slug=TENANT["municipality_slug"])
    month = date.today().replace(day=1)
    run = InvoiceRun.objects.filter(office=office, month=month).first()
    if run is None:
        run = services.invoice_run_compute(
            municipality=office.municipality, office=office, month=month, actor=None
        )
    if run.status != InvoiceRun.Status.DRAFT:
        raise RuntimeError(f"The bench's run of {month:%Y-%m} is issued: seed again (--force).")
    return {**TENANT, "pk": run.pk}


def current_month_run() -> dict:
    """Compute the drafts of the current month for the whole bench municipality: the form the
    staff submit. The first request creates the run; the next ones recompute it."""
    from ribambelle.demo.bench.pages import TENANT

    office = BillingOffice.objects.get(municipality__slug=TENANT["municipality_slug"])
    return {"office": office.pk, "month": date.today().strftime("%Y-%m")}
