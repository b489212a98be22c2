"""Staying signed in, in Chromium: the box on the login form gives a 30-day cookie, "Mon compte"
lists the browsers, and signing one out sends it to the login page at its next click."""

import time

import pytest
from playwright.sync_api import expect

from ribambelle.conftest import PASSWORD
from ribambelle.testing.browser import assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = 24 * 3600


def sign_in(page, base_url: str, *, remember: bool) -> None:
    page.goto(f"{base_url}/ville-a/connexion/")
    page.get_by_label("Adresse e-mail").fill("alice@example.org")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    box = page.get_by_label("Rester connecté sur cet appareil")
    expect(box).not_to_be_checked()
    if remember:
        box.check()
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Bonjour Alice")).to_be_visible()


def session_cookie(context) -> dict:
    return next(cookie for cookie in context.cookies() if cookie["name"] == "sessionid")


def test_remembered_phone_signs_the_laptop_out(new_context, live_server, alice):
    phone_context = new_context(viewport={"width": 360, "height": 740})
    phone = phone_context.new_page()
    sign_in(phone, live_server.url, remember=True)
    assert 30 * DAY - 120 <= session_cookie(phone_context)["expires"] - time.time() <= 30 * DAY

    laptop_context = new_context()
    laptop = laptop_context.new_page()
    sign_in(laptop, live_server.url, remember=False)
    assert session_cookie(laptop_context)["expires"] == -1  # ends with the browser

    phone.get_by_role("link", name="Mon compte").click()
    devices = phone.get_by_role("region", name="Appareils connectés")
    expect(devices.get_by_role("listitem")).to_have_count(2)
    expect(devices.get_by_text("cet appareil", exact=True)).to_have_count(1)
    assert_no_axe_violations(phone)
    other = devices.get_by_role("listitem").filter(has_not=phone.locator(".badge"))
    other.get_by_role("button", name="Déconnecter cet appareil").click()
    expect(phone.get_by_role("status")).to_contain_text("L'appareil a été déconnecté.")
    expect(devices.get_by_role("listitem")).to_have_count(1)

    laptop.get_by_role("link", name="Mon compte").click()
    expect(laptop.get_by_role("heading", level=1, name="Connexion")).to_be_visible()


def test_email_change_pages(new_context, live_server, alice):
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(page, live_server.url, remember=False)
    page.get_by_role("link", name="Mon compte").click()
    page.get_by_role("link", name="Changer mon adresse e-mail").click()
    field = page.get_by_label("Nouvelle adresse e-mail")
    expect(field).to_be_visible()  # just logged in: the password is not asked again
    assert_no_axe_violations(page)
    field.fill("alice.new@example.org")
    page.get_by_role("button", name="Envoyer le lien de confirmation").click()
    expect(page.get_by_role("heading", level=1, name="Consultez vos e-mails")).to_be_visible()
    assert_no_axe_violations(page)
