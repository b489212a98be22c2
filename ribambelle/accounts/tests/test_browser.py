"""End to end in Chromium: first connection from the login page, e-mail, link, each of the three
ways to choose a password, login, home page; expired and used links; keyboard and axe checks."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import expect

from ribambelle.accounts import services
from ribambelle.accounts.models import Role, User
from ribambelle.accounts.rules import password_from_sentence
from ribambelle.conftest import PASSWORD
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEWCOMER_EMAIL = "nina@example.org"
OWN_PASSWORD = "Kp4#vZ9!mQ2wXy"
WEAK_PASSWORD = "Azerty123!"
SENTENCE = "Ma fille Zoé a eu 9 ans le 14 juin, quelle fête !"
METHOD_TITLES = {
    "own": "1. Je choisis mon mot de passe",
    "generated": "2. Un mot de passe est généré pour moi",
    "sentence": "3. Je le tire d'une phrase",
}


@pytest.fixture
def site(live_server, settings):
    """The live server's base URL, also used for the links in e-mails."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def newcomer(municipality_a):
    return User.objects.create_user(
        NEWCOMER_EMAIL, None, municipality=municipality_a, role=Role.PARENT, first_name="Nina"
    )


@pytest.fixture
def console_errors(page):
    """Errors the page logs, CSP refusals included: a blocked script shows up here."""
    errors = []

    def on_console(message):
        if message.type == "error":
            errors.append(f"{message.text} ({message.location['url']})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def link_from_outbox() -> str:
    body = mail.outbox[-1].body
    return next(word for word in body.split() if "/mot-de-passe/" in word)


def summary(page, method: str):
    return page.locator("summary", has_text=METHOD_TITLES[method])


def method_panel(page, method: str):
    return page.locator(f"#method-{method}")


def open_all_methods(page) -> None:
    for method in METHOD_TITLES:
        panel = method_panel(page, method)
        if panel.get_attribute("open") is None:
            summary(page, method).click()
        expect(panel).to_have_attribute("open", "")


def request_link_from_login_page(page, site: str, email: str, *, check_a11y=False) -> str:
    page.goto(f"{site}/ville-a/connexion/")
    if check_a11y:
        assert_no_axe_violations(page)
    page.get_by_role("link", name="Première connexion ou mot de passe oublié").click()
    expect(
        page.get_by_role("heading", level=1, name="Première connexion ou mot de passe oublié")
    ).to_be_visible()
    if check_a11y:
        assert_no_axe_violations(page)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.get_by_role("heading", level=1, name="Consultez vos e-mails")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(email)
    expect(page.get_by_text("courriers indésirables")).to_be_visible()
    if check_a11y:
        assert_no_axe_violations(page)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [email]
    return link_from_outbox()


def choose_own(page) -> str:
    panel = method_panel(page, "own")
    feedback = panel.locator("#password-feedback")
    password = panel.get_by_label("Nouveau mot de passe", exact=True)
    password.fill(WEAK_PASSWORD)
    expect(feedback).to_contain_text("trop facile à deviner")
    expect(feedback).not_to_contain_text("Ce mot de passe respecte les règles")
    password.fill(OWN_PASSWORD)
    expect(feedback).to_contain_text("Ce mot de passe respecte les règles")
    expect(feedback).to_contain_text("14 caractères")
    panel.get_by_label("Confirmez le mot de passe", exact=True).fill(OWN_PASSWORD)
    panel.get_by_role("button", name="Enregistrer ce mot de passe").click()
    return OWN_PASSWORD


def choose_generated(page) -> str:
    summary(page, "generated").click()
    panel = method_panel(page, "generated")
    panel.get_by_role("button", name="Générer un mot de passe").click()
    # A full page load: the panel comes back open with the drawn password.
    panel = method_panel(page, "generated")
    expect(panel).to_have_attribute("open", "")
    display = panel.get_by_label("Votre mot de passe", exact=True)
    expect(display).not_to_be_editable()
    generated = display.input_value()
    assert len(generated) >= 16
    panel.get_by_label("J'ai noté ce mot de passe").check()
    panel.get_by_role("button", name="Utiliser ce mot de passe").click()
    return generated


def choose_sentence(page) -> str:
    expected = password_from_sentence(SENTENCE)
    summary(page, "sentence").click()
    panel = method_panel(page, "sentence")
    panel.get_by_label("Votre phrase").fill(SENTENCE)
    feedback = panel.locator("#sentence-feedback")
    expect(feedback.locator("code")).to_have_text(expected)
    expect(feedback).to_contain_text("Ce mot de passe respecte les règles")
    panel.get_by_role("button", name="Utiliser ce mot de passe").click()
    return expected


CHOOSERS = {"own": choose_own, "generated": choose_generated, "sentence": choose_sentence}


@pytest.mark.parametrize("method", ["own", "generated", "sentence"])
def test_first_connection_with_each_method(page, site, newcomer, console_errors, method):
    link = request_link_from_login_page(page, site, NEWCOMER_EMAIL)
    assert link.startswith(f"{site}/ville-a/mot-de-passe/")

    page.goto(link)
    # The token leaves the address bar at once (no leak through history or Referer).
    expect(page).to_have_url(re.compile(r"/ville-a/mot-de-passe/[^/]+/$"))
    expect(page.get_by_role("heading", level=1, name="Créer votre mot de passe")).to_be_visible()
    expect(page.get_by_text(NEWCOMER_EMAIL)).to_be_visible()

    password = CHOOSERS[method](page)

    expect(page).to_have_url(re.compile(r"/ville-a/connexion/"))
    expect(page.get_by_role("status")).to_contain_text("Votre mot de passe est enregistré")
    expect(page.get_by_label("Adresse e-mail")).to_have_value(NEWCOMER_EMAIL)
    assert NEWCOMER_EMAIL not in page.url
    log_in(page, site, NEWCOMER_EMAIL, password)
    expect(page).to_have_url(f"{site}/ville-a/")
    expect(page.get_by_role("heading", level=1, name="Bonjour Nina")).to_be_visible()
    newcomer.refresh_from_db()
    assert newcomer.check_password(password)
    assert console_errors == []

    # Single use: the same link is refused with a clear message.
    page.goto(link)
    expect(page.get_by_role("heading", level=1, name="Lien expiré ou déjà utilisé")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("il a déjà servi")
    expect(page.get_by_role("link", name="Demander un nouveau lien")).to_be_visible()


def test_link_expires_after_24_hours(page, site, newcomer, municipality_a):
    # Relative destinations: an aware UTC one would also set TZ=UTC, and Django's token clock
    # (naive local time, Europe/Paris here) would jump by the UTC offset.
    assert services.password_link_request(
        municipality=municipality_a, email=NEWCOMER_EMAIL, ip="192.0.2.1"
    )
    link = link_from_outbox()

    with time_machine.travel(timedelta(hours=23, minutes=58)):
        page.goto(link)
        expect(
            page.get_by_role("heading", level=1, name="Créer votre mot de passe")
        ).to_be_visible()
        create_url = page.url

    with time_machine.travel(timedelta(hours=24, minutes=1)):
        # The token kept in the session dies with the link: the open page is refused too...
        page.goto(create_url)
        expect(
            page.get_by_role("heading", level=1, name="Lien expiré ou déjà utilisé")
        ).to_be_visible()
        # ...and so is the link itself.
        page.goto(link)
        expect(
            page.get_by_role("heading", level=1, name="Lien expiré ou déjà utilisé")
        ).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("plus de 24 heures")
        page.get_by_role("link", name="Demander un nouveau lien").click()
        expect(page).to_have_url(f"{site}/ville-a/premiere-connexion/")
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


def test_own_password_without_javascript(new_context, site, newcomer):
    page = new_context(java_script_enabled=False).new_page()
    link = request_link_from_login_page(page, site, NEWCOMER_EMAIL)
    page.goto(link)
    panel = method_panel(page, "own")

    # A refused password comes back with its reason, and what was typed is kept.
    panel.get_by_label("Nouveau mot de passe", exact=True).fill(WEAK_PASSWORD)
    panel.get_by_label("Confirmez le mot de passe", exact=True).fill(WEAK_PASSWORD)
    panel.get_by_role("button", name="Enregistrer ce mot de passe").click()
    expect(page.get_by_role("alert")).to_contain_text("trop facile à deviner")
    panel = method_panel(page, "own")
    field = panel.get_by_label("Nouveau mot de passe", exact=True)
    expect(field).to_have_value(WEAK_PASSWORD)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("trop facile à deviner"))

    panel.get_by_label("Nouveau mot de passe", exact=True).fill(OWN_PASSWORD)
    panel.get_by_label("Confirmez le mot de passe", exact=True).fill(OWN_PASSWORD)
    panel.get_by_role("button", name="Enregistrer ce mot de passe").click()
    expect(page.get_by_role("status")).to_contain_text("Votre mot de passe est enregistré")
    log_in(page, site, NEWCOMER_EMAIL, OWN_PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Bonjour Nina")).to_be_visible()


def test_sentence_preview_without_javascript(new_context, site, newcomer):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(request_link_from_login_page(page, site, NEWCOMER_EMAIL))
    summary(page, "sentence").click()
    panel = method_panel(page, "sentence")
    panel.get_by_label("Votre phrase").fill(SENTENCE)
    panel.get_by_role("button", name="Voir le mot de passe").click()
    panel = method_panel(page, "sentence")
    expect(panel).to_have_attribute("open", "")
    expect(panel.locator("#sentence-feedback code")).to_have_text(password_from_sentence(SENTENCE))
    expect(panel.get_by_label("Votre phrase")).to_have_value(SENTENCE)


def test_login_sets_secure_session_cookie_on_localhost(page, site, alice):
    """DEBUG is off in tests, so the session and CSRF cookies are Secure; Chromium keeps Secure
    cookies on http://localhost (a potentially trustworthy origin)."""
    assert site.startswith("http://localhost:")
    log_in(page, site, alice.email, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Bonjour Alice")).to_be_visible()
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["sessionid"]["secure"] and cookies["sessionid"]["httpOnly"]
    assert cookies["csrftoken"]["secure"]


# Accessibility: axe-core (WCAG 2.0/2.1 A and AA, best practices) on every page of the flow.


def test_a11y_login_and_link_request_pages(page, site, newcomer):
    request_link_from_login_page(page, site, NEWCOMER_EMAIL, check_a11y=True)


def test_a11y_login_errors(mobile_page, site, alice):
    page = mobile_page
    log_in(page, site, alice.email, "not-the-password")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Adresse e-mail ou mot de passe incorrect")
    expect(alert).to_be_focused()
    assert_no_axe_violations(page)


def test_a11y_password_creation_page(mobile_page, site, newcomer, municipality_a):
    page = mobile_page
    services.password_link_request(
        municipality=municipality_a, email=NEWCOMER_EMAIL, ip="192.0.2.1"
    )
    page.goto(link_from_outbox())
    open_all_methods(page)
    assert_no_axe_violations(page)

    # With live feedback for both the typed password and the sentence.
    method_panel(page, "own").get_by_label("Nouveau mot de passe", exact=True).fill(WEAK_PASSWORD)
    expect(page.locator("#password-feedback")).to_contain_text("trop facile à deviner")
    method_panel(page, "sentence").get_by_label("Votre phrase").fill(SENTENCE)
    expect(page.locator("#sentence-feedback code")).to_be_visible()
    assert_no_axe_violations(page)

    # After drawing a password (full page load), and after a refused submission.
    method_panel(page, "generated").get_by_role("button", name="Générer un mot de passe").click()
    expect(page.get_by_label("Votre mot de passe", exact=True)).to_be_visible()
    open_all_methods(page)
    assert_no_axe_violations(page)
    method_panel(page, "generated").get_by_role("button", name="Utiliser ce mot de passe").click()
    expect(page.get_by_role("alert")).to_contain_text("Cochez la case")
    expect(page.get_by_label("J'ai noté ce mot de passe")).to_have_accessible_description(
        re.compile("Cochez la case")
    )
    open_all_methods(page)
    assert_no_axe_violations(page)

    # Used or expired link page.
    page.goto(f"{site}/ville-a/mot-de-passe/MQ/not-a-token/")
    expect(page.get_by_role("heading", level=1, name="Lien expiré ou déjà utilisé")).to_be_visible()
    assert_no_axe_violations(page)


def test_a11y_parent_home(page, site, alice):
    log_in(page, site, alice.email, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Bonjour Alice")).to_be_visible()
    assert_no_axe_violations(page)


def test_a11y_root_page(page, site, municipality_a):
    page.goto(f"{site}/")
    assert_no_axe_violations(page)
    # Each language is offered in its own name, matching its lang attribute (WCAG 3.1.2).
    expect(page.locator('#language option[lang="en"]')).to_have_text("English")
    expect(page.locator('#language option[lang="fr"]')).to_have_text("Français")
    page.get_by_label("Nom de la commune ou code postal").fill("Ville")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("link", name="Ville A")).to_be_visible()
    assert_no_axe_violations(page)


def test_a11y_staff_home(page, site, manager_a):
    log_in(page, site, manager_a.email, PASSWORD)
    expect(page).to_have_url(f"{site}/ville-a/gestion/")
    expect(page.get_by_role("heading", level=1, name="Tableau de bord")).to_be_visible()
    assert_no_axe_violations(page)


def test_keyboard_skip_link_and_methods(page, site, newcomer, municipality_a):
    page.goto(f"{site}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # The three methods open and work from the keyboard alone.
    services.password_link_request(
        municipality=municipality_a, email=NEWCOMER_EMAIL, ip="192.0.2.1"
    )
    page.goto(link_from_outbox())
    summary(page, "sentence").focus()
    page.keyboard.press("Enter")
    expect(method_panel(page, "sentence")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Votre phrase")).to_be_focused()
    page.keyboard.type(SENTENCE)
    expect(page.locator("#sentence-feedback code")).to_have_text(password_from_sentence(SENTENCE))
