"""Storing and serving private files (invariant 6): one way for every app."""

import re

import pytest
from django.core.files.base import ContentFile
from django.http import Http404

from ribambelle.core.files import ATTACHMENT_TYPE, PDF, serve_file, store_private_file
from ribambelle.messaging.models import Attachment

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def stored(content: bytes, content_type: str) -> Attachment:
    attachment = Attachment()
    upload = ContentFile(content)
    upload.read()  # a form's check leaves the file read to the end
    store_private_file(attachment.file, upload, content_type)
    return attachment


def test_a_file_is_stored_whole_under_a_random_name_with_its_checked_extension():
    first, second = stored(PDF_BYTES, PDF), stored(PDF_BYTES, PDF)
    for attachment in (first, second):
        assert re.fullmatch(r"messaging/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", attachment.file.name)
        with attachment.file.open("rb") as handle:
            assert handle.read() == PDF_BYTES
    assert first.file.name != second.file.name
    assert store_private_file(Attachment().file, ContentFile(PNG_BYTES), "image/png").endswith(
        ".png"
    )


def disposition_of(response) -> tuple[str, str]:
    kind, name = re.match(r'(\w+); filename="([^"]*)"', response["Content-Disposition"]).groups()
    return kind, name


@pytest.mark.parametrize(
    ("content", "declared", "inline", "kind", "served_as"),
    [
        (PDF_BYTES, PDF, True, "inline", PDF),
        (PDF_BYTES, PDF, False, "attachment", PDF),
        (PNG_BYTES, "image/png", True, "inline", "image/png"),
        (PNG_BYTES, PDF, True, "attachment", ATTACHMENT_TYPE),
        (b"<html><script>alert(1)</script>", PDF, True, "attachment", ATTACHMENT_TYPE),
        (b"<svg onload='alert(1)'/>", "image/svg+xml", True, "attachment", ATTACHMENT_TYPE),
    ],
)
def test_inline_only_when_asked_and_the_bytes_match(content, declared, inline, kind, served_as):
    attachment = stored(content, "image/png" if content == PNG_BYTES else PDF)
    seen = []

    def filename(checked):
        seen.append(checked)
        return "Menu de la semaine.pdf"

    response = serve_file(attachment.file, content_type=declared, filename=filename, inline=inline)
    assert response["Content-Type"] == served_as
    assert disposition_of(response) == (kind, "Menu_de_la_semaine.pdf")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert seen == [None if served_as == ATTACHMENT_TYPE else served_as]
    assert b"".join(response.streaming_content) == content


def test_the_file_name_is_cleaned():
    attachment = stored(PDF_BYTES, PDF)
    response = serve_file(attachment.file, content_type=PDF, filename="../rapport\u202efdp.exe")
    assert disposition_of(response) == ("attachment", "rapportfdp.exe")
    assert "%2F" not in response["Content-Disposition"]


def test_a_lost_file_is_not_found():
    attachment = stored(PDF_BYTES, PDF)
    attachment.file.storage.delete(attachment.file.name)
    with pytest.raises(Http404):
        serve_file(attachment.file, content_type=PDF, filename="menu.pdf")
