"""The e-mail that confirms an online payment, sent through the task queue."""

from django.conf import settings
from django.tasks import task
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ribambelle.accounts import services as account_services
from ribambelle.billing.models import Payment
from ribambelle.core.emails import send_branded_email
from ribambelle.families.selectors import account_recipients
from ribambelle.tenants.shortcuts import tenant_reverse


@task
def send_payment_received(payment_id: int) -> int:
    """To each guardian of the household with an active account: the amount, the invoice
    number and a link to the invoices page."""
    payment = (
        Payment.objects.select_related("invoice__household", "municipality")
        .filter(pk=payment_id, status=Payment.Status.PAID)
        .first()
    )
    if payment is None:
        return 0
    invoice = payment.invoice
    recipients = account_recipients(invoice.household_id)
    emails = [recipient.email for recipient in recipients]
    path = tenant_reverse(payment.municipality, "billing:invoices")
    url = settings.SITE_URL + path
    for recipient in recipients:
        # The lock screen shows it: no amount, no invoice number.
        account_services.push_notify(
            user=recipient.user, title=gettext_lazy("Votre paiement a bien été reçu"), path=path
        )
    with translation.override(settings.LANGUAGE_CODE):
        amount = number_format(payment.amount, 2, use_l10n=True)
        subject = _("Votre paiement de %(amount)s € pour la facture %(number)s a bien été reçu") % {
            "amount": amount,
            "number": invoice.number,
        }
    for email in emails:
        send_branded_email(
            municipality=payment.municipality,
            to=email,
            subject=subject,
            template="payment_received",
            context={"payment": payment, "invoice": invoice, "amount": amount, "url": url},
        )
    return len(emails)


@task
def send_stuck_payments_alert(municipality_id: int, payment_ids: list[int]) -> int:
    """To the municipality's contact address: online payments with no final answer from the
    provider (the family may have been debited), with a link to "Paiements en attente"."""
    payments = list(
        Payment.objects.filter(municipality_id=municipality_id, pk__in=payment_ids)
        .select_related("invoice__household", "municipality")
        .order_by("created_at", "pk")
    )
    if not payments or not payments[0].municipality.email:
        return 0
    municipality = payments[0].municipality
    url = settings.SITE_URL + tenant_reverse(municipality, "billing_staff:stuck_payments")
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Paiements en ligne sans réponse du prestataire : %(count)s à vérifier") % {
            "count": len(payments)
        }
    send_branded_email(
        municipality=municipality,
        to=municipality.email,
        subject=subject,
        template="payments_stuck",
        context={"payments": payments, "url": url},
    )
    return 1
