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
