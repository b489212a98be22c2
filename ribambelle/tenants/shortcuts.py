from django.urls import reverse

from ribambelle.tenants.models import Municipality


def tenant_reverse(municipality: Municipality, name: str, **kwargs) -> str:
    """reverse() for a URL under /<slug>/."""
    return reverse(name, kwargs={"municipality_slug": municipality.slug, **kwargs})
