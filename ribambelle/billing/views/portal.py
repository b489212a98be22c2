"""Mes factures: the household's issued invoices, each as an HTML page and as a PDF printed
from the same template body (stored when issued), and their credit notes as PDFs. Drafts and
other households' invoices answer 404 (invariant 1); the PDFs are served inline or as an
attachment, never sniffed (invariant 6)."""

from dataclasses import replace

from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import timezone

from ribambelle.accounts.access import parent_required
from ribambelle.billing import hooks, pdf, portal_selectors, selectors
from ribambelle.billing.presenters import STATUS_LABELS, invoice_status, paying_of, rows_of
from ribambelle.billing.reminders.presenters import reminder_text
from ribambelle.billing.reminders.selectors import reminder_states
from ribambelle.billing.rows_html import invoice_rows
from ribambelle.billing.services import documents
from ribambelle.billing.views.account import account_context
from ribambelle.core.files import PDF, serve_file
from ribambelle.families import selectors as family_selectors


@parent_required
def invoices(request):
    household = family_selectors.household_of(request)
    found = portal_selectors.invoices_for_list(household)
    # Attempts and reminders are read only when some invoice has one (rarely).
    attempts = selectors.live_attempts(household) if any(item.has_attempt for item in found) else {}
    rows = rows_of(found, timezone.localdate(), attempts)
    reminded = [item.pk for item in found if item.has_reminder and item.due > 0]
    if reminded:
        states = reminder_states(reminded)
        rows = [replace(row, reminder=reminder_text(states.get(row.invoice.pk))) for row in rows]
    providers = sorted({row.paying.provider_name for row in rows if row.paying.can_pay})
    context = {
        "rows": rows,
        "rows_html": invoice_rows(rows, request.municipality, lambda: get_token(request)),
        "pay_providers": providers,
        "sections": hooks.sections(hooks.INVOICE_PAGE_SECTIONS, household),
        **account_context(request, household),
    }
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
        reminder=reminder_text(reminder_states([found.pk]).get(found.pk)) if found.due else "",
    )
    return render(request, "billing/portal/invoice.html", context)


@parent_required
def invoice_pdf(request, pk: int):
    """The PDF stored when the invoice was issued (rendered now only if it is missing)."""
    household = family_selectors.household_of(request)
    found = selectors.family_invoice_document_get(household, pk)
    return serve_file(
        documents.invoice_document(invoice=found),
        content_type=PDF,
        filename=pdf.pdf_filename(found),
        inline=request.GET.get("telecharger") != "1",
    )


@parent_required
def credit_note_pdf(request, invoice_pk: int, pk: int):
    household = family_selectors.household_of(request)
    note = selectors.family_credit_note_get(household, invoice_pk, pk)
    return serve_file(
        documents.credit_note_document(note=note),
        content_type=PDF,
        filename=pdf.credit_note_filename(note),
        inline=request.GET.get("telecharger") != "1",
    )
