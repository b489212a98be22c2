"""French elision: the table of what a name, a month or a noun does to the word before it."""

from datetime import date

import pytest
from django.template import Context, Template
from django.utils import translation

from ribambelle.core.french import (
    elide,
    month_year,
    starts_with_vowel_sound,
    with_elision,
    without_repeated_noun,
)


@pytest.mark.parametrize(
    ("word", "following", "expected"),
    [
        # vowels, plain and accented, lower and upper case
        ("de", "Inès", "d'Inès"),
        ("de", "Alice", "d'Alice"),
        ("de", "Emma", "d'Emma"),
        ("de", "Ursule", "d'Ursule"),
        ("de", "Océane", "d'Océane"),
        ("de", "Élodie", "d'Élodie"),
        ("de", "Éloïse Martin", "d'Éloïse Martin"),
        ("de", "Îlona", "d'Îlona"),
        ("de", "Œnone", "d'Œnone"),
        ("de", "ÉCOLE", "d'ÉCOLE"),
        # consonants
        ("de", "Léa", "de Léa"),
        ("de", "Bob", "de Bob"),
        ("de", "Zoé", "de Zoé"),
        # y: before a consonant it is a vowel, before a vowel it is not
        ("de", "Yves", "d'Yves"),
        ("de", "Yvonne", "d'Yvonne"),
        ("de", "Yasmine", "de Yasmine"),
        ("de", "Yann", "de Yann"),
        ("de", "Yoann", "de Yoann"),
        # h: mute in the list, aspirated otherwise
        ("de", "Hugo", "d'Hugo"),
        ("de", "Hélène", "d'Hélène"),
        ("de", "Henri", "d'Henri"),
        ("de", "Haddad", "de Haddad"),
        ("de", "Hollande", "de Hollande"),
        ("le", "hall", "le hall"),
        ("le", "hôtel de ville", "l'hôtel de ville"),
        # months
        ("de", "janvier 2027", "de janvier 2027"),
        ("de", "avril 2026", "d'avril 2026"),
        ("de", "août 2026", "d'août 2026"),
        ("de", "octobre 2026", "d'octobre 2026"),
        ("de", "novembre 2026", "de novembre 2026"),
        # articles and other elided words
        ("la", "école Jules-Ferry", "l'école Jules-Ferry"),
        ("le", "accueil du soir", "l'accueil du soir"),
        ("la", "cantine", "la cantine"),
        ("que", "Hugo", "qu'Hugo"),
        ("que", "Marie", "que Marie"),
        ("jusque", "au 3 mai", "jusqu'au 3 mai"),
        # sentence start keeps its capital
        ("De", "Inès", "D'Inès"),
        ("Le", "enfant", "L'enfant"),
        ("La", "mairie", "La mairie"),
        # what never elides
        ("de", "onze enfants", "de onze enfants"),
        ("de", "8 ans", "de 8 ans"),
        ("de", "", "de "),
        ("de", "« Accueil »", "de « Accueil »"),
        ("pour", "Inès", "pour Inès"),
        ("à", "Issy", "à Issy"),
    ],
)
def test_with_elision(word, following, expected):
    assert with_elision(word, following) == expected


def test_elide_gives_only_the_small_word():
    assert elide("de", "Inès") == "d'"
    assert elide("de", "Léa") == "de "


def test_non_text_values_are_read_as_text():
    class Child:
        def __str__(self):
            return "Isaac"

    assert starts_with_vowel_sound(Child())
    assert not starts_with_vowel_sound(None)


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 11, 1), "novembre 2026"), (date(2026, 8, 31), "août 2026")],
)
def test_month_year_in_words(day, expected):
    with translation.override("fr"):
        assert month_year(day) == expected


def test_template_filters():
    template = Template(
        '{% load french %}{% autoescape off %}Réservations {{ name|elide:"de" }}{{ name }}, '
        'factures {{ month|month_year|elide:"de" }}{{ month|month_year }}{% endautoescape %}'
    )
    with translation.override("fr"):
        text = template.render(Context({"name": "Inès", "month": date(2026, 10, 1)}))
    assert text == "Réservations d'Inès, factures d'octobre 2026"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("École Jules-Ferry", "Jules-Ferry"),
        ("ecole maternelle Pasteur", "maternelle Pasteur"),
        ("Jules-Ferry", "Jules-Ferry"),
        ("Groupe scolaire Pasteur", "Groupe scolaire Pasteur"),
        ("École", "École"),
    ],
)
def test_without_repeated_noun(name, expected):
    assert without_repeated_noun("école", name) == expected
