"""The uploaded file: checked before it is stored, read back only unchanged, deleted when
confirmed, replaced or abandoned (forms_imports.py, imports/files.py)."""

import io
import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from ribambelle.accounts.models import Role
from ribambelle.conftest import logged_in, make_user
from ribambelle.families import forms_imports
from ribambelle.families.imports.files import file_name, import_files_purge
from ribambelle.families.models import Household
from ribambelle.families.tests.imports.steps import HEADER, VALID, token_of, upload, url

PE_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
REFUSED_FILES = [
    ("programme.csv", PE_PROGRAM, "est un programme"),
    ("programme.csv", b"\x7fELF\x02\x01\x01" + b"\x00" * 32, "est un programme"),
    ("script.csv", b"#!/bin/sh\nrm -rf /\n", "est un programme"),
    ("page.csv", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "page web"),
    ("page.csv", b"\xef\xbb\xbf  <html><body>x</body></html>", "page web"),
    (
        "image.csv",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="1"/></svg>',
        "page web",
    ),
    ("donnees.csv", b'<?xml version="1.0"?><familles/>', "page web"),
    (
        "familles.csv",
        HEADER.encode() + b"\n<script>alert(1)</script>;<svg onload=alert(1)>\n",
        "page web",
    ),
    ("familles.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 32, "est un classeur"),
    ("familles.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "est un classeur"),
    ("familles.pdf", b"%PDF-1.7\n%%EOF\n", "est un PDF"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "est une image"),
    ("photo.csv", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "est une image"),
    ("archive.csv", b"\x1f\x8b\x08\x00" + b"\x00" * 32, "archive compressée"),
    ("unicode.csv", "\ufeff".encode("utf-16-le") + HEADER.encode("utf-16-le"), "UTF-16"),
    ("binaire.csv", bytes(range(256)) * 4, "pas un fichier texte"),
    ("familles.csv", b"nom;prenom\nRoux;Anne\n", "reference_foyer"),
    ("familles.csv", HEADER.encode() + b"\n", "aucune ligne"),
]


def stored_files(settings) -> list[str]:
    root = settings.STORAGES["default"]["OPTIONS"]["location"]
    return sorted(str(path.relative_to(root)) for path in Path(root).rglob("*") if path.is_file())


def _age(settings, hours: float) -> None:
    """Make every stored import file `hours` old (the storage's modification time)."""
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    stamp = time.time() - hours * 3600
    for path in root.rglob("*.csv"):
        os.utime(path, (stamp, stamp))


def test_upload_limits(manager_client, municipality_a, monkeypatch):
    monkeypatch.setattr(forms_imports, "MAX_BYTES", 100)
    response = upload(manager_client, municipality_a, VALID)
    assert response.status_code == 400
    assert "Le fichier dépasse 5 Mo" in response.content.decode()
    response = upload(manager_client, municipality_a, b"")
    assert response.status_code == 400


def test_tampered_or_foreign_file_is_not_imported(manager_client, manager_a, municipality_a):
    token = token_of(upload(manager_client, municipality_a, VALID))
    name = f"family-imports/{municipality_a.pk}/{manager_a.pk}-{token}.csv"
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.delete(name)
    default_storage.save(name, ContentFile(VALID.replace("Roux", "Pirate").encode()))
    response = manager_client.post(url("import_confirm", municipality_a, token=token))
    assert response.url == url("import_upload", municipality_a)
    assert not Household.objects.exists()
    # Another manager's session does not know the token.
    other = logged_in(make_user(municipality_a, "chef2@ville-a.fr", Role.MANAGER))
    token = token_of(upload(manager_client, municipality_a, VALID))
    response = other.post(url("import_confirm", municipality_a, token=token))
    assert response.url == url("import_upload", municipality_a)
    assert not Household.objects.exists()


@pytest.mark.parametrize(("name", "content", "message"), REFUSED_FILES)
def test_refused_file_is_never_stored(
    manager_client, municipality_a, settings, name, content, message
):
    response = upload(manager_client, municipality_a, content, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored_files(settings) == []
    assert "families_import" not in manager_client.session


def test_a_refused_file_keeps_the_previous_pending_one(manager_client, municipality_a, settings):
    token = token_of(upload(manager_client, municipality_a, VALID))
    assert upload(manager_client, municipality_a, PE_PROGRAM).status_code == 400
    assert len(stored_files(settings)) == 1
    preview = manager_client.get(url("import_preview", municipality_a, token=token))
    assert preview.status_code == 200 and preview.context["plan"].ok


def test_confirmed_and_replaced_files_are_deleted_at_once(manager_client, municipality_a, settings):
    upload(manager_client, municipality_a, VALID)
    token = token_of(upload(manager_client, municipality_a, VALID))
    (only,) = stored_files(settings)
    assert token in only
    manager_client.post(url("import_confirm", municipality_a, token=token))
    assert stored_files(settings) == []


def test_abandoned_files_are_purged_after_24_hours(
    manager_client, municipality_a, municipality_b, settings
):
    token = token_of(upload(manager_client, municipality_a, VALID))
    manager_b = logged_in(make_user(municipality_b, "chef@ville-b.fr", Role.MANAGER))
    token_of(upload(manager_b, municipality_b, VALID))
    _age(settings, 23.5)
    other = logged_in(make_user(municipality_a, "chef2@ville-a.fr", Role.MANAGER))
    recent = token_of(upload(other, municipality_a, VALID))
    assert len(stored_files(settings)) == 3
    assert import_files_purge() == 0  # 23.5 h: still waiting for a confirmation

    _age(settings, 25)
    recent_name = file_name(municipality_a.pk, other.session["_auth_user_id"], recent)
    os.utime(Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / recent_name)
    out = io.StringIO()
    call_command("purge_import_files", stdout=out)
    assert "deleted: 2" in out.getvalue()
    assert stored_files(settings) == [recent_name]
    # The abandoned preview says the file is gone; the recent one still works.
    response = manager_client.get(url("import_preview", municipality_a, token=token))
    assert response.status_code == 302 and response.url == url("import_upload", municipality_a)
    assert other.get(url("import_preview", municipality_a, token=recent)).status_code == 200
    assert other.post(url("import_confirm", municipality_a, token=recent)).status_code == 302
    assert Household.objects.filter(municipality=municipality_a).count() == 3
    assert stored_files(settings) == []


def test_an_upload_purges_its_municipality_abandoned_files(
    manager_client, municipality_a, municipality_b, settings
):
    upload(manager_client, municipality_a, VALID)
    manager_b = logged_in(make_user(municipality_b, "chef@ville-b.fr", Role.MANAGER))
    upload(manager_b, municipality_b, VALID)
    _age(settings, 25)
    other = logged_in(make_user(municipality_a, "chef2@ville-a.fr", Role.MANAGER))
    token = token_of(upload(other, municipality_a, VALID))
    files = stored_files(settings)
    assert len(files) == 2
    assert any(token in name for name in files)
    assert any(name.startswith(f"family-imports/{municipality_b.pk}/") for name in files)


def test_purge_without_any_import_folder():
    assert import_files_purge() == 0
