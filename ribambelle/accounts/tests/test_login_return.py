"""Where a user comes back to after logging in: the page they were on when their session
expired (never a POST-only or partial URL), and never another site or municipality whatever
`next` says. htmx requests get an HX-Redirect that the browser follows as a whole page."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from ribambelle.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/ville-a/connexion/"
WEEK_PAGE = "/ville-a/reservations/?semaine=2026-11-23"


def next_of(url: str) -> str | None:
    parts = urlsplit(url)
    assert parts.path == LOGIN
    values = parse_qs(parts.query).get("next")
    return values[0] if values else None


def log_in(client, user, next_url):
    return client.post(LOGIN, {"email": user.email, "password": PASSWORD, "next": next_url})


def test_a_post_without_any_page_to_come_back_to_goes_home_after_login(alice, municipality_a):
    client = Client()
    response = client.post("/ville-a/compte/", {})
    assert response.status_code == 302
    assert next_of(response["Location"]) is None
    back = log_in(client, alice, "")
    assert back["Location"] == "/ville-a/"


def test_plain_page_still_comes_back_to_itself(municipality_a):
    response = Client().get(WEEK_PAGE)
    assert response.status_code == 302
    assert next_of(response["Location"]) == WEEK_PAGE
    assert "HX-Redirect" not in response


HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/ville-a/",
    "///evil.example/ville-a/",
    "/\\evil.example/ville-a/",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "http://evil.example/ville-a/",
    "http://testserver.evil.example/ville-a/",
    "/ville-b/",
    "/ville-a/../ville-b/",
    "/ville-a/%2e%2e/ville-b/",
    "/ville-a/%2E%2E/ville-b/",
    "/ville-a/./../ville-b/",
    "/ville-a//evil.example",
    "/ville-ab/",
    "/ville-a/connexion/",
    "/ville-a/reservations/enregistrer/",
    "/ville-a/does-not-exist/",
    "/ville-a/compte/\r\nSet-Cookie: x=1",
    "\t//evil.example",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_next_lands_on_home(alice, municipality_a, municipality_b, target):
    client = Client()
    page = client.get(LOGIN, {"next": target}).content.decode()
    assert 'name="next" value=""' in page
    response = log_in(client, alice, target)
    assert response.status_code == 302
    assert response["Location"] == "/ville-a/"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/ville-a/compte/", "/ville-a/compte/"),
        (WEEK_PAGE, WEEK_PAGE),
        ("http://testserver/ville-a/compte/?a=1#top", "/ville-a/compte/?a=1"),
    ],
)
def test_next_of_this_municipality_is_followed(alice, municipality_a, target, expected):
    assert log_in(Client(), alice, target)["Location"] == expected


@pytest.mark.parametrize(
    ("user", "target", "expected"),
    [
        ("agent_a", WEEK_PAGE, "/ville-a/gestion/"),
        ("agent_a", "/ville-a/gestion/familles/", "/ville-a/gestion/familles/"),
        ("alice", "/ville-a/gestion/familles/", "/ville-a/"),
        ("alice", "/ville-a/compte/", "/ville-a/compte/"),
        ("agent_a", "/ville-a/compte/", "/ville-a/compte/"),
    ],
)
def test_next_that_the_role_may_not_open_lands_on_home(request, user, target, expected):
    """A staff member whose session expired on a parents' page (a shared tablet) is not sent to a
    403 after logging in, nor a parent to a staff page."""
    assert log_in(Client(), request.getfixturevalue(user), target)["Location"] == expected


# Every endpoint of a municipality, at once.


def _tenant_paths(slug: str) -> list[str]:
    """A concrete path for every URL under /<slug>/ (converters filled with dummy values)."""
    fill = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000000"}

    def concrete(route: str) -> str:
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: fill.get(m.group(1) or "str", "x"), route)

    def walk(patterns, prefix):
        for entry in patterns:
            route = concrete(str(entry.pattern))
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                yield prefix + route

    for top in get_resolver().url_patterns:
        if isinstance(top, URLResolver) and "municipality_slug" in str(top.pattern):
            return sorted(set(walk(top.url_patterns, f"/{slug}/")))
    raise AssertionError("no tenant URLs")


def test_every_endpoint_sends_anonymous_htmx_to_login_with_the_current_page(municipality_a):
    client = Client()
    current = WEEK_PAGE
    redirected = 0
    for path in _tenant_paths("ville-a"):
        for method in ("get", "post"):
            response = getattr(client, method)(
                path,
                headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{current}"},
            )
            location = response.get("Location", "")
            if path == "/ville-a/deconnexion/":
                continue  # a plain form that goes to the login page by design, never htmx
            assert not (300 <= response.status_code < 400 and LOGIN in location), (
                f"{method.upper()} {path} answers a redirect that htmx would swap in"
            )
            if "HX-Redirect" in response:
                assert response.status_code == 200, path
                assert next_of(response["HX-Redirect"]) == current, path
                redirected += 1
    # Sanity: the walk reached the protected pages (families, bookings, billing, staff).
    assert redirected > 40
    assert "/ville-a/reservations/enregistrer/" in _tenant_paths("ville-a")
