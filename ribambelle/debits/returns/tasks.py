"""The e-mail that tells a family its debit was returned, sent through the task queue."""

from decimal import Decimal

from django.conf import settings
from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext as _

from ribambelle.core.emails import send_branded_email
from ribambelle.debits.models import DebitReturn, Mandate
from ribambelle.debits.returns.reasons import REASONS
from ribambelle.families.selectors import account_recipients
from ribambelle.tenants.shortcuts import tenant_reverse


@task
def send_debit_returned(record_id: int) -> int:
    """ "Votre prélèvement a été rejeté": the invoice, the amount, the reason in French, the fee
    and how to pay now; whether the mandate is suspended. One e-mail per address."""
    record = (
        DebitReturn.objects.select_related(
            "debit__invoice__municipality", "debit__invoice__office", "debit__mandate"
        )
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        return 0
    invoice = record.debit.invoice
    municipality = invoice.municipality
    url = settings.SITE_URL + tenant_reverse(municipality, "billing:invoices")
    context = {
        "invoice": invoice,
        "record": record,
        "amount": Decimal(record.debit.amount_cents) / 100,
        "reason": REASONS.get(record.reason_code, record.reason_code),
        "suspended": record.debit.mandate.status == Mandate.Status.SUSPENDED,
        "url": url,
    }
    recipients = {r.email: r.user.first_name for r in account_recipients(invoice.household_id)}
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Prélèvement rejeté : facture %(number)s") % {"number": invoice.number}
    for email, first_name in sorted(recipients.items()):
        send_branded_email(
            municipality=municipality,
            to=email,
            subject=subject,
            template="debit_returned",
            context={**context, "first_name": first_name},
        )
    return len(recipients)
