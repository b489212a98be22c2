"""Accessibility of the shells in Chromium with axe-core, beyond the first-connection flow; and a
check that the axe helper does find violations, with the site's CSP in force."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from ribambelle.conftest import PASSWORD
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_axe_helper_reports_violations_under_the_csp(page, live_server, municipality_a):
    response = page.goto(f"{live_server.url}/ville-a/connexion/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp
    assert_no_axe_violations(page)

    page.evaluate(
        """() => {
            const input = document.createElement("input");
            input.type = "text";
            input.id = "axe-probe";
            document.querySelector("main").append(input);
        }"""
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_no_axe_violations(page)
    report = str(failure.value)
    assert "label (critical)" in report and "#axe-probe" in report


def test_a11y_parent_pages_on_a_phone(mobile_page, live_server, alice):
    page = mobile_page
    log_in(page, live_server.url, alice.email, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Bonjour Alice")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Mon compte").click()
    expect(page.get_by_role("heading", level=1, name="Mon compte")).to_be_visible()
    assert_no_axe_violations(page)

    # The current password is asked again 15 minutes after logging in.
    later = timezone.now() + datetime.timedelta(minutes=16)
    with time_machine.travel(later, tick=True):
        page.get_by_role("link", name="Changer mon mot de passe").click()
        expect(page.get_by_label("Mot de passe actuel")).to_be_visible()
        assert_no_axe_violations(page)

        page.get_by_label("Mot de passe actuel").fill(PASSWORD)
        page.get_by_role("button", name="Continuer").click()
        expect(
            page.get_by_role("heading", level=1, name="Changer mon mot de passe")
        ).to_be_visible()
    for details in page.locator("details").all():
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        expect(details).to_have_attribute("open", "")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("status")).to_contain_text("Déconnexion effectuée")
    assert_no_axe_violations(page)


def test_a11y_staff_pages(page, live_server, manager_a, department_a):
    log_in(page, live_server.url, manager_a.email, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Tableau de bord")).to_be_visible()
    assert_no_axe_violations(page)
    navigation = page.get_by_role("navigation", name="Menu principal")
    expect(navigation.get_by_role("link", name="Tableau de bord")).to_have_attribute(
        "aria-current", "page"
    )

    for label in ("Services", "Personnel"):
        navigation.get_by_role("link", name=label).click()
        expect(navigation.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")
        assert_no_axe_violations(page)

    for path in ("services/nouveau/", f"services/{department_a.pk}/", "personnel/inviter/"):
        page.goto(f"{live_server.url}/ville-a/gestion/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_no_axe_violations(page)

    # A form sent empty: the error summary and the fields in error.
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_axe_violations(page)
