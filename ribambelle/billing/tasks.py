"""E-mails of billing, sent through the task queue."""

from django.conf import settings
from django.tasks import task
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ribambelle.accounts import services as account_services
from ribambelle.billing.models import Invoice
from ribambelle.core.dates import MONTH_NAMES
from ribambelle.core.emails import send_branded_email
from ribambelle.families.selectors import account_recipients
from ribambelle.tenants.shortcuts import tenant_reverse


@task
def send_invoice_issued(invoice_id: int) -> int:
    """ "Votre facture est disponible : mars 2026" to each guardian of the household who has an
    active account: the amount, the due date and a link to the invoices page; nothing else."""
    invoice = (
        Invoice.objects.select_related("municipality", "office", "household")
        .filter(pk=invoice_id, status=Invoice.Status.ISSUED)
        .first()
    )
    if invoice is None:
        return 0
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
