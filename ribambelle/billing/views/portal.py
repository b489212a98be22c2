"""Mes factures: the household's issued invoices, each as an HTML page and as a PDF printed
from the same template body. Drafts and other households' invoices answer 404 (invariant 1);
the PDF is served inline or as an attachment, never sniffed (invariant 6)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ribambelle.accounts.access import parent_required
from ribambelle.billing import pdf, selectors
from ribambelle.billing.presenters import STATUS_LABELS, invoice_status, paying_of, rows_of
from ribambelle.billing.views.account import account_context
from ribambelle.families import selectors as family_selectors


@parent_required
def invoices(request):
    household = family_selectors.household_of(request)
    rows = rows_of(
        selectors.invoices_for_list(household),
        timezone.localdate(),
        selectors.live_attempts(household),
    )
    providers = sorted({row.paying.provider_name for row in rows if row.paying.can_pay})
    context = {"rows": rows, "pay_providers": providers, **account_context(request, household)}
    return render(request, "billing/portal/invoices.html", context)


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
