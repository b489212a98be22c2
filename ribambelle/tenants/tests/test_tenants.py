import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ribambelle.tenants.selectors import municipalities_matching

pytestmark = pytest.mark.django_db


def test_unknown_slug_is_404(client, municipality_a):
    for path in ("/inconnue/", "/inconnue/connexion/", "/inconnue/gestion/"):
        assert client.get(path).status_code == 404


def test_closed_portal_is_404(client, municipality_a):
    municipality_a.is_active = False
    municipality_a.save()
    assert client.get(reverse("accounts:login", args=[municipality_a.slug])).status_code == 404


def test_root_finds_portal_by_name_city_or_postal_code(client, municipality_a, municipality_b):
    municipality_a.city, municipality_a.postal_code = "Villeneuve", "47300"
    municipality_a.save()
    page = client.get("/").content.decode()
    assert "Trouver le portail famille" in page and "Ville A" not in page
    for query in ("ville a", "VILLENEUVE", "473"):
        html = client.get("/", {"q": query}).content.decode()
        assert reverse("accounts:login", args=[municipality_a.slug]) in html, query
    html = client.get("/", {"q": "zzz"}).content.decode()
    assert "Aucune commune ne correspond" in html


def test_root_finder_skips_closed_portals_and_short_queries(municipality_a):
    assert municipalities_matching("V") == []
    municipality_a.is_active = False
    municipality_a.save()
    assert municipalities_matching("Ville A") == []


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "#1d4f91").save(buffer, format="PNG")
    return buffer.getvalue()


def test_logo_is_served_with_nosniff(client, municipality_a):
    url = reverse("municipality_logo", args=[municipality_a.slug])
    assert client.get(url).status_code == 404
    municipality_a.logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
    municipality_a.full_clean()
    municipality_a.save()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        'class="brand__logo"'
        in client.get(reverse("accounts:login", args=[municipality_a.slug])).content.decode()
    )


def test_logo_must_be_an_image(municipality_a):
    from django.core.exceptions import ValidationError

    municipality_a.logo = SimpleUploadedFile("logo.png", b"<script>alert(1)</script>")
    with pytest.raises(ValidationError):
        municipality_a.full_clean()
