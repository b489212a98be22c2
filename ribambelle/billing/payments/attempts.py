"""A pending online attempt as the family's pages show it: when it started, whether the
provider's page can be reopened, and when a new attempt may start.

A family who left the bank's page without choosing must not be stuck in front of a "Payer"
that says no without saying why or until when."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.billing.models import Payment
from ribambelle.billing.payments.registry import provider_of


def at_time(value: datetime) -> str:
    """'à 14 h 05' today, 'le 03/12/2026 à 14 h 05' another day, in Europe/Paris."""
    local = timezone.localtime(value)
    clock = _("%(hour)s h %(minute)s") % {"hour": local.hour, "minute": f"{local.minute:02d}"}
    clock = clock.replace(" ", "\N{NO-BREAK SPACE}")
    if local.date() == timezone.localdate():
        return _("à %(time)s") % {"time": clock}
    return _("le %(date)s à %(time)s") % {"date": f"{local:%d/%m/%Y}", "time": clock}


@dataclass(frozen=True)
class LiveAttempt:
    payment: Payment
    started: str  # "à 14 h 05"
    provider_name: str
    can_resume: bool
    # None: the provider is asked when the family starts again; else the stated wait.
    restart_at: str | None


def live_attempt(payment: Payment | None, now: datetime | None = None) -> LiveAttempt | None:
    """None when there is no attempt, or when its stated wait is over (a new "Payer" closes
    it)."""
    if payment is None or payment.status != Payment.Status.PENDING:
        return None
    now = now or timezone.now()
    provider = provider_of(payment)
    if provider is None:
        return None
    restart_at = None
    if not provider.status_known:
        final_by = provider.final_by(payment)
        if now >= final_by:
            return None
        restart_at = at_time(final_by)
    return LiveAttempt(
        payment=payment,
        started=at_time(payment.created_at),
        provider_name=str(provider.display_name()),
        can_resume=provider.resume(payment) is not None,
        restart_at=restart_at,
    )
