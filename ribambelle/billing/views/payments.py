"""Online payment for families ("Payer"), the providers' notifications and the demo bank.

The return page shows what the database says: the status comes from the provider server to
server (invariant 5), so a forged return address changes nothing."""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ribambelle.accounts.access import parent_required
from ribambelle.billing import selectors
from ribambelle.billing.models import BillingOffice, Invoice, Payment
from ribambelle.billing.payments import config, demo
from ribambelle.billing.payments import services as payment_services
from ribambelle.billing.payments.base import InvalidNotification, NotificationMessage
from ribambelle.billing.payments.reconcile import payment_status_refresh
from ribambelle.billing.payments.registry import provider_of
from ribambelle.billing.payments.services import Checkout
from ribambelle.families.selectors import household_of
from ribambelle.tenants.shortcuts import tenant_reverse

logger = logging.getLogger(__name__)


def notification_message(request) -> NotificationMessage:
    """What a provider sent, read once from the request. The body is read first: it stays
    available to the form parser, while a multipart form once parsed would not give it."""
    body = request.body
    return NotificationMessage(
        method=request.method,
        query=dict(request.GET.items()),
        form=dict(request.POST.items()),
        body=body,
        query_string=request.META.get("QUERY_STRING", ""),
    )


@parent_required
@require_POST
def start(request, pk: int):
    invoice = selectors.payable_invoice_get(household_of(request), pk)
    try:
        checkout = payment_services.payment_start(invoice=invoice, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(tenant_reverse(request.municipality, "billing:invoices"))
    target = checkout.redirect
    if target.fields is None and target.url.startswith("/"):
        return redirect(target.url)
    return _to_provider(request, invoice, checkout)


def _to_provider(request, invoice: Invoice, checkout: Checkout) -> HttpResponse:
    """The page with the payment form allows posting to the provider and nowhere else; a plain
    redirect would be blocked by the invoices page's form-action policy. The provider's page
    opens in this tab: its return address brings the family back to the invoice."""
    target = checkout.redirect
    if not config.origin_allowed(target.url):
        # Never send a family's card data to an address that is not a known provider's.
        logger.error("payment %s: provider address not allowed", checkout.payment.reference)
        messages.error(
            request, _("Le service de paiement ne répond pas. Réessayez dans quelques minutes.")
        )
        return redirect(tenant_reverse(request.municipality, "billing:invoices"))
    context = {
        "invoice": invoice,
        "payment": checkout.payment,
        "target": target,
        "provider_name": checkout.provider_name,
    }
    response = render(request, "billing/payments/redirect.html", context)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(target.url))
    # What django.views.decorators.csp.csp_override sets, with this provider's origin.
    response._csp_config = {  # type: ignore[attr-defined]
        **settings.SECURE_CSP,
        "form-action": [CSP.SELF, origin],
    }
    return response


@parent_required
@require_GET
def resume(request, reference: str):
    """Back to the provider's page of a pending attempt, in this tab, when the provider can
    reopen it (the demo bank; PayFiP while its operation is open)."""
    payment = selectors.household_payment_get(household_of(request), reference)
    if payment.status != Payment.Status.PENDING:
        return redirect(
            tenant_reverse(request.municipality, "billing_pay:return", reference=reference)
        )
    provider = provider_of(payment)
    target = provider.resume(payment) if provider is not None else None
    if target is None:
        messages.error(
            request,
            _(
                "Ce paiement ne peut plus être repris sur la page de la banque : "
                "recommencez-le depuis la facture."
            ),
        )
        return redirect(
            tenant_reverse(request.municipality, "billing:invoice", pk=payment.invoice_id)
        )
    return redirect(target.url)


RETURN_MESSAGES: dict[str, str] = {
    Payment.Status.PAID: "paid",
    Payment.Status.REFUSED: "refused",
    Payment.Status.ABANDONED: "abandoned",
    Payment.Status.PENDING: "pending",
}


@parent_required
@require_GET
def payment_return(request, reference: str):
    """Only the database counts: whatever the bank put in the address is ignored."""
    payment = selectors.household_payment_get(household_of(request), reference)
    payment = payment_status_refresh(payment=payment)
    context = {
        "payment": payment,
        "invoice": payment.invoice,
        "state": RETURN_MESSAGES[payment.status],
        "invoice_url": tenant_reverse(
            request.municipality, "billing:invoice", pk=payment.invoice_id
        ),
        "invoices_url": tenant_reverse(request.municipality, "billing:invoices"),
    }
    return render(request, "billing/payments/return.html", context)


@csrf_exempt
@require_POST
def notify(request, provider: str):
    """Server to server: answers 200 once the message is verified and applied (again: still
    200, nothing changes), 400 when it does not check out. Anyone can post here: whatever the
    message, a failure to verify it is a 400 and a log line, never an error page."""
    try:
        payment_services.notification_receive(
            municipality=request.municipality,
            provider_name=provider,
            message=notification_message(request),
        )
    except InvalidNotification as error:
        return _notification_refused(provider, error)
    return HttpResponse("OK", content_type="text/plain")


def _notification_refused(provider: str, error: InvalidNotification) -> HttpResponse:
    logger.warning("notification %s refused: %s", provider, error)
    return HttpResponseBadRequest("refused", content_type="text/plain")


@parent_required
@require_http_methods(["GET", "POST"])
def demo_bank(request, reference: str):
    payment = selectors.household_payment_get(household_of(request), reference)
    office = payment.invoice.office
    if payment.provider != BillingOffice.Provider.DEMO or not demo.demo_allowed(office):
        raise Http404
    return_url = tenant_reverse(request.municipality, "billing_pay:return", reference=reference)
    if payment.status != Payment.Status.PENDING:
        return redirect(return_url)
    if request.method != "POST":
        context = {"payment": payment, "invoice": payment.invoice}
        return render(request, "billing/payments/demo_bank.html", context)
    decision = request.POST.get("decision", "")
    if decision not in demo.DECISIONS:
        raise Http404
    # The demo bank's server-to-server message, verified like any provider's.
    try:
        payment_services.notification_receive(
            municipality=request.municipality,
            provider_name=BillingOffice.Provider.DEMO,
            message=demo.notification_message(office, payment, decision),
        )
    except InvalidNotification as error:
        logger.warning("demo bank notification refused: %s", error)
    return redirect(return_url)
