from django import template
from django.forms.boundfield import BoundWidget
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ribambelle.families.selectors import signup_open

register = template.Library()


@register.inclusion_tag("families/signup/_link.html")
def signup_link(municipality):
    """The "Nouvelle famille ?" link of the login page, when the municipality allows sign-up."""
    return {
        "municipality": municipality,
        "show": municipality is not None and signup_open(municipality),
    }


@register.filter
def choice_input(radio: BoundWidget) -> SafeString:
    """`{{ radio.tag }}` of a radio button (Django's input.html and attrs.html templates), drawn
    here: through the form renderer, each button was a template rendering of its own, a tenth
    of a child's page for its consents. Same markup (see the tests), every value escaped."""
    data = radio.data
    attrs = "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in data["attrs"].items()
        if value is not False
    )
    value = f' value="{escape(data["value"])}"' if data["value"] is not None else ""
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<input type="{escape(data["type"])}" name="{escape(data["name"])}"{value}{attrs}>'
    )
