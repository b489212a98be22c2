"""What a provider said about an online payment, for staff pages."""

from django import template

from ribambelle.billing.models import Payment
from ribambelle.billing.payments.outcomes import trace_rows

register = template.Library()


@register.filter
def provider_trace(payment: Payment) -> list[tuple[str, str]]:
    """(label, value) rows: PayFiP's authorisation number and date, Payzen's transaction ids."""
    return trace_rows(payment)
