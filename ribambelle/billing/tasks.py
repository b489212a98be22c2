"""E-mails of billing, sent through the task queue."""

from django.conf import settings
from django.tasks import task
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.models import Invoice
from ribambelle.bookings.rules import MONTH_NAMES
from ribambelle.core.emails import send_branded_email
from ribambelle.families.models import Guardian
from ribambelle.tenants.shortcuts import tenant_reverse


@task
def send_invoice_issued(invoice_id: int) -> int:
    """ "Votre facture de mars est disponible" to each guardian of the household who has an
    active account: the amount, the due date and a link to the invoices page; nothing else."""
    invoice = (
        Invoice.objects.select_related("municipality")
        .filter(pk=invoice_id, status=Invoice.Status.ISSUED)
        .first()
    )
    if invoice is None:
        return 0
    municipality = invoice.municipality
    emails = sorted(
        {
            email.lower()
            for email in Guardian.objects.filter(
                household_id=invoice.household_id, user__is_active=True
            ).values_list("user__email", flat=True)
            if email
        }
    )
    month = MONTH_NAMES[invoice.period_start.month - 1]
    url = settings.SITE_URL + tenant_reverse(municipality, "billing:invoices")
    for email in emails:
        send_branded_email(
            municipality=municipality,
            to=email,
            subject=_("Votre facture de %(month)s est disponible") % {"month": month},
            template="invoice_issued",
            context={"invoice": invoice, "month": month, "url": url},
        )
    return len(emails)
