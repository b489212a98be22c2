"""Mes factures: the household's issued invoices, each as an HTML page and as a PDF printed
from the same template body. Drafts and other households' invoices answer 404 (invariant 1);
the PDF is served inline or as an attachment, never sniffed (invariant 6)."""

from dataclasses import dataclass
from datetime import date

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ribambelle.accounts.access import parent_required
from ribambelle.billing import pdf, selectors
from ribambelle.billing.models import ZERO, Invoice, Payment
from ribambelle.billing.payments.attempts import LiveAttempt, live_attempt
from ribambelle.billing.payments.registry import can_pay_online, provider_for
from ribambelle.families import selectors as family_selectors

PAID = "paid"
PARTIAL = "partial"
TO_PAY = "to-pay"
LATE = "late"
STATUS_LABELS = {
    PAID: (_("payée"), "✓"),
    PARTIAL: (_("partiellement payée"), "◐"),
    TO_PAY: (_("à payer"), "○"),
    LATE: (_("en retard"), "⚠"),
}


def invoice_status(invoice: Invoice, today: date) -> str:
    """Paid once nothing is due (credit notes count); late once the due date has passed with
    something still due, whether or not part of it was paid."""
    if invoice.due == ZERO:
        return PAID
    if invoice.due_on is not None and invoice.due_on < today:
        return LATE
    if invoice.paid > ZERO or invoice.credited > ZERO:
        return PARTIAL
    return TO_PAY


@dataclass(frozen=True)
class Paying:
    """What the family can do about paying an invoice online: "Payer" (with the provider named
    before the click, since its page opens in this tab), or the attempt already under way."""

    can_pay: bool
    provider_name: str = ""
    attempt: LiveAttempt | None = None


def paying_of(invoice: Invoice, payment: Payment | None) -> Paying:
    attempt = live_attempt(payment)
    can_pay = attempt is None and can_pay_online(invoice)
    provider = provider_for(invoice.office) if can_pay else None
    return Paying(
        can_pay=can_pay,
        provider_name=str(provider.display_name()) if provider is not None else "",
        attempt=attempt,
    )


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    period: str
    status: str
    status_label: str
    status_icon: str
    paying: Paying


def rows_of(invoices, today: date, attempts: dict[int, Payment]) -> list[InvoiceRow]:
    rows = []
    for invoice in invoices:
        status = invoice_status(invoice, today)
        label, icon = STATUS_LABELS[status]
        rows.append(
            InvoiceRow(
                invoice,
                pdf.period_label(invoice),
                status,
                str(label),
                icon,
                paying_of(invoice, attempts.get(invoice.pk)),
            )
        )
    return rows


@parent_required
def invoices(request):
    household = family_selectors.household_of(request)
    rows = rows_of(
        selectors.invoices_for_list(household),
        timezone.localdate(),
        selectors.live_attempts(household),
    )
    providers = sorted({row.paying.provider_name for row in rows if row.paying.can_pay})
    return render(
        request, "billing/portal/invoices.html", {"rows": rows, "pay_providers": providers}
    )


@parent_required
def invoice(request, pk: int):
    household = family_selectors.household_of(request)
    found = selectors.family_invoice_get(household, pk)
    context = pdf.document_context(found)
    label, icon = STATUS_LABELS[invoice_status(found, timezone.localdate())]
    context.update(
        status_label=label,
        status_icon=icon,
        paying=paying_of(found, selectors.live_attempt_of(found)),
    )
    return render(request, "billing/portal/invoice.html", context)


@parent_required
def invoice_pdf(request, pk: int):
    household = family_selectors.household_of(request)
    found = selectors.family_invoice_get(household, pk)
    disposition = "attachment" if request.GET.get("telecharger") == "1" else "inline"
    response = HttpResponse(pdf.invoice_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'{disposition}; filename="{pdf.pdf_filename(found)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
