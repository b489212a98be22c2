"""The shell's account menu, main band and footer drawn in Python (portal.shell_html) are the
markup `base.html` drew with the template engine: compared with that template, kept here, for
parents, staff, anonymous visitors and the platform's root, in both languages, with texts that
must be escaped."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from ribambelle.accounts.models import Role
from ribambelle.conftest import make_user
from ribambelle.portal import shell_html

pytestmark = pytest.mark.django_db

# base.html's account menu, band and footer, as the template engine drew them.
TEMPLATE = (Path(__file__).parent / "shell_template.html").read_text(encoding="utf-8")

DRAWN = "{% load shell %}{% shell_account_menu %}{% shell_nav %}{% shell_footer %}"


def normalized(markup: str) -> str:
    """Markup without the template's indentation: whitespace between tags dropped, runs of
    whitespace made one space. A page's CSRF token is masked afresh for each rendering: one
    token, the same in every form of the page, is checked, then left out."""
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', markup))
    assert len(tokens) == 1, tokens
    markup = markup.replace(tokens.pop(), "TOKEN")
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", markup)).strip()


def both(request) -> tuple[str, str]:
    engine = engines["django"]
    expected = engine.from_string(TEMPLATE).render({}, request)
    drawn = engine.from_string(DRAWN).render({}, request)
    return normalized(expected), normalized(drawn)


def request_for(path: str, user, municipality):
    request = RequestFactory().get(path, {"retour": "<b>&'\""}, secure=True)
    request.user = user
    if municipality is not None:
        request.municipality = municipality
    return request


@pytest.fixture
def tricky(municipality_a):
    municipality_a.name = 'Saint-Jean & <Fleurs> "d\'Or"'
    municipality_a.phone = "01 23 45 67 89"
    municipality_a.email = "enfance+o'hara@ville-a.fr"
    municipality_a.save()
    return municipality_a


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "path",
    ["/ville-a/", "/ville-a/enfants/", "/ville-a/documents/categorie/1/", "/ville-a/factures/"],
)
def test_a_parents_shell_is_the_templates(tricky, household_a, alice, language, path):
    alice.email = "alice+<b>@example.org"
    alice.save()
    with translation.override(language):
        expected, drawn = both(request_for(path, alice, tricky))
    assert 'aria-current="page"' in drawn
    assert "main-nav__more" in drawn and "account-menu" in drawn
    assert drawn == expected


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER])
def test_a_staff_members_shell_is_the_templates(tricky, role):
    user = make_user(tricky, f"{role}@ville-a.fr", role)
    expected, drawn = both(request_for("/ville-a/gestion/familles/", user, tricky))
    assert "main-nav--bar" not in drawn and "account-menu" in drawn
    assert drawn == expected


def test_an_anonymous_visitors_shell_is_the_templates(tricky):
    expected, drawn = both(request_for("/ville-a/connexion/", AnonymousUser(), tricky))
    assert "account-menu" not in drawn and "<nav" not in drawn
    assert drawn == expected


def test_a_user_of_another_municipality_gets_no_menu_here(tricky, charlie):
    expected, drawn = both(request_for("/ville-a/connexion/", charlie, tricky))
    assert "account-menu" not in drawn
    assert drawn == expected


def test_the_roots_shell_is_the_templates(db):
    expected, drawn = both(request_for("/", AnonymousUser(), None))
    assert "site-footer" in drawn and "Ribambelle" in drawn
    assert drawn == expected


def test_shell_urls_are_those_reverse_gives():
    from django.urls import reverse

    assert shell_html.shell_url("accounts:logout", "ville-a") == reverse(
        "accounts:logout", kwargs={"municipality_slug": "ville-a"}
    )
    assert shell_html.shell_url("set_language") == reverse("set_language")
