"""The English catalogue: complete, consistent with its French msgids, and used by the pages.

Page tests compile the current django.po into a temporary LOCALE_PATHS (with the project's
compiler, as every install path does), so they never run against a stale django.mo."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from ribambelle.core import catalogues

PO_PATH = (
    Path(django_settings.BASE_DIR) / "ribambelle" / "locale" / "en" / "LC_MESSAGES" / "django.po"
)

PLACEHOLDER = re.compile(r"%\(([a-z_]+)\)(?:\.)?[0-9]*[sd]")
# "%(de).s" prints nothing: the English text drops the French elision ("de "/"d'") that way.
SILENT = re.compile(r"%\(de\)\.s")
TAG = re.compile(r"</?[a-z]+[^>]*>")


def unquote(line: str) -> str:
    body = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def parse_po(text: str) -> list[dict]:
    """Entries as dicts: "flags" (set), "msgid", optional "msgid_plural", "msgstr" (list)."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry = {"flags": set(), "msgstr": []}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if key == "msgstr":
                    entry["msgstr"][-1] += unquote(line)
                else:
                    entry[key] += unquote(line)
            else:
                keyword = line.split(" ", 1)[0]
                if keyword.startswith("msgstr"):
                    key = "msgstr"
                    entry["msgstr"].append(unquote(line))
                else:
                    key = keyword
                    entry[key] = unquote(line)
        entries.append(entry)
    return entries


ENTRIES = parse_po(PO_PATH.read_text(encoding="utf-8"))
HEADER = next(entry for entry in ENTRIES if entry["msgid"] == "")
MESSAGES = [entry for entry in ENTRIES if entry["msgid"] != ""]


def test_parser_reads_the_catalogue():
    assert len(MESSAGES) > 150
    assert any("msgid_plural" in entry for entry in MESSAGES)


def test_header_is_valid():
    header = HEADER["msgstr"][0]
    assert "Language: en\n" in header
    assert "Content-Type: text/plain; charset=UTF-8\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header
    assert "fuzzy" not in HEADER["flags"]


def test_every_entry_is_translated_and_not_fuzzy():
    untranslated = [e["msgid"] for e in MESSAGES if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in MESSAGES if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_plural_entries_have_both_forms():
    for entry in MESSAGES:
        expected = 2 if "msgid_plural" in entry else 1
        assert len(entry["msgstr"]) == expected, entry["msgid"]


def test_translations_keep_placeholders_and_html_tags():
    for entry in MESSAGES:
        for msgstr in entry["msgstr"]:
            assert sorted(PLACEHOLDER.findall(msgstr)) == sorted(
                PLACEHOLDER.findall(entry["msgid"])
            ), entry["msgid"]
            assert not SILENT.search(entry["msgid"]), entry["msgid"]
            assert TAG.findall(msgstr) == TAG.findall(entry["msgid"]), entry["msgid"]


@pytest.fixture(scope="session")
def compiled_locale(tmp_path_factory):
    root = tmp_path_factory.mktemp("locale")
    catalogues.compile_file(PO_PATH, root / "en" / "LC_MESSAGES" / "django.mo")
    return root


@pytest.fixture(autouse=True)
def _current_catalogue(request, settings):
    """Page tests (they use the database) read the catalogue compiled from the current .po."""
    if "db" in request.fixturenames:
        settings.LOCALE_PATHS = [request.getfixturevalue("compiled_locale")]


@pytest.mark.django_db
def test_french_is_the_default(client, municipality_a):
    html = client.get("/ville-a/connexion/").content.decode()
    assert '<html lang="fr">' in html
    assert "Se connecter" in html
    assert "Log in" not in html


@pytest.mark.django_db
def test_login_page_in_english_with_accept_language(client, municipality_a):
    response = client.get("/ville-a/connexion/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "First login or forgotten password" in html
    assert "Email address" in html
    assert "Se connecter" not in html
    assert "Mot de passe" not in html


@pytest.mark.django_db
def test_language_cookie_selects_english(client, municipality_a, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/ville-a/connexion/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Log in" in html
    assert "Se connecter" not in html


@pytest.mark.django_db
def test_language_form_switches_to_english(client, municipality_a, settings):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/ville-a/connexion/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(response["Location"]).content.decode()
    assert "Log in" in html
    assert "Se connecter" not in html


@pytest.mark.django_db
def test_family_home_in_english(alice_client, department_a):
    html = alice_client.get("/ville-a/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Family portal" in html
    assert "Log out" in html
    assert "My account" in html
    assert "Se déconnecter" not in html
    assert "Portail famille" not in html


@pytest.mark.django_db
def test_back_office_in_english(manager_client):
    html = manager_client.get("/ville-a/gestion/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Back office" in html
    assert "Dashboard" in html
    assert "Tableau de bord" not in html
