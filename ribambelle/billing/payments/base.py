"""The interface every online payment provider implements.

A provider never decides that an invoice is paid: it turns what the bank says (a signed
notification, or its answer to a server-to-server query) into a Result, and the services
decide (invariant 5). The browser's return from the bank carries nothing we trust."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.functional import Promise

from ribambelle.billing.models import BillingOffice, Payment


class ProviderError(Exception):
    """The provider could not be reached or answered something we cannot use."""


class InvalidNotification(Exception):
    """A notification whose signature or content does not check out: it changes nothing."""


@dataclass(frozen=True)
class NotificationMessage:
    """A provider's server-to-server message as it reached the notification address, read from
    the request by the view: what the providers verify, and nothing of the request beyond it
    (no header is needed: PayFiP's message is confirmed through its web service, Payzen's and
    the demo bank's carry their signature in their fields)."""

    method: str
    # The parameters of the address and of the posted form, the last value of each.
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)
    # The raw posted body and query string, for a signature computed over them (Payzen).
    body: bytes = b""
    query_string: str = ""

    def param(self, name: str) -> str:
        """A field sent either way: in the posted form first, else in the address."""
        return self.form.get(name) or self.query.get(name) or ""


@dataclass(frozen=True)
class Result:
    """What the provider says about one payment. `status` is a Payment.Status value; PENDING
    means "nothing final yet"."""

    provider: str
    reference: str
    transaction_id: str
    status: str
    amount_cents: int | None
    raw: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Redirect:
    """Where to send the family: a plain link (GET), or a form to post when `fields` is set."""

    url: str
    transaction_id: str
    fields: tuple[tuple[str, str], ...] | None = None


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


class Provider:
    """One billing office's provider, with its options (office.provider_options).

    An attempt the family left on the provider's page stays live until the provider says it is
    over: `status()` is asked when the family wants to start again. A provider that cannot be
    asked (`status_known` False) has its attempts taken as abandoned `unanswered_after` their
    start, a wait the family is told; a confirmation that comes later is still recorded."""

    name: str = ""
    minimal_amount = Decimal("0.01")
    # The most one payment may ask for, None when the provider sets no limit of its own.
    maximal_amount: Decimal | None = None
    # The payer's e-mail address: whether the provider needs one, and its length bounds.
    email_required = False
    email_length = (0, 254)
    status_known = True
    # Whether the return page asks the provider where the payment stands (one throttled
    # server-to-server query) when no notification has come yet.
    status_on_return = False
    unanswered_after = timedelta(minutes=15)

    def display_name(self) -> str | Promise:
        """The provider as the family knows it, after "la page de paiement sécurisée de"."""
        return self.office.get_provider_display()

    def __init__(self, office: BillingOffice) -> None:
        self.office = office
        self.options = dict(office.provider_options or {})

    @classmethod
    def notification_lookup(cls, message: NotificationMessage) -> dict[str, str]:
        """Which payment an incoming notification claims to be about, before it is verified:
        only used to find the office whose keys verify it. Returns Payment lookups (e.g.
        {"reference": ...}); raises InvalidNotification when there is nothing to look for."""
        raise NotImplementedError

    def start(self, payment: Payment, return_url: str, notify_url: str) -> Redirect:
        raise NotImplementedError

    def handle_notification(self, message: NotificationMessage) -> Result:
        """Verify and read a notification sent by the provider; raises InvalidNotification."""
        raise NotImplementedError

    def status(self, payment: Payment) -> Result:
        """Ask the provider, server to server, where a payment stands. PENDING: it may still
        complete."""
        raise NotImplementedError

    def resume(self, payment: Payment) -> Redirect | None:
        """Where to send the family back to finish a pending attempt on the provider's page,
        or None when the provider cannot reopen it."""
        return None

    def final_by(self, payment: Payment) -> datetime:
        """When the provider's answer about an attempt will be final at the latest: a new
        attempt may start from then on whatever it says."""
        return payment.created_at + self.unanswered_after
