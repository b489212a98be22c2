"""Template side of core.french: {% load french %}, then, in a message,
{% blocktranslate with name=child.first_name de=child.first_name|elide:"de" %}Réservations
{{ de }}{{ name }}{% endblocktranslate %} gives « Réservations d'Inès »."""

from datetime import date

from django import template

from ribambelle.core import french

register = template.Library()


@register.filter
def elide(following: object, word: str) -> str:
    """ "d'" or "de " (the word given as argument) for the value it filters."""
    return french.elide(word, following)


@register.filter
def month_year(day: date | None) -> str:
    return french.month_year(day) if day else ""
