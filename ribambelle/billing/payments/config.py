"""An office's provider configuration as the payment code reads it: its mode (test or
production), the provider addresses we allow, its keys (encrypted at rest) and whether it may
change while attempts are in flight.

Production is the default: an office is in test mode only when it says so explicitly, and only
a test office (the demo bank's switch, `demo_enabled`, or DEBUG) may be: a test payment never
moves money, so it must never settle a real family's invoice."""

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.billing.models import BillingOffice, Payment
from ribambelle.billing.payments.demo import demo_allowed
from ribambelle.core.crypto import SecretUnreadable, secret_decrypt, secret_encrypt

logger = logging.getLogger(__name__)

# The signature keys, and the passwords of Payzen's REST API (its status web service, asked
# when a notification is late; optional).
SECRET_OPTIONS = ("secret_test", "secret_production", "secret_rest_test", "secret_rest_production")
PAYFIP_ORIGIN = "https://www.payfip.gouv.fr"
# The payment pages of the Payzen platform's brands we support: a compromised manager account
# must not be able to send families' card data anywhere else (the page's CSP form-action
# follows this address).
PAYZEN_URL = "https://secure.payzen.eu/vads-payment/"
SYSTEMPAY_URL = "https://paiement.systempay.fr/vads-payment/"
SERVICE_URLS = (PAYZEN_URL, SYSTEMPAY_URL)
# Each platform's REST API (server to server, never the family's browser): fixed by the chosen
# platform, never typed by a manager.
REST_API_URLS = {
    PAYZEN_URL: "https://api.payzen.eu/api-payment/V4/",
    SYSTEMPAY_URL: "https://api.systempay.fr/api-payment/V4/",
}
# Where a family may be sent to pay (its browser's form or link): nowhere else.
PROVIDER_ORIGINS = frozenset(
    [PAYFIP_ORIGIN, *("{0.scheme}://{0.netloc}".format(urlsplit(url)) for url in SERVICE_URLS)]
)
# Payzen's currency and operation: euros, a debit (never a refund posted to us).
PAYZEN_CURRENCY = "978"
PAYZEN_OPERATION = "DEBIT"
# How long after its start a pending attempt may still get the provider's answer: Payzen
# retries its notification for about an hour after the payment (which its page allows for
# 15 minutes); PayFiP answers "in progress" for two hours. Past this, an office may switch.
ANSWER_WINDOW: dict[str, timedelta] = {
    BillingOffice.Provider.PAYZEN.value: timedelta(hours=2),
    BillingOffice.Provider.PAYFIP.value: timedelta(hours=2, minutes=15),
}


def test_mode_allowed(office: BillingOffice) -> bool:
    """Only a test municipality's office (like the demo bank) may take test payments."""
    return demo_allowed(office)


def office_test_mode(provider: str, options: Mapping[str, Any]) -> bool:
    """Whether an office's options put its provider in test mode; missing means production."""
    if provider == BillingOffice.Provider.PAYFIP:
        return options.get("saisie") == "T"
    if provider == BillingOffice.Provider.PAYZEN:
        return options.get("vads_ctx_mode") == "TEST"
    return False


def service_url_allowed(url: str) -> bool:
    return url in SERVICE_URLS


