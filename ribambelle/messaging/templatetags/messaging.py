from django import template
from django.utils.safestring import mark_safe

from ribambelle.messaging.rules import sanitize_html

register = template.Library()


@register.filter
def message_html(value: str) -> str:
    """A stored body, sanitized on write, passed through the same safelist again before it is
    marked safe: a row written by anything other than the service cannot inject markup, and
    clean HTML comes out unchanged, so it renders the same everywhere."""
    return mark_safe(sanitize_html(value or ""))  # noqa: S308 - nh3 output only
