"""The home page with every block (news, documents, unpaid invoice, unread message, today's
bookings): axe-core finds no violation, on a phone."""

import pytest
from playwright.sync_api import expect

from ribambelle.bookings.tests.conftest import canteen, frozen  # noqa: F401 - fixtures
from ribambelle.conftest import PASSWORD
from ribambelle.portal.tests.test_dashboard import fill
from ribambelle.testing.browser import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_with_every_block(
    frozen,  # noqa: F811
    mobile_page,
    live_server,
    alice,
    household_a,
    child_a,
    department_a,
    canteen,  # noqa: F811
):
    municipality = household_a.municipality
    municipality.news = "Fermeture exceptionnelle le vendredi 11 décembre."
    municipality.save()
    fill(municipality, household_a, child_a, department_a, canteen, 2)
    log_in(mobile_page, live_server.url, alice.email, PASSWORD)
    for title in ("Actualité", "Derniers documents", "Factures à payer", "Messagerie"):
        expect(mobile_page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    assert_no_axe_violations(mobile_page)