def origin_allowed(url: str) -> bool:
    """Whether the family's browser may be sent to this provider address (CSP form-action)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" in PROVIDER_ORIGINS


def payzen_key_valid(value: str) -> bool:
    """As eopayment checks a Payzen/Systempay key (letters and digits), with the length the
    platforms give (16 characters; longer keys are accepted, never shorter than 16)."""
    return value.isascii() and value.isalnum() and 16 <= len(value) <= 64


_REST_PASSWORD = {
    "test": re.compile(r"^testpassword_[A-Za-z0-9]{16,120}$"),
    "production": re.compile(r"^prodpassword_[A-Za-z0-9]{16,120}$"),
}


def payzen_rest_password_valid(value: str, mode: str) -> bool:
    """A REST API password as the platforms give it: "testpassword_" or "prodpassword_" (the
    mode's, "test" or "production") followed by letters and digits."""
    return bool(_REST_PASSWORD[mode].match(value))


def rest_api_url(service_url: str) -> str:
    """The REST API of the platform whose payment page is service_url (allowed pages only)."""
    return REST_API_URLS[service_url]


def options_encrypt(
    options: Mapping[str, Any], saved: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """provider_options as stored: the keys encrypted (see ribambelle.core.crypto). A key equal
    to the saved one keeps its saved form, so saving again changes nothing."""
    stored = dict(options)
    saved = saved or {}
    for key in SECRET_OPTIONS:
        if not stored.get(key):
            continue
        if saved.get(key) and _same_secret(str(saved[key]), str(stored[key])):
            stored[key] = saved[key]
        else:
            stored[key] = secret_encrypt(str(stored[key]))
    return stored


def _same_secret(stored: str, value: str) -> bool:
    if stored == value:
        return True
    try:
        return secret_decrypt(stored) == secret_decrypt(value)
    except SecretUnreadable:
        return False


def options_decrypt(office: BillingOffice) -> dict[str, Any]:
    """The office's options with its keys in clear, for the provider. A key that can no
    longer be read (the secrets key changed) is left out and logged: verifying with it then
    fails as for a missing key."""
    options = dict(office.provider_options or {})
    for key in SECRET_OPTIONS:
        if not options.get(key):
            options.pop(key, None)
            continue
        try:
            options[key] = secret_decrypt(str(options[key]))
        except SecretUnreadable:
            logger.error(
                "billing office %s: its %s cannot be decrypted (RIBAMBELLE_SECRETS_KEY changed?)",
                office.pk,
                key,
            )
            options.pop(key)
    return options


def office_ready(office: BillingOffice) -> bool:
    """Whether the office's provider settings allow taking payments now: a test mode only for
    a test office, and for Payzen the key of its mode readable."""
    options = office.provider_options or {}
    if office_test_mode(office.provider, options) and not test_mode_allowed(office):
        return False
    if office.provider == BillingOffice.Provider.PAYFIP:
        numcli = str(options.get("numcli") or "")
        return numcli.isdigit() and len(numcli) == 6
    if office.provider == BillingOffice.Provider.PAYZEN:
        mode = "test" if office_test_mode(office.provider, options) else "production"
        if not options_decrypt(office).get(f"secret_{mode}"):
            return False
        url = options.get("service_url") or PAYZEN_URL
        return service_url_allowed(url)
    return True


# What verifying an in-flight attempt's answer depends on: changing one while an attempt may
# still be answered would make its answer unverifiable (docs/decisions/0012).
VERIFIED_OPTIONS = ("numcli", "vads_site_id", "signature_algo")


def answerable_attempts(office: BillingOffice, now: datetime | None = None) -> QuerySet[Payment]:
    """The office's pending online attempts that the provider may still answer about."""
    now = now or timezone.now()
    window = ANSWER_WINDOW.get(office.provider, timedelta(0))
    return Payment.objects.filter(
        invoice__office=office,
        method=Payment.Method.ONLINE,
        status=Payment.Status.PENDING,
        provider=office.provider,
        created_at__gt=now - window,
    ).order_by("created_at")


def switch_breaks_attempts(
    office: BillingOffice, provider: str, options: Mapping[str, Any]
) -> bool:
    """Whether saving these settings would leave an in-flight attempt unverifiable: another
    provider, or another shop, mode or algorithm, or the key of the current mode removed."""
    saved = office.provider_options or {}
    if not office.provider or office.provider == BillingOffice.Provider.DEMO:
        return False
    changed = (
        provider != office.provider
        or any(saved.get(key) != options.get(key) for key in VERIFIED_OPTIONS)
        or office_test_mode(provider, options) != office_test_mode(office.provider, saved)
    )
    if not changed and office.provider == BillingOffice.Provider.PAYZEN:
        mode = "test" if office_test_mode(office.provider, saved) else "production"
        changed = bool(saved.get(f"secret_{mode}")) and not options.get(f"secret_{mode}")
    return changed and answerable_attempts(office).exists()


def switch_refusal(office: BillingOffice, provider: str, options: Mapping[str, Any]) -> str:
    """Why these settings cannot be saved now (empty: they can): a test mode for an office that
    is not a test office, or an attempt the provider may still answer about left unverifiable
    (docs/decisions/0012)."""
    if office_test_mode(provider, options) and not test_mode_allowed(office):
        return _("Seule une collectivité de test a un mode test : choisissez la production.")
    if not office.pk or not switch_breaks_attempts(office, provider, options):
        return ""
    # Imported here: attempts reads the registry, which reads this module.
    from ribambelle.billing.payments.attempts import at_time

    latest = answerable_attempts(office).last()
    assert latest is not None
    window = ANSWER_WINDOW.get(office.provider, timedelta(0))
    return _(
        "Des paiements en ligne de cette régie sont encore en cours (le dernier commencé "
        "%(when)s) : la banque peut encore envoyer leur résultat, qui ne pourrait plus être "
        "vérifié après ce changement de prestataire, de boutique, de mode ou de clé. "
        "Réessayez %(after)s."
    ) % {"when": at_time(latest.created_at), "after": at_time(latest.created_at + window)}


def secrets_audited(
    before: Mapping[str, Any], after: Mapping[str, Any], snapshot: dict[str, Any]
) -> dict[str, Any]:
    """The audit snapshot of provider_options (keys masked) with a replaced key said so: the
    masked values alone ("***" before and after) would hide the change."""
    masked = dict(snapshot)
    for key in SECRET_OPTIONS:
        if before.get(key) and after.get(key) and before[key] != after[key]:
            masked[key] = _("modifiée")
    return masked
