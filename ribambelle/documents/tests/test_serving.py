"""How a published document's file is served, per type (docs/decisions/0008): a PDF, JPEG or
PNG whose bytes say so opens in the browser; anything else (a stored type that lies, SVG, HTML,
office files) is downloaded as bytes of no particular type; never sniffed, never cached."""

import datetime
import io
from urllib.parse import unquote

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from ribambelle.documents.models import Document
from ribambelle.documents.tests.conftest import MONDAY, PDF

pytestmark = pytest.mark.django_db


def image_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "orange").save(buffer, kind)
    return buffer.getvalue()


PNG, JPEG = image_bytes("PNG"), image_bytes("JPEG")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="1"/></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
ODT = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64
ODT_TYPE = "application/vnd.oasis.opendocument.text"

# (stored bytes, stored type, original name, disposition, served type, file name)
CASES = {
    "pdf": (PDF, "application/pdf", "menu.pdf", "inline", "application/pdf", "Menu.pdf"),
    "png": (PNG, "image/png", "plan.png", "inline", "image/png", "Menu.png"),
    "jpeg": (JPEG, "image/jpeg", "photo.jpeg", "inline", "image/jpeg", "Menu.jpg"),
    "html said pdf": (HTML, "application/pdf", "menu.pdf", "attachment", None, "Menu.pdf"),
    "png said jpeg": (PNG, "image/jpeg", "photo.jpg", "attachment", None, "Menu.jpg"),
    "svg": (SVG, "image/svg+xml", "logo.svg", "attachment", None, "Menu.svg"),
    "html": (HTML, "text/html", "page.html", "attachment", None, "Menu.html"),
    "odt": (ODT, ODT_TYPE, "Règlement.odt", "attachment", None, "Menu.odt"),
    "no extension": (HTML, "text/plain", "LISEZMOI", "attachment", None, "Menu"),
}


def stored(category, content: bytes, content_type: str, original_name: str, title="Menu"):
    return Document.objects.create(
        municipality=category.municipality,
        category=category,
        title=title,
        file=ContentFile(content, name="stored.bin"),
        original_name=original_name,
        content_type=content_type,
        size=len(content),
        published_on=MONDAY - datetime.timedelta(days=1),
    )


def filename_star(disposition: str) -> str:
    return unquote(disposition.split("filename*=UTF-8''", 1)[1])


@pytest.mark.parametrize("case", CASES)
def test_served_per_type(frozen, alice_client, household_a, menus, case):
    content, declared, original, disposition, served_as, filename = CASES[case]
    document = stored(menus, content, declared, original)
    response = alice_client.get(f"/ville-a/documents/fichier/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == (served_as or "application/octet-stream")
    assert response["Content-Disposition"].startswith(f"{disposition}; ")
    assert filename_star(response["Content-Disposition"]) == filename
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == content
    # Asked as a download, every type is an attachment.
    response = alice_client.get(f"/ville-a/documents/fichier/{document.pk}/?telecharger=1")
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["Content-Type"] == (served_as or "application/octet-stream")


def test_file_name_is_safe_in_the_header(frozen, alice_client, household_a, menus):
    title = 'Menus "spéciaux" / ../..\\ rapport\u202efdp.exe\r\nX-Injected: 1'
    document = stored(menus, PDF, "application/pdf", "menu.pdf", title=title)
    response = alice_client.get(f"/ville-a/documents/fichier/{document.pk}/")
    header = response["Content-Disposition"]
    assert "X-Injected" not in response.headers or response.headers["X-Injected"] is None
    ascii_name = header.split('filename="', 1)[1].split('"', 1)[0]
    assert ascii_name == "Menus_speciaux_.._.._rapportfdp.exe_X-Injected_1.pdf"
    real = filename_star(header)
    assert real == 'Menus "spéciaux" .. .. rapportfdp.exe X-Injected: 1.pdf'
    assert "\u202e" not in real and "/" not in real and "\\" not in real
