"""Invariant 12: private pages are never cached. Every response to a signed-in request says
`private, no-store`; what a view chose that is as strict, or private to its one reader (the
iCalendar feed), stays as it is."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import expect

from ribambelle.core.middleware import PrivateNoStoreMiddleware
from ribambelle.testing.browser import log_in

pytestmark = pytest.mark.django_db


class _SignedIn:
    is_authenticated = True


@pytest.mark.parametrize(
    ("signed_in", "chosen", "sent"),
    [
        (True, None, "private, no-store"),
        (True, "public, max-age=3600", "private, no-store"),
        (True, "max-age=600", "private, no-store"),
        (True, "no-cache", "private, no-store"),
        (True, "private, no-store", "private, no-store"),
        (
            True,
            "max-age=0, no-cache, no-store, must-revalidate, private",
            "max-age=0, no-cache, no-store, must-revalidate, private",
        ),
        (True, "private, max-age=900", "private, max-age=900"),
        (False, None, None),
        (False, "public, max-age=3600", "public, max-age=3600"),
    ],
)
def test_policy_table(signed_in, chosen, sent):
    def view(request):
        response = HttpResponse("x")
        if chosen:
            response["Cache-Control"] = chosen
            response["Expires"] = "Thu, 01 Jan 2099 00:00:00 GMT"
        return response

    request = RequestFactory().get("/")
    request.user = _SignedIn() if signed_in else AnonymousUser()
    response = PrivateNoStoreMiddleware(view)(request)
    assert response.get("Cache-Control") == sent
    if sent == "private, no-store" and chosen != sent:
        assert not response.has_header("Expires")


def test_authenticated_page_is_not_stored(alice_client, household_a, child_a):
    response = alice_client.get(f"/ville-a/enfants/{child_a.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_staff_page_and_csv_export_are_not_stored(agent_client):
    page = agent_client.get(reverse("backoffice:home", kwargs={"municipality_slug": "ville-a"}))
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"

    export = agent_client.get(
        reverse("billing_staff:export", kwargs={"municipality_slug": "ville-a"}),
        {"du": "2026-11-01", "au": "2026-11-30"},
    )
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert export["Cache-Control"] == "private, no-store"


def test_file_download_is_not_stored(alice_client, household_a):
    from ribambelle.families.models import FamilyDocument

    document = FamilyDocument(
        municipality=household_a.municipality,
        household=household_a,
        name="Attestation",
        content_type="application/pdf",
        size=9,
    )
    document.file.save("attestation.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    response = alice_client.get(f"/ville-a/foyer/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"


def test_public_pages_keep_their_own_policy(client, municipality_a):
    response = client.get("/ville-a/connexion/")
    assert "no-store" in response["Cache-Control"]  # never_cache: the form holds a CSRF token
    assert client.get("/").get("Cache-Control") is None


def test_calendar_feed_keeps_its_policy_even_with_a_session(alice_client, household_a):
    from ribambelle.bookings.feed import FEED_TTL
    from ribambelle.bookings.models import CalendarFeed

    token = CalendarFeed.objects.create(household=household_a).token
    response = alice_client.get(f"/ville-a/reservations/calendrier/{token}.ics")
    assert response.status_code == 200
    assert response["Cache-Control"] == f"private, max-age={int(FEED_TTL.total_seconds())}"


@pytest.fixture
def bfcache_page(browser):
    """A page in a Chromium that keeps the back/forward cache, as every user's browser does:
    Playwright turns it off by default (--disable-back-forward-cache)."""
    from ribambelle.testing.browser import CHROMIUM_ARGS, TIMEOUT_MS, chromium_path

    chromium = browser.browser_type.launch(
        executable_path=chromium_path(),
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
        headless=True,
    )
    context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()
    chromium.close()


@pytest.mark.browser
def test_back_after_logout_does_not_show_the_medical_record(
    bfcache_page, live_server, alice, household_a, child_a
):
    page = bfcache_page
    child_a.allergies = "Arachide, kiwi"
    child_a.save()
    log_in(page, live_server.url, alice.email, "Correct-Horse-Battery-42")
    page.goto(f"{live_server.url}/ville-a/enfants/{child_a.pk}/")
    page.locator("summary", has_text="Informations médicales").click()
    expect(page.get_by_text("Arachide, kiwi")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Connexion")
    # A page restored from the back/forward cache fires no load event: wait for the commit only.
    page.go_back(wait_until="commit")

    expect(page.get_by_text("Arachide, kiwi")).to_have_count(0)
    expect(page.get_by_label("Adresse e-mail")).to_be_visible()
    assert "/connexion/" in page.url
