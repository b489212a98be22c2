from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_check(app_configs, **kwargs):
    """Links in e-mails are built from SITE_URL: in production it must be the public HTTPS
    address, not the development default."""
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme != "https" or parts.hostname in {"127.0.0.1", "localhost", None}:
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: links in e-mails will not reach families.",
                hint="Set SITE_URL to the portal's public address, e.g. https://portail.example.fr",
                id="ribambelle.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def background_work_check(app_configs, **kwargs):
    """Inline tasks make a request wait for its e-mails, and the wait tells whether an e-mail
    address has an account."""
    warnings = []
    if settings.TASKS_BACKEND == "immediate":
        warnings.append(
            Warning(
                "TASKS_BACKEND=immediate: e-mails are sent inside the request.",
                hint="Use TASKS_BACKEND=database and run `manage.py db_worker`.",
                id="ribambelle.W002",
            )
        )
    if settings.EMAIL_MODE == "mailbox":
        warnings.append(
            Warning(
                "EMAIL_MODE=mailbox: e-mails are written to disk and never sent.",
                hint="Use EMAIL_MODE=smtp with EMAIL_HOST and its credentials.",
                id="ribambelle.W003",
            )
        )
    return warnings


@register(Tags.security, deploy=True)
def secrets_key_check(app_configs, **kwargs):
    """The payment providers' keys are encrypted under RIBAMBELLE_SECRETS_KEY; derived from
    SECRET_KEY instead, rotating SECRET_KEY would make them unreadable."""
    if not getattr(settings, "SECRETS_KEYS", None):
        return [
            Warning(
                "RIBAMBELLE_SECRETS_KEY is not set: the providers' keys are encrypted with a "
                "key derived from SECRET_KEY, and changing SECRET_KEY makes them unreadable.",
                hint="Set RIBAMBELLE_SECRETS_KEY to a long random string and back it up.",
                id="ribambelle.W004",
            )
        ]
    return []
