"""The reminder e-mail, sent by the task worker."""

from django.conf import settings
from django.tasks import task
from django.utils.translation import gettext_lazy as _

from ribambelle.billing import pdf
from ribambelle.billing.reminders.models import ReminderSent
from ribambelle.core.emails import send_branded_email
from ribambelle.families.selectors import account_recipients
from ribambelle.tenants.shortcuts import tenant_reverse


@task
def send_payment_reminder(reminder_id: int) -> int:
    """The level's text to each guardian of the household who has an active account, with the
    invoice's number, what is left to pay and a link to that invoice only (the invoice's PDF
    attached when the level says so). Nothing when the invoice was paid or credited since the
    reminder was taken."""
    sent = (
        ReminderSent.objects.select_related(
            "level", "invoice", "invoice__office", "invoice__municipality"
        )
        .filter(pk=reminder_id, invoice__municipality__is_active=True)
        .first()
    )
    if sent is None or sent.invoice.due <= 0:
        return 0
    invoice, level = sent.invoice, sent.level
    municipality = invoice.municipality
    url = settings.SITE_URL + tenant_reverse(municipality, "billing:invoice", pk=invoice.pk)
    attachments = []
    if level.attach_invoice:
        attachments.append((pdf.pdf_filename(invoice), pdf.invoice_pdf(invoice), "application/pdf"))
    subject = level.subject or _("Rappel : facture n° %(number)s à régler") % {
        "number": invoice.number
    }
    recipients = account_recipients(invoice.household_id)
    for recipient in recipients:
        send_branded_email(
            municipality=municipality,
            to=recipient.email,
            subject=subject,
            template="payment_reminder",
            context={
                "first_name": recipient.guardian.first_name,
                "invoice": invoice,
                "text": level.text,
                "url": url,
            },
            attachments=attachments,
        )
    return len(recipients)
