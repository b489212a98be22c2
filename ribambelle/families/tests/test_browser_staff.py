"""Staff in the browser: accepting a family's pending phone change from the queue, which the
family then sees applied; in-place editing of a household; no axe violation on the staff pages."""

import pytest
from playwright.sync_api import expect

from ribambelle.conftest import PASSWORD
from ribambelle.core.models import AuditEntry
from ribambelle.families.categories import CATEGORIES
from ribambelle.families.models import Consent, FamilySettings, PendingChange
from ribambelle.families.services.records import record_update
from ribambelle.families.tests.factories import HouseholdFactory
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_accepts_a_pending_phone_change(
    new_context, live_server, alice, household_a, agent_a
):
    FamilySettings.objects.create(
        municipality=household_a.municipality, validated_categories=["guardian.contact"]
    )
    guardian = household_a.guardians.get(user=alice)
    record_update(
        actor=alice,
        target=guardian,
        category=CATEGORIES["guardian.contact"],
        values={
            "email": guardian.email,
            "mobile_phone": "07 98 76 54 32",
            "other_phone": "",
            "address": "",
        },
    )
    base = live_server.url

    staff = new_context().new_page()
    log_in(staff, base, agent_a.email, PASSWORD)
    staff.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Demandes"
    ).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Demandes")
    request = staff.locator("article", has_text="Foyer Martin")
    expect(request).to_contain_text("06 11 22 33 44")
    expect(request).to_contain_text("07 98 76 54 32")
    assert_no_axe_violations(staff)
    request.get_by_label("Message à la famille").fill("C'est noté, merci.")
    request.get_by_role("button", name="Accepter").click()
    expect(staff.get_by_role("status")).to_contain_text("Demande acceptée")
    expect(staff.get_by_text("Aucune demande de modification en attente.")).to_be_visible()
    assert PendingChange.objects.get().status == PendingChange.Status.ACCEPTED

    parent = new_context().new_page()
    log_in(parent, base, alice.email, PASSWORD)
    parent.goto(f"{base}/ville-a/foyer/")
    parent.locator(f"#guardian-{guardian.pk} summary", has_text="Coordonnées").click()
    contact = parent.locator(f"#guardian-{guardian.pk}-guardian-contact")
    expect(contact).to_contain_text("07 98 76 54 32")
    expect(contact).not_to_contain_text("en attente")
    expect(parent.locator(f"#guardian-{guardian.pk}")).not_to_contain_text("en attente")


def test_staff_pages_edit_in_place_and_have_no_axe_violation(
    page, live_server, manager_a, household_a, child_a, dave
):
    HouseholdFactory(municipality=household_a.municipality, name="Foyer Nouveau", status="pending")
    Consent.objects.create(municipality=household_a.municipality, label="Droit à l'image")
    base = live_server.url
    log_in(page, base, manager_a.email, PASSWORD)

    page.get_by_role("link", name="Familles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Familles")
    assert_no_axe_violations(page)
    page.get_by_label("Nom du foyer").fill("Léa")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_text("1 foyer trouvé")).to_be_visible()
    page.get_by_role("link", name="Foyer Martin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Foyer Martin")
    assert_no_axe_violations(page)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.READ_HEALTH).count() == 1

    school = page.locator(f"#child-{child_a.pk}-child-school")
    school.get_by_role("link", name="Modifier").click()
    page.get_by_label("Classe").fill("CE2")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Enregistrer").click()
    school = page.locator(f"#child-{child_a.pk}-child-school")
    expect(school.get_by_role("status")).to_contain_text("Modification enregistrée")
    expect(school).to_contain_text("CE2")
    assert "/modifier/" not in page.url

    page.get_by_role("link", name="Demandes").click()
    expect(page.locator("article", has_text="Foyer Nouveau")).to_be_visible()
    assert_no_axe_violations(page)

    page.goto(f"{base}/ville-a/gestion/familles/{household_a.pk}/")
    page.get_by_role("link", name="Journal des modifications du foyer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal des modifications")
    expect(page.locator("table")).to_contain_text("CE2")
    assert_no_axe_violations(page)

    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Réglages"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réglages des dossiers familles")
    assert_no_axe_violations(page)
    page.get_by_label("Enfant – Informations médicales").check()
    page.get_by_role("button", name="Enregistrer les réglages").click()
    expect(page.get_by_role("status")).to_contain_text("réglages")
    assert FamilySettings.objects.get().validated_categories == ["child.medical"]
