from django import template

from ribambelle.families.selectors import signup_open

register = template.Library()


@register.inclusion_tag("families/signup/_link.html")
def signup_link(municipality):
    """The "Nouvelle famille ?" link of the login page, when the municipality allows sign-up."""
    return {
        "municipality": municipality,
        "show": municipality is not None and signup_open(municipality),
    }
