"""The grid when the session expired: a ticked cell (htmx) or the no-JS form sends the browser
to the login page, and logging in brings it back to the same week, with nothing changed."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from ribambelle.bookings.models import Booking
from ribambelle.bookings.tests.conftest import MONDAY
from ribambelle.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/ville-a/connexion/"
GRID = "/ville-a/reservations/"
SAVE = "/ville-a/reservations/enregistrer/"
THURSDAY = MONDAY + datetime.timedelta(days=3)
WEEK_PAGE = f"{GRID}?semaine={MONDAY.isoformat()}"


def next_of(url: str) -> str | None:
    parts = urlsplit(url)
    assert parts.path == LOGIN
    values = parse_qs(parts.query).get("next")
    return values[0] if values else None


def tick(child, activity, day=THURSDAY):
    cell = f"{child.pk}:{activity.pk}:{day.isoformat()}"
    return {
        "child": child.pk,
        "semaine": MONDAY.isoformat(),
        "shown": [cell],
        "cell": [cell],
        "toggle": cell,
    }


def log_in(client, user, next_url):
    return client.post(LOGIN, {"email": user.email, "password": PASSWORD, "next": next_url})


def test_htmx_tick_after_expiry_redirects_the_browser_to_login_and_back(
    frozen, alice, child_a, canteen
):
    client = Client()
    response = client.post(
        SAVE,
        tick(child_a, canteen),
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{WEEK_PAGE}"},
    )
    # Not a 302 (htmx would follow it and swap the login page into the grid): a 200 that
    # tells htmx to load the login page as a whole page.
    assert response.status_code == 200
    assert response.content == b""
    assert next_of(response["HX-Redirect"]) == WEEK_PAGE
    assert not Booking.objects.exists()

    page = client.get(response["HX-Redirect"])
    html = page.content.decode()
    assert "Votre session a expiré" in html and "n&#x27;a pas été enregistrée" in html
    assert f'name="next" value="{GRID}?semaine={MONDAY.isoformat()}"' in html

    back = log_in(client, alice, WEEK_PAGE)
    assert back.status_code == 302 and back["Location"] == WEEK_PAGE
    grid = client.get(back["Location"])
    assert grid.status_code == 200
    assert not Booking.objects.exists()
    # And the same tick now books.
    again = client.post(SAVE, tick(child_a, canteen), headers={"HX-Request": "true"})
    assert again.status_code == 200 and "1 jour réservé" in again.content.decode()
    assert list(Booking.objects.values_list("date", flat=True)) == [THURSDAY]


def test_plain_form_post_after_expiry_comes_back_to_the_grid_week(frozen, alice, child_a, canteen):
    """Without JavaScript and without a Referer (a privacy setting may strip it), the save
    URL itself knows the week it was posted from."""
    client = Client()
    response = client.post(SAVE, tick(child_a, canteen))
    assert response.status_code == 302
    assert next_of(response["Location"]) == WEEK_PAGE
    assert not Booking.objects.exists()
    back = log_in(client, alice, next_of(response["Location"]))
    assert back["Location"] == WEEK_PAGE
    assert client.get(back["Location"]).status_code == 200  # was a 405 on the save URL


def test_plain_form_post_prefers_its_own_week_over_the_referer(frozen, alice, child_a, canteen):
    client = Client()
    response = client.post(SAVE, tick(child_a, canteen), headers={"Referer": "/ville-a/"})
    assert next_of(response["Location"]) == WEEK_PAGE


@pytest.mark.parametrize(
    "current_url",
    [
        "https://evil.example/ville-a/reservations/",
        "http://testserver/ville-b/reservations/",
        "http://testserver/ville-a/../ville-b/",
        "http://testserver/ville-a/reservations/enregistrer/?x=1",
        "",
    ],
)
def test_htmx_current_url_elsewhere_falls_back_to_a_safe_page(
    frozen, municipality_b, child_a, canteen, current_url
):
    response = Client().post(
        SAVE,
        tick(child_a, canteen),
        headers={"HX-Request": "true", "HX-Current-URL": current_url},
    )
    assert response.status_code == 200
    # The week the form was posted from: a GET page of this municipality.
    assert next_of(response["HX-Redirect"]) == WEEK_PAGE


def test_staff_save_after_expiry_comes_back_to_the_households_grid(
    frozen, agent_a, household_a, child_a, canteen
):
    staff_save = f"/ville-a/gestion/familles/{household_a.pk}/reservations/enregistrer/"
    response = Client().post(staff_save, tick(child_a, canteen))
    assert next_of(response["Location"]) == (
        f"/ville-a/gestion/familles/{household_a.pk}/reservations/?semaine={MONDAY.isoformat()}"
    )
    assert not Booking.objects.exists()
