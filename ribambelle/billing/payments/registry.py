"""Which Provider a billing office uses."""

from django.http import Http404

from ribambelle.billing.models import BillingOffice, Payment
from ribambelle.billing.payments import config
from ribambelle.billing.payments.base import Provider
from ribambelle.billing.payments.demo import DemoProvider, demo_allowed
from ribambelle.billing.payments.eopayment_backends import PayfipProvider, PayzenProvider

PROVIDERS: dict[str, type[Provider]] = {
    provider.name: provider for provider in (DemoProvider, PayfipProvider, PayzenProvider)
}


def provider_class(name: str) -> type[Provider]:
    """The provider of a notification URL; an unknown name is a 404."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise Http404 from None


def provider_for(office: BillingOffice) -> Provider | None:
    """The office's provider for new payments, or None when it takes no online payment (the
    demo bank only runs with DEBUG or for a test municipality, a test mode only for a test
    municipality, and Payzen only with the key of its mode)."""
    provider = PROVIDERS.get(office.provider)
    if provider is None or (provider is DemoProvider and not demo_allowed(office)):
        return None
    if not config.office_ready(office):
        return None
    return provider(office)


def provider_of(payment: Payment) -> Provider | None:
    """The provider a payment was started with, even if the office has changed since, with the
    office's current options (its keys)."""
    provider = PROVIDERS.get(payment.provider)
    return provider(payment.invoice.office) if provider is not None else None


def can_pay_online(invoice) -> bool:
    """Whether to show "Payer" for an invoice (payment_start checks again, invoice locked)."""
    provider = provider_for(invoice.office)
    return (
        provider is not None
        and invoice.status == invoice.Status.ISSUED
        and not invoice.collection
        and invoice.due >= provider.minimal_amount
    )
