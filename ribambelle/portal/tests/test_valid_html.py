"""Every page the browser tests visited is valid HTML for the Nu HTML Checker (vnu.jar): 0 errors.

Runs after every other test (marker html_validation). In CI (RIBAMBELLE_REQUIRE_BROWSER=1) a
missing Java or vnu.jar fails; elsewhere it skips and says why."""

import os
import re

import pytest

from ribambelle.messaging.tests.conftest import conversation_a  # noqa: F401 - fixture
from ribambelle.testing.browser import BROWSER_TESTS
from ribambelle.testing.html_checker import Page, PageArchive, check, vnu_command


def required() -> bool:
    return os.environ.get("RIBAMBELLE_REQUIRE_BROWSER", "") == "1"


@pytest.fixture
def vnu():
    command, reason = vnu_command()
    if command is None:
        if required():
            pytest.fail(f"RIBAMBELLE_REQUIRE_BROWSER=1: {reason}", pytrace=False)
        pytest.skip(reason)
    return command


def test_checker_reports_each_error_with_its_page(vnu, tmp_path):
    archive = PageArchive(tmp_path)
    valid = '<!DOCTYPE html><html lang="fr"><head><title>A</title></head><body><h1>A</h1>'
    archive.save("http://testserver/ville-a/", valid + "</body></html>", "test_a")
    archive.save(
        "http://testserver/ville-a/fiche/",
        valid + '<h3>B</h3><input name="a" autocomplete="street-address"></body></html>',
        "test_b",
    )
    problems = check(archive.pages(), vnu)
    assert {problem.page.url for problem in problems} == {"http://testserver/ville-a/fiche/"}
    messages = " ".join(problem.message for problem in problems)
    assert "street-address" in messages and "skipping 1 heading level" in messages
    assert "http://testserver/ville-a/fiche/ (line 1" in str(problems[0])


def test_archive_keeps_one_file_per_page_whatever_its_tokens(tmp_path):
    archive = PageArchive(tmp_path)
    page = (
        '<!DOCTYPE html><html><body><form><input type="hidden" name="csrfmiddlewaretoken" '
        'value="{token}"></form><script nonce="{token}"></script></body></html>'
    )
    archive.save("http://testserver/a/", page.format(token="one"), "t")
    archive.save("http://testserver/a/", page.format(token="two"), "t")
    archive.save("http://testserver/b/", page.format(token="one") + "<p>", "t")
    assert [entry.url for entry in archive.pages()] == [
        "http://testserver/a/",
        "http://testserver/b/",
    ]


@pytest.mark.html_validation
def test_pages_seen_by_the_browser_tests_are_valid_html(request, html_pages, vnu):
    pages: list[Page] = html_pages.pages()
    browser_tests = request.config.stash.get(BROWSER_TESTS, 0)
    if not pages:
        if browser_tests and required():
            pytest.fail(f"{browser_tests} browser tests ran and no page was saved", pytrace=False)
        pytest.skip("no browser test saved a page in this session")
    problems = check(pages, vnu)
    report = "\n".join(str(problem) for problem in problems)
    assert not problems, (
        f"{len(problems)} HTML error(s) on {len({p.page.url for p in problems})} of "
        f"{len(pages)} pages (files in {html_pages.folder}):\n{report}"
    )


# What the checker found, pinned without a browser -----------------------------------------------


@pytest.mark.django_db
def test_standalone_edit_page_heading_follows_the_h1(alice_client, child_a):
    html = alice_client.get(f"/ville-a/dossier/child/{child_a.pk}/child.school/modifier/")
    text = html.content.decode()
    editing = r'<h1>[^<]*</h1>\s*<div class="category category--editing"[^>]*>\s*<h2'
    assert re.search(editing, text)


@pytest.mark.django_db
def test_edit_form_swapped_into_a_fold_has_its_own_heading_id(alice_client, child_a):
    url = f"/ville-a/dossier/child/{child_a.pk}/child.medical/modifier/"
    text = alice_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert f'id="child-{child_a.pk}-child-medical-title"' not in text
    assert f'<h3 id="child-{child_a.pk}-child-medical-form-title">' in text


@pytest.mark.django_db
def test_one_line_address_uses_an_input_autocomplete_token(alice_client, household_a):
    text = alice_client.get("/ville-a/foyer/").content.decode()
    edit = re.search(r'data-hx-get="([^"]*household[^"]*modifier/)"', text).group(1)
    form = alice_client.get(edit).content.decode()
    assert 'autocomplete="address-line1"' in form
    assert "street-address" not in form


@pytest.mark.django_db
def test_message_times_have_no_microseconds(alice_client, conversation_a):  # noqa: F811
    text = alice_client.get(f"/ville-a/messagerie/{conversation_a.pk}/").content.decode()
    stamps = re.findall(r'<time datetime="([^"]+)"', text)
    assert stamps
    for stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", stamp), stamp
