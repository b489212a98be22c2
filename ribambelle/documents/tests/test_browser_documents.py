"""In Chromium: staff publish a menu; the family sees "1 document non lu" on the category,
opens the document in a new tab, and the badge is gone. axe-core finds no violation on these
pages."""

import pytest
from playwright.sync_api import expect

from ribambelle.conftest import PASSWORD
from ribambelle.documents.models import Document, ReadReceipt
from ribambelle.documents.tests.conftest import PDF
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_publish_then_family_opens_the_menu(
    new_context, live_server, agent_a, alice, household_a, child_a, menus
):
    staff = new_context().new_page()
    log_in(staff, live_server.url, agent_a.email, PASSWORD)
    staff.goto(f"{live_server.url}/ville-a/gestion/documents/publier/")
    assert_no_axe_violations(staff)
    staff.get_by_label("Catégorie").select_option(label="Menus")
    staff.get_by_label("Titre").fill("Menu de décembre")
    staff.get_by_label("Fichier").set_input_files(
        {"name": "menu.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    staff.get_by_label("toutes les familles").check()
    staff.get_by_role("button", name="Publier", exact=True).click()
    expect(staff.get_by_text("Le document « Menu de décembre » est publié.")).to_be_visible()
    assert_no_axe_violations(staff)
    document = Document.objects.get()

    context = new_context()
    page = context.new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes documents"
    ).click()
    menus_link = page.get_by_role("link", name="Menus")
    expect(menus_link.locator("[data-unread]")).to_have_text("1 document non lu")
    assert_no_axe_violations(page)

    menus_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Menus")
    expect(page.get_by_text("nouveau")).to_be_visible()
    assert_no_axe_violations(page)
    with context.expect_page() as new_tab:
        page.get_by_role("link", name="Ouvrir « Menu de décembre » (nouvel onglet)").click()
    assert new_tab.value.url.endswith(f"/ville-a/documents/fichier/{document.pk}/")
    # The new tab fetched the file: the household's read receipt exists.
    for _attempt in range(50):
        if ReadReceipt.objects.filter(document=document, household=household_a).exists():
            break
        page.wait_for_timeout(100)
    assert ReadReceipt.objects.filter(document=document, household=household_a).exists()

    page.get_by_role("link", name="← Mes documents").click()
    expect(page.get_by_role("link", name="Menus", exact=True)).to_be_visible()
    expect(page.locator("[data-unread]")).to_have_count(0)
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Menus").click()
    expect(page.get_by_text("nouveau")).to_have_count(0)


def test_staff_pages_have_no_axe_violation(page, live_server, manager_a, menus):
    log_in(page, live_server.url, manager_a.email, PASSWORD)
    page.goto(f"{live_server.url}/ville-a/gestion/documents/categories/")
    page.get_by_label("Nom de la catégorie").fill("Informations")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.get_by_text("La catégorie « Informations » est créée.")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"{live_server.url}/ville-a/gestion/documents/publier/")
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Choisissez une catégorie.")
    assert_no_axe_violations(page)
