"""The interface every online payment provider implements.

A provider never decides that an invoice is paid: it turns what the bank says (a signed
notification, or its answer to a server-to-server query) into a Result, and the services
decide (invariant 5). The browser's return from the bank carries nothing we trust."""

from dataclasses import dataclass, field
from decimal import Decimal

from ribambelle.billing.models import BillingOffice, Payment


class ProviderError(Exception):
    """The provider could not be reached or answered something we cannot use."""


class InvalidNotification(Exception):
    """A notification whose signature or content does not check out: it changes nothing."""


@dataclass(frozen=True)
class Result:
    """What the provider says about one payment. `status` is a Payment.Status value; PENDING
    means "nothing final yet"."""

    provider: str
    reference: str
    transaction_id: str
    status: str
    amount_cents: int | None
    raw: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Redirect:
    """Where to send the family: a plain link (GET), or a form to post when `fields` is set."""

    url: str
    transaction_id: str
    fields: tuple[tuple[str, str], ...] | None = None


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


class Provider:
    """One billing office's provider, with its options (office.provider_options)."""

    name: str = ""
    minimal_amount = Decimal("0.01")

    def __init__(self, office: BillingOffice):
        self.office = office
        self.options = dict(office.provider_options or {})

    @classmethod
    def notification_lookup(cls, request) -> dict:
        """Which payment an incoming notification claims to be about, before it is verified:
        only used to find the office whose keys verify it. Returns Payment lookups (e.g.
        {"reference": ...}); raises InvalidNotification when there is nothing to look for."""
        raise NotImplementedError

    def start(self, payment: Payment, return_url: str, notify_url: str) -> Redirect:
        raise NotImplementedError

    def handle_notification(self, request) -> Result:
        """Verify and read a notification sent by the provider; raises InvalidNotification."""
        raise NotImplementedError

    def status(self, payment: Payment) -> Result:
        """Ask the provider, server to server, where a payment stands."""
        raise NotImplementedError
