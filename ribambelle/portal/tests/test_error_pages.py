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
