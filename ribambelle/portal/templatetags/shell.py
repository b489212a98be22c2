"""The shell's account menu, main band and footer, drawn in Python (`portal.shell_html`)."""

from django import template
from django.utils.safestring import SafeString

from ribambelle.portal import shell_html

register = template.Library()


@register.simple_tag
def shell_url(name: str, slug: str | None = None) -> str:
    """`{% url name municipality_slug=slug %}`, memoized (the shell's URLs on every page)."""
    return shell_html.shell_url(name, slug)


@register.simple_tag(takes_context=True)
def shell_account_menu(context) -> SafeString:
    return shell_html.account_menu(context)


@register.simple_tag(takes_context=True)
def shell_nav(context) -> SafeString:
    return shell_html.main_nav(context)


@register.simple_tag(takes_context=True)
def shell_footer(context) -> SafeString:
    return shell_html.footer(context)
