"""E-mails of billing, sent through the task queue."""

from django.conf import settings
from django.tasks import task
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ribambelle.accounts import services as account_services
from ribambelle.billing.models import CreditNote, Invoice
from ribambelle.billing.services import documents
from ribambelle.core.dates import MONTH_NAMES
from ribambelle.core.emails import send_branded_email
from ribambelle.families.selectors import account_recipients
from ribambelle.tenants.shortcuts import tenant_reverse


@task
def send_run_issued(run_id: int) -> int:
    """The fan-out of an issued run: one task per invoice, enqueued here in the background
    rather than thousands at once in the staff's request."""
    invoice_ids = list(
        Invoice.objects.filter(run_id=run_id, status=Invoice.Status.ISSUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for invoice_id in invoice_ids:
        send_invoice_issued.enqueue(invoice_id)
    return len(invoice_ids)


@task
def send_invoice_issued(invoice_id: int) -> int:
    """The invoice's PDF rendered and stored (once: it never changes), then "Votre facture est
    disponible : mars 2026" to each guardian of the household who has an active account: the
    amount, the due date and a link to the invoices page; nothing else."""
    invoice = (
        Invoice.objects.select_related("municipality", "office", "household")
        .filter(pk=invoice_id, status=Invoice.Status.ISSUED)
        .first()
    )
    if invoice is None:
        return 0
    documents.invoice_document(invoice=invoice)
    municipality = invoice.municipality
    # One e-mail per address, greeting the first of the guardians who share it.
    found = account_recipients(invoice.household_id)
    recipients = {r.email: r.user.first_name for r in found}
    # "Votre facture de octobre": the period goes after a colon, where no elision is needed.
    period = format_lazy(
        "{} {}", MONTH_NAMES[invoice.period_start.month - 1], invoice.period_start.year
    )
    path = tenant_reverse(municipality, "billing:invoices")
    url = settings.SITE_URL + path
    for recipient in found:
        account_services.push_notify(
            user=recipient.user, title=_("Une nouvelle facture est disponible"), path=path
        )
    for email, first_name in sorted(recipients.items()):
        send_branded_email(
            municipality=municipality,
            to=email,
            subject=_("Votre facture est disponible : %(period)s") % {"period": period},
            template="invoice_issued",
            context={"invoice": invoice, "url": url, "first_name": first_name},
        )
    return len(recipients)


@task
def store_credit_note_document(note_id: int) -> bool:
    """The credit note's PDF, rendered once and stored; False when the note is gone."""
    note = (
        CreditNote.objects.select_related("invoice__municipality", "invoice__office")
        .filter(pk=note_id)
        .first()
    )
    if note is None:
        return False
    documents.credit_note_document(note=note)
    return True
