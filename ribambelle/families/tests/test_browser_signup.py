"""A new family signs up from the login page; the form is accessible, with and without errors,
and the household waits for the municipality's validation."""

import pytest
from playwright.sync_api import expect

from ribambelle.families.models import Household
from ribambelle.testing.browser import assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signup_from_the_login_page(page, live_server, municipality_a):
    page.goto(f"{live_server.url}/ville-a/connexion/")
    page.get_by_role("link", name="Créer mon compte").click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("alert")).to_contain_text("erreurs")
    assert_no_axe_violations(page)
    assert not Household.objects.exists()

    page.locator("#id_parent1-civility").select_option("mme")
    page.locator("#id_parent1-last_name").fill("Nguyen")
    page.locator("#id_parent1-first_name").fill("An")
    page.locator("#id_parent1-email").fill("an.nguyen@example.org")
    page.locator("#id_parent1-mobile_phone").fill("06 12 34 56 78")
    page.locator("#id_foyer-address").fill("3 rue des Lilas")
    page.locator("#id_foyer-postal_code").fill("75001")
    page.locator("#id_foyer-city").fill("Ville A")
    page.locator("#id_enfant-0-first_name").fill("Linh")
    page.locator("#id_enfant-0-last_name").fill("Nguyen")
    page.locator("#id_enfant-0-birth_date").fill("2018-09-01")
    page.locator("#id_enfant-0-sex").select_option("f")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_text("Votre demande est envoyée")).to_be_visible()
    household = Household.objects.get()
    assert household.status == Household.Status.PENDING
    assert household.children.get().first_name == "Linh"
