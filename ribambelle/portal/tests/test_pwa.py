"""The installable portal on the server side: the manifest of each municipality, the service
worker and its offline page. tests/test_browser_pwa.py runs them in Chromium."""

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def url(name, municipality):
    return reverse(f"portal:{name}", args=[municipality.slug])


def worker_config(response) -> dict:
    script = response.content.decode()
    return json.loads(script.split("var CONFIG = ", 1)[1].split(";\n", 1)[0])


def test_manifest_of_each_municipality(client, municipality_a, municipality_b):
    response = client.get(url("manifest", municipality_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "Ville A – Portail famille"
    assert data["short_name"] == "Ville A"
    assert data["start_url"] == data["scope"] == "/ville-a/"
    assert data["display"] == "standalone"
    assert data["theme_color"] == "#1d4f91"
    purposes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert purposes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    other = json.loads(client.get(url("manifest", municipality_b)).content)
    assert other["start_url"] == "/ville-b/" and other["short_name"] == "Ville B"


def test_manifest_icons_exist_at_their_size(client, municipality_a):
    from django.contrib.staticfiles import finders
    from PIL import Image

    for icon in json.loads(client.get(url("manifest", municipality_a)).content)["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path is not None, icon["src"]
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
            assert image.format == "PNG"


def test_unknown_or_closed_municipality_has_no_manifest(client, municipality_a):
    assert client.get("/nowhere/manifest.webmanifest").status_code == 404
    municipality_a.is_active = False
    municipality_a.save()
    assert client.get(url("manifest", municipality_a)).status_code == 404
    assert client.get(url("service_worker", municipality_a)).status_code == 404


def test_every_page_links_the_manifest_and_registers_the_worker(alice_client, municipality_a):
    html = alice_client.get(url("home", municipality_a)).content.decode()
    assert '<link rel="manifest" href="/ville-a/manifest.webmanifest">' in html
    assert 'data-service-worker="/ville-a/service-worker.js"' in html
    assert '<meta name="theme-color"' in html


def test_service_worker_lists_static_assets_and_the_offline_page_only(client, municipality_a):
    response = client.get(url("service_worker", municipality_a))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    config = worker_config(response)
    assert config["offlineUrl"] == "/ville-a/hors-ligne/"
    assert config["assets"] and all(item.startswith("/static/") for item in config["assets"])
    assert config["staticPrefix"] == "/static/"
    assert 'credentials: "omit"' in response.content.decode()


def test_service_worker_of_another_municipality_has_its_own_cache(client, municipality_b):
    config = worker_config(client.get(url("service_worker", municipality_b)))
    assert config["cachePrefix"] == "ribambelle-ville-b-"
    assert config["offlineUrl"] == "/ville-b/hors-ligne/"


def test_offline_page_is_anonymous_and_in_french(client, municipality_a):
    response = client.get(url("offline", municipality_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vous êtes hors ligne" in html
    assert "Se déconnecter" not in html


def test_offline_page_is_never_stored_for_a_signed_in_person(alice_client, municipality_a):
    response = alice_client.get(url("offline", municipality_a))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["manifest", "service_worker", "offline"])
def test_public_resources_answer_get_only(client, municipality_a, name):
    assert client.post(url(name, municipality_a)).status_code == 405
