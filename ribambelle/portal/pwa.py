"""The installable portal: the web app manifest of each municipality and the service worker.

The service worker keeps only what every visitor gets alike: the static assets the shell needs
and one offline page rendered for nobody in particular. Pages, files and API answers are never
stored, so a cut network shows "Vous êtes hors ligne", never a stale child record."""

import hashlib

from django.templatetags.static import static
from django.utils.translation import gettext as _

from ribambelle.tenants.models import Municipality
from ribambelle.tenants.shortcuts import tenant_reverse

THEME_COLOUR = "#1d4f91"
BACKGROUND_COLOUR = "#ffffff"
# The static assets every page of the shell loads: cached when the service worker installs.
SHELL_ASSETS = (
    "ribambelle/app.css",
    "ribambelle/app.js",
    "ribambelle/favicon.svg",
    "ribambelle/icons/icon-192.png",
    "django_htmx/htmx-2.min.js",
    "django_htmx/django-htmx.js",
)
ICONS = (
    ("ribambelle/icons/icon-192.png", "192x192", "any"),
    ("ribambelle/icons/icon-512.png", "512x512", "any"),
    ("ribambelle/icons/icon-maskable-512.png", "512x512", "maskable"),
)


def manifest_data(municipality: Municipality) -> dict[str, object]:
    home = tenant_reverse(municipality, "portal:home")
    return {
        "id": home,
        "name": _("%(name)s – Portail famille") % {"name": municipality.name},
        "short_name": municipality.name,
        "description": _(
            "Réservations, factures, documents et messages des services enfance de %(name)s."
        )
        % {"name": municipality.name},
        "lang": "fr",
        "dir": "ltr",
        "start_url": home,
        "scope": home,
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }


def shell_assets() -> list[str]:
    return [static(path) for path in SHELL_ASSETS]


def cache_version(municipality: Municipality, assets: list[str], offline_url: str) -> str:
    """Changes whenever a cached URL does (a new deployment's hashed static names), so that the
    new worker replaces the old cache instead of serving stale assets."""
    seed = "\n".join([municipality.slug, offline_url, *assets])
    return hashlib.sha256(seed.encode()).hexdigest()[:16]
