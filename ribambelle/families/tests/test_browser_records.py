"""Acceptance: a parent edits a guardian's phone and a child's allergy in place, sees the
confirmation, reloads and sees the new values; a change under validation shows as pending until
staff accept it."""

import pytest
from playwright.sync_api import expect

from ribambelle.conftest import PASSWORD
from ribambelle.families.models import FamilySettings, PendingChange
from ribambelle.families.services.staff import change_accept
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_in_place_edits_and_validation(page, live_server, alice, household_a, child_a, agent_a):
    FamilySettings.objects.create(
        municipality=household_a.municipality, validated_categories=["child.medical"]
    )
    base = live_server.url
    log_in(page, base, alice.email, PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mon foyer"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon foyer")
    assert_no_axe_violations(page)

    guardian = household_a.guardians.get(user=alice)
    block = page.locator(f"#guardian-{guardian.pk}-guardian-contact")
    page.locator(f"#guardian-{guardian.pk} summary", has_text="Coordonnées").click()
    block.get_by_role("link", name="Modifier").click()
    phone = page.get_by_label("Téléphone portable")
    phone.fill("07 98 76 54 32")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").filter(has_text="Modification enregistrée")).to_be_visible()
    assert "/modifier/" not in page.url  # edited in place, no page change
    page.reload()
    page.locator(f"#guardian-{guardian.pk} summary", has_text="Coordonnées").click()
    expect(page.locator(f"#guardian-{guardian.pk}-guardian-contact")).to_contain_text(
        "07 98 76 54 32"
    )

    page.get_by_role("link", name="Mes enfants").click()
    page.get_by_role("link", name="Léa Martin").click()
    expect(page.get_by_text("Née le 14 mars 2018 à Lyon")).to_be_visible()
    page.locator("summary", has_text="Informations médicales").click()
    medical = page.locator(f"#child-{child_a.pk}-child-medical")
    medical.get_by_role("link", name="Modifier").click()
    page.get_by_label("Allergies").fill("Arachide")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("après validation par la mairie")
    page.reload()
    medical = page.locator(f"#child-{child_a.pk}-child-medical")
    expect(medical).to_contain_text("en attente de validation")
    expect(medical).to_contain_text("Arachide")
    assert_no_axe_violations(page)

    change_accept(actor=agent_a, change=PendingChange.objects.get(), message="")
    page.reload()
    medical = page.locator(f"#child-{child_a.pk}-child-medical")
    expect(medical).not_to_contain_text("en attente")
    expect(medical).to_contain_text("Arachide")


def test_edit_without_javascript(new_context, live_server, alice, household_a, child_a):
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/enfants/{child_a.pk}/")
    page.locator("summary", has_text="Scolarité").click()
    page.locator(f"#child-{child_a.pk}-child-school").get_by_role("link", name="Modifier").click()
    assert "/modifier/" in page.url
    page.get_by_label("Classe").fill("CE2")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("Modification enregistrée")
    page.locator("summary", has_text="Scolarité").click()
    expect(page.locator(f"#child-{child_a.pk}-child-school")).to_contain_text("CE2")


def test_pai_is_a_yes_no_question(mobile_page, live_server, alice, household_a, child_a):
    """At 360 px, the PAI and vaccination questions are radio buttons chosen by their label."""
    page = mobile_page
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/enfants/{child_a.pk}/")
    page.locator("summary", has_text="Informations médicales").click()
    medical = page.locator(f"#child-{child_a.pk}-child-medical")
    medical.get_by_role("link", name="Modifier").click()
    pai = page.get_by_role("group", name="Projet d'accueil individualisé (PAI)")
    expect(pai.get_by_role("radio", name="Non")).to_be_checked()
    vaccinations = page.get_by_role("group", name="Vaccinations obligatoires à jour")
    expect(vaccinations.get_by_role("radio", name="Non renseigné")).to_be_checked()
    assert_no_axe_violations(page)
    pai.get_by_text("Oui", exact=True).click()
    vaccinations.get_by_text("Non", exact=True).click()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("Modification enregistrée")
    medical = page.locator(f"#child-{child_a.pk}-child-medical")
    expect(
        medical.locator("dt", has_text="PAI").locator("xpath=following-sibling::dd[1]")
    ).to_have_text("oui")
    child_a.refresh_from_db()
    assert child_a.has_pai is True and child_a.vaccinations_up_to_date is False
