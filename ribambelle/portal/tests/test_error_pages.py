import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_404_is_french_and_branded(client, municipality_a):
    response = client.get("/ville-a/nulle-part/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html and "Ville A" in html


def test_403_is_french(alice_client, municipality_a):
    response = alice_client.get(reverse("backoffice:home", args=[municipality_a.slug]))
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_csrf_failure_is_french(alice, municipality_a):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login", args=[municipality_a.slug]),
        {"email": alice.email, "password": "x"},
    )
    assert response.status_code == 403
    assert "Formulaire expiré" in response.content.decode()


def test_csrf_failure_of_an_htmx_request_reloads_the_page(alice, municipality_a):
    """A page whose token went stale (a login in another tab rotates it): htmx would swap
    nothing on a 403, so the page is reloaded, with a message."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(
        "/ville-a/reservations/enregistrer/", {"child": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    page = client.get("/ville-a/").content.decode()
    assert "La page avait expiré : elle a été rechargée." in page
